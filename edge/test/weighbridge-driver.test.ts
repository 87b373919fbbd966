import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkEnvelope, weightDataSchema, type Envelope } from '@cjp/contracts';
import { startEdgeAgent, type EdgeAgent } from '../src/agent.js';
import { EdgeConfigError, parseEdgeConfig, type EdgeConfig } from '../src/config.js';
import { WeighbridgeDevice, createDevice, toKg } from '../src/drivers/index.js';
import type { DeviceReading } from '../src/reading.js';
import { startBroker, type TestBroker } from './support/broker.js';
import { TestHub } from './support/hub.js';
import { captureLogger, startScanner, until, type FakeScanner } from './support/util.js';

// ---- frame builders (from weighbridge-decoders.test.ts, written from devices.md 1.1 / 1.2a) -----

const STX = 0x02;
const CR = 0x0d;
const hex2 = (b: number) => b.toString(16).toUpperCase().padStart(2, '0');
const xor = (s: string) => [...Buffer.from(s, 'latin1')].reduce((a, b) => a ^ b, 0);

/** STX SWA SWB SWC weight tare CR CHK; the checksum makes the 7-bit sum ≡ 0 (mod 128). */
function toledo(swa: number, swb: number, swc: number, weight: string, tare = '000000', corrupt = false): Buffer {
  const body = Buffer.concat([Buffer.from([STX, swa, swb, swc]), Buffer.from(weight + tare, 'latin1'), Buffer.from([CR])]);
  const sum = [...body].reduce((a, b) => a + (b & 0x7f), 0);
  return Buffer.concat([body, Buffer.from([((128 - (sum % 128)) % 128) ^ (corrupt ? 0x01 : 0)])]);
}

// SWA 0x2a: integer display; SWB 0x30 kg gross at rest, 0x38 with the motion bit, 0x20 lb; SWC 0x20 lb/kg, 0x22 t
const tol = (kg: number, opts: { motion?: boolean; corrupt?: boolean } = {}) =>
  toledo(0x2a, opts.motion ? 0x38 : 0x30, 0x20, String(kg).padStart(6, '0'), '000000', opts.corrupt);

/** 0x02 '+'|'-' 6 digits decimals XOR("%02X") 0x03 */
function xk(kg: number, corrupt = false): Buffer {
  const body = `${kg < 0 ? '-' : '+'}${String(Math.abs(kg)).padStart(6, '0')}0`;
  const check = hex2(xor(body) ^ (corrupt ? 0x01 : 0));
  return Buffer.concat([Buffer.from([STX]), Buffer.from(body + check, 'latin1'), Buffer.from([0x03])]);
}

const repeat = (n: number, frame: Buffer) => Array.from({ length: n }, () => frame);

/**
 * A truck on the bridge: empty scale, driving on (rising, in motion), standing at 31250 kg (many
 * frames, a one-division wobble and a corrupted frame among them), driving off, empty again.
 */
function truckProfile(frame: (kg: number, motion: boolean) => Buffer, corrupt: Buffer): Buffer {
  return Buffer.concat([
    ...repeat(6, frame(0, false)),
    ...[4_000, 11_500, 19_800, 27_300, 30_900, 31_240].map((kg) => frame(kg, true)),
    ...repeat(8, frame(31_250, false)),
    frame(31_260, false),
    corrupt,
    ...repeat(8, frame(31_250, false)),
    ...[24_000, 12_000, 3_500, 120].map((kg) => frame(kg, true)),
    ...repeat(8, frame(0, false)),
    frame(10, false),
    ...repeat(4, frame(0, false)),
  ]);
}

// ---- fixtures ----------------------------------------------------------------------------------

let dir: string;
let broker: TestBroker;
let indicator: FakeScanner;
const cleanups: (() => Promise<void>)[] = [];

