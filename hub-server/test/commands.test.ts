import mqtt, { type MqttClient } from 'mqtt';
import { io as ioClient, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics, type CommandDto, type CommandMessage, type DeviceLiveUpdate, type StatusMessage } from '@cjp/contracts';
import { login, startTestHub, waitFor, type TestHub } from '../../test-support/hub.js';

const T = topics('cjp/v1');

async function connectEdge(url: string): Promise<MqttClient> {
  const c = mqtt.connect(url, { username: 'wh-1', password: 'demo-edge-wh-1', reconnectPeriod: 0, clientId: `wh-1-${Math.random().toString(16).slice(2, 8)}` });
  await new Promise<void>((resolve, reject) => {
    c.once('connect', () => resolve());
    c.once('error', reject);
  });
  return c;
}

const status = (online: boolean): StatusMessage => ({
  edgeId: 'wh-1',
  state: online ? 'online' : 'offline',
  ts: new Date().toISOString(),
  devices: [
    { deviceId: 'barrier-1', driver: 'opcua-barrier', state: 'connected', lastReadingAt: null, readings: 0, errors: 0, lastError: null },
    { deviceId: 'scanner-1', driver: 'scanner-line', state: 'connected', lastReadingAt: null, readings: 0, errors: 0, lastError: null },
  ],
});

