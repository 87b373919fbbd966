import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startEdgeHttpServer, type EdgeHttpServer } from '../src/http-server.js';
import { captureLogger } from './support/util.js';

const servers: EdgeHttpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(maxBodyBytes = 1024, metricsToken?: string) {
  const { logger, lines } = captureLogger();
  const server = await startEdgeHttpServer({
    host: '127.0.0.1',
    port: 0,
    maxBodyBytes,
    metricsToken,
    logger,
    metrics: () => Promise.resolve({ contentType: 'text/plain; version=0.0.4; charset=utf-8', body: 'cjp_edge_up 1\n' }),
    health: () => ({ edgeId: 'gate-1', devices: [] }),
  });
  servers.push(server);
  return { server, lines, base: `http://127.0.0.1:${server.port}` };
}

/** A raw request with node:http, so a refused upload still yields the server's answer. */
function raw(port: number, method: string, path: string, body?: Buffer, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), headers: res.headers }));
      res.on('error', reject);
    });
    // the server may close while we are still sending an oversized body: the answer is what counts
    req.on('error', () => {});
    if (body) req.end(body);
    else req.end();
  });
}

describe('edge HTTP server', () => {
  it('serves GET /metrics from the metrics callback and GET /healthz as JSON', async () => {
    const { base } = await start();
    const m = await fetch(`${base}/metrics`);
    expect(m.status).toBe(200);
    expect(m.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await m.text()).toBe('cjp_edge_up 1\n');

    const h = await fetch(`${base}/healthz?verbose=1`);
    expect(h.status).toBe(200);
    expect(h.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await h.json()).toEqual({ edgeId: 'gate-1', devices: [] });
  });

  it('answers 404 JSON for unknown paths and 405 for the wrong method', async () => {
    const { base, server } = await start();
    server.routes.post('/cameras/cam-1/reads', () => Promise.resolve({ status: 202, body: { ok: true } }));

    const nf = await fetch(`${base}/nope`);
    expect(nf.status).toBe(404);
    expect(await nf.json()).toEqual({ error: 'no such path: /nope' });

    const wrongGet = await fetch(`${base}/cameras/cam-1/reads`);
    expect(wrongGet.status).toBe(405);
    expect(wrongGet.headers.get('allow')).toBe('POST');
    expect((await wrongGet.json()) as unknown).toHaveProperty('error');

    const wrongPost = await fetch(`${base}/metrics`, { method: 'POST', body: 'x' });
    expect(wrongPost.status).toBe(405);
    expect(wrongPost.headers.get('allow')).toBe('GET, HEAD');
  });

  it('passes the body of a registered POST route to its handler and sends its answer as JSON', async () => {
    const { base, server } = await start();
    const seen: string[] = [];
    server.routes.post('/cameras/cam-1/reads', ({ req, body }) => {
      seen.push(`${req.headers['x-test']}:${body.toString()}`);
      return Promise.resolve({ status: 202, body: { accepted: [{ kind: 'plate', seq: 7 }] } });
    });
    const res = await fetch(`${base}/cameras/cam-1/reads`, { method: 'POST', headers: { 'x-test': 'a' }, body: '{"x":1}' });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: [{ kind: 'plate', seq: 7 }] });
    expect(seen).toEqual(['a:{"x":1}']);
  });

  it('refuses a second registration of the same path', async () => {
    const { server } = await start();
    const h = () => Promise.resolve({ status: 204 });
    server.routes.post('/cameras/cam-1/reads', h);
    expect(() => server.routes.post('/cameras/cam-1/reads', h)).toThrow(/already registered/);
    expect(() => server.routes.post('/metrics', h)).toThrow(/already registered/);
  });

  it('answers 413 when the body exceeds maxBodyBytes, without calling the handler (declared and chunked)', async () => {
    const { server } = await start(1024);
    let calls = 0;
    server.routes.post('/cameras/cam-1/reads', () => {
      calls += 1;
      return Promise.resolve({ status: 202, body: {} });
    });
    const big = Buffer.alloc(1024 * 1024, 0x61);
    const declared = await raw(server.port, 'POST', '/cameras/cam-1/reads', big, { 'content-type': 'application/json' });
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body)).toEqual({ error: 'body larger than 1024 bytes' });

    // no Content-Length: counted while it arrives
    const chunked = await raw(server.port, 'POST', '/cameras/cam-1/reads', big, { 'transfer-encoding': 'chunked' });
    expect(chunked.status).toBe(413);
    expect(calls).toBe(0);

    // exactly at the limit is fine, and the server still serves
    const ok = await raw(server.port, 'POST', '/cameras/cam-1/reads', Buffer.alloc(1024, 0x61));
    expect(ok.status).toBe(202);
    expect(calls).toBe(1);
  });

  it('turns a throwing handler into 500 JSON, logs it and keeps serving', async () => {
    const { base, server, lines } = await start();
    server.routes.post('/boom', () => Promise.reject(new Error('handler exploded')));
    server.routes.post('/sync-boom', () => {
      throw new Error('thrown synchronously');
    });
    const res = await fetch(`${base}/boom`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: 'internal error' });
    expect((await fetch(`${base}/sync-boom`, { method: 'POST', body: '{}' })).status).toBe(500);
    expect(lines.some((l) => l.msg === 'edge HTTP handler failed' && l.err === 'handler exploded')).toBe(true);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('with a metrics token, serves /metrics only to its bearer; /healthz stays open', async () => {
    const token = 'edge-scrape-0123456789';
    const { base } = await start(1024, token);
    for (const headers of [{}, { authorization: 'Bearer nope-nope-nope-nope' }, { authorization: token }] as Array<Record<string, string>>) {
      const r = await fetch(`${base}/metrics`, { headers });
      expect(r.status).toBe(401);
      expect(await r.text()).not.toContain('cjp_edge_up');
    }
    const ok = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('cjp_edge_up 1\n');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('answers 500 when the metrics callback fails', async () => {
    const { logger } = captureLogger();
    const server = await startEdgeHttpServer({
      host: '127.0.0.1',
      port: 0,
      maxBodyBytes: 1024,
      logger,
      metrics: () => Promise.reject(new Error('registry broken')),
      health: () => ({}),
    });
    servers.push(server);
    const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: 'internal error' });
  });

  it('closes with keep-alive connections open', async () => {
    const { base, server } = await start();
    await fetch(`${base}/healthz`, { headers: { connection: 'keep-alive' } });
    await server.close();
    servers.splice(servers.indexOf(server), 1);
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });
});