function config(device: Record<string, unknown>): EdgeConfig {
  return parseEdgeConfig(
    {
      site: 'cjp',
      edgeId: 'wh-1',
      broker: { url: broker.url, password: 'secret', reconnectBaseMs: 20, reconnectMaxMs: 200 },
      outbox: { path: 'outbox.sqlite' },
      devices: [
        { id: 'weighbridge-1', driver: 'weighbridge', transport: `tcp://127.0.0.1:${indicator.port}`, reconnectBaseMs: 20, reconnectMaxMs: 200, ...device },
      ],
    },
    dir,
  );
}

async function agentWith(cfg: EdgeConfig): Promise<EdgeAgent> {
  const agent = await startEdgeAgent(cfg, { logger: captureLogger().logger });
  cleanups.push(() => agent.close());
  return agent;
}

async function hub(): Promise<TestHub> {
  const h = await TestHub.start(broker.url);
  cleanups.push(() => h.close());
  return h;
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cjp-weighbridge-'));
  broker = await startBroker();
  indicator = await startScanner(); // a plain net server on port 0: here it plays the indicator
});

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await indicator.close();
  await broker.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Streams the profile, then one more corrupted frame as an end marker: once it is counted, every frame before it was processed. */
async function runTruck(agent: EdgeAgent, h: TestHub, profile: Buffer, marker: Buffer, errorsInProfile: number): Promise<Envelope[]> {
  await until('indicator connected', () => indicator.connected);
  await until('agent online', () => h.statuses.some((s) => s.state === 'online'));
  // in uneven chunks, as a serial server forwards them
  for (let at = 0; at < profile.length; at += 37) indicator.send(profile.subarray(at, at + 37));
  indicator.send(marker);
  await until('every frame processed', () => agent.health().devices[0]?.errors === errorsInProfile + 1);
  await until('outbox drained to the hub', () => agent.outboxDepth() === 0);
  expect(h.invalid).toEqual([]);
  for (const e of h.received) expect(checkEnvelope(JSON.parse(JSON.stringify(e)))).toMatchObject({ ok: true });
  return h.distinct();
}

describe('weighbridge driver through the agent, broker and hub', () => {
  it('toledo: one stable event per truck at rest and one zero event when it has left, not one per frame', async () => {
    const h = await hub();
    const agent = await agentWith(config({ format: 'toledo', zeroBandKg: '20' }));
    const events = await runTruck(agent, h, truckProfile((kg, motion) => tol(kg, { motion }), tol(31_250, { corrupt: true })), tol(0, { corrupt: true }), 1);

    expect(events.map((e) => ({ kind: e.kind, deviceId: e.deviceId, data: e.data }))).toEqual([
      {
        kind: 'weight',
        deviceId: 'weighbridge-1',
        data: { grossKg: '31250', tareKg: '0', stable: true, stabilitySource: 'indicator', overload: false, underload: false, trigger: 'stable', format: 'toledo' },
      },
      {
        kind: 'weight',
        deviceId: 'weighbridge-1',
        data: { grossKg: '0', tareKg: '0', stable: true, stabilitySource: 'indicator', overload: false, underload: false, trigger: 'zero', format: 'toledo' },
      },
    ]);
    expect(agent.health().devices[0]).toMatchObject({ driver: 'weighbridge', state: 'connected', readings: 2, errors: 2, lastError: expect.stringMatching(/^checksum 0x.. does not match 0x..$/) });
  });

  it('yaohua-xk3190: stability inferred from N readings within one division, same two events', async () => {
    const h = await hub();
    const agent = await agentWith(config({ format: 'yaohua-xk3190', zeroBandKg: '20', stability: { division: '20', minReadings: 5, minDurationMs: 0 } }));
    const events = await runTruck(agent, h, truckProfile((kg) => xk(kg), xk(31_250, true)), xk(0, true), 1);

    expect(events.map((e) => e.data)).toEqual([
      { grossKg: '31250', stable: true, stabilitySource: 'inferred', overload: false, trigger: 'stable', format: 'yaohua-xk3190' },
      { grossKg: '0', stable: true, stabilitySource: 'inferred', overload: false, trigger: 'zero', format: 'yaohua-xk3190' },
    ]);
    expect(agent.health().devices[0]).toMatchObject({ readings: 2, errors: 2, lastError: expect.stringMatching(/^XOR check ".." does not match ..$/) });
  });

  it('emits again for the next truck, after motion, and not for an overload', async () => {
    const h = await hub();
    const agent = await agentWith(config({ format: 'toledo', zeroBandKg: '20' }));
    const over = toledo(0x2a, 0x34, 0x20, '999999'); // SWB bit 2: out of range, positive → overload, "at rest"
    const profile = Buffer.concat([
      ...repeat(3, tol(18_000)),
      tol(18_100, { motion: true }),
      ...repeat(3, tol(18_000)), // the same weight again after motion: the truck stood still twice
      ...repeat(3, over),
      ...repeat(3, tol(0)),
      ...repeat(3, tol(0)),
    ]);
    const events = await runTruck(agent, h, profile, tol(0, { corrupt: true }), 0);
    expect(events.map((e) => [(e.data as { trigger: string }).trigger, (e.data as { grossKg: string }).grossKg])).toEqual([
      ['stable', '18000'],
      ['stable', '18000'],
      ['zero', '0'],
    ]);
  });
});

