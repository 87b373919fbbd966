import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StatusCodes } from 'node-opcua-client';
import { ioDataSchema, rfidDataSchema, weightDataSchema } from '@cjp/contracts';
import { startEdgeAgent } from '../src/agent.js';
import { EdgeConfigError, parseEdgeConfig } from '../src/config.js';
import type { Device } from '../src/device.js';
import { createOpcuaDevice, OpcuaPool } from '../src/drivers/opcua/index.js';
import { NODE, OpcuaHarness, startOpcuaServer, type OpcuaTestServer } from './support/opcua-server.js';
import { captureLogger, until } from './support/util.js';

let dir: string;
let server: OpcuaTestServer;
let h: OpcuaHarness;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cjp-opcua-'));
  server = await startOpcuaServer({ pkiDir: join(dir, 'server-pki') });
});

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

afterEach(async () => {
  await h?.close();
});

/** Every device of a test shares this endpoint, hence one session. */
const endpoint = () => ({ url: server.url, pkiDir: join(dir, 'edge-pki'), publishingIntervalMs: 50, samplingIntervalMs: 0, reconnectBaseMs: 50, reconnectMaxMs: 300 });

const connected = (d: Device) => d.health().state === 'connected';
const live = (d: Device) => d.health().live;
const later = (ms: number) => new Date(Date.now() + ms);

describe('opcua-weighbridge', () => {
  it('emits one weight event at rest and one at zero, as exact decimals, from tags changed together', async () => {
    h = new OpcuaHarness();
    server.set('gross', 0);
    server.set('stable', true);
    server.set('overload', false);
    const wb = h.device({ id: 'wb-1', driver: 'opcua-weighbridge', endpoint: endpoint(), gross: NODE.gross, stable: NODE.stable, overload: NODE.overload, decimals: 1, zeroBandKg: '20' });
    await until('connected and read', () => connected(wb) && live(wb)?.['grossKg'] === '0.0');

    // a truck drives on: in motion
    server.set('stable', false);
    server.set('gross', 12000.5);
    await until('live weight in motion', () => live(wb)?.['grossKg'] === '12000.5');
    // it stops: the weight (a binary float) and the stable flag change in the same publish
    server.set('gross', 31250.04999);
    server.set('stable', true);
    await until('stable event', () => h.of('wb-1').length === 1);
    // it drives off
    server.set('stable', false);
    server.set('gross', 4000);
    await until('live in motion', () => live(wb)?.['grossKg'] === '4000.0');
    server.set('gross', 0);
    server.set('stable', true);
    await until('zero event', () => h.of('wb-1').length === 2);

    expect(h.of('wb-1').map((r) => r.data)).toEqual([
      { grossKg: '31250.0', stable: true, stabilitySource: 'indicator', overload: false, trigger: 'stable', format: 'opcua' },
      { grossKg: '0.0', stable: true, stabilitySource: 'indicator', overload: false, trigger: 'zero', format: 'opcua' },
    ]);
    for (const r of h.of('wb-1')) expect(weightDataSchema.safeParse(r.data).success).toBe(true);
    expect(live(wb)).toEqual({ grossKg: '0.0', stable: true, overload: false });
    expect(wb.health()).toMatchObject({ driver: 'opcua-weighbridge', readings: 2, errors: 0 });
    expect(h.liveChanges).toBeGreaterThan(0);
  });

  it('reads a scaled integer tag in t, infers stability without a stable tag, and rejects bad quality', async () => {
    h = new OpcuaHarness();
    server.set('grossInt', 0);
    const wb = h.device({
      id: 'wb-2',
      driver: 'opcua-weighbridge',
      endpoint: endpoint(),
      gross: NODE.grossInt,
      decimals: 2,
      unit: 't',
      zeroBandKg: '20',
      stability: { division: '0.02', minReadings: 3, minDurationMs: 200 },
    });
    await until('connected', () => connected(wb) && live(wb)?.['grossKg'] === '0');
    server.set('grossInt', 1200);
    server.set('grossInt', 3125); // 31.25 t, then nothing changes: held long enough, it is stable
    await until('stable event', () => h.of('wb-2').length === 1);
    expect(h.of('wb-2')[0]?.data).toEqual({ grossKg: '31250', stable: true, stabilitySource: 'inferred', overload: false, trigger: 'stable', format: 'opcua' });

    server.set('grossInt', 3125, { status: StatusCodes.BadSensorFailure });
    await until('bad quality rejected', () => (wb.health().rejects?.['malformed'] ?? 0) >= 1);
    expect(wb.health().lastError).toBe(`bad quality BadSensorFailure on gross ${NODE.grossInt}`);
    expect(live(wb)).toMatchObject({ grossKg: null });

    server.set('grossInt', 0);
    await until('zero event', () => h.of('wb-2').length === 2);
    expect(h.of('wb-2')[1]?.data).toMatchObject({ grossKg: '0', trigger: 'zero', stabilitySource: 'inferred' });
  });
});

