import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createDevice, createWeightDecoder, parseEdgeConfig, type DeviceReading, type WeightDecoderOptions, type WeightReading } from '@cjp/edge';
import {
  openPtyPair,
  socatAvailable,
  startWeighbridgeSimulator,
  type IndicatorState,
  type TruckPass,
  type WeighbridgeFormat,
  type WeighbridgeFrameOptions,
} from '@cjp/simulators';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, ok: () => boolean, ms = 15_000): Promise<void> {
  for (const end = Date.now() + ms; !ok(); await sleep(10)) if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
}

/** Display units → the decimal string the edge gives: (3125, 2) → "31.25", (-40, 0) → "-40", (0, 2) → "0.00". */
function dec(weight: number, decimals: number): string {
  const digits = String(Math.abs(weight)).padStart(decimals + 1, '0');
  const text = decimals > 0 ? `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}` : digits;
  return weight < 0 ? `-${text}` : text;
}

/**
 * What the edge must read from a frame of `state` (devices.md 1.1, 1.2a-c): Toledo says motion,
 * overload and underload; XK3190 and '=' carry only the (signed) weight, so an out-of-range state
 * arrives as its weight; A12E has no stability flag and sends OL / LO frames without a weight.
 */
function expected(format: WeighbridgeFormat, s: IndicatorState, frame: WeighbridgeFrameOptions[WeighbridgeFormat]): Omit<WeightReading, 'raw'> {
  const negative = s.weight < 0;
  const grossKg = dec(s.weight, s.decimals);
  switch (format) {
    case 'toledo': {
      const short = (frame as WeighbridgeFrameOptions['toledo']).frame === 'short';
      return {
        grossKg,
        ...(short ? {} : { tareKg: dec(0, s.decimals) }),
        unit: 'kg',
        negative,
        overload: s.outOfRange && !negative,
        underload: s.outOfRange && negative,
        stable: !s.motion,
      };
    }
    case 'yaohua-xk3190':
    case 'yaohua-eq':
      return { grossKg, unit: 'kg', negative, overload: false, stable: null };
    case 'yaohua-a12e':
      if (s.outOfRange) return { unit: 'kg', negative, overload: !negative, underload: negative, stable: null };
      return { grossKg, unit: 'kg', negative, overload: false, underload: false, stable: null };
  }
}

/** limits: overload above 40 180, underload below −400 (display units) */
const LIMITS = { capacity: 40_000, division: 20 };
const TRUCKS: TruckPass[] = [
  { gross: 31250, riseFrames: 8, stableFrames: 8, fallFrames: 4, zeroFrames: 6, zeroDrift: -40 }, // then a negative reading
  { gross: 45000, riseFrames: 6, stableFrames: 6, fallFrames: 3, zeroFrames: 3 }, // over capacity
  { gross: 18000, riseFrames: 6, stableFrames: 6, fallFrames: 3, zeroFrames: 6, zeroDrift: -600 }, // then an underload
];

interface Case {
  format: WeighbridgeFormat;
  options: WeighbridgeFrameOptions[WeighbridgeFormat];
  decimals: number;
}
const CASES: Case[] = [
  { format: 'toledo', options: {}, decimals: 0 },
  { format: 'yaohua-xk3190', options: {}, decimals: 0 },
  { format: 'yaohua-eq', options: {}, decimals: 0 },
  { format: 'yaohua-a12e', options: {}, decimals: 0 },
  // the decoder options that change the bytes, set the same on both sides
  { format: 'toledo', options: { frame: 'short', checksum: false, lineFeed: true, motionBit: 'stable' }, decimals: 2 },
  { format: 'yaohua-xk3190', options: { colonNibbles: true }, decimals: 1 },
  { format: 'yaohua-eq', options: { reversed: false }, decimals: 3 },
  { format: 'yaohua-a12e', options: { checksum: false, lowercaseHeaders: true }, decimals: 2 },
];

