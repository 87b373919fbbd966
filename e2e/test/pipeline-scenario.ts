import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { io as ioClient, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventDto } from '@cjp/contracts';
import { parseEdgeConfig, startEdgeAgent, type EdgeAgent } from '@cjp/edge';
import { startScannerSimulator, type ScannerSimulator } from '@cjp/simulators';
import { login, waitFor, type TestHub } from '../../test-support/hub.js';
import { TMP } from '../../test-support/paths.js';

/**
 * The walking skeleton end to end: scanner simulator (TCP) → edge agent (outbox, MQTT) → broker →
 * hub ingest → database → socket.io. Run on embedded parts and, in the services suite, on
 * PostgreSQL and Mosquitto.
 */
export function describePipeline(name: string, startHub: () => Promise<TestHub>, topicPrefix = 'cjp/v1'): void {
describe(name, () => {
  let hub: TestHub;
  let sim: ScannerSimulator;
  let edge: EdgeAgent;
  let socket: Socket;
  let token: string;
  const live: EventDto[] = [];
  const dir = mkdtempSync(join(TMP, 'e2e-'));

  beforeAll(async () => {
    hub = await startHub();
    token = await login(hub, 'operator');
    socket = ioClient(`${hub.url}/devices`, { auth: { token }, transports: ['websocket'] });
    socket.on('event:accepted', (e: EventDto) => live.push(e));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    sim = await startScannerSimulator({ ratePerSec: 100, seed: 20261128, garbageRatio: 0.1, count: 60 });
    const config = parseEdgeConfig(
      {
        site: 'cjp',
        edgeId: 'wh-1',
        broker: { url: hub.mqttUrl, password: 'demo-edge-wh-1', topicPrefix },
        outbox: { path: 'outbox.sqlite' },
        devices: [{ id: 'scanner-1', driver: 'scanner-line', transport: `tcp://127.0.0.1:${sim.port}` }],
      },
      dir,
    );
    edge = await startEdgeAgent(config, { logger: pino({ level: 'silent' }) });
  });

  afterAll(async () => {
    socket?.close();
    await edge?.close();
    await sim?.close();
    await hub?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows every valid line live, once, with code and AIM id, and keeps garbage out', async () => {
    await sim.finished;
    const valid = sim.emitted.filter((s) => s.valid);
    const garbage = sim.emitted.filter((s) => !s.valid);
    expect(valid.length).toBeGreaterThan(40);
    expect(garbage.length).toBeGreaterThan(0); // the seed gives some; the check below must mean something
    expect(sim.emitted.every((s) => s.delivered)).toBe(true);

    await waitFor(() => live.length >= valid.length, `${valid.length} live events`);
    expect(live.map((e) => ({ code: e.data.code, aim: e.data.aim }))).toEqual(valid.map((s) => ({ code: s.code, aim: s.aim })));
    expect(live.map((e) => e.seq)).toEqual(valid.map((_, i) => i + 1));
    expect(live.every((e) => e.edgeId === 'wh-1' && e.deviceId === 'scanner-1' && e.kind === 'scan')).toBe(true);
    // GS1 element strings keep their GS separators all the way.
    expect(live.some((e) => String(e.data.code).includes('\u001d'))).toBe(true);

    // Stored too, as the API shows them.
    const r = await fetch(`${hub.url}/api/v1/events?limit=500`, { headers: { authorization: `Bearer ${token}` } });
    const stored = ((await r.json()) as { items: EventDto[] }).items;
    expect(stored.map((e) => e.data.code).reverse()).toEqual(valid.map((s) => s.code));

    // The edge reports what it rejected, and its outbox drains once the hub acks.
    await waitFor(() => edge.outboxDepth() === 0, 'the outbox to drain');
    const dev = edge.health().devices.find((d) => d.deviceId === 'scanner-1')!;
    expect(dev.errors).toBe(garbage.length);
    expect(dev.readings).toBe(valid.length);
    type Edges = { items: Array<{ edgeId: string; ackedSeq: number; online: boolean; status: { devices: Array<{ readings: number; errors: number }> } | null }> };
    const edges = async () => ((await (await fetch(`${hub.url}/api/v1/edges`, { headers: { authorization: `Bearer ${token}` } })).json()) as Edges).items;
    expect((await edges()).find((e) => e.edgeId === 'wh-1')).toMatchObject({ ackedSeq: valid.length, online: true });
    // The edge's status (what the UI's device panel shows) catches up with the readings within seconds.
    await waitFor(async () => {
      const dev = (await edges()).find((e) => e.edgeId === 'wh-1')?.status?.devices[0];
      return dev?.readings === valid.length && dev.errors === garbage.length;
    }, 'the edge status to count every reading', 20_000, 200);
  });
});
}