describe('opcua-barrier', () => {
  it('opens and closes by method, reports every state change as an io event, and the state after the call', async () => {
    h = new OpcuaHarness();
    server.set('barrierState', 0);
    const b = h.device({
      id: 'barrier-1',
      driver: 'opcua-barrier',
      endpoint: endpoint(),
      state: NODE.barrierState,
      objectId: NODE.barrierObject,
      openMethod: NODE.barrierOpen,
      closeMethod: NODE.barrierClose,
    });
    await until('connected, state read', () => live(b)?.['barrier'] === 'closed');
    const calls = server.calls.length;

    expect(await b.command!('open', {}, later(5000))).toEqual({ ok: true, result: { barrier: 'open' } });
    await until('open event', () => h.of('barrier-1').length === 2);
    expect(await b.command!('close', {}, later(5000))).toEqual({ ok: true, result: { barrier: 'closed' } });
    server.set('barrierState', 4);
    await until('fault event', () => h.of('barrier-1').length === 4);

    expect(server.calls.slice(calls)).toEqual([{ name: 'Open' }, { name: 'Close' }]);
    expect(h.of('barrier-1').map((r) => r.data)).toEqual([
      { signal: 'barrier', value: 'closed' },
      { signal: 'barrier', value: 'open' },
      { signal: 'barrier', value: 'closed' },
      { signal: 'barrier', value: 'fault' },
    ]);
    for (const r of h.of('barrier-1')) expect(ioDataSchema.safeParse(r.data).success).toBe(true);
    expect(live(b)).toEqual({ barrier: 'fault' });
  });

  it('opens by writing the command tag; refuses unknown actions and expired commands without touching the PLC', async () => {
    h = new OpcuaHarness();
    server.set('barrierState', 0);
    const b = h.device({ id: 'barrier-2', driver: 'opcua-barrier', endpoint: endpoint(), state: NODE.barrierState, commandNode: NODE.barrierCommand });
    await until('connected', () => live(b)?.['barrier'] === 'closed');
    const calls = server.calls.length;

    expect(await b.command!('lift', {}, later(5000))).toEqual({ ok: false, error: 'unknown action "lift"' });
    expect(await b.command!('open', {}, new Date(Date.now() - 1))).toEqual({ ok: false, error: 'expired' });
    expect(server.calls.length).toBe(calls);

    expect(await b.command!('open', {}, later(5000))).toEqual({ ok: true, result: { barrier: 'open' } });
    expect(server.calls.slice(calls)).toEqual([{ name: 'Command', value: 1 }]);
    expect(await b.command!('close', {}, later(5000))).toEqual({ ok: true, result: { barrier: 'closed' } });
    expect(server.calls.slice(calls)).toEqual([
      { name: 'Command', value: 1 },
      { name: 'Command', value: 2 },
    ]);
  });
});

