import { afterEach, describe, expect, it } from 'vitest';
import { rfidDataSchema, type RfidData } from '@cjp/contracts';
import type { RfidMqttDeviceConfig } from '../src/config.js';
import type { DeviceContext } from '../src/device.js';
import { rfidMqttDeviceSchema } from '../src/drivers/rfid-mqtt/config.js';
import { parseReaderMessage, parseReaderTimestamp } from '../src/drivers/rfid-mqtt/formats.js';
import { RfidMqttDevice } from '../src/drivers/rfid-mqtt/rfid-mqtt-driver.js';
import type { DeviceReading } from '../src/reading.js';
import { startBroker, type TestBroker } from './support/broker.js';
import { captureLogger, until, type LogLine } from './support/util.js';

const TOPIC = 'readers/fx9600-gate1/data';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function broker(port?: number): Promise<TestBroker> {
  const b = await startBroker(port === undefined ? {} : { port });
  cleanups.push(() => b.close());
  return b;
}

/** What the reader publishes, as the broker would deliver it from the reader. */
function publish(b: TestBroker, payload: unknown, opts: { topic?: string; retain?: boolean } = {}): Promise<void> {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return new Promise((resolve, reject) =>
    b.aedes.publish(
      { cmd: 'publish', topic: opts.topic ?? TOPIC, payload: Buffer.from(body), qos: 0, retain: opts.retain ?? false, dup: false },
      (err) => (err ? reject(err) : resolve()),
    ),
  );
}

interface Harness {
  device: RfidMqttDevice;
  readings: DeviceReading[];
  lines: LogLine[];
  live: number;
  stateChanges: number;
}

function startDevice(b: TestBroker, overrides: Record<string, unknown> = {}, submitOk = true): Harness {
  const config = rfidMqttDeviceSchema.parse({
    id: 'rfid-gate-1',
    driver: 'rfid-mqtt',
    broker: { url: b.url, reconnectPeriodMs: 100, clientId: 'edge-rfid-gate-1' },
    topic: 'readers/+/data',
    format: 'zebra',
    ...overrides,
  }) as RfidMqttDeviceConfig;
  const { logger, lines } = captureLogger();
  const h: Harness = { device: null as unknown as RfidMqttDevice, readings: [], lines, live: 0, stateChanges: 0 };
  let seq = 0;
  const ctx: DeviceContext = {
    sink: {
      submit: (r) => {
        if (!submitOk) return { ok: false, error: 'outbox full' };
        h.readings.push(r);
        return { ok: true, seq: ++seq };
      },
    },
    logger,
    now: () => new Date(),
    onStateChange: () => (h.stateChanges += 1),
    onLive: () => (h.live += 1),
  };
  h.device = new RfidMqttDevice(config, ctx);
  h.device.start();
  cleanups.push(() => h.device.close());
  return h;
}

async function subscribed(b: TestBroker, h: Harness, times = 1): Promise<void> {
  await until('the device subscribed', () => b.subscriptions.filter((s) => s.clientId === 'edge-rfid-gate-1').length >= times);
  expect(h.device.health().state).toBe('connected');
}

const rfid = (h: Harness) => h.readings.map((r) => r.data as RfidData);

/** Zebra IoT Connector tag data event, field names as devices.md §3.3 lists them. */
function zebra(idHex: string, antenna: number, peakRssi: number, timestamp: string, extra: Record<string, unknown> = {}) {
  return { type: 'SIMPLE', timestamp, data: { eventNum: 1, format: 'epc', idHex, antenna, peakRssi, reads: 1, ...extra } };
}

/** Impinj IoT device interface tagInventory event, as devices.md §3.3 lists it. */
function impinj(tagInventoryEvent: Record<string, unknown>, timestamp: string) {
  return { timestamp, hostname: 'impinj-14-1f-2a', eventType: 'tagInventory', tagInventoryEvent };
}

/** Zebra's offset style: +0000 without a colon. */
const zebraTs = (d: Date) => d.toISOString().replace('Z', '+0000');

