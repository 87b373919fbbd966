import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelopeFrom, topics, type Envelope } from '@cjp/contracts';
import { login, startTestHub, waitFor, type TestHub } from '../../test-support/hub.js';

const T = topics('cjp/v1');

function scan(edgeId: string, seq: number, code = `CODE-${seq}`): Envelope {
  return envelopeFrom({ edgeId, seq, deviceId: 'scanner-1', kind: 'scan', ts: new Date().toISOString(), data: { code, aim: ']C0' } });
}

async function connect(url: string, username: string, password: string): Promise<MqttClient> {
  const c = mqtt.connect(url, { username, password, reconnectPeriod: 0, clientId: `${username}-${Math.random().toString(16).slice(2, 8)}` });
  await new Promise<void>((resolve, reject) => {
    c.once('connect', () => resolve());
    c.once('error', reject);
  });
  return c;
}

const publish = (c: MqttClient, topic: string, payload: string | Buffer) => c.publishAsync(topic, payload, { qos: 1 });

async function acks(c: MqttClient, site: string, edge: string): Promise<number[]> {
  const seen: number[] = [];
  c.on('message', (topic, payload) => {
    if (topic === T.ack(site, edge)) seen.push((JSON.parse(payload.toString()) as { seq: number }).seq);
  });
  await c.subscribeAsync(T.ack(site, edge), { qos: 1 });
  return seen;
}

