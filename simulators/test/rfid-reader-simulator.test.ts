import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRfidReaderSimulator, type RfidReaderSimulator, type RfidReaderSimulatorOptions, type TagPass } from '../src/rfid/rfid-reader-simulator.js';
import type { ImpinjTagInventoryEvent, ZebraSimpleEvent } from '../src/rfid/reader-messages.js';

// A real broker (aedes, hoisted in the workspace by hub-server) on an ephemeral port.
let broker: Aedes;
let server: Server;
let brokerUrl: string;
let subscriber: MqttClient;
const sims: RfidReaderSimulator[] = [];

beforeAll(async () => {
  broker = await Aedes.createBroker();
  server = createServer(broker.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  brokerUrl = `mqtt://127.0.0.1:${(server.address() as { port: number }).port}`;
  subscriber = await mqtt.connectAsync(brokerUrl, { reconnectPeriod: 0 });
});

afterAll(async () => {
  await subscriber?.endAsync();
  await new Promise<void>((resolve) => broker.close(() => resolve()));
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

let topicNo = 0;
/** Subscribes to a fresh topic and collects its payloads as text. */
async function listen() {
  const topic = `readers/test-${++topicNo}`;
  const messages: string[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  subscriber.on('message', (t, payload) => {
    if (t !== topic) return;
    messages.push(payload.toString('utf8'));
    for (const w of waiters.filter((w) => messages.length >= w.n)) w.resolve();
  });
  await subscriber.subscribeAsync(topic, { qos: 0 });
  const waitFor = (n: number) =>
    messages.length >= n
      ? Promise.resolve()
      : new Promise<void>((resolve, reject) => {
          waiters.push({ n, resolve });
          setTimeout(() => reject(new Error(`got ${messages.length} of ${n} messages on ${topic}`)), 5000).unref();
        });
  return { topic, messages, waitFor };
}

async function start(opts: Partial<RfidReaderSimulatorOptions> & Pick<RfidReaderSimulatorOptions, 'topic' | 'format'>) {
  const sim = await startRfidReaderSimulator({ brokerUrl, readerName: 'gate-in-1', seed: 7, readsPerSecond: 100, ...opts });
  sims.push(sim);
  return sim;
}

const EPC = '3574257BF7194E4000001A85';
const TID = 'E2801160200012345678ABCD';
const CHINA_CHANNELS = Array.from({ length: 20 }, (_, i) => 920_125 + 250 * i);

/** A read without its wall-clock time: what the seed decides. */
const seeded = (p: TagPass) => p.reads.map(({ at: _at, ...r }) => r);

describe('RFID reader simulator, Zebra IoT Connector SIMPLE', () => {
  it('publishes one SIMPLE event per read with byte-exact field names and the pass values', async () => {
    const sub = await listen();
    const sim = await start({ topic: sub.topic, format: 'zebra', rssi: { min: -70, max: -40 } });
    const pass = await sim.tagEnters(EPC, { durationMs: 200, antenna: 2, tid: TID });
    expect(pass.reads).toHaveLength(20);
    await sub.waitFor(20);
    const events = sub.messages.map((m) => JSON.parse(m) as ZebraSimpleEvent);
    for (const [i, e] of events.entries()) {
      expect(Object.keys(e)).toEqual(['data', 'timestamp', 'type']);
      expect(Object.keys(e.data)).toEqual(['eventNum', 'format', 'idHex', 'antenna', 'peakRssi', 'reads', 'TID']);
      const read = pass.reads[i]!;
      expect(e).toEqual({
        data: { eventNum: i + 1, format: 'epc', idHex: EPC, antenna: 2, peakRssi: Math.round(read.rssiDbm), reads: 1, TID },
        timestamp: read.at.toISOString().replace('Z', '+0000'),
        type: 'SIMPLE',
      });
      expect(e.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
      expect(Number.isInteger(e.data.peakRssi)).toBe(true);
      expect(e.data.peakRssi).toBeGreaterThanOrEqual(-70);
      expect(e.data.peakRssi).toBeLessThanOrEqual(-40);
    }
    // Approach and leave: the middle of the pass is stronger than its ends.
    const rssi = pass.reads.map((r) => r.rssiDbm);
    const mid = rssi.slice(7, 13).reduce((a, b) => a + b) / 6;
    const ends = [...rssi.slice(0, 3), ...rssi.slice(-3)].reduce((a, b) => a + b) / 6;
    expect(mid).toBeGreaterThan(ends + 10);
    expect(sim.stats).toMatchObject({ passes: 1, reads: 20, messages: 20, corrupted: 0, dropped: 0 });
  });

  it('spreads reads over the antennas when none is given, mostly on one', async () => {
    const sub = await listen();
    const sim = await start({ topic: sub.topic, format: 'zebra', antennas: [1, 2, 3, 4], hexCase: 'lower' });
    const pass = await sim.tagEnters(EPC, { durationMs: 1000 });
    await sub.waitFor(100);
    const counts = new Map<number, number>();
    for (const r of pass.reads) counts.set(r.antenna, (counts.get(r.antenna) ?? 0) + 1);
    expect(Math.max(...counts.values())).toBeGreaterThan(60);
    expect(counts.size).toBeGreaterThan(1);
    expect((JSON.parse(sub.messages[0]!) as ZebraSimpleEvent).data.idHex).toBe(EPC.toLowerCase());
  });
});

describe('RFID reader simulator, Impinj IoT Device Interface', () => {
  it('publishes tagInventory events with base64 epc, centi-dBm RSSI and China-band frequencies', async () => {
    const sub = await listen();
    const sim = await start({ topic: sub.topic, format: 'impinj', readerName: 'impinj-14-1a-2b', antennas: [1, 2] });
    const pass = await sim.tagEnters(EPC.toLowerCase(), { durationMs: 100, tid: TID });
    await sub.waitFor(10);
    const events = sub.messages.map((m) => JSON.parse(m) as ImpinjTagInventoryEvent);
    expect(events).toHaveLength(10);
    for (const [i, e] of events.entries()) {
      const read = pass.reads[i]!;
      expect(Object.keys(e)).toEqual(['timestamp', 'hostname', 'eventType', 'tagInventoryEvent']);
      expect(Object.keys(e.tagInventoryEvent)).toEqual([
        'epc', 'epcHex', 'tid', 'tidHex', 'antennaPort', 'antennaName', 'peakRssiCdbm', 'frequency', 'transmitPowerCdbm', 'lastSeenTime',
      ]);
      expect(e).toMatchObject({ timestamp: read.at.toISOString(), hostname: 'impinj-14-1a-2b', eventType: 'tagInventory' });
      const t = e.tagInventoryEvent;
      expect(t.epcHex).toBe(EPC);
      expect(Buffer.from(t.epc, 'base64').toString('hex').toUpperCase()).toBe(EPC);
      expect(Buffer.from(t.tid!, 'base64').toString('hex').toUpperCase()).toBe(TID);
      expect(t.tidHex).toBe(TID);
      expect(t.antennaPort).toBe(read.antenna);
      expect(t.peakRssiCdbm).toBe(read.rssiDbm * 100);
      expect(Math.abs(t.peakRssiCdbm % 50)).toBe(0);
      expect(t.peakRssiCdbm).toBeGreaterThanOrEqual(-7500);
      expect(t.peakRssiCdbm).toBeLessThanOrEqual(-4500);
      expect(CHINA_CHANNELS).toContain(t.frequency);
      expect(t.lastSeenTime).toBe(e.timestamp);
    }
  });

  it('batches events into JSON arrays when asked', async () => {
    const sub = await listen();
    const sim = await start({ topic: sub.topic, format: 'impinj', batch: true, batchIntervalMs: 50 });
    const pass = await sim.tagEnters(EPC, { durationMs: 300 });
    await new Promise((r) => setTimeout(r, 150));
    const batches = sub.messages.map((m) => JSON.parse(m) as ImpinjTagInventoryEvent[]);
    expect(batches.length).toBeGreaterThan(1);
    expect(batches.length).toBeLessThan(30);
    for (const b of batches) expect(Array.isArray(b)).toBe(true);
    expect(batches.flat().map((e) => e.tagInventoryEvent.peakRssiCdbm)).toEqual(pass.reads.map((r) => r.rssiDbm * 100));
    expect(sim.stats.messages).toBe(batches.length);
  });
});

describe('RFID reader simulator, repeatability and faults', () => {
  it('repeats the same reads for the same seed and calls, and differs for another seed', async () => {
    const topic = `readers/repeat-${++topicNo}`;
    const run = async (seed: number) => {
      const sim = await start({ topic, format: 'zebra', seed });
      const passes = [await sim.tagEnters(EPC, { durationMs: 100 }), await sim.tagEnters(TID, { durationMs: 150 })];
      await sim.close();
      return passes.map(seeded);
    };
    const a = await run(11);
    expect(await run(11)).toEqual(a);
    expect(await run(12)).not.toEqual(a);
  });

  it('keeps overlapping passes repeatable (each pass draws from its own stream)', async () => {
    const topic = `readers/overlap-${++topicNo}`;
    const run = async () => {
      const sim = await start({ topic, format: 'impinj', seed: 3 });
      const passes = await Promise.all([sim.tagEnters(EPC, { durationMs: 120 }), sim.tagEnters(TID, { durationMs: 80 })]);
      await sim.close();
      return passes.map(seeded);
    };
    expect(await run()).toEqual(await run());
  });

  it('corrupt: every message is broken JSON until turned off; publishRaw sends bytes as they are', async () => {
    const sub = await listen();
    const sim = await start({ topic: sub.topic, format: 'zebra' });
    sim.faults.corrupt(true);
    await sim.tagEnters(EPC, { durationMs: 100 });
    await sub.waitFor(10);
    for (const m of sub.messages) expect(() => JSON.parse(m)).toThrow();
    expect(sim.stats.corrupted).toBe(10);
    sim.faults.corrupt(false);
    await sim.tagEnters(EPC, { durationMs: 30 });
    await sub.waitFor(13);
    for (const m of sub.messages.slice(10)) expect((JSON.parse(m) as ZebraSimpleEvent).data.idHex).toBe(EPC);
    await sim.publishRaw('{"data":{"idHex":');
    await sub.waitFor(14);
    expect(sub.messages[13]).toBe('{"data":{"idHex":');
    expect(sim.stats).toMatchObject({ corrupted: 10, raw: 1, messages: 14 });
  });

  it('corrupts the same way for the same seed', async () => {
    const sub = await listen();
    const run = async () => {
      const sim = await start({ topic: sub.topic, format: 'impinj', seed: 99 });
      sim.faults.corrupt(true);
      await sim.tagEnters(EPC, { durationMs: 50 });
      await sim.close();
    };
    // Only the wall-clock timestamps differ between runs: compare with every digit masked.
    const masked = (ms: string[]) => ms.map((m) => m.replace(/[0-9]/g, '0'));
    await run();
    await sub.waitFor(5);
    await run();
    await sub.waitFor(10);
    expect(masked(sub.messages.slice(5))).toEqual(masked(sub.messages.slice(0, 5)));
    expect(new Set(sub.messages.map((m) => m.length)).size).toBeGreaterThan(1);
  });

  it('slow: messages arrive the delay later, in order', async () => {
    const sub = await listen();
    const sim = await start({ topic: sub.topic, format: 'zebra', readsPerSecond: 20 });
    sim.faults.slow(true, 300);
    const t0 = Date.now();
    await sim.tagEnters(EPC, { durationMs: 150 });
    expect(sub.messages).toHaveLength(0);
    await sub.waitFor(3);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    expect(sub.messages.map((m) => (JSON.parse(m) as ZebraSimpleEvent).data.eventNum)).toEqual([1, 2, 3]);
  });

  it('disconnect: drops the connection uncleanly, loses reads while down, reconnects and reads again', async () => {
    const sub = await listen();
    const sim = await start({ topic: sub.topic, format: 'zebra' });
    let clientDrops = 0;
    const onDisconnect = () => clientDrops++;
    broker.on('clientDisconnect', onDisconnect);
    const reconnected = sim.faults.disconnect(1000);
    await new Promise((r) => setTimeout(r, 20));
    expect(sim.connected).toBe(false);
    await sim.tagEnters(EPC, { durationMs: 50 });
    expect(sim.stats.dropped).toBe(5);
    await reconnected;
    expect(sim.connected).toBe(true);
    await sim.tagEnters(EPC, { durationMs: 50 });
    await sub.waitFor(5);
    broker.off('clientDisconnect', onDisconnect);
    expect(clientDrops).toBe(1);
    expect(sub.messages).toHaveLength(5);
    expect(sim.stats).toMatchObject({ disconnects: 1, dropped: 5, messages: 5, reads: 10 });
  });

  it('fails to start when no broker answers', async () => {
    const dead = createServer();
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const port = (dead.address() as { port: number }).port;
    await new Promise<void>((resolve) => dead.close(() => resolve()));
    await expect(
      startRfidReaderSimulator({ brokerUrl: `mqtt://127.0.0.1:${port}`, topic: 't', format: 'zebra', readerName: 'x', connectTimeoutMs: 300 }),
    ).rejects.toThrow(/no connection/);
  });
});