describe('device commands through the hub (a raw MQTT client plays the edge)', () => {
  let hub: TestHub;
  let operator: string;
  let edge: MqttClient;
  let socket: Socket;
  const updates: CommandDto[] = [];
  const lives: DeviceLiveUpdate[] = [];
  const received: CommandMessage[] = [];

  const post = (token: string, path: string, body: unknown) =>
    fetch(`${hub.url}/api/v1${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const getCommand = async (id: string) =>
    (await (await fetch(`${hub.url}/api/v1/commands/${id}`, { headers: { authorization: `Bearer ${operator}` } })).json()) as CommandDto;

  beforeAll(async () => {
    hub = await startTestHub();
    operator = await login(hub, 'operator');
    socket = ioClient(`${hub.url}/devices`, { auth: { token: operator }, transports: ['websocket'] });
    socket.on('command:updated', (c: CommandDto) => updates.push(c));
    socket.on('device:live', (u: DeviceLiveUpdate) => lives.push(u));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    edge = await connectEdge(hub.mqttUrl);
    edge.on('message', (topic, payload) => {
      if (topic.startsWith(T.edgeRoot('cjp', 'wh-1') + '/cmd/')) received.push(JSON.parse(payload.toString()) as CommandMessage);
    });
    await edge.subscribeAsync(T.edgeRoot('cjp', 'wh-1') + '/cmd/+', { qos: 1 });
  });
  afterAll(async () => {
    socket?.close();
    edge?.end(true);
    await hub?.dispose();
  });

  it('refuses a command to an offline edge, an unknown edge or device, and from a role that may not command', async () => {
    const offline = await post(operator, '/edges/wh-1/devices/barrier-1/commands', { action: 'open' });
    expect(offline.status).toBe(503);
    expect(((await offline.json()) as { error: { message: string } }).error.message).toContain('offline');

    await edge.publishAsync(T.status('cjp', 'wh-1'), JSON.stringify(status(true)), { qos: 1, retain: true });
    await waitFor(async () => (await post(operator, '/edges/nope/devices/barrier-1/commands', { action: 'open' })).status === 404, 'unknown edge 404');
    await waitFor(async () => (await post(operator, '/edges/wh-1/devices/ghost/commands', { action: 'open' })).status === 404, 'status read: unknown device 404');

    const enterprise = await login(hub, 'enterprise');
    expect((await post(enterprise, '/edges/wh-1/devices/barrier-1/commands', { action: 'open' })).status).toBe(403);
    expect((await post(operator, '/edges/wh-1/devices/barrier-1/commands', { action: 'open', ttlS: 0 })).status).toBe(400);
  });

  it('keeps a customs barrier for gate officers: a gate lane\'s devices need gate.devices.command, not devices.command', async () => {
    const claims = (await (await fetch(`${hub.url}/api/v1/devices/claims`, { headers: { authorization: `Bearer ${operator}` } })).json()) as { items: Array<{ edgeId: string; deviceId: string; permission: string }> };
    expect(claims.items).toContainEqual({ edgeId: 'gate-1', deviceId: 'barrier-gate-in-1', module: 'gate', permission: 'gate.devices.command' });
    expect(claims.items).toContainEqual({ edgeId: 'gate-1', deviceId: 'led-gate-out-1', module: 'gate', permission: 'gate.devices.command' });
    // the operator is refused before anything is looked up or sent (was: "edge offline")
    const refused = await post(operator, '/edges/gate-1/devices/barrier-gate-in-1/commands', { action: 'open' });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('gate.devices.command');
    // a gate officer passes the permission (and then learns that the demo gate edge is offline)
    const officer = await login(hub, 'gate_officer');
    expect((await post(officer, '/edges/gate-1/devices/barrier-gate-in-1/commands', { action: 'open' })).status).toBe(503);
    // the warehouse's own devices stay the operator's
    expect((await post(operator, '/edges/wh-1/devices/barrier-1/commands', { action: 'open', ttlS: 0 })).status).toBe(400);
  });

  it('publishes the command to the edge and records its answer, live', async () => {
    const r = await post(operator, '/edges/wh-1/devices/barrier-1/commands', { action: 'open', ttlS: 30 });
    expect(r.status).toBe(202);
    const sent = (await r.json()) as CommandDto;
    expect(sent).toMatchObject({ edgeId: 'wh-1', deviceId: 'barrier-1', action: 'open', state: 'sent', issuedBy: 'operator' });

    const msg = await waitFor(() => received.find((m) => m.id === sent.id), 'the command at the edge');
    expect(msg).toMatchObject({ action: 'open', args: {}, expiresAt: sent.expiresAt });

    const answer = { id: sent.id, ok: true, result: { barrier: 'open' }, ts: new Date().toISOString() };
    await edge.publishAsync(T.cmdack('cjp', 'wh-1'), JSON.stringify(answer), { qos: 1 });
    await edge.publishAsync(T.cmdack('cjp', 'wh-1'), JSON.stringify(answer), { qos: 1 }); // redelivered: no harm
    const done = await waitFor(() => updates.find((u) => u.id === sent.id && u.state === 'ok'), 'command:updated ok');
    expect(done.result).toEqual({ barrier: 'open' });
    expect(await getCommand(sent.id)).toMatchObject({ state: 'ok', result: { barrier: 'open' }, error: null });
    expect(updates.filter((u) => u.id === sent.id).map((u) => u.state)).toEqual(['sent', 'ok']);
  });

  it('records a failure and an edge-side expiry as the edge answered them', async () => {
    const a = (await (await post(operator, '/edges/wh-1/devices/barrier-1/commands', { action: 'open' })).json()) as CommandDto;
    const b = (await (await post(operator, '/edges/wh-1/devices/barrier-1/commands', { action: 'close' })).json()) as CommandDto;
    await edge.publishAsync(T.cmdack('cjp', 'wh-1'), JSON.stringify({ id: a.id, ok: false, error: 'barrier in fault' }), { qos: 1 });
    await edge.publishAsync(T.cmdack('cjp', 'wh-1'), JSON.stringify({ id: b.id, ok: false, error: 'expired' }), { qos: 1 });
    await waitFor(async () => (await getCommand(b.id)).state === 'expired', 'b expired');
    expect(await getCommand(a.id)).toMatchObject({ state: 'failed', error: 'barrier in fault' });
  });

  it('expires a command nobody answered, and dead-letters an answer to an unknown command', async () => {
    const c = (await (await post(operator, '/edges/wh-1/devices/barrier-1/commands', { action: 'open', ttlS: 1 })).json()) as CommandDto;
    const expired = await waitFor(() => updates.find((u) => u.id === c.id && u.state === 'expired'), 'expiry by the hub', 15_000);
    expect(expired.error).toContain('no answer');

    await edge.publishAsync(T.cmdack('cjp', 'wh-1'), JSON.stringify({ id: 'no-such-command', ok: true }), { qos: 1 });
    const admin = await login(hub, 'admin');
    await waitFor(async () => {
      const r = await fetch(`${hub.url}/api/v1/dead-letters`, { headers: { authorization: `Bearer ${admin}` } });
      return ((await r.json()) as { items: Array<{ reason: string }> }).items.some((d) => d.reason.includes('unknown command "no-such-command"'));
    }, 'dead letter for the unknown command');
  });

  it("a module's command queued in its transaction: sent after the commit, kept while the edge is offline or the hub stopped, expired unsent when too late", async () => {
    const open = { action: 'open', args: {}, ttlS: 30 };
    const queue = (req = open) => hub.db.transaction((tx) => hub.modules.devices.commands.queue(tx, 'wh-1', 'barrier-1', req, 'gate'));
    const stateOf = async (id: string) => (await getCommand(id)).state;

    // 1. queued with the decision, published once it committed
    const a = await queue();
    expect(a).toMatchObject({ state: 'queued', issuedBy: 'gate' });
    await hub.modules.devices.commands.publishQueued([a.id]);
    expect(await waitFor(() => received.find((m) => m.id === a.id), 'a at the edge')).toMatchObject({ action: 'open', expiresAt: a.expiresAt });
    expect(await stateOf(a.id)).toBe('sent');
    expect(updates.filter((u) => u.id === a.id).map((u) => u.state)).toEqual(['sent']);

    // 2. the edge is offline: the command waits, queued; a short one expires unsent
    await edge.publishAsync(T.status('cjp', 'wh-1'), JSON.stringify(status(false)), { qos: 1, retain: true });
    await waitFor(async () => (await post(operator, '/edges/wh-1/devices/barrier-1/commands', { action: 'open' })).status === 503, 'the hub sees wh-1 offline');
    const b = await queue();
    const short = await queue({ ...open, ttlS: 1 });
    await hub.modules.devices.commands.publishQueued([b.id, short.id]);
    expect(await stateOf(b.id)).toBe('queued');
    const expired = await waitFor(() => updates.find((u) => u.id === short.id && u.state === 'expired'), 'the short command expired unsent', 15_000);
    expect(expired.error).toContain('never sent');

    // 3. queued, then the hub stopped before publishing (nothing calls publishQueued)
    const c = await queue();

    // 4. the edge is back: what is still queued and in time goes out, in order; the expired one never does
    await edge.publishAsync(T.status('cjp', 'wh-1'), JSON.stringify(status(true)), { qos: 1, retain: true });
    await waitFor(() => received.some((m) => m.id === b.id) && received.some((m) => m.id === c.id), 'b and c at the edge');
    expect(received.findIndex((m) => m.id === b.id)).toBeLessThan(received.findIndex((m) => m.id === c.id));
    expect(received.some((m) => m.id === short.id)).toBe(false);
    await waitFor(async () => (await stateOf(b.id)) === 'sent' && (await stateOf(c.id)) === 'sent', 'b and c sent');
    await edge.publishAsync(T.cmdack('cjp', 'wh-1'), JSON.stringify({ id: c.id, ok: true, result: { barrier: 'open' } }), { qos: 1 });
    await waitFor(async () => (await stateOf(c.id)) === 'ok', 'c answered');
    expect(await stateOf(short.id)).toBe('expired');
  });

  it('relays live values to screens without storing them', async () => {
    await edge.publishAsync(T.live('cjp', 'wh-1'), JSON.stringify({ ts: new Date().toISOString(), devices: { 'wb-1': { grossKg: '18240', stable: false } } }), { qos: 0 });
    const u = await waitFor(() => lives.find((l) => l.devices['wb-1']), 'device:live');
    expect(u).toMatchObject({ edgeId: 'wh-1', siteId: 'cjp', devices: { 'wb-1': { grossKg: '18240', stable: false } } });
  });
});
