import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { anyFreePort } from '../src/launcher/free-port.js';
import { HubGateClient, HubRequestError } from '../src/index.js';

interface Seen {
  method: string;
  url: string;
  auth: string | null;
  body: unknown;
}

type Handler = (req: Seen) => { status: number; body?: unknown } | undefined;

const servers: Server[] = [];
const clients: HubGateClient[] = [];
afterEach(async () => {
  clients.splice(0).forEach((c) => c.close());
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A stand-in hub: logins hand out `token-<user>-<n>`; `handle` answers the rest (404 "no route" by default). */
async function fakeHub(handle: Handler, port = 0) {
  const seen: Seen[] = [];
  let logins = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const s: Seen = { method: req.method!, url: req.url!, auth: req.headers.authorization ?? null, body: raw ? JSON.parse(raw) : undefined };
      seen.push(s);
      let out: { status: number; body?: unknown };
      if (s.url === '/api/v1/auth/login') {
        const b = s.body as { username: string; password: string };
        out = b.password === 'cjp-demo' ? { status: 200, body: { token: `token-${b.username}-${++logins}` } } : { status: 401, body: { error: { code: 'HUB_ERR_AUTH_INVALID_CREDENTIALS', message: 'wrong' } } };
      } else out = handle(s) ?? { status: 404, body: { error: { code: 'HUB_ERR_NOT_FOUND', message: `no route ${s.method} ${s.url.split('?')[0]}` } } };
      res.writeHead(out.status, { 'content-type': 'application/json' });
      res.end(out.body === undefined ? '' : JSON.stringify(out.body));
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, seen };
}

function client(url: string, log: string[] = [], maxWaitMs = 3000) {
  const c = new HubGateClient({ url, retry: { maxWaitMs, baseDelayMs: 20, maxDelayMs: 100 }, log: (l) => log.push(l) });
  clients.push(c);
  return c;
}

const vehicle = { vehicleNo: '青B12345', vehicleIcNo: '35099D0100000012D687A1F0', vehicleWt: '8600', vehicleFrameWt: '6200', vehicleFrameNo: '青B0412挂' };
const note = {
  passportNo: 'Z8601I261128000000000001',
  ioTypecd: 'I' as const,
  passportTypecd: '2' as const,
  bindTypecd: '2' as const,
  rltTbTypecd: '1' as const,
  rltNos: ['QD860126I000000010'],
  vehicles: [{ ...vehicle, containers: [{ containerNo: 'CSQU3054383', containerType: '22G1', containerWt: '2210' }], totalGrossWt: '18000' }],
};

describe('HubGateClient (the launcher\'s GateDeclarer)', () => {
  it('declares vehicle, note and approval as the right users, each signed in once', async () => {
    const hub = await fakeHub((s) => {
      if (s.method === 'PUT' && s.url === '/api/v1/gate/vehicles') return { status: 200, body: s.body };
      if (s.method === 'POST' && s.url === '/api/v1/gate/release-notes') return { status: 201, body: { ...(s.body as object), status: 'applied' } };
      if (s.method === 'POST' && s.url === `/api/v1/gate/release-notes/${note.passportNo}/approve`) return { status: 200, body: { status: 'approved' } };
      return undefined;
    });
    const c = client(hub.url);
    await c.registerVehicle(vehicle);
    await c.createNote(note);
    await c.approveNote(note.passportNo);
    await c.registerVehicle({ ...vehicle, vehicleNo: '青B55555' });
    const calls = hub.seen.map((s) => `${s.method} ${s.url} ${s.auth ?? ''}`);
    expect(calls).toEqual([
      'POST /api/v1/auth/login ',
      'PUT /api/v1/gate/vehicles Bearer token-customs-1',
      'POST /api/v1/auth/login ',
      'POST /api/v1/gate/release-notes Bearer token-enterprise-2',
      `POST /api/v1/gate/release-notes/${note.passportNo}/approve Bearer token-customs-1`,
      'PUT /api/v1/gate/vehicles Bearer token-customs-1',
    ]);
    expect(hub.seen[1]!.body).toEqual(vehicle);
    expect(hub.seen[3]!.body).toEqual(note);
    expect(hub.seen[4]!.body).toEqual({});
  });

  it('waits while the gate API is not there yet (404 "no route") or the hub answers 503, saying so once', async () => {
    let calls = 0;
    const hub = await fakeHub((s) => {
      if (s.url !== '/api/v1/gate/vehicles') return undefined;
      calls++;
      if (calls <= 3) return undefined; // no route yet
      if (calls <= 5) return { status: 503, body: { error: { code: 'HUB_ERR_UNAVAILABLE', message: 'starting' } } };
      return { status: 200, body: s.body };
    });
    const log: string[] = [];
    await client(hub.url, log).registerVehicle(vehicle);
    expect(calls).toBe(6);
    expect(log).toEqual([
      'the hub has no gate API (yet): no route PUT /api/v1/gate/vehicles; retrying for up to 3 s per call',
      'the hub answered 503: starting; retrying for up to 3 s per call',
      'the hub answers again',
    ]);
  });

  it('waits for a hub that is not listening yet, and gives up after maxWaitMs', async () => {
    const port = await anyFreePort();
    const log: string[] = [];
    const c = client(`http://127.0.0.1:${port}`, log, 300);
    const t0 = Date.now();
    await expect(c.registerVehicle(vehicle)).rejects.toThrow(/PUT \/api\/v1\/gate\/vehicles: gave up after 300 ms; the hub cannot be reached: ECONNREFUSED/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
    expect(log).toEqual(['the hub cannot be reached: ECONNREFUSED; retrying for up to 300 ms per call']);

    // the hub comes up on that port: the next call goes through
    const later = client(`http://127.0.0.1:${port}`, [], 3000);
    const pending = later.registerVehicle(vehicle);
    await new Promise((r) => setTimeout(r, 150));
    await fakeHub((s) => (s.url === '/api/v1/gate/vehicles' ? { status: 200, body: s.body } : undefined), port);
    await pending;
  });

  it('does not retry what the hub refuses, and takes an existing note or an approved one as done', async () => {
    const hub = await fakeHub((s) => {
      if (s.url === '/api/v1/gate/vehicles') return { status: 409, body: { error: { code: 'HUB_ERR_CONFLICT', message: 'e-tag X is registered to another vehicle' } } };
      if (s.url === '/api/v1/gate/release-notes') return { status: 409, body: { error: { code: 'HUB_ERR_CONFLICT', message: `release note ${note.passportNo} already exists` } } };
      if (s.url.endsWith('/approve'))
        return { status: 409, body: { error: { code: 'HUB_ERR_CONFLICT', message: `release note ${note.passportNo} is approved; it can become approved only from applied or held` } } };
      return undefined;
    });
    const c = client(hub.url);
    const err = await c.registerVehicle(vehicle).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubRequestError);
    expect((err as HubRequestError).message).toBe('PUT /api/v1/gate/vehicles: 409 e-tag X is registered to another vehicle');
    await c.createNote(note);
    await c.approveNote(note.passportNo);
    expect(hub.seen.filter((s) => s.url === '/api/v1/gate/vehicles')).toHaveLength(1);
  });

  it('retries a 500 twice only: a note the hub stored before failing to answer then "already exists"', async () => {
    const stored = new Set<string>();
    const hub = await fakeHub((s) => {
      if (s.url === '/api/v1/gate/vehicles') return { status: 500, body: { error: { code: 'HUB_ERR_INTERNAL', message: 'internal error; see the hub log' } } };
      if (s.url === '/api/v1/gate/release-notes') {
        if (stored.has(note.passportNo)) return { status: 409, body: { error: { code: 'HUB_ERR_CONFLICT', message: `release note ${note.passportNo} already exists` } } };
        stored.add(note.passportNo);
        return { status: 500, body: { error: { code: 'HUB_ERR_INTERNAL', message: 'internal error; see the hub log' } } };
      }
      return undefined;
    });
    const c = client(hub.url);
    await c.createNote(note);
    await expect(c.registerVehicle(vehicle)).rejects.toThrow('PUT /api/v1/gate/vehicles: 500 internal error; see the hub log');
    expect(hub.seen.filter((s) => s.url === '/api/v1/gate/vehicles')).toHaveLength(3);
    expect(hub.seen.filter((s) => s.url === '/api/v1/gate/release-notes')).toHaveLength(2);
  });

  it('signs in again when its session expired', async () => {
    let expired = true;
    const hub = await fakeHub((s) => {
      if (s.url !== '/api/v1/gate/vehicles') return undefined;
      if (expired) {
        expired = false;
        return { status: 401, body: { error: { code: 'HUB_ERR_AUTH_REQUIRED', message: 'session expired' } } };
      }
      return { status: 200, body: s.body };
    });
    await client(hub.url).registerVehicle(vehicle);
    expect(hub.seen.map((s) => `${s.url} ${s.auth ?? ''}`)).toEqual([
      '/api/v1/auth/login ',
      '/api/v1/gate/vehicles Bearer token-customs-1',
      '/api/v1/auth/login ',
      '/api/v1/gate/vehicles Bearer token-customs-2',
    ]);
  });

  it('lists passages with the query and configures lanes as admin', async () => {
    const hub = await fakeHub((s) => {
      if (s.method === 'GET' && s.url.startsWith('/api/v1/gate/passages')) return { status: 200, body: { items: [{ id: 'p1', state: 'held' }] } };
      if (s.method === 'PUT' && s.url === '/api/v1/gate/lanes/gate-in-2') return { status: 200, body: s.body };
      return undefined;
    });
    const c = client(hub.url);
    expect(await c.passages({ laneId: 'gate-in-1', limit: 5 })).toEqual([{ id: 'p1', state: 'held' }]);
    await c.putLane({ id: 'gate-in-2', name: 'In 2', direction: 'in', edgeId: 'gate-1', devices: { etag: ['rfid-gate-in-2'] } });
    expect(hub.seen.filter((s) => !s.url.includes('login')).map((s) => `${s.method} ${s.url} ${s.auth}`)).toEqual([
      'GET /api/v1/gate/passages?laneId=gate-in-1&limit=5 Bearer token-customs-1',
      'PUT /api/v1/gate/lanes/gate-in-2 Bearer token-admin-2',
    ]);
  });
});
