import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { statusMessageSchema, topics, type StatusMessage } from '@cjp/contracts';
import { startEdgeAgent, type EdgeAgent } from '../src/agent.js';
import { parseEdgeConfig, type EdgeConfigInput } from '../src/config.js';
import { startBroker, type TestBroker } from './support/broker.js';
import { RawBroker, type RawPublish } from './support/raw-broker.js';
import { TestHub } from './support/hub.js';
import { captureLogger, startScanner, until, type FakeScanner } from './support/util.js';

const GS = '\u001d';
const STATUS_TOPIC = topics().status('cjp', 'wh-1');

let dir: string;
let broker: TestBroker;
let scanner: FakeScanner;
const cleanups: (() => Promise<void>)[] = [];

function config(overrides: Partial<EdgeConfigInput['broker']> = {}, resendAfterMs = 60_000) {
  return parseEdgeConfig(
    {
      site: 'cjp',
      edgeId: 'wh-1',
      broker: { url: broker.url, password: 'secret', reconnectBaseMs: 20, reconnectMaxMs: 200, ...overrides },
      outbox: { path: 'outbox.sqlite', resendAfterMs },
      devices: [
        { id: 'scanner-1', driver: 'scanner-line', transport: `tcp://127.0.0.1:${scanner.port}`, reconnectBaseMs: 20, reconnectMaxMs: 200 },
      ],
    },
    dir,
  );
}

async function agentWith(cfg: ReturnType<typeof config>, logger = captureLogger().logger): Promise<EdgeAgent> {
  const agent = await startEdgeAgent(cfg, { logger });
  cleanups.push(() => agent.close());
  return agent;
}

async function hub(opts: { autoAck?: boolean } = {}): Promise<TestHub> {
  const h = await TestHub.start(broker.url, opts);
  cleanups.push(() => h.close());
  return h;
}