// ---- the device alone, over a real TCP socket, with a recording sink --------------------------

describe('weighbridge device', () => {
  async function deviceWith(device: Record<string, unknown>, clock: { ms: number }) {
    const cfg = config(device).devices[0];
    if (cfg?.driver !== 'weighbridge') throw new Error('expected a weighbridge config');
    const readings: DeviceReading[] = [];
    const log = captureLogger();
    const dev = createDevice(cfg, {
      sink: {
        submit: (r) => {
          readings.push(r);
          return { ok: true, seq: readings.length };
        },
      },
      logger: log.logger,
      now: () => new Date(clock.ms),
      onStateChange: () => {},
    });
    if (!(dev instanceof WeighbridgeDevice)) throw new Error('expected a WeighbridgeDevice');
    cleanups.push(() => dev.close());
    dev.start();
    await until('indicator connected', () => indicator.connected);
    return { dev, readings, lines: log.lines };
  }

  it('converts a frame in t to kg exactly (31.25 t → "31250") and keeps the live value', async () => {
    const clock = { ms: Date.parse('2026-11-27T08:00:00Z') };
    const { dev, readings } = await deviceWith({ format: 'toledo' }, clock);
    expect(dev.live()).toEqual({ grossKg: null, stable: null, overload: false, at: null });

    // SWA 0x2c: two decimals; SWC 0x22: t; tare 0.50 t
    indicator.send(Buffer.concat([toledo(0x2c, 0x38, 0x22, '003100', '000050'), toledo(0x2c, 0x30, 0x22, '003125', '000050')]));
    await until('one reading', () => readings.length === 1);
    expect(readings[0]).toEqual({
      kind: 'weight',
      deviceId: 'weighbridge-1',
      ts: '2026-11-27T08:00:00.000Z',
      data: { grossKg: '31250', tareKg: '500', stable: true, stabilitySource: 'indicator', overload: false, underload: false, trigger: 'stable', format: 'toledo' },
    });
    expect(weightDataSchema.safeParse(readings[0]?.data).success).toBe(true);
    expect(dev.live()).toEqual({ grossKg: '31250', stable: true, overload: false, at: '2026-11-27T08:00:00.000Z' });
    expect(dev.health()).toMatchObject({ readings: 1, errors: 0, lastReadingAt: '2026-11-27T08:00:00.000Z' });
    // the live value reaches the status (and the agent's live topic) too
    expect(dev.health().live).toEqual({ grossKg: '31250', stable: true, overload: false });
  });

  it('counts bad-check and lb frames as errors without events, warning at most once per 10 s with a count', async () => {
    const clock = { ms: Date.parse('2026-11-27T08:00:00Z') };
    const { dev, readings, lines } = await deviceWith({ format: 'toledo' }, clock);
    const lb = toledo(0x2a, 0x20, 0x20, '068894'); // SWB bit 4 clear with SWC unit 000: lb
    indicator.send(Buffer.concat([...repeat(5, tol(31_250, { corrupt: true })), lb]));
    await until('6 errors', () => dev.health().errors === 6);
    expect(dev.health()).toMatchObject({ readings: 0, lastError: 'unit lb refused: it has no exact kg value (set the indicator to kg or t)' });
    const warnings = () => lines.filter((l) => l.msg === 'weighbridge frames rejected');
    expect(warnings().map((l) => l['rejected'])).toEqual([1]);

    clock.ms += 10_000;
    indicator.send(tol(5, { corrupt: true }));
    await until('7 errors', () => dev.health().errors === 7);
    expect(warnings().map((l) => l['rejected'])).toEqual([1, 6]);
    expect(warnings()[1]?.['reason']).toMatch(/^checksum 0x.. does not match 0x..$/);
    expect(readings).toEqual([]);
    expect(dev.live()).toEqual({ grossKg: null, stable: null, overload: false, at: null });
  });
});

