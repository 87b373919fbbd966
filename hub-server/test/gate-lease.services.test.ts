import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics, type CommandMessage, type Note, type Passage, type StatusMessage } from '@cjp/contracts';
import { login, startTestHub, waitFor, type TestHub } from '../../test-support/hub.js';
import { SERVICES, scratchDatabase, scratchPrefix } from '../../test-support/services.js';

// Two hub replicas on one PostgreSQL database and one Mosquitto, splitting the edges' messages
// through a shared subscription (MQTT_SHARED_GROUP): one runs the gate, the other stands by and
// takes over when the first stops. A raw MQTT client plays edge gate-1.

const PREFIX = scratchPrefix();
const T = topics(PREFIX);
const EDGE = 'gate-1';
const LANE = 'gate-in-1';
const LEASE_MS = 1500;

const status = (): StatusMessage => ({
  edgeId: EDGE,
  state: 'online',
  ts: new Date().toISOString(),
  devices: [
    { deviceId: `barrier-${LANE}`, driver: 'opcua-barrier', state: 'connected', lastReadingAt: null, readings: 0, errors: 0, lastError: null },
    { deviceId: `led-${LANE}`, driver: 'opcua-led', state: 'connected', lastReadingAt: null, readings: 0, errors: 0, lastError: null },
  ],
});