describe('opcua-led', () => {
  it('shows a text by writing the String tag and keeps it as the live value', async () => {
    h = new OpcuaHarness();
    server.set('ledText', '');
    const led = h.device({ id: 'led-1', driver: 'opcua-led', endpoint: endpoint(), textNode: NODE.ledText });
    await until('connected', () => connected(led) && live(led)?.['text'] === '');

    expect(await led.command!('show', { text: '青A12345 请通行' }, later(5000))).toEqual({ ok: true, result: { text: '青A12345 请通行' } });
    expect(server.get('ledText')).toBe('青A12345 请通行');
    await until('live text', () => live(led)?.['text'] === '青A12345 请通行');

    const calls = server.calls.length;
    expect(await led.command!('show', { text: 42 }, later(5000))).toEqual({ ok: false, error: 'show: args.text must be a string of at most 256 characters' });
    expect(await led.command!('show', { text: 'x'.repeat(257) }, later(5000))).toMatchObject({ ok: false });
    expect(await led.command!('blink', {}, later(5000))).toEqual({ ok: false, error: 'unknown action "blink"' });
    expect(server.calls.length).toBe(calls);
  });
});

describe('opcua-rfid (AutoID LastScan tags, nsu= node ids)', () => {
  /** One read: antenna and RSSI, then the scan data, with one source timestamp (as a reader does). */
  async function read(epc: string, antenna: number, rssi: number, at: Date) {
    server.set('scanAntenna', antenna, { sourceTimestamp: at });
    server.set('scanRssi', rssi, { sourceTimestamp: at });
    server.set('scanData', epc, { sourceTimestamp: at });
    await new Promise((r) => setTimeout(r, 15));
  }

  it('turns every scan into a sighting, deduped per (epc, antenna) over the window', async () => {
    h = new OpcuaHarness();
    const t0 = Date.now();
    await read('E20000000000000000000001', 1, -70, new Date(t0 - 60_000)); // an old last scan
    const rfid = h.device({
      id: 'rfid-1',
      driver: 'opcua-rfid',
      endpoint: endpoint(),
      lastScanDataNode: NODE.scanData,
      antennaNode: NODE.scanAntenna,
      rssiNode: NODE.scanRssi,
      role: 'item',
      dedupeWindowMs: 400,
    });
    await until('connected', () => connected(rfid));
    await new Promise((r) => setTimeout(r, 200)); // the old last scan arrives first and is skipped

    const A = 'E2801160600002084E9A1B2C';
    const B = 'E2801160600002084E9A1B3D';
    let t = Date.now();
    await read(A, 1, -60, new Date((t += 20)));
    await read(A, 1, -52, new Date((t += 20))); // same tag, same value, new timestamp: still a read
    await read(A, 2, -65, new Date((t += 20)));
    await read(B, 1, -58, new Date((t += 20)));
    await read(A, 1, -55, new Date((t += 20)));
    await until('three presences closed', () => h.of('rfid-1').length === 3);

    const got = h.of('rfid-1').map((r) => r.data as { epc: string; antenna: number; count: number; rssiDbm?: number; role: string; source: string });
    expect(got.map((d) => ({ epc: d.epc, antenna: d.antenna, count: d.count, rssiDbm: d.rssiDbm })).sort((a, b) => (a.epc + a.antenna).localeCompare(b.epc + b.antenna))).toEqual([
      { epc: A, antenna: 1, count: 3, rssiDbm: -52 },
      { epc: A, antenna: 2, count: 1, rssiDbm: -65 },
      { epc: B, antenna: 1, count: 1, rssiDbm: -58 },
    ]);
    for (const d of got) {
      expect(d).toMatchObject({ role: 'item', source: 'opcua-autoid' });
      expect(rfidDataSchema.safeParse(d).success).toBe(true);
    }
    expect(rfid.health()).toMatchObject({ readings: 3, errors: 0 });
  });

  it('a vehicle reader emits at the first sighting; a malformed scan is rejected', async () => {
    h = new OpcuaHarness();
    const rfid = h.device({ id: 'rfid-2', driver: 'opcua-rfid', endpoint: endpoint(), lastScanDataNode: NODE.scanData, role: 'vehicle', antenna: 3, dedupeWindowMs: 60_000 });
    await until('connected', () => connected(rfid));
    await new Promise((r) => setTimeout(r, 200));
    let t = Date.now();
    await read('E200 3412 0123 4567 8901 ABCD', 9, -50, new Date((t += 20)));
    await until('first sighting emitted', () => h.of('rfid-2').length === 1);
    await read('E20034120123456789 01ABCD', 9, -50, new Date((t += 20)));
    await read('not-an-epc', 9, -50, new Date((t += 20)));
    await until('rejected', () => rfid.health().errors === 1);
    expect(h.of('rfid-2')).toHaveLength(1);
    expect(h.of('rfid-2')[0]?.data).toMatchObject({ epc: 'E2003412012345678901ABCD', antenna: 3, count: 1, role: 'vehicle', source: 'opcua-autoid' });
    expect(rfid.health().lastError).toMatch(/^scan nsu=urn:cjp:test:autoid;s=gate-in-1\.Rfid\.LastScanData: scan data "NOTANEPC" is not an EPC/);
    expect(live(rfid)).toMatchObject({ tags: 1, lastEpc: 'E2003412012345678901ABCD' });
  });
});

