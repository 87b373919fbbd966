/**
 * npm run bench:ingest — N simulated edges publish scans through the broker into the hub.
 * Prints one JSON line: events_per_s (all stored and seen on socket.io), p50_ms/p99_ms (publish →
 * socket.io receipt at a steady rate), raw_broker_per_s (plain QoS 1 pub→sub through the same
 * broker in the same run) and ratio. Embedded parts by default; DATABASE_URL and MQTT_URL switch
 * to a PostgreSQL server and an external broker.
 *
 * Env: BENCH_EDGES (4), BENCH_EVENTS (total, 20000), BENCH_RATE (latency phase, 2000/s),
 * BENCH_SECONDS (latency phase, 10).
 */
import mqtt, { type MqttClient } from 'mqtt';
import { io } from 'socket.io-client';
import { envelopeFrom, topics } from '@cjp/contracts';
import { percentile, round, spawnHub } from './support.js';

const EDGES = Number(process.env.BENCH_EDGES ?? 4);
const TOTAL = Number(process.env.BENCH_EVENTS ?? 20_000);
const RATE = Number(process.env.BENCH_RATE ?? 2000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WINDOW = 500; // un-PUBACKed publishes per edge, like the edge agent's in-flight window
const INTERNAL_PASSWORD = 'bench-internal-password-0123456789';
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

const external = Boolean(process.env.MQTT_URL);
const prefix = external ? `cjpbench${Date.now().toString(36)}/v1` : 'cjp/v1';
const T = topics(prefix);
const runId = Date.now().toString(36);

const hub = await spawnHub({ MQTT_INTERNAL_PASSWORD: INTERNAL_PASSWORD, MQTT_TOPIC_PREFIX: prefix });
try {
  const post = async (path: string, token: string | null, body: unknown) => {
    const r = await fetch(`${hub.url}/api/v1${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    if (r.status >= 300) throw new Error(`${path}: ${r.status} ${await r.text()}`);
    return r.json() as Promise<Record<string, string>>;
  };
  const admin = (await post('/auth/login', null, { username: 'admin', password: 'cjp-demo' })).token!;
  const edges: Array<{ edgeId: string; password: string; client?: MqttClient; seq: number }> = [];
  for (let i = 0; i < EDGES; i++) {
    const edgeId = `bench-${runId}-${i}`;
    const r = await post('/edges', admin, { edgeId, siteId: 'cjp' });
    edges.push({ edgeId, password: r.password!, seq: 0 });
  }
  const connect = (username: string, password: string) =>
    new Promise<MqttClient>((resolve, reject) => {
      const c = mqtt.connect(hub.mqttUrl, { username, password, reconnectPeriod: 0, clientId: `${username}-${Math.random().toString(36).slice(2, 8)}` });
      c.once('connect', () => resolve(c));
      c.once('error', reject);
    });
  for (const e of edges) e.client = await connect(e.edgeId, e.password);

  // socket.io receipt times, by event id
  const seen = new Map<string, number>();
  const socket = io(`${hub.url}/devices`, { auth: { token: admin }, transports: ['websocket'] });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  socket.on('event:accepted', (e: { id: string }) => seen.set(e.id, performance.now()));

  const sample = (e: (typeof edges)[number]) =>
    JSON.stringify(envelopeFrom({ edgeId: e.edgeId, seq: ++e.seq, deviceId: 'scanner-1', kind: 'scan', ts: new Date().toISOString(), data: { code: `00${String(e.seq).padStart(17, '0')}\u001d21BENCH`, aim: ']C1' } }));
  const payloadBytes = sample({ edgeId: 'x', seq: 0, password: '' }).length;

  let rawPerS = 0;
  let eventsPerS = 0;
  let p50 = NaN;
  let p99 = NaN;
  let lost = 0;
  let rawLost = 0;
  // Outstanding = published but not yet received downstream. Bounding it keeps the run inside what
  // a broker queues per subscriber (Mosquitto drops QoS 1 messages past max_queued_messages, 1000
  // by default), so the figures are sustainable rates, not bursts into a queue.
  const CREDIT = Number(process.env.BENCH_CREDIT ?? 400);

  // 1. Raw broker: the same number of QoS 1 messages of the same size, pub→sub, no hub in the path.
  {
    const user = external ? (process.env.MQTT_USERNAME ?? 'bench') : 'cjp-hub-internal';
    const pass = external ? (process.env.MQTT_PASSWORD ?? 'bench') : INTERNAL_PASSWORD;
    const sub = await connect(user, pass);
    const pubs = await Promise.all(edges.map(() => connect(user, pass)));
    await sub.subscribeAsync(`bench-raw-${runId}/#`, { qos: 1 });
    let got = 0;
    let lastAt = 0;
    const done = new Promise<void>((resolve) =>
      sub.on('message', () => {
        lastAt = performance.now();
        if (++got === TOTAL) resolve();
      }),
    );
    const payload = Buffer.alloc(payloadBytes, 0x41);
    let published = 0;
    const t0 = performance.now();
    await Promise.all(
      pubs.map(async (p, i) => {
        const n = Math.floor(TOTAL / pubs.length) + (i < TOTAL % pubs.length ? 1 : 0);
        const inflight = new Set<Promise<unknown>>();
        for (let k = 0; k < n; k++) {
          while (published - got >= CREDIT) await new Promise((r) => setImmediate(r));
          published++;
          const pr = p.publishAsync(`bench-raw-${runId}/${i}`, payload, { qos: 1 }).finally(() => inflight.delete(pr));
          inflight.add(pr);
          if (inflight.size >= WINDOW) await Promise.race(inflight);
        }
        await Promise.all(inflight);
      }),
    );
    // A broker may drop QoS 1 messages for a lagging subscriber; count what arrived, until it stops.
    while (got < TOTAL && performance.now() - Math.max(lastAt, t0) < 5000) await Promise.race([done, new Promise((r) => setTimeout(r, 100))]);
    if (got < TOTAL) log(`raw broker: ${TOTAL - got} of ${TOTAL} messages never arrived (dropped by the broker)`);
    rawLost = TOTAL - got;
    rawPerS = got / ((lastAt - t0) / 1000);
    log(`raw broker: ${Math.round(rawPerS)} msg/s`);
    sub.end();
    pubs.forEach((p) => p.end());
  }

  // 2. Throughput: all edges publish as fast as their window allows; done when every event is on socket.io.
  {
    const t0 = performance.now();
    const ids: string[] = [];
    const seenBefore = seen.size;
    await Promise.all(
      edges.map(async (e, i) => {
        const n = Math.floor(TOTAL / edges.length) + (i < TOTAL % edges.length ? 1 : 0);
        const inflight = new Set<Promise<unknown>>();
        for (let k = 0; k < n; k++) {
          while (ids.length - (seen.size - seenBefore) >= CREDIT) await new Promise((r) => setTimeout(r, 1));
          const body = sample(e);
          ids.push(`${e.edgeId}:${e.seq}`);
          const pr = e.client!.publishAsync(T.evt('cjp', e.edgeId, 'scan', 'scanner-1'), body, { qos: 1 }).finally(() => inflight.delete(pr));
          inflight.add(pr);
          if (inflight.size >= WINDOW) await Promise.race(inflight);
        }
        await Promise.all(inflight);
      }),
    );
    const deadline = Date.now() + 300_000;
    while (ids.some((id) => !seen.has(id))) {
      if (Date.now() > deadline) throw new Error(`only ${ids.filter((id) => seen.has(id)).length} of ${ids.length} events arrived`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const last = Math.max(...ids.map((id) => seen.get(id)!));
    eventsPerS = ids.length / ((last - t0) / 1000);
    log(`throughput: ${Math.round(eventsPerS)} events/s stored and delivered`);
  }

  // 3. Latency at a steady rate: publish → socket.io receipt.
  {
    const sent = new Map<string, number>();
    const total = RATE * SECONDS;
    const t0 = performance.now();
    let k = 0;
    while (k < total) {
      const due = Math.floor(((performance.now() - t0) / 1000) * RATE);
      while (k < Math.min(due, total)) {
        const e = edges[k % edges.length]!;
        const body = sample(e);
        sent.set(`${e.edgeId}:${e.seq}`, performance.now());
        e.client!.publish(T.evt('cjp', e.edgeId, 'scan', 'scanner-1'), body, { qos: 1 });
        k++;
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    const deadline = Date.now() + 120_000;
    while ([...sent.keys()].some((id) => !seen.has(id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    lost = [...sent.keys()].filter((id) => !seen.has(id)).length;
    const lat = [...sent].map(([id, t]) => (seen.get(id) ?? Infinity) - t).sort((a, b) => a - b);
    p50 = percentile(lat, 50);
    p99 = percentile(lat, 99);
    log(`latency at ${RATE}/s: p50 ${round(p50)} ms, p99 ${round(p99)} ms`);
  }

  socket.close();
  edges.forEach((e) => e.client!.end());
  console.log(
    JSON.stringify({
      bench: 'ingest',
      db: process.env.DATABASE_URL ? 'postgresql' : 'pglite',
      broker: external ? 'external' : 'aedes',
      edges: EDGES,
      events: TOTAL,
      payload_bytes: payloadBytes,
      events_per_s: Math.round(eventsPerS),
      latency_rate_per_s: RATE,
      lost_at_rate: lost,
      p50_ms: round(p50),
      p99_ms: round(p99),
      raw_broker_per_s: Math.round(rawPerS),
      raw_broker_lost: rawLost,
      ratio: round(eventsPerS / rawPerS, 3),
    }),
  );
} finally {
  await hub.stop();
}
process.exit(0);