async function api<T>(hub: TestHub, token: string, path: string): Promise<T> {
  const r = await fetch(`${hub.url}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } });
  expect(r.status, path).toBe(200);
  return (await r.json()) as T;
}

type Dead = { items: Array<{ reason: string; topic: string; edgeId: string | null; seq: number | null; payloadBytes: number }> };
type Events = { items: Array<{ id: string; data: { code: string } }> };

describe('ingest on the embedded broker', () => {
  let hub: TestHub;
  let token: string;
  beforeAll(async () => {
    hub = await startTestHub();
    token = await login(hub, 'admin');
  });
  afterAll(async () => {
    await hub?.dispose();
  });

  it('stores each event once, acks the contiguous watermark, and fills gaps later', async () => {
    const edge = await connect(hub.mqttUrl, 'wh-1', 'demo-edge-wh-1');
    const seen = await acks(edge, 'cjp', 'wh-1');
    for (const seq of [1, 2, 2, 4, 1]) await publish(edge, T.evt('cjp', 'wh-1', 'scan', 'scanner-1'), JSON.stringify(scan('wh-1', seq)));
    await waitFor(() => seen.includes(2), 'ack 2');
    const ev = await api<Events>(hub, token, '/events?edgeId=wh-1');
    expect(ev.items.map((e) => e.id).sort()).toEqual(['wh-1:1', 'wh-1:2', 'wh-1:4']);
    expect(Math.max(...seen)).toBe(2); // 3 is missing: 4 is stored but not covered by the ack

    await publish(edge, T.evt('cjp', 'wh-1', 'scan', 'scanner-1'), JSON.stringify(scan('wh-1', 3)));
    await waitFor(() => seen.includes(4), 'ack 4 after the gap filled');
    const edges = await api<{ items: Array<{ edgeId: string; ackedSeq: number }> }>(hub, token, '/edges');
    expect(edges.items.find((e) => e.edgeId === 'wh-1')?.ackedSeq).toBe(4);
    edge.end();
  });

  it('dead-letters bad payloads with their reason and keeps ingesting', async () => {
    const edge = await connect(hub.mqttUrl, 'wh-1', 'demo-edge-wh-1');
    const seen = await acks(edge, 'cjp', 'wh-1');
    const topic = T.evt('cjp', 'wh-1', 'scan', 'scanner-1');
    await publish(edge, topic, '{"v":1, "edgeId": "wh-1", "seq": 5, ');
    await publish(edge, topic, JSON.stringify({ ...scan('wh-1', 5), data: { code: '' } }));
    await publish(edge, topic, JSON.stringify({ ...scan('wh-1', 6), ts: 'yesterday' }));
    await publish(edge, topic, Buffer.alloc(1024 * 1024, 0x41));
    await publish(edge, T.evt('cjp', 'wh-1', 'scan', 'other-device'), JSON.stringify(scan('wh-1', 7)));
    await publish(edge, topic, JSON.stringify(scan('wh-1', 8, 'AFTER-THE-BAD-ONES')));

    const dead = await waitFor(async () => {
      const d = await api<Dead>(hub, token, '/dead-letters');
      return d.items.length >= 5 ? d : null;
    }, 'five dead letters');
    const reasons = dead.items.map((d) => d.reason).join('\n');
    expect(reasons).toMatch(/malformed JSON/);
    expect(reasons).toMatch(/scan data: code/);
    expect(reasons).toMatch(/envelope: ts/);
    expect(reasons).toMatch(/payload too large: 1048576 bytes/);
    expect(reasons).toMatch(/does not match topic scan\/other-device/);
    expect(dead.items.find((d) => d.payloadBytes === 1024 * 1024)).toBeTruthy();

    // Rejected seqs count as applied: the edge may drop them, so the watermark passes them.
    await waitFor(() => seen.includes(8), 'ack 8 past the dead-lettered seqs');
    const ev = await api<Events>(hub, token, '/events?edgeId=wh-1&limit=1');
    expect(ev.items[0]!.data.code).toBe('AFTER-THE-BAD-ONES');
    edge.end();
  });

  it('refuses a publish outside the edge subtree (ACL), records why, and other edges carry on', async () => {
    const admin = await fetch(`${hub.url}/api/v1/edges`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ edgeId: 'gate-east', siteId: 'cjp' }),
    });
    const { password } = (await admin.json()) as { password: string };
    const intruder = await connect(hub.mqttUrl, 'gate-east', password);
    const closed = new Promise<void>((resolve) => intruder.once('close', () => resolve()));
    intruder.publish(T.evt('cjp', 'wh-1', 'scan', 'scanner-1'), JSON.stringify(scan('wh-1', 9, 'FORGED')), { qos: 1 });
    await closed; // MQTT 3.1.1: the broker drops a client whose publish it refuses

    const dead = await waitFor(async () => {
      const d = await api<Dead>(hub, token, '/dead-letters');
      return d.items.find((x) => x.reason.startsWith('ACL:')) ?? null;
    }, 'an ACL dead letter');
    expect(dead).toMatchObject({ edgeId: 'gate-east', topic: 'cjp/v1/cjp/wh-1/evt/scan/scanner-1', seq: null });
    expect(dead.reason).toContain('may publish only under cjp/v1/cjp/gate-east/');

    // A wrong password never gets in.
    await expect(connect(hub.mqttUrl, 'gate-east', 'wrong')).rejects.toThrow(/Bad username or password|Not authorized/i);

    // The rightful edge is unaffected.
    const edge = await connect(hub.mqttUrl, 'wh-1', 'demo-edge-wh-1');
    await publish(edge, T.evt('cjp', 'wh-1', 'scan', 'scanner-1'), JSON.stringify(scan('wh-1', 9, 'GENUINE')));
    await waitFor(async () => (await api<Events>(hub, token, '/events?edgeId=wh-1&limit=1')).items[0]?.data.code === 'GENUINE', 'the genuine event');
    const ev = await api<Events>(hub, token, '/events?edgeId=wh-1&limit=500');
    expect(ev.items.some((e) => e.data.code === 'FORGED')).toBe(false);
    edge.end();
  });

  it('records seqs the edge no longer holds as lost, visibly, instead of waiting for them for ever', async () => {
    // e.g. the hub's database was reset while the edge kept numbering
    const edge = await connect(hub.mqttUrl, 'wh-1', 'demo-edge-wh-1');
    const seen = await acks(edge, 'cjp', 'wh-1');
    const evt = T.evt('cjp', 'wh-1', 'scan', 'scanner-1');
    await publish(edge, evt, JSON.stringify(scan('wh-1', 12, 'TWELVE')));
    const status = { edgeId: 'wh-1', state: 'online', ts: new Date().toISOString(), lastSeq: 16, ackedSeq: 15, outboxDepth: 1, devices: [] };
    await publish(edge, T.status('cjp', 'wh-1'), JSON.stringify(status));
    await waitFor(() => seen.includes(15), 'ack 15 after the status');
    await publish(edge, evt, JSON.stringify(scan('wh-1', 16, 'SIXTEEN')));
    await waitFor(() => seen.includes(16), 'ack 16');
    const dead = await api<Dead>(hub, token, '/dead-letters');
    const lost = dead.items.filter((d) => d.reason.includes('never reached this hub')).map((d) => d.reason.split(' never')[0]);
    expect(lost.sort()).toEqual(['seq 10–11', 'seq 13–15']);
    edge.end();
  });

  it('refuses a subscription to another edge’s acks or commands', async () => {
    const edge = await connect(hub.mqttUrl, 'wh-1', 'demo-edge-wh-1');
    // mqtt.js turns a SUBACK failure (0x80) into an error.
    await expect(edge.subscribeAsync(T.ack('cjp', 'gate-east'), { qos: 1 })).rejects.toThrow(/Subscribe error/);
    await expect(edge.subscribeAsync('cjp/v1/#', { qos: 1 })).rejects.toThrow(/Subscribe error/);
    await expect(edge.subscribeAsync('cjp/v1/cjp/gate-east/cmd/+', { qos: 1 })).rejects.toThrow(/Subscribe error/);
    const own = await edge.subscribeAsync([T.ack('cjp', 'wh-1'), 'cjp/v1/cjp/wh-1/cmd/+'], { qos: 1 });
    expect(own.map((g) => g.qos)).toEqual([1, 1]);
    edge.end();
  });
});

describe('ingest on an external broker without ACL', () => {
  let broker: Aedes;
  let server: Server;
  let hub: TestHub;
  let token: string;
  beforeAll(async () => {
    broker = await Aedes.createBroker();
    server = createServer(broker.handle);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    hub = await startTestHub({ mqtt: { url: `mqtt://127.0.0.1:${port}`, sharedGroup: '' } });
    token = await login(hub, 'admin');
  });
  afterAll(async () => {
    await hub?.dispose();
    await new Promise<void>((r) => broker.close(() => r()));
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('still checks the edge: unknown edges and forged edge ids are dead-lettered', async () => {
    const c = await connect(hub.mqttUrl, 'anyone', 'x');
    await publish(c, T.evt('cjp', 'ghost', 'scan', 'scanner-1'), JSON.stringify(scan('ghost', 1)));
    await publish(c, T.evt('cjp', 'wh-1', 'scan', 'scanner-1'), JSON.stringify(scan('gate-east', 1)));
    await publish(c, 'cjp/v1/cjp/wh-1/evt/teleport/scanner-1', JSON.stringify(scan('wh-1', 1)));
    await publish(c, T.evt('xian', 'wh-1', 'scan', 'scanner-1'), JSON.stringify(scan('wh-1', 1)));
    await publish(c, T.evt('cjp', 'wh-1', 'scan', 'scanner-1'), JSON.stringify(scan('wh-1', 1, 'OK')));
    const dead = await waitFor(async () => {
      const d = await api<Dead>(hub, token, '/dead-letters');
      return d.items.length >= 4 ? d : null;
    }, 'four dead letters');
    const reasons = dead.items.map((d) => d.reason).join('\n');
    expect(reasons).toContain('unknown edge "ghost"');
    expect(reasons).toContain('envelope edgeId "gate-east" does not match topic edge "wh-1"');
    expect(reasons).toContain('is not one of ours');
    expect(reasons).toContain('belongs to site "cjp", not "xian"');
    await waitFor(async () => (await api<Events>(hub, token, '/events?edgeId=wh-1')).items.length === 1, 'the valid event');
    c.end();
  });

  it('reports not ready on /healthz while the broker is away, and ready again when it is back', async () => {
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((r) => broker.close(() => r()));
    await new Promise<void>((r) => server.close(() => r()));
    await waitFor(async () => (await fetch(`${hub.url}/healthz`)).status === 503, '/healthz 503');
    expect(await (await fetch(`${hub.url}/healthz`)).json()).toMatchObject({ status: 'unavailable', db: 'up', broker: 'down' });

    broker = await Aedes.createBroker();
    server = createServer(broker.handle);
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
    await waitFor(async () => (await fetch(`${hub.url}/healthz`)).status === 200, '/healthz 200 after the broker returned');
  });
});