describe('rfid-mqtt: message formats (devices.md §3.3)', () => {
  it('parses a Zebra SIMPLE event: idHex uppercased, antenna, peakRssi in dBm, reader timestamp with +0000', () => {
    const m = parseReaderMessage('zebra', Buffer.from(JSON.stringify(zebra('e2801160600002084e9a1b2c', 2, -54.5, '2026-11-27T08:15:02.120+0000'))));
    expect(m.rejects).toEqual([]);
    expect(m.sightings).toEqual([{ epc: 'E2801160600002084E9A1B2C', antenna: 2, rssiDbm: -54.5, readerTs: new Date('2026-11-27T08:15:02.120Z') }]);
  });

  it('parses a Zebra JSON array (batched publish) and the TID metadata', () => {
    const m = parseReaderMessage(
      'zebra',
      Buffer.from(JSON.stringify([zebra('E2801160600002084E9A1B2C', 1, -60, '2026-11-27T08:15:02.120-0600', { TID: 'e2801160200074cf085209a7' }), zebra('300833B2DDD9014000000003', 3, -70, 'x')])),
    );
    expect(m.sightings).toHaveLength(2);
    expect(m.sightings[0]).toMatchObject({ tid: 'E2801160200074CF085209A7', readerTs: new Date('2026-11-27T14:15:02.120Z') });
    expect(m.sightings[1]).toMatchObject({ epc: '300833B2DDD9014000000003', antenna: 3, readerTs: null });
  });

  it('parses an Impinj tagInventory event: base64 epc, centi-dBm converted exactly, nanosecond timestamp', () => {
    const m = parseReaderMessage(
      'impinj',
      Buffer.from(
        JSON.stringify([
          impinj({ epc: '4oARYGAAAghOmhss', epcHex: 'E2801160600002084E9A1B2C', antennaPort: 1, antennaName: 'Antenna 1', peakRssiCdbm: -5325, tidHex: 'E2801160200074CF085209A7' }, '2026-11-27T08:15:02.120456789Z'),
          impinj({ epc: 'MAgzst3ZAUAAAAAD', antennaPort: 4, peakRssiCdbm: -4567 }, '2026-11-27T16:15:02.1+08:00'),
        ]),
      ),
    );
    expect(m.rejects).toEqual([]);
    expect(m.sightings).toEqual([
      { epc: 'E2801160600002084E9A1B2C', tid: 'E2801160200074CF085209A7', antenna: 1, rssiDbm: -53.25, readerTs: new Date('2026-11-27T08:15:02.120Z') },
      { epc: '300833B2DDD9014000000003', antenna: 4, rssiDbm: -45.67, readerTs: new Date('2026-11-27T08:15:02.100Z') },
    ]);
  });

  it('ignores Impinj events that are not tag reads, and refuses unknown shapes with a short reason', () => {
    const status = parseReaderMessage('impinj', Buffer.from(JSON.stringify({ timestamp: '2026-11-27T08:15:02Z', hostname: 'r700', eventType: 'inventoryStatus', inventoryStatusEvent: { inventoryStatus: 'running' } })));
    expect(status).toEqual({ sightings: [], rejects: [], ignored: 1 });

    const bad = (format: 'zebra' | 'impinj', v: unknown) => parseReaderMessage(format, Buffer.from(typeof v === 'string' ? v : JSON.stringify(v))).rejects;
    expect(bad('zebra', '{"type":"SIMPLE",')).toEqual(['zebra: message is not JSON (17 bytes)']);
    expect(bad('zebra', { hello: 1 })).toEqual(['zebra: no "data" object (not a tag data event)']);
    expect(bad('zebra', zebra('XYZ', 1, -50, ''))).toEqual(['zebra: data.idHex is not hex of 4..124 digits']);
    expect(bad('zebra', zebra('E280', 1, -5300, ''))[0]).toMatch(/out of range.*centi-dBm/);
    expect(bad('zebra', { data: { idHex: 'E280', format: 'tid' } })[0]).toMatch(/data.format "tid" is not supported/);
    expect(bad('impinj', impinj({ epcHex: 'E280', epc: 'MAgzst3ZAUAAAAAD', antennaPort: 1 }, ''))[0]).toMatch(/disagree/);
    expect(bad('impinj', impinj({ epc: '!!!', antennaPort: 1 }, ''))).toEqual(['impinj: tagInventoryEvent.epc is not a base64 EPC']);
    expect(bad('impinj', impinj({ epcHex: 'E280', antennaPort: 1, peakRssiCdbm: -53.5 }, ''))[0]).toMatch(/not an integer \(centi-dBm\)/);
    expect(bad('impinj', zebra('E280', 1, -50, ''))).toEqual(['impinj: no "eventType" nor "tagInventoryEvent"']);
    expect(bad('impinj', [1, null])).toEqual(['impinj: expected an object, got number', 'impinj: expected an object, got null']);
  });

  it('reads timestamps only with an explicit zone', () => {
    expect(parseReaderTimestamp('2026-11-27T08:15:02.120+0000')).toEqual(new Date('2026-11-27T08:15:02.120Z'));
    expect(parseReaderTimestamp('2026-11-27T08:15:02Z')).toEqual(new Date('2026-11-27T08:15:02Z'));
    expect(parseReaderTimestamp(1_795_000_000_000)).toEqual(new Date(1_795_000_000_000));
    expect(parseReaderTimestamp('2026-11-27 08:15:02')).toBeNull(); // whose local time?
    expect(parseReaderTimestamp('yesterday')).toBeNull();
    expect(parseReaderTimestamp(undefined)).toBeNull();
  });
});