// The simulator and the edge's decoders agree byte for byte: frames sent over a real socket, split
// at random byte boundaries, mixed with line noise and with corrupted frames among them, decode to
// exactly the states that were sent, and every corrupted frame is rejected.
describe.each(CASES)('weighbridge $format $options: simulator ↔ edge decoder', ({ format, options, decimals }) => {
  it('decodes every good frame the simulator sent (stable weights, overload, negative, underload) and rejects every corrupted one', async () => {
    const sim = await startWeighbridgeSimulator({
      format,
      frameOptions: options,
      framesPerSec: 200,
      seed: 11,
      decimals,
      limits: LIMITS,
      garbageRatio: 0.2,
      splitWrites: true,
      corruptRatio: 0.1,
      trucks: TRUCKS,
    });
    cleanups.push(() => sim.close());
    const decoder = createWeightDecoder(format, options as WeightDecoderOptions[typeof format]);
    const readings: Omit<WeightReading, 'raw'>[] = [];
    let frameRejects = 0;
    const socket = connect(sim.port!, '127.0.0.1');
    cleanups.push(() => void socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      for (const r of decoder.push(chunk)) {
        if (r.ok) {
          const { raw: _raw, ...reading } = r.reading;
          readings.push(reading);
        } else if (r.raw !== undefined) frameRejects++; // a frame-shaped rejection, not noise
      }
    });
    await sim.finished;
    const sent = sim.sent.slice();
    await until('every frame decoded', () => readings.length + frameRejects >= sent.length);

    const good = sent.filter((s) => !s.corrupted);
    const corrupted = sent.length - good.length;
    expect(corrupted).toBeGreaterThan(0);
    expect(frameRejects).toBeGreaterThanOrEqual(corrupted);
    expect(readings.slice(0, good.length)).toEqual(good.map((s) => expected(format, s, options)));
    expect(frameRejects).toBeLessThanOrEqual(sim.stats.corrupted); // only corrupted frames are rejected

    // the stream does hold what the test is about
    const w = (units: number) => dec(units, decimals);
    expect(readings.some((r) => r.grossKg === w(31250) && r.stable !== false)).toBe(true);
    expect(readings.some((r) => r.grossKg === w(18000))).toBe(true);
    expect(readings.some((r) => r.grossKg === w(-40) && r.negative)).toBe(true);
    if (format === 'toledo' || format === 'yaohua-a12e') {
      expect(readings.some((r) => r.overload && !r.negative)).toBe(true);
      expect(readings.some((r) => r.underload && r.negative)).toBe(true);
    } else {
      // no overload flag in these frames: the indicator's weight comes through as it is
      expect(readings.some((r) => r.grossKg === w(45000) && !r.overload)).toBe(true);
      expect(readings.some((r) => r.grossKg === w(-600) && r.negative)).toBe(true);
    }
  });
});

// The edge's real serial transport (serialport on a pty) reading the simulator's frames through a
// socat pty pair: `serial://<b>` exactly as a deployment would configure a USB-RS232 adapter.
describe('weighbridge over a pty pair: simulator → socat → edge serial driver', () => {
  const socat = socatAvailable();

  it.for<WeighbridgeFormat>(['toledo', 'yaohua-a12e'])('%s: emits one stable event per truck at rest and one zero event, none for the overloaded truck', async (format, ctx) => {
    if (!socat) ctx.skip('socat is not installed: the pty pair needs it (e.g. apt-get install socat)');
    const dir = mkdtempSync(join(tmpdir(), 'cjp-e2e-pty-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const pair = await openPtyPair(dir, { a: 'indicator', b: 'ttyWB0' });
    cleanups.push(() => pair.close());

    const config = parseEdgeConfig(
      {
        site: 'cjp',
        edgeId: 'wh-1',
        broker: { url: 'mqtt://127.0.0.1:1883' },
        outbox: { path: 'outbox.sqlite' },
        devices: [
          {
            id: 'weighbridge-1',
            driver: 'weighbridge',
            transport: `serial://${pair.b}`,
            baudRate: 9600,
            format,
            zeroBandKg: '60',
            reconnectBaseMs: 20,
            reconnectMaxMs: 200,
            ...(format === 'toledo' ? {} : { stability: { division: '20', minReadings: 5, minDurationMs: 0 } }),
          },
        ],
      },
      dir,
    );
    const deviceConfig = config.devices[0]!;
    const events: DeviceReading[] = [];
    const device = createDevice(deviceConfig, {
      sink: {
        submit: (r) => {
          events.push(r);
          return { ok: true, seq: events.length };
        },
      },
      logger: pino({ level: 'silent' }),
      now: () => new Date(),
      onStateChange: () => {},
    });
    cleanups.push(() => device.close());
    device.start();
    await until('the edge opened the pty', () => device.health().state === 'connected');

    const sim = await startWeighbridgeSimulator({
      format,
      pty: pair.a,
      framesPerSec: 100,
      seed: 5,
      limits: LIMITS,
      garbageRatio: 0.2,
      splitWrites: true,
      trucks: [
        { gross: 31250, riseFrames: 8, stableFrames: 8, fallFrames: 4, zeroFrames: 8, zeroDrift: -40 }, // drift within the zero band
        { gross: 45000, riseFrames: 6, stableFrames: 8, fallFrames: 3, zeroFrames: 3 }, // over capacity: no event
        { gross: 18000, riseFrames: 6, stableFrames: 8, fallFrames: 3, zeroFrames: 8 },
      ],
    });
    cleanups.push(() => sim.close());
    await sim.finished;
    await until('four weight events', () => events.length >= 4);
    await sleep(200); // and no more: the empty scale stays quiet

    const data = events.map((e) => e.data as { trigger: string; grossKg?: string; overload: boolean; stable: boolean; stabilitySource: string });
    expect(data.map((d) => [d.trigger, d.grossKg])).toEqual([
      ['stable', '31250'],
      ['zero', '-40'],
      ['stable', '18000'],
      ['zero', '0'],
    ]);
    expect(data.every((d) => d.stable && !d.overload && d.stabilitySource === (format === 'toledo' ? 'indicator' : 'inferred'))).toBe(true);
    expect(events.every((e) => e.kind === 'weight' && e.deviceId === 'weighbridge-1')).toBe(true);
    expect(device.health()).toMatchObject({ state: 'connected', readings: 4 });
    expect(sim.stats.ptyDropped).toBe(0);
  });
});