describe('one session per endpoint', () => {
  it('devices of one pool share a session; the last one out closes it', async () => {
    h = new OpcuaHarness();
    const before = server.sessions();
    const devices = [
      h.device({ id: 'barrier-3', driver: 'opcua-barrier', endpoint: endpoint(), state: NODE.barrierState, commandNode: NODE.barrierCommand }),
      h.device({ id: 'led-3', driver: 'opcua-led', endpoint: endpoint(), textNode: NODE.ledText }),
      h.device({ id: 'wb-3', driver: 'opcua-weighbridge', endpoint: endpoint(), gross: NODE.gross, stable: NODE.stable }),
    ];
    await until('all connected', () => devices.every(connected));
    expect(server.sessions()).toBe(before + 1);
    expect(h.pool.size).toBe(1);

    // another agent (pool) in the same process gets its own session
    const other = new OpcuaHarness();
    const led = other.device({ id: 'led-3', driver: 'opcua-led', endpoint: endpoint(), textNode: NODE.ledText });
    await until('other connected', () => connected(led));
    expect(server.sessions()).toBe(before + 2);
    await other.close();

    await devices[0]!.close();
    await devices[1]!.close();
    expect(server.sessions()).toBe(before + 1);
    await devices[2]!.close();
    await until('session closed', () => server.sessions() === before);
    expect(h.pool.size).toBe(0);
  });

  it('the agent\'s devices share a session without being handed a pool', async () => {
    const before = server.sessions();
    const config = parseEdgeConfig(
      {
        site: 'cjp',
        edgeId: 'gate-1',
        broker: { url: 'mqtt://127.0.0.1:1', reconnectBaseMs: 1000 }, // no broker: devices run regardless
        outbox: { path: 'outbox.sqlite' },
        devices: [
          { id: 'barrier-4', driver: 'opcua-barrier', endpoint: endpoint(), state: NODE.barrierState, commandNode: NODE.barrierCommand },
          { id: 'led-4', driver: 'opcua-led', endpoint: endpoint(), textNode: NODE.ledText },
        ],
      },
      join(dir, 'agent'),
    );
    const agent = await startEdgeAgent(config, { logger: captureLogger().logger });
    try {
      await until('devices connected', () => agent.health().devices.every((d) => d.state === 'connected'));
      expect(server.sessions()).toBe(before + 1);
    } finally {
      await agent.close();
    }
    await until('session closed', () => server.sessions() === before);
  });

  it('refuses two devices on one session with different session settings', () => {
    const pool = new OpcuaPool(captureLogger().logger);
    const ctx = new OpcuaHarness().ctx;
    createOpcuaDevice(OpcuaHarness.parse({ id: 'led-a', driver: 'opcua-led', endpoint: endpoint(), textNode: NODE.ledText }), ctx, pool);
    expect(() =>
      createOpcuaDevice(OpcuaHarness.parse({ id: 'led-b', driver: 'opcua-led', endpoint: { ...endpoint(), publishingIntervalMs: 1000 }, textNode: NODE.ledText }), ctx, pool),
    ).toThrow(/devices "led-a" and "led-b" share the OPC UA session to .* but their endpoints differ in publishingIntervalMs/);
  });
});