describe('rfid-mqtt: config', () => {
  const base = { id: 'r1', driver: 'rfid-mqtt', broker: { url: 'mqtt://10.0.0.5:1883' }, topic: 'r/#', format: 'impinj' };
  it('emits at the first sighting for vehicle readers and per window for items, unless configured', () => {
    expect(rfidMqttDeviceSchema.parse({ ...base, role: 'vehicle' }).emit).toBe('first');
    expect(rfidMqttDeviceSchema.parse(base).emit).toBe('window');
    expect(rfidMqttDeviceSchema.parse({ ...base, emit: 'first' }).emit).toBe('first');
  });
  it('refuses an invalid topic filter and an unknown format', () => {
    expect(rfidMqttDeviceSchema.safeParse({ ...base, topic: 'r/#/x' }).success).toBe(false);
    expect(rfidMqttDeviceSchema.safeParse({ ...base, topic: 'r/a+' }).success).toBe(false);
    expect(rfidMqttDeviceSchema.safeParse({ ...base, format: 'llrp' }).success).toBe(false);
  });
});

describe('rfid-mqtt: reader on a real broker', () => {
  it('Zebra items: one event per tag presence after the window, with count, peak RSSI and the reader\'s times', async () => {
    const b = await broker();
    const h = startDevice(b, { format: 'zebra', role: 'item', dedupeWindowMs: 300 });
    await subscribed(b, h);

    const t0 = new Date(Date.now() - 1000);
    const t1 = new Date(t0.getTime() + 100);
    await publish(b, [zebra('e2801160600002084e9a1b2c', 1, -60, zebraTs(t0)), zebra('E2801160600002084E9A1B2C', 1, -52.5, zebraTs(t1))]);
    await publish(b, zebra('300833B2DDD9014000000003', 2, -70, zebraTs(t1)));

    await until('live shows two tags', () => h.device.health().live?.tags === 2);
    expect(h.readings).toEqual([]); // window: nothing until the tag is gone
    await until('both presences closed', () => h.readings.length === 2);

    const byEpc = Object.fromEntries(rfid(h).map((d) => [d.epc, d]));
    expect(byEpc['E2801160600002084E9A1B2C']).toEqual({
      epc: 'E2801160600002084E9A1B2C',
      antenna: 1,
      rssiDbm: -52.5,
      firstSeen: t0.toISOString(),
      lastSeen: t1.toISOString(),
      count: 2,
      role: 'item',
      source: 'zebra',
    });
    expect(byEpc['300833B2DDD9014000000003']).toMatchObject({ antenna: 2, rssiDbm: -70, count: 1 });
    for (const r of h.readings) {
      expect(r).toMatchObject({ kind: 'rfid', deviceId: 'rfid-gate-1', ts: (r.data as RfidData).lastSeen });
      expect(rfidDataSchema.safeParse(r.data).success).toBe(true);
    }
    await until('live shows no tags', () => h.device.health().live?.tags === 0);
    expect(h.device.health()).toMatchObject({ readings: 2, live: { tags: 0 } });
    expect(h.live).toBeGreaterThan(0);
  });

  it('Impinj vehicle tag: emitted at the first sighting, once per presence, RSSI from centi-dBm', async () => {
    const b = await broker();
    const h = startDevice(b, { format: 'impinj', role: 'vehicle', dedupeWindowMs: 5_000 });
    await subscribed(b, h);

    const now = new Date();
    const first = impinj({ epc: '4oARYGAAAghOmhss', epcHex: 'E2801160600002084E9A1B2C', antennaPort: 1, peakRssiCdbm: -5325 }, now.toISOString());
    await publish(b, first);
    await until('vehicle tag emitted', () => h.readings.length === 1);
    expect(h.readings[0]).toEqual({
      kind: 'rfid',
      deviceId: 'rfid-gate-1',
      ts: now.toISOString(),
      data: { epc: 'E2801160600002084E9A1B2C', antenna: 1, rssiDbm: -53.25, firstSeen: now.toISOString(), lastSeen: now.toISOString(), count: 1, role: 'vehicle', source: 'impinj' },
    });

    // the same tag again within the window: no second event; another tag: its own
    await publish(b, impinj({ epc: '4oARYGAAAghOmhss', antennaPort: 1, peakRssiCdbm: -5000 }, new Date(now.getTime() + 200).toISOString()));
    await publish(b, impinj({ epcHex: '300833B2DDD9014000000003', antennaPort: 2, peakRssiCdbm: -4567 }, new Date(now.getTime() + 300).toISOString()));
    await until('second tag emitted', () => h.readings.length === 2);
    await new Promise((r) => setTimeout(r, 100));
    expect(rfid(h).map((d) => [d.epc, d.rssiDbm])).toEqual([
      ['E2801160600002084E9A1B2C', -53.25],
      ['300833B2DDD9014000000003', -45.67],
    ]);
    expect(h.device.health().live).toEqual({ tags: 2, lastEpc: '300833B2DDD9014000000003' });
  });

  it('counts garbage as rejects, warns at most every 10 s with a count, and keeps reading', async () => {
    const b = await broker();
    const h = startDevice(b, { format: 'zebra', role: 'vehicle' });
    await subscribed(b, h);

    await publish(b, 'this is not json');
    await publish(b, { hello: 'world' });
    await publish(b, [zebra('E2801160600002084E9A1B2C', 1, -50, zebraTs(new Date())), 'junk']);
    await until('the good read in the mixed batch', () => h.readings.length === 1);
    await publish(b, zebra('300833B2DDD9014000000003', 1, -50, zebraTs(new Date())));
    await until('a read after the garbage', () => h.readings.length === 2);

    const health = h.device.health();
    expect(health.rejects).toEqual({ malformed: 3 });
    expect(health.lastError).toBe('zebra: expected an object, got string');
    expect(health.state).toBe('connected');
    const warnings = h.lines.filter((l) => l.msg === 'reader messages rejected');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ reason: 'zebra: message is not JSON (16 bytes)', rejected: 1 });
  });

  it('ignores antennas outside the filter (not an error) and refuses reads without antenna when filtering', async () => {
    const b = await broker();
    const h = startDevice(b, { format: 'zebra', role: 'vehicle', antennas: [1, 2] });
    await subscribed(b, h);
    const ts = zebraTs(new Date());
    await publish(b, zebra('AAAA0000000000000000000A', 3, -50, ts));
    await publish(b, { type: 'CUSTOM', timestamp: ts, data: { eventNum: 9, format: 'epc', idHex: 'AAAA0000000000000000000B' } });
    await publish(b, zebra('AAAA0000000000000000000C', 2, -50, ts));
    await until('antenna 2 read', () => h.readings.length === 1);
    expect(rfid(h)[0]?.epc).toBe('AAAA0000000000000000000C');
    expect(h.device.health().rejects).toEqual({ malformed: 1 });
    expect(h.device.health().lastError).toMatch(/without an antenna port/);
  });

  it('submits a read without antenna metadata as antenna 0 when there is no filter', async () => {
    const b = await broker();
    const h = startDevice(b, { format: 'zebra', role: 'vehicle' });
    await subscribed(b, h);
    await publish(b, { type: 'CUSTOM', timestamp: zebraTs(new Date()), data: { eventNum: 9, format: 'epc', idHex: 'AAAA0000000000000000000B' } });
    await until('read', () => h.readings.length === 1);
    expect(rfid(h)[0]).toMatchObject({ epc: 'AAAA0000000000000000000B', antenna: 0 });
    expect(rfid(h)[0]).not.toHaveProperty('rssiDbm');
  });

  it('uses the edge clock when the reader clock is more than 5 minutes off', async () => {
    const b = await broker();
    const h = startDevice(b, { format: 'impinj', role: 'vehicle' });
    await subscribed(b, h);
    const before = Date.now();
    await publish(b, impinj({ epcHex: 'E2801160600002084E9A1B2C', antennaPort: 1 }, new Date(before - 3_600_000).toISOString()));
    await until('read', () => h.readings.length === 1);
    const seen = Date.parse(rfid(h)[0]!.firstSeen);
    expect(seen).toBeGreaterThanOrEqual(before);
    expect(seen).toBeLessThanOrEqual(Date.now());
    expect(h.lines.some((l) => l.msg.startsWith('reader clock is off'))).toBe(true);
  });

  it('ignores retained messages (old reads replayed at subscribe)', async () => {
    const b = await broker();
    await publish(b, impinj({ epcHex: 'E2801160600002084E9A1B2C', antennaPort: 1 }, new Date().toISOString()), { topic: TOPIC, retain: true });
    const h = startDevice(b, { format: 'impinj', role: 'vehicle' });
    await subscribed(b, h);
    await publish(b, impinj({ epcHex: '300833B2DDD9014000000003', antennaPort: 1 }, new Date().toISOString()));
    await until('live read', () => h.readings.length === 1);
    expect(rfid(h)[0]?.epc).toBe('300833B2DDD9014000000003');
  });

  it('reconnects and subscribes again after the broker restarts', async () => {
    let b = await broker();
    const port = b.port;
    const h = startDevice(b, { format: 'zebra', role: 'vehicle', dedupeWindowMs: 0 });
    await subscribed(b, h);
    await publish(b, zebra('E2801160600002084E9A1B2C', 1, -50, zebraTs(new Date())));
    await until('read before restart', () => h.readings.length === 1);

    await b.close();
    await until('disconnected', () => h.device.health().state === 'disconnected');
    expect(h.lines.some((l) => l.msg === 'lost the reader\'s broker; reconnecting')).toBe(true);

    b = await broker(port);
    await subscribed(b, h);
    await publish(b, zebra('300833B2DDD9014000000003', 1, -50, zebraTs(new Date())));
    await until('read after restart', () => h.readings.length === 2);
    expect(h.device.health()).toMatchObject({ state: 'connected', readings: 2 });
    expect(h.stateChanges).toBeGreaterThanOrEqual(3);
  });

  it('window reads still open at close are emitted, not lost', async () => {
    const b = await broker();
    const h = startDevice(b, { format: 'zebra', role: 'item', dedupeWindowMs: 60_000 });
    await subscribed(b, h);
    await publish(b, zebra('E2801160600002084E9A1B2C', 1, -50, zebraTs(new Date())));
    await until('tag present', () => h.device.health().live?.tags === 1);
    expect(h.readings).toEqual([]);
    await h.device.close();
    expect(rfid(h).map((d) => d.epc)).toEqual(['E2801160600002084E9A1B2C']);
    expect(h.device.health().state).toBe('disconnected');
  });

  it('records a refused reading as an error, not a crash', async () => {
    const b = await broker();
    const h = startDevice(b, { format: 'zebra', role: 'vehicle' }, false);
    await subscribed(b, h);
    await publish(b, zebra('E2801160600002084E9A1B2C', 1, -50, zebraTs(new Date())));
    await until('error recorded', () => h.device.health().errors === 1);
    expect(h.device.health()).toMatchObject({ readings: 0, lastError: 'reading not stored: outbox full' });
  });
});
