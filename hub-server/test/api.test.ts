import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as ioClient } from 'socket.io-client';
import { login, startTestHub, type TestHub } from '../../test-support/hub.js';

const METRICS_TOKEN = 'scrape-token-0123456789abcdef';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub({ http: { metricsToken: METRICS_TOKEN } });
});
afterAll(async () => {
  await hub?.dispose();
});

type OpenApi = { paths: Record<string, Record<string, { security?: unknown[] }>> };

describe('authentication', () => {
  it('answers 401 on every route of the OpenAPI document that is not marked public', async () => {
    const doc = (await (await fetch(`${hub.url}/api/v1/openapi.json`)).json()) as OpenApi;
    const checked: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (Array.isArray(op.security) && op.security.length === 0) continue; // public (login)
        const url = `${hub.url}${path.replace(/\{[^}]+\}/g, 'x')}`;
        const r = await fetch(url, { method: method.toUpperCase(), headers: { 'content-type': 'application/json' }, body: method === 'get' ? undefined : '{}' });
        expect(r.status, `${method} ${path}`).toBe(401);
        const body = (await r.json()) as { error: { code: string } };
        expect(body.error.code).toBe('HUB_ERR_AUTH_REQUIRED');
        checked.push(`${method} ${path}`);
      }
    }
    // The document must list the routes this hub serves, or the loop above proves nothing.
    expect(checked).toEqual(expect.arrayContaining(['get /api/v1/events', 'get /api/v1/edges', 'post /api/v1/edges', 'get /api/v1/me', 'get /api/v1/dead-letters']));
  });

  it('marks only login as public in the document', async () => {
    const doc = (await (await fetch(`${hub.url}/api/v1/openapi.json`)).json()) as OpenApi;
    const pub = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => Array.isArray(op.security) && op.security.length === 0)
        .map(([m]) => `${m} ${p}`),
    );
    expect(pub).toEqual(['post /api/v1/auth/login']);
  });

  it('refuses a wrong password and an unknown user alike', async () => {
    for (const [username, password] of [
      ['operator', 'wrong'],
      ['nobody', 'cjp-demo'],
    ]) {
      const r = await fetch(`${hub.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
      expect(r.status).toBe(401);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe('HUB_ERR_AUTH_INVALID_CREDENTIALS');
    }
  });

  it('rejects a malformed login body with a validation error naming the field', async () => {
    const r = await fetch(`${hub.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'operator' }) });
    expect(r.status).toBe(400);
    const body = (await r.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('HUB_ERR_VALIDATION');
    expect(body.error.message).toContain('password');
  });

  it('signs in with a bearer token and with the session cookie, and signs out', async () => {
    const r = await fetch(`${hub.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'operator', password: 'cjp-demo' }) });
    expect(r.status).toBe(200);
    const body = (await r.json()) as { token: string; user: { role: string; tenantId: string | null } };
    expect(body.user).toMatchObject({ role: 'operator', tenantId: null });
    const cookie = r.headers.get('set-cookie')!;
    expect(cookie).toMatch(/cjp_session=.+HttpOnly/i);

    const byBearer = await fetch(`${hub.url}/api/v1/me`, { headers: { authorization: `Bearer ${body.token}` } });
    expect(((await byBearer.json()) as { username: string }).username).toBe('operator');
    const byCookie = await fetch(`${hub.url}/api/v1/me`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(byCookie.status).toBe(200);

    expect((await fetch(`${hub.url}/api/v1/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${body.token}` } })).status).toBe(204);
    expect((await fetch(`${hub.url}/api/v1/me`, { headers: { authorization: `Bearer ${body.token}` } })).status).toBe(401);
  });

  it('keeps enterprises out of raw device data and non-admins out of edge registration', async () => {
    const ent = await login(hub, 'enterprise');
    const me = (await (await fetch(`${hub.url}/api/v1/me`, { headers: { authorization: `Bearer ${ent}` } })).json()) as { tenantId: string };
    expect(me.tenantId).toBe('ent-demo');
    const r = await fetch(`${hub.url}/api/v1/events`, { headers: { authorization: `Bearer ${ent}` } });
    expect(r.status).toBe(403);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('HUB_ERR_AUTH_FORBIDDEN');

    const op = await login(hub, 'operator');
    const reg = await fetch(`${hub.url}/api/v1/edges`, {
      method: 'POST',
      headers: { authorization: `Bearer ${op}`, 'content-type': 'application/json' },
      body: JSON.stringify({ edgeId: 'gate-west', siteId: 'cjp' }),
    });
    expect(reg.status).toBe(403);

    const admin = await login(hub, 'admin');
    const ok = await fetch(`${hub.url}/api/v1/edges`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ edgeId: 'gate-west', siteId: 'cjp', name: 'West gate' }),
    });
    expect(ok.status).toBe(201);
    expect(((await ok.json()) as { password: string }).password.length).toBeGreaterThanOrEqual(24);
    const again = await fetch(`${hub.url}/api/v1/edges`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ edgeId: 'gate-west', siteId: 'cjp' }),
    });
    expect(again.status).toBe(409);
  });

  it('refuses socket.io connections without a session, and enterprises on the device feed', async () => {
    const tryConnect = (auth: Record<string, string>) =>
      new Promise<string>((resolve) => {
        const s = ioClient(`${hub.url}/devices`, { auth, transports: ['websocket'], reconnection: false });
        s.on('connect', () => {
          s.close();
          resolve('connected');
        });
        s.on('connect_error', (err) => {
          s.close();
          resolve(err.message);
        });
      });
    expect(await tryConnect({})).toBe('HUB_ERR_AUTH_REQUIRED');
    expect(await tryConnect({ token: 'forged' })).toBe('HUB_ERR_AUTH_REQUIRED');
    expect(await tryConnect({ token: await login(hub, 'enterprise') })).toBe('HUB_ERR_AUTH_FORBIDDEN');
    expect(await tryConnect({ token: await login(hub, 'operator') })).toBe('connected');
  });
});

describe('service endpoints', () => {
  it('reports ready on /healthz with database and broker up', async () => {
    const r = await fetch(`${hub.url}/healthz`);
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ status: 'ok', db: 'up', broker: 'up' });
  });

  it('exposes ingest metrics on /metrics to the holder of METRICS_TOKEN only', async () => {
    for (const authorization of [undefined, 'Bearer wrong-token-0123456789', `Bearer ${METRICS_TOKEN}x`]) {
      const r = await fetch(`${hub.url}/metrics`, authorization ? { headers: { authorization } } : {});
      expect(r.status, String(authorization)).toBe(401);
      expect(await r.text()).not.toContain('cjp_ingest');
    }
    const r = await fetch(`${hub.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(r.status).toBe(200);
    const text = await r.text();
    for (const name of ['cjp_ingest_messages_total', 'cjp_dead_letters_total', 'cjp_ingest_queue_depth', 'cjp_ingest_ack_lag']) expect(text).toContain(name);
  });

  it('serves the browsable API page from the installed package', async () => {
    const r = await fetch(`${hub.url}/api/v1/docs/`);
    expect(r.status).toBe(200);
    expect(await r.text()).toContain('swagger');
  });

  it('answers unknown API routes with the error shape', async () => {
    const token = await login(hub, 'operator');
    const r = await fetch(`${hub.url}/api/v1/nope`, { headers: { authorization: `Bearer ${token}` } });
    expect(r.status).toBe(404);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('HUB_ERR_NOT_FOUND');
  });
});
