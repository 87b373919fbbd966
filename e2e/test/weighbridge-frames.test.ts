import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createWeightDecoder, type WeightReading } from '@cjp/edge';
import { startWeighbridgeSimulator, type WeighbridgeFormat } from '@cjp/simulators';

// The simulator and the edge's decoders agree byte for byte: frames sent over a real socket, split
// at random byte boundaries and mixed with line noise, decode to exactly the states that were sent.
describe.each<WeighbridgeFormat>(['toledo', 'yaohua-xk3190'])('weighbridge %s: simulator ↔ edge decoder', (format) => {
  it('decodes every frame the simulator sent', async () => {
    const sim = await startWeighbridgeSimulator({
      format,
      framesPerSec: 200,
      seed: 11,
      garbageRatio: 0.2,
      splitWrites: true,
      trucks: [{ gross: 31250, riseFrames: 10, stableFrames: 10, fallFrames: 5, zeroFrames: 5 }],
    });
    const decoder = createWeightDecoder(format, {});
    const readings: WeightReading[] = [];
    const socket = connect(sim.port, '127.0.0.1');
    socket.on('data', (chunk: Buffer) => {
      for (const r of decoder.push(chunk)) if (r.ok) readings.push(r.reading);
    });
    await sim.finished;
    await new Promise((r) => setTimeout(r, 50));
    socket.destroy();
    await sim.close();

    const sent = sim.sent.slice(0, readings.length);
    expect(readings.length).toBeGreaterThanOrEqual(30);
    expect(readings.map((r) => r.grossKg)).toEqual(sent.map((s) => String(s.weight)));
    if (format === 'toledo') expect(readings.map((r) => r.stable)).toEqual(sent.map((s) => !s.motion));
    else expect(readings.every((r) => r.stable === null)).toBe(true); // XK3190 has no stability flag
  });
});