describe('opcua config', () => {
  function issues(device: Record<string, unknown>): string[] {
    try {
      OpcuaHarness.parse(device);
    } catch (err) {
      if (err instanceof EdgeConfigError) return [...err.issues];
      throw err;
    }
    return [];
  }
  const url = 'opc.tcp://10.0.0.5:4840';

  it('validates security, node ids and each driver\'s settings with clear messages', () => {
    expect(issues({ id: 'l', driver: 'opcua-led', endpoint: { url, securityMode: 'SignAndEncrypt' }, textNode: 'ns=1;s=Led' })).toEqual([
      'devices.0.endpoint.securityPolicy: securityMode SignAndEncrypt needs a securityPolicy such as Basic256Sha256 or Aes128_Sha256_RsaOaep, not None',
    ]);
    expect(issues({ id: 'l', driver: 'opcua-led', endpoint: { url, securityPolicy: 'Basic256Sha256' }, textNode: 'ns=1;s=Led' })).toEqual([
      'devices.0.endpoint.securityPolicy: securityPolicy Basic256Sha256 needs securityMode Sign or SignAndEncrypt (securityMode None sends messages unsigned)',
    ]);
    expect(issues({ id: 'l', driver: 'opcua-led', endpoint: { url: 'http://plc' }, textNode: 'Led' })).toEqual([
      'devices.0.endpoint.url: expected opc.tcp://host:port[/path]',
      expect.stringMatching(/^devices\.0\.textNode: expected an OPC UA node id/),
    ]);
    expect(issues({ id: 'b', driver: 'opcua-barrier', endpoint: { url }, state: 'ns=1;s=S', openMethod: 'ns=1;s=O' })).toEqual([
      'devices.0.objectId: methods need all of objectId, openMethod and closeMethod',
    ]);
    expect(issues({ id: 'b', driver: 'opcua-barrier', endpoint: { url }, state: 'ns=1;s=S' })).toEqual([
      'devices.0.commandNode: required: how to open and close, as methods (objectId, openMethod, closeMethod) or a commandNode',
    ]);
    expect(issues({ id: 'w', driver: 'opcua-weighbridge', endpoint: { url }, gross: 'nsu=urn:plc;i=7' })).toEqual([
      expect.stringMatching(/^devices\.0\.stability: required when there is no `stable` tag/),
    ]);
    expect(issues({ id: 'w', driver: 'opcua-weighbridge', endpoint: { url }, gross: 'ns=1;s=G', stable: 'ns=1;s=S', decimals: 7, zeroBandKg: 0.5 })).toEqual([
      expect.stringMatching(/^devices\.0\.decimals: /),
      expect.stringMatching(/^devices\.0\.zeroBandKg: expected a non-negative exact decimal/),
    ]);
    expect(OpcuaHarness.parse({ id: 'r', driver: 'opcua-rfid', endpoint: { url }, lastScanDataNode: 'ns=2;s=Rfid.LastScanData' })).toEqual({
      id: 'r',
      driver: 'opcua-rfid',
      endpoint: {
        url,
        securityMode: 'None',
        securityPolicy: 'None',
        trustUnknownServer: false,
        publishingIntervalMs: 250,
        samplingIntervalMs: 100,
        queueSize: 10,
        reconnectBaseMs: 500,
        reconnectMaxMs: 10_000,
        connectTimeoutMs: 10_000,
        pkiDir: expect.stringMatching(/\/data\/edge-[a-z0-9-]+\/opcua-pki$/),
      },
      lastScanDataNode: 'ns=2;s=Rfid.LastScanData',
      antenna: 1,
      role: 'item',
      dedupeWindowMs: 2000,
    });
  });
});