describe('weighbridge config and units', () => {
  it('requires stability for yaohua-xk3190, naming the path', () => {
    let err: unknown;
    try {
      parseEdgeConfig(
        { site: 'cjp', edgeId: 'wh-1', broker: { url: 'mqtt://hub:1883' }, devices: [{ id: 'wb-1', driver: 'weighbridge', transport: 'tcp://10.0.0.5:4001', format: 'yaohua-xk3190' }] },
        dir,
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EdgeConfigError);
    expect((err as EdgeConfigError).issues).toEqual([expect.stringMatching(/^devices\.0\.stability: required: yaohua-xk3190 frames carry no stability flag/)]);
  });

  it('validates the per-format options and shares the scanner transport settings', () => {
    const c = parseEdgeConfig(
      {
        site: 'cjp',
        edgeId: 'wh-1',
        broker: { url: 'mqtt://hub:1883' },
        devices: [
          { id: 'wb-1', driver: 'weighbridge', transport: 'serial:///dev/ttyS1', baudRate: 4800, parity: 'even', dataBits: 7, format: 'yaohua-eq', options: { unit: 't' }, stability: { division: '0.02' } },
        ],
      },
      dir,
    );
    expect(c.devices[0]).toEqual({
      id: 'wb-1',
      driver: 'weighbridge',
      format: 'yaohua-eq',
      options: { unit: 't' },
      zeroBandKg: '0',
      stability: { division: '0.02', minReadings: 5, minDurationMs: 1000 },
      reconnectBaseMs: 500,
      reconnectMaxMs: 10_000,
      transport: { kind: 'serial', url: 'serial:///dev/ttyS1', path: '/dev/ttyS1', baudRate: 4800, dataBits: 7, parity: 'even', stopBits: 1 },
    });
    let err: unknown;
    try {
      parseEdgeConfig(
        {
          site: 'cjp',
          edgeId: 'wh-1',
          broker: { url: 'mqtt://hub:1883' },
          devices: [{ id: 'wb-1', driver: 'weighbridge', transport: 'tcp://10.0.0.5:4001', format: 'toledo', options: { motionBit: 'moving' }, zeroBandKg: 0.5, stability: { division: '1' } }],
        },
        dir,
      );
    } catch (e) {
      err = e;
    }
    expect((err as EdgeConfigError).issues).toEqual([
      expect.stringMatching(/^devices\.0\.zeroBandKg: expected a non-negative exact decimal/),
      expect.stringMatching(/^devices\.0\.options\.motionBit: /),
      "devices.0.stability: not used: toledo frames carry the indicator's stability flag",
    ]);
  });

  it('converts t and g to kg as exact decimal shifts and refuses lb', () => {
    expect(toKg('31.25', 't')).toBe('31250');
    expect(toKg('0.02', 't')).toBe('20');
    expect(toKg('-1.5', 't')).toBe('-1500');
    expect(toKg('12.3456', 't')).toBe('12345.6');
    expect(toKg('1230', 'g')).toBe('1.230');
    expect(toKg('5', 'g')).toBe('0.005');
    expect(toKg('0', 't')).toBe('0');
    expect(toKg('31250', 'kg')).toBe('31250');
    expect(toKg('100', 'lb')).toBeNull();
  });
});