describe('customs gate on two hub replicas (PostgreSQL, Mosquitto, shared subscription)', () => {
  let a: TestHub;
  let b: TestHub;
  let edge: MqttClient;
  let seq = 0;
  const commands: Array<CommandMessage & { device: string }> = [];
  let removeDb: () => Promise<void> = async () => undefined;

  const api = async <R>(hub: TestHub, who: string, method: string, path: string, body?: unknown) => {
    const token = await login(hub, who);
    const r = await fetch(`${hub.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: r.status, body: (await r.json()) as R };
  };
  const publish = async (kind: 'plate' | 'weight', deviceId: string, data: Record<string, unknown>) => {
    seq += 1;
    const envelope = { v: 1, edgeId: EDGE, seq, id: `${EDGE}:${seq}`, deviceId, kind, ts: new Date().toISOString(), data };
    await edge.publishAsync(T.evt('cjp', EDGE, kind, deviceId), JSON.stringify(envelope), { qos: 1 });
  };
  /** a registered truck with an approved note drives onto the lane and stands on the scale */
  const truck = async (via: TestHub, n: number) => {
    const plate = `青B7${String(n).padStart(4, '0')}`;
    expect((await api(via, 'customs', 'PUT', '/gate/vehicles', { vehicleNo: plate, vehicleWt: '15000', vehicleFrameWt: '5000' })).status).toBe(200);
    const passportNo = `Z8601I26112900000000000${n}`;
    const created = await api<Note>(via, 'enterprise', 'POST', '/gate/release-notes', {
      passportNo,
      ioTypecd: 'I',
      passportTypecd: '2',
      bindTypecd: '2',
      vehicles: [{ vehicleNo: plate, vehicleWt: '15000', vehicleFrameWt: '5000', totalGrossWt: '18000' }],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect((await api(via, 'customs', 'POST', `/gate/release-notes/${passportNo}/approve`, {})).status).toBe(200);
    // several readings, so the shared subscription hands some to each replica
    for (let i = 0; i < 3; i++) await publish('plate', `cam-${LANE}`, { plate, confidence: 0.95 });
    await publish('weight', `wb-${LANE}`, { grossKg: '38000', stable: true, stabilitySource: 'indicator', overload: false, trigger: 'stable', format: 'toledo' });
    return { plate, passportNo };
  };
  const passagesOf = async (hub: TestHub, plate: string) =>
    (await api<{ items: Passage[] }>(hub, 'gate_officer', 'GET', `/gate/passages?vehicleNo=${encodeURIComponent(plate)}`)).body.items;

  beforeAll(async () => {
    const db = await scratchDatabase();
    removeDb = db.remove;
    const start = () =>
      startTestHub({
        db: { url: db.url },
        mqtt: { url: SERVICES.mqttUrl, topicPrefix: PREFIX, sharedGroup: PREFIX.replace(/\W/g, '') },
        gate: { containerWaitMs: 200, leaseMs: LEASE_MS },
      });
    a = await start();
    b = await start();
    edge = await mqtt.connectAsync(SERVICES.mqttUrl, { reconnectPeriod: 0, clientId: `${EDGE}-${Math.random().toString(16).slice(2, 8)}` });
    edge.on('message', (topic, payload) => {
      const m = /\/cmd\/([^/]+)$/.exec(topic);
      if (m) commands.push({ ...(JSON.parse(payload.toString()) as CommandMessage), device: decodeURIComponent(m[1]!) });
    });
    await edge.subscribeAsync(`${T.edgeRoot('cjp', EDGE)}/cmd/+`, { qos: 1 });
    await edge.publishAsync(T.status('cjp', EDGE), JSON.stringify(status()), { qos: 1, retain: true });
    await waitFor(async () => (await api<{ items: Array<{ edgeId: string; online: boolean }> }>(a, 'operator', 'GET', '/edges')).body.items.some((e) => e.edgeId === EDGE && e.online), 'edge online');
  });
  afterAll(async () => {
    if (edge) {
      await edge.publishAsync(T.status('cjp', EDGE), '', { qos: 1, retain: true }).catch(() => undefined);
      await edge.endAsync();
    }
    await b?.dispose();
    await a?.dispose();
    await removeDb();
  });

  it('one replica runs the gate: each truck decided once, whichever replica stored its readings; the other refuses to resolve', async () => {
    expect(a.modules.gate.passages.isLeader).toBe(true);
    expect(b.modules.gate.passages.isLeader).toBe(false);
    const health = (await (await fetch(`${b.url}/healthz`)).json()) as { gate: string };
    expect(health.gate).toContain('standby');

    const t = await truck(a, 1);
    const p = await waitFor(async () => (await passagesOf(b, t.plate)).find((x) => x.decisions.length > 0), 'the truck decided');
    expect(p).toMatchObject({ state: 'released', passportNo: t.passportNo });
    await waitFor(() => commands.some((c) => c.device === `barrier-${LANE}` && c.action === 'open'), 'barrier opened');
    // give a second gate, if there were one, time to decide too
    await new Promise((r) => setTimeout(r, 1000));
    const all = await passagesOf(a, t.plate);
    expect(all).toHaveLength(1);
    expect(all[0]!.decisions).toHaveLength(1);
    expect(commands.filter((c) => c.device === `barrier-${LANE}`)).toHaveLength(1);

    const resolve = await api<{ error: { code: string; message: string } }>(b, 'gate_officer', 'POST', `/gate/passages/${p.id}/resolve`, { action: 'release', reason: 'x' });
    expect(resolve.status).toBe(503);
    expect(resolve.body.error.message).toContain('another hub replica runs the gate');
    await publish('weight', `wb-${LANE}`, { grossKg: '0', stable: true, stabilitySource: 'indicator', overload: false, trigger: 'zero', format: 'toledo' });
  });

  it('when the running replica stops, the other takes the gate over and decides the next truck', async () => {
    await a.dispose();
    await waitFor(() => b.modules.gate.passages.isLeader, 'replica b runs the gate', 3 * LEASE_MS);
    const before = commands.filter((c) => c.device === `barrier-${LANE}`).length;
    const t = await truck(b, 2);
    const p = await waitFor(async () => (await passagesOf(b, t.plate)).find((x) => x.decisions.length > 0), 'the truck decided by b');
    expect(p).toMatchObject({ state: 'released', passportNo: t.passportNo });
    await waitFor(() => commands.filter((c) => c.device === `barrier-${LANE}`).length === before + 1, 'barrier opened by b');
    const health = (await (await fetch(`${b.url}/healthz`)).json()) as { gate: string };
    expect(health.gate).toBe('ok');
  });
});
