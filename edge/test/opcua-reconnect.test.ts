import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Device } from '../src/device.js';
import { NODE, OpcuaHarness, startOpcuaServer, type OpcuaTestServer } from './support/opcua-server.js';
import { until } from './support/util.js';

const dir = mkdtempSync(join(tmpdir(), 'cjp-opcua-reconnect-'));
const servers: OpcuaTestServer[] = [];
let h: OpcuaHarness | undefined;

afterAll(async () => {
  await h?.close();
  for (const s of servers) await s.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

async function plc(port: number): Promise<OpcuaTestServer> {
  // the same certificate store each time: the PLC restarts, it is not replaced
  const s = await startOpcuaServer({ port, pkiDir: join(dir, 'server-pki') });
  servers.push(s);
  return s;
}

const state = (d: Device) => d.health().state;

describe('a PLC that is off, comes up, dies and comes back', () => {
  it('devices wait, connect, recover on a new server without a restart, and health tells the story', async () => {
    const port = await freePort();
    h = new OpcuaHarness();
    const endpoint = {
      url: `opc.tcp://127.0.0.1:${port}/UA/cjp-test-plc`,
      pkiDir: join(dir, 'edge-pki'),
      publishingIntervalMs: 50,
      samplingIntervalMs: 0,
      reconnectBaseMs: 50,
      reconnectMaxMs: 300,
    };
    const barrier = h.device({ id: 'barrier-1', driver: 'opcua-barrier', endpoint, state: NODE.barrierState, commandNode: NODE.barrierCommand });
    const wb = h.device({ id: 'wb-1', driver: 'opcua-weighbridge', endpoint, gross: NODE.gross, stable: NODE.stable, zeroBandKg: '20' });

    // PLC off: the devices keep trying and say why they are not connected
    await until('refused twice', () => barrier.health().errors >= 2 && wb.health().errors >= 2);
    expect(state(barrier)).not.toBe('connected');
    expect(barrier.health().lastError).toMatch(/: cannot connect: connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
    // a command that expires while the session is down is not executed, then or later
    expect(await barrier.command!('open', {}, new Date(Date.now() + 300))).toEqual({ ok: false, error: 'expired' });
    // one that is still valid waits for the session
    const pending = barrier.command!('open', {}, new Date(Date.now() + 20_000));

    // PLC on
    let server = await plc(port);
    await until('connected', () => state(barrier) === 'connected' && state(wb) === 'connected');
    expect(await pending).toEqual({ ok: true, result: { barrier: 'open' } });
    expect(server.calls).toEqual([{ name: 'Command', value: 1 }]); // the expired one never ran
    await until('barrier state read', () => barrier.health().live?.['barrier'] === 'open');
    server.set('stable', true);
    server.set('gross', 18000);
    await until('weight event', () => h!.of('wb-1').length === 1);
    const firstSince = barrier.health().connectedSince;
    const errorsWhileOff = barrier.health().errors;

    // the PLC dies (a new process will have a new session table: the old session is gone)
    await server.stop();
    await until('disconnected', () => state(barrier) !== 'connected' && state(wb) !== 'connected');
    expect(barrier.health().errors).toBeGreaterThan(errorsWhileOff);
    expect(barrier.health().lastError).toMatch(/opc\.tcp:\/\/127\.0\.0\.1:\d+\/UA\/cjp-test-plc: (connection|cannot connect|session)/);

    // a new PLC process on the same port: new session, subscription and monitored items
    server = await plc(port);
    server.set('barrierState', 0);
    await until('reconnected', () => state(barrier) === 'connected' && state(wb) === 'connected');
    expect(barrier.health().connectedSince! > firstSince!).toBe(true);
    await until('barrier state after restart', () => barrier.health().live?.['barrier'] === 'closed');
    server.set('barrierState', 2);
    await until('io event from the new server', () => h!.of('barrier-1').at(-1)?.data !== undefined && (h!.of('barrier-1').at(-1)!.data as { value: string }).value === 'open' && h!.of('barrier-1').length >= 3);
    server.set('stable', false);
    server.set('gross', 12000);
    await new Promise((r) => setTimeout(r, 100));
    server.set('gross', 0);
    server.set('stable', true);
    await until('zero event from the new server', () => h!.of('wb-1').length === 2);
    expect(h.of('wb-1').map((r) => (r.data as { trigger: string }).trigger)).toEqual(['stable', 'zero']);
    expect(await barrier.command!('close', {}, new Date(Date.now() + 5000))).toEqual({ ok: true, result: { barrier: 'closed' } });
    expect(server.sessions()).toBe(1);
    expect(h.stateChanges).toBeGreaterThanOrEqual(4);
  });
});

describe('a PLC that accepts the connection but never answers', () => {
  it('gives up each attempt after connectTimeoutMs, retries, and closes promptly', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((s) => {
      sockets.add(s);
      s.on('error', () => {});
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const { port } = silent.address() as AddressInfo;
    const local = new OpcuaHarness();
    try {
      const d = local.device({
        id: 'led-1',
        driver: 'opcua-led',
        endpoint: { url: `opc.tcp://127.0.0.1:${port}`, pkiDir: join(dir, 'edge-pki'), connectTimeoutMs: 300, reconnectBaseMs: 20, reconnectMaxMs: 100 },
        textNode: NODE.ledText,
      });
      await until('two attempts timed out', () => d.health().errors >= 2);
      expect(d.health().lastError).toMatch(/: no answer within 300 ms$/);
      expect(d.health().state).not.toBe('connected');
      expect(await d.command!('show', { text: 'x' }, new Date(Date.now() + 200))).toEqual({ ok: false, error: 'expired' });
    } finally {
      await local.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });
});

describe('a link that goes silent without closing (cable pulled, PLC frozen)', () => {
  it('is noticed by the missing keep-alives and re-established', async () => {
    const server = await plc(0);
    // a TCP proxy between the edge and the PLC that can stop forwarding without closing anything
    const sockets: Socket[] = [];
    let freeze = () => {};
    const proxy = createServer((client) => {
      const upstream = connect(server.port, '127.0.0.1');
      sockets.push(client, upstream);
      client.on('error', () => {});
      upstream.on('error', () => {});
      client.pipe(upstream);
      upstream.pipe(client);
      freeze = () => {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      };
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    const { port } = proxy.address() as AddressInfo;
    const local = new OpcuaHarness();
    try {
      const d = local.device({
        id: 'barrier-9',
        driver: 'opcua-barrier',
        endpoint: { url: `opc.tcp://127.0.0.1:${port}/UA/cjp-test-plc`, pkiDir: join(dir, 'edge-pki'), publishingIntervalMs: 100, reconnectBaseMs: 20, reconnectMaxMs: 100 },
        state: NODE.barrierState,
        commandNode: NODE.barrierCommand,
      });
      await until('connected', () => d.health().state === 'connected');
      const since = d.health().connectedSince!;
      freeze();
      await until('silence noticed', () => d.health().state !== 'connected');
      expect(d.health().lastError).toMatch(/no publish response for \d+ s$/);
      await until('re-established over a new socket', () => d.health().state === 'connected');
      expect(d.health().connectedSince! > since).toBe(true);
    } finally {
      await local.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => proxy.close(() => r()));
    }
  });
});