const online = (h: TestHub) => h.statuses.some((s) => s.state === 'online');

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cjp-agent-'));
  broker = await startBroker();
  scanner = await startScanner();
});

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await scanner.close();
  await broker.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('edge agent against a real broker', () => {
  it('publishes scanned lines as envelopes in seq order, reports health and trims the outbox on ack', async () => {
    const h = await hub();
    const agent = await agentWith(config());
    await until('scanner connected', () => scanner.connected);
    await until('agent online', () => online(h));

    scanner.send(`]C10109501101530003${GS}10LOT42\r\n]E06901234567892\r\n`);
    scanner.send('PLAIN-CODE\r\nBAD\u0007LINE\r\n');
    await until('3 events at the hub', () => h.seqs.size === 3);
    await until('outbox trimmed by the ack', () => agent.outboxDepth() === 0);

    expect(h.received.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(h.received.map((e) => ({ id: e.id, kind: e.kind, deviceId: e.deviceId, data: e.data }))).toEqual([
      {
        id: 'wh-1:1',
        kind: 'scan',
        deviceId: 'scanner-1',
        data: {
          code: `0109501101530003${GS}10LOT42`,
          aim: ']C1',
          symbology: 'gs1-128',
          gs1: [
            { ai: '01', value: '09501101530003', title: 'GTIN' },
            { ai: '10', value: 'LOT42', title: 'BATCH/LOT' },
          ],
        },
      },
      { id: 'wh-1:2', kind: 'scan', deviceId: 'scanner-1', data: { code: '6901234567892', aim: ']E0', symbology: 'ean-13' } },
      { id: 'wh-1:3', kind: 'scan', deviceId: 'scanner-1', data: { code: 'PLAIN-CODE' } },
    ]);
    expect(h.invalid).toEqual([]);

    const health = agent.health();
    expect(health.broker.state).toBe('connected');
    expect(health.devices).toEqual([
      {
        deviceId: 'scanner-1',
        driver: 'scanner-line',
        state: 'connected',
        lastReadingAt: expect.any(String),
        readings: 3,
        errors: 1,
        lastError: 'control character 0x07 at byte 3',
        connectedSince: expect.any(String),
        rejects: { malformed: 1 },
      },
    ]);
    const status = h.statuses.find((s) => s.state === 'online');
    expect(status?.devices.map((d) => d.deviceId)).toEqual(['scanner-1']);
  });

  it('re-sends unacked events after resendAfterMs, and stops holding them once the hub acks', async () => {
    const h = await hub({ autoAck: false });
    const agent = await agentWith(config({}, 200));
    await until('scanner connected', () => scanner.connected);
    await until('agent online', () => online(h));

    scanner.send('A-1\r\nA-2\r\n');
    await until('both events re-sent at least once', () => h.timesSeen(1) >= 2 && h.timesSeen(2) >= 2);
    expect(agent.outboxDepth()).toBe(2);
    // every copy is the same event
    expect(new Set(h.received.filter((e) => e.seq === 1).map((e) => JSON.stringify(e))).size).toBe(1);

    await h.ack(2);
    await until('outbox empty after ack', () => agent.outboxDepth() === 0);
  });

  it('after a broker restart on the same port, replays unacked events and delivers every reading taken meanwhile', async () => {
    const h = await hub({ autoAck: false });
    // resendAfterMs far beyond the test: every re-send seen here comes from the replay on reconnect
    const agent = await agentWith(config({}, 600_000));
    await until('scanner connected', () => scanner.connected);
    await until('agent online', () => online(h));

    // 1. five events reach the hub, which does not ack them yet
    for (let i = 1; i <= 5; i++) scanner.send(`BEFORE-${i}\r\n`);
    await until('first 5 delivered', () => h.seqs.size === 5);

    // 2. the broker goes away; the scanner keeps scanning
    const port = broker.port;
    await broker.close();
    await until('agent sees the broker gone', () => agent.health().broker.state !== 'connected');
    for (let i = 1; i <= 10; i++) scanner.send(`OFFLINE-${i}\r\n`);
    await until('readings stored while offline', () => agent.health().devices[0]?.readings === 15);
    expect(agent.outboxDepth()).toBe(15);

    // 3. the broker is back; the edge is let in only once the hub has resubscribed (no persistent sessions here)
    let restarted: TestBroker | null = null;
    const hubBack = () => restarted?.subscriptions.some((s) => s.clientId === h.clientId) ?? false;
    restarted = await startBroker({ port, authenticate: (client, _u, _p, done) => done(null, client.id !== 'edge-wh-1' || hubBack()) });
    broker = restarted;
    h.autoAck = true;
    for (let i = 1; i <= 5; i++) scanner.send(`AFTER-${i}\r\n`);
    await until('every seq 1..20 at the hub', () => h.seqs.size === 20);
    await until('outbox drained', () => agent.outboxDepth() === 0);

    expect([...h.seqs].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect([1, 2, 3, 4, 5].map((seq) => h.timesSeen(seq))).toEqual([2, 2, 2, 2, 2]);
    const codes = h.distinct().sort((a, b) => a.seq - b.seq).map((e) => (e.data as { code: string }).code);
    expect(codes.slice(5, 15)).toEqual(Array.from({ length: 10 }, (_, i) => `OFFLINE-${i + 1}`));
  });

  it('never has more than maxInFlight publishes awaiting PUBACK and sends the rest, in order, as PUBACKs come', async () => {
    const raw = await RawBroker.start((topic) => topic.includes('/evt/'));
    cleanups.push(() => raw.close());
    const agent = await agentWith(config({ url: raw.url, maxInFlight: 3 }));
    const isEvt = (p: RawPublish) => p.topic.includes('/evt/');
    const evts = () => raw.publishes.filter(isEvt);
    const seqOf = (p: RawPublish) => (JSON.parse(p.payload) as { seq: number }).seq;
    await until('scanner connected', () => scanner.connected);
    await until('online status', () => raw.publishes.some((p) => p.topic === STATUS_TOPIC));

    scanner.send(Array.from({ length: 10 }, (_, i) => `W-${i + 1}\r\n`).join(''));
    await until('10 readings stored', () => agent.health().devices[0]?.readings === 10);
    await until('3 events on the wire', () => evts().length >= 3);
    // Anything the agent writes now comes after whatever it has already published.
    raw.publish(topics().cmd('cjp', 'wh-1', 'scanner-1'), JSON.stringify({ id: 'probe', action: 'noop', expiresAt: new Date(Date.now() + 60_000).toISOString() }));
    await until('command answered', () => raw.publishes.some((p) => p.topic.endsWith('/cmdack')));
    const beforeProbe = raw.publishes.slice(0, raw.publishes.findIndex((p) => p.topic.endsWith('/cmdack')));
    expect(beforeProbe.filter(isEvt).map(seqOf)).toEqual([1, 2, 3]);

    // each round of PUBACKs lets at most maxInFlight more through
    let acked = 0;
    while (evts().length < 10) {
      const sent = evts().length;
      expect(sent - acked).toBeLessThanOrEqual(3);
      for (const p of evts().slice(acked)) raw.puback(p.messageId!);
      acked = sent;
      await until('more events', () => evts().length > sent);
    }
    for (const p of evts().slice(acked)) raw.puback(p.messageId!);
    expect(evts().map(seqOf)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('leaves a retained offline status when its connection dies, and comes back online', async () => {
    let refuseEdge = false;
    await broker.close();
    broker = await startBroker({
      port: broker.port,
      authenticate: (client, _user, _pass, done) => done(null, !(refuseEdge && client.id === 'edge-wh-1')),
    });
    const h = await hub();
    await agentWith(config());
    await until('agent online', () => online(h));

    // Cut the agent off as a network failure would, and keep it out for a moment.
    refuseEdge = true;
    broker.clients.get('edge-wh-1')?.conn.destroy();
    await until('offline status at the hub', () => h.statuses.some((s) => s.state === 'offline'));

    // A client arriving later still learns the edge is offline: the status is retained.
    const late = await connectAsync(broker.url, { clientId: 'late-observer' });
    cleanups.push(() => late.endAsync(true));
    const retained: { status: StatusMessage; retain: boolean }[] = [];
    late.on('message', (_t, payload, packet) => retained.push({ status: statusMessageSchema.parse(JSON.parse(payload.toString())), retain: packet.retain }));
    await late.subscribeAsync(STATUS_TOPIC, { qos: 1 });
    await until('retained status delivered', () => retained.length > 0);
    expect(retained[0]).toMatchObject({ retain: true, status: { edgeId: 'wh-1', state: 'offline', devices: [] } });

    refuseEdge = false;
    const before = h.statuses.length;
    await until('online again', () => h.statuses.slice(before).some((s) => s.state === 'online'));
  });

  it('keeps retrying with a wrong password, reports why, keeps storing readings and closes cleanly', async () => {
    let attempts = 0;
    await broker.close();
    broker = await startBroker({
      port: broker.port,
      authenticate: (client, user, pass, done) => {
        if (client.id === 'edge-wh-1') attempts += 1;
        const ok = user === 'wh-1' && pass?.toString() === 'secret';
        if (ok) done(null, true);
        else done(Object.assign(new Error('bad credentials'), { returnCode: 4 as const }), false);
      },
    });
    const { logger, lines } = captureLogger();
    const agent = await agentWith(config({ password: 'wrong' }), logger);
    await until('scanner connected', () => scanner.connected);
    await until('several refused attempts', () => attempts >= 3);

    const health = agent.health();
    expect(health.broker.state).not.toBe('connected');
    expect(health.broker.lastError).toMatch(/bad user ?name or password/i);
    expect(lines.some((l) => l.msg.startsWith('broker refused the connection') && l.level >= 50)).toBe(true);

    scanner.send('STORED-WHILE-REFUSED\r\n');
    await until('reading kept in the outbox', () => agent.outboxDepth() === 1);
    await agent.close();
    expect(agent.health().broker.state).toBe('disconnected');
  });

  it('reports a broker that refuses its event publishes, keeps the events and keeps retrying', async () => {
    let connects = 0;
    await broker.close();
    broker = await startBroker({ port: broker.port });
    // like an ACL that forgot evt/: MQTT 3.1.1 brokers drop the connection
    broker.aedes.authorizePublish = (client, packet, done) => done(packet.topic.includes('/evt/') ? new Error('denied') : null);
    broker.aedes.on('clientReady', (c) => {
      if (c.id === 'edge-wh-1') connects += 1;
    });
    const { logger, lines } = captureLogger();
    const agent = await agentWith(config(), logger);
    await until('scanner connected', () => scanner.connected);
    scanner.send('DENIED-1\r\n');
    await until('dropped and reconnected twice', () => connects >= 3);

    expect(agent.outboxDepth()).toBe(1);
    expect(lines.some((l) => l.level >= 50 && l.msg.includes('it may refuse our publishes'))).toBe(true);
    await until('reported in health', () => /may refuse our publishes/.test(agent.health().broker.lastError ?? ''));
  });

  it('answers an expired command with "expired", a repeated one once, and says why it cannot run others', async () => {
    const h = await hub();
    await agentWith(config());
    await until('agent online', () => online(h));

    const past = new Date(Date.now() - 60_000).toISOString();
    const future = new Date(Date.now() + 60_000).toISOString();
    await h.command('scanner-1', { id: 'cmd-old', action: 'beep', args: {}, expiresAt: past });
    await h.command('scanner-1', { id: 'cmd-new', action: 'beep', args: {}, expiresAt: future });
    await h.command('scanner-9', { id: 'cmd-nodev', action: 'beep', args: {}, expiresAt: future });
    await until('three command acks', () => h.cmdacks.length === 3);
    expect(h.cmdacks.sort((a, b) => a.id.localeCompare(b.id))).toEqual([
      { id: 'cmd-new', ok: false, error: 'device "scanner-1" (scanner-line) takes no commands', ts: expect.any(String) },
      { id: 'cmd-nodev', ok: false, error: 'no such device "scanner-9"', ts: expect.any(String) },
      { id: 'cmd-old', ok: false, error: 'expired', ts: expect.any(String) },
    ]);
    // A redelivered command is answered again with the same answer, not run again.
    await h.command('scanner-1', { id: 'cmd-new', action: 'beep', args: {}, expiresAt: future });
    await until('the repeated answer', () => h.cmdacks.length === 4);
    expect(h.cmdacks[3]).toEqual(h.cmdacks.find((a) => a.id === 'cmd-new'));
  });

  it('continues numbering after the hub when its outbox was lost (retained ack ahead of it)', async () => {
    const h = await hub();
    h.applied = 100;
    await h.ack(100);
    const agent = await agentWith(config());
    await until('scanner connected', () => scanner.connected);
    await until('agent online', () => online(h));

    scanner.send('AFTER-REPLACEMENT\r\n');
    await until('event at the hub', () => h.seqs.size === 1);
    expect(h.received[0]).toMatchObject({ seq: 101, id: 'wh-1:101', data: { code: 'AFTER-REPLACEMENT' } });
    await until('acked', () => agent.outboxDepth() === 0);
  });

  it('publishes offline status on close and keeps unacked readings for the next start', async () => {
    const h = await hub({ autoAck: false });
    const cfg = config();
    const agent = await startEdgeAgent(cfg, { logger: captureLogger().logger });
    await until('scanner connected', () => scanner.connected);
    await until('agent online', () => online(h));
    scanner.send('KEEP-ME\r\n');
    await until('event at the hub', () => h.seqs.size === 1);

    await agent.close();
    await until('offline status', () => h.statuses.at(-1)?.state === 'offline');

    h.autoAck = true;
    const again = await agentWith(cfg);
    await until('replayed and acked after restart', () => again.outboxDepth() === 0);
    expect(h.distinct().map((e) => e.seq)).toEqual([1]);
    expect(h.timesSeen(1)).toBeGreaterThanOrEqual(2);
  });
});
