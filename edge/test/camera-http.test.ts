import { afterEach, describe, expect, it } from 'vitest';
import type { CameraHttpDeviceConfig } from '../src/config.js';
import type { DeviceContext } from '../src/device.js';
import { CameraHttpDevice } from '../src/drivers/camera-http/camera-http-driver.js';
import { cameraHttpDeviceSchema } from '../src/drivers/camera-http/config.js';
import { startEdgeHttpServer, type EdgeHttpServer } from '../src/http-server.js';
import type { DeviceReading, SubmitResult } from '../src/reading.js';
import { captureLogger } from './support/util.js';

const TOKEN = 'cam7-secret-token-0123456789';

const servers: EdgeHttpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

interface Harness {
  url: string;
  device: CameraHttpDevice;
  readings: DeviceReading[];
  /** decides each submit; default: accept */
  outbox: { refuse: (r: DeviceReading) => string | null };
  post(body: unknown, opts?: { token?: string | null; raw?: string }): Promise<{ status: number; body: Record<string, unknown> }>;
}

const EDGE_NOW = new Date('2026-11-27T08:15:05.000Z');

async function setup(reads: 'plate' | 'container' | 'both' = 'both', maxBodyBytes = 4096): Promise<Harness> {
  const { logger } = captureLogger();
  const server = await startEdgeHttpServer({
    host: '127.0.0.1',
    port: 0,
    maxBodyBytes,
    logger,
    metrics: () => Promise.resolve({ contentType: 'text/plain', body: '' }),
    health: () => ({}),
  });
  servers.push(server);
  const readings: DeviceReading[] = [];
  const outbox: Harness['outbox'] = { refuse: () => null };
  let seq = 100;
  const ctx: DeviceContext = {
    sink: {
      submit: (r): SubmitResult => {
        const refused = outbox.refuse(r);
        if (refused) return { ok: false, error: refused };
        readings.push(r);
        return { ok: true, seq: ++seq };
      },
    },
    logger,
    now: () => EDGE_NOW,
    onStateChange: () => {},
    http: server.routes,
  };
  const config = cameraHttpDeviceSchema.parse({ id: 'cam-7', driver: 'camera-http', reads, token: TOKEN }) as CameraHttpDeviceConfig;
  const device = new CameraHttpDevice(config, ctx);
  device.start();
  const url = `http://127.0.0.1:${server.port}/cameras/cam-7/reads`;
  return {
    url,
    device,
    readings,
    outbox,
    async post(body, opts = {}) {
      const token = opts.token === undefined ? TOKEN : opts.token;
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
        body: opts.raw ?? JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
  };
}

/** The documented example (edge/README.md "Cameras over HTTP"). */
const EXAMPLE = {
  ts: '2026-11-27T08:15:02.120Z',
  plate: { number: '青B12345', color: 'blue', confidence: 0.97 },
  containers: [{ number: 'CSQU3054383', isoCode: '22G1', position: 'rear', confidence: 0.91 }],
  imageRef: 'cam7/20261127/081502.jpg',
};

describe('camera-http', () => {
  it('turns the documented JSON into one plate and one container reading (202 with their seqs)', async () => {
    const h = await setup();
    expect(h.device.health().state).toBe('connected');
    const res = await h.post(EXAMPLE);
    expect(res).toEqual({ status: 202, body: { accepted: [{ kind: 'plate', seq: 101 }, { kind: 'container', seq: 102 }] } });
    expect(h.readings).toEqual([
      {
        kind: 'plate',
        deviceId: 'cam-7',
        ts: '2026-11-27T08:15:02.120Z',
        data: { plate: '青B12345', color: 'blue', confidence: 0.97, imageRef: 'cam7/20261127/081502.jpg' },
      },
      {
        kind: 'container',
        deviceId: 'cam-7',
        ts: '2026-11-27T08:15:02.120Z',
        data: { number: 'CSQU3054383', checkDigitValid: true, isoCode: '22G1', position: 'rear', confidence: 0.91, imageRef: 'cam7/20261127/081502.jpg' },
      },
    ]);
    const health = h.device.health();
    expect(health).toMatchObject({ readings: 2, lastReadingAt: '2026-11-27T08:15:02.120Z', live: { plate: '青B12345', container: 'CSQU3054383' } });
  });

  it('keeps a container whose check digit fails, flagged; normalises printed spacing; edge clock without ts', async () => {
    const h = await setup('container');
    const res = await h.post({ containers: [{ number: 'CSQU3054384' }, { number: 'mwcu 605978 4', position: 'front' }] });
    expect(res.status).toBe(202);
    expect(h.readings.map((r) => [r.ts, r.data])).toEqual([
      ['2026-11-27T08:15:05.000Z', { number: 'CSQU3054384', checkDigitValid: false }],
      ['2026-11-27T08:15:05.000Z', { number: 'MWCU6059784', checkDigitValid: true, position: 'front' }],
    ]);
  });

  it('keeps text that is no container number at all, flagged as failing the check', async () => {
    const h = await setup('container');
    expect((await h.post({ containers: [{ number: 'CSQU30543' }] })).status).toBe(202);
    expect(h.readings[0]?.data).toEqual({ number: 'CSQU30543', checkDigitValid: false });
  });

  it('refuses a missing or wrong token with 401, counted as an auth reject', async () => {
    const h = await setup();
    expect(await h.post(EXAMPLE, { token: null })).toEqual({ status: 401, body: { error: 'unauthorized: missing or wrong bearer token' } });
    expect((await h.post(EXAMPLE, { token: 'cam7-secret-token-012345678X' })).status).toBe(401);
    expect((await h.post(EXAMPLE, { token: TOKEN.slice(0, 10) })).status).toBe(401);
    const basic = await fetch(h.url, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`cam:${TOKEN}`).toString('base64')}` }, body: '{}' });
    expect(basic.status).toBe(401);
    expect(h.readings).toEqual([]);
    expect(h.device.health().rejects).toEqual({ auth: 4 });
  });

  it('refuses bad JSON and invalid fields with 400 and a one-line reason naming the field', async () => {
    const h = await setup();
    const notJson = await h.post(null, { raw: '{"plate": ' });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error).toMatch(/^body is not JSON: /);

    const cases: [unknown, RegExp][] = [
      [{ plate: { color: 'blue' } }, /^plate\.number: /],
      [{ plate: { number: '青B12345', color: 'purple' } }, /^plate\.color: /],
      [{ plate: { number: '青B12345', confidence: 1.5 } }, /^plate\.confidence: /],
      [{ containers: [{ number: 'CSQU3054383', isoCode: '22g' }] }, /^containers\.0\.isoCode: /],
      [{ containers: [] }, /^containers: /],
      [{ ts: '27/11/2026 08:15', plate: { number: 'A1' } }, /^ts: expected an ISO 8601 time/],
      [{ imageRef: 'x.jpg' }, /^plate: required: a plate, containers or both/],
      [{ plate: { number: 'A1' }, lane: 3 }, /lane/],
      [[1, 2], /^\(root\): /],
    ];
    for (const [body, reason] of cases) {
      const res = await h.post(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error, JSON.stringify(body)).toMatch(reason);
      expect(String(res.body.error)).not.toContain('\n');
    }
    expect(h.readings).toEqual([]);
    expect(h.device.health().rejects).toEqual({ malformed: cases.length + 1 });
  });

  it('refuses what the camera is not configured to read with 422, storing nothing of the request', async () => {
    const plateOnly = await setup('plate');
    const res = await plateOnly.post(EXAMPLE);
    expect(res.status).toBe(422);
    expect(res.body.error).toMatch(/^containers: this camera is configured with reads: plate/);
    expect(plateOnly.readings).toEqual([]);

    const containerOnly = await setup('container');
    const res2 = await containerOnly.post({ plate: { number: '青B12345' } });
    expect(res2.status).toBe(422);
    expect(res2.body.error).toMatch(/^plate: this camera is configured with reads: container/);
  });

  it('answers 413 for an oversized body (the server stops reading)', async () => {
    const h = await setup('both', 1024);
    const res = await fetch(h.url, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ ...EXAMPLE, imageRef: 'x'.repeat(2000) }) });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: 'body larger than 1024 bytes' });
    expect(h.readings).toEqual([]);
    // and the endpoint still serves
    expect((await h.post(EXAMPLE)).status).toBe(202);
  });

  it('answers 503 when the outbox refuses, with nothing submitted', async () => {
    const h = await setup();
    h.outbox.refuse = () => 'outbox full (256 MiB of unacknowledged events)';
    const res = await h.post(EXAMPLE);
    expect(res.status).toBe(503);
    expect(res.body.error).toMatch(/^outbox refused the plate reading, retry later: outbox full/);
    expect(h.readings).toEqual([]);
    expect(h.device.health().rejects).toEqual({ outbox: 1 });
  });

  it('a retry after the outbox refused mid-request does not store the earlier part twice', async () => {
    const h = await setup();
    h.outbox.refuse = (r) => (r.kind === 'container' ? 'outbox full' : null);
    expect((await h.post(EXAMPLE)).status).toBe(503);
    expect(h.readings.map((r) => r.kind)).toEqual(['plate']);

    h.outbox.refuse = () => null;
    const retry = await h.post(EXAMPLE);
    expect(retry).toEqual({ status: 202, body: { accepted: [{ kind: 'plate', seq: 101 }, { kind: 'container', seq: 102 }] } });
    expect(h.readings.map((r) => r.kind)).toEqual(['plate', 'container']);

    // a new read of the same plate later is a new reading
    expect((await h.post({ ...EXAMPLE, containers: undefined })).body).toEqual({ accepted: [{ kind: 'plate', seq: 103 }] });
  });

  it('is disconnected without an HTTP server, and after close refuses with 503', async () => {
    const { logger } = captureLogger();
    const config = cameraHttpDeviceSchema.parse({ id: 'cam-8', driver: 'camera-http', reads: 'plate', token: TOKEN }) as CameraHttpDeviceConfig;
    const lonely = new CameraHttpDevice(config, { sink: { submit: () => ({ ok: true, seq: 1 }) }, logger, now: () => EDGE_NOW, onStateChange: () => {} });
    lonely.start();
    expect(lonely.health()).toMatchObject({ state: 'disconnected', lastError: expect.stringMatching(/no HTTP server/) as unknown });

    const h = await setup();
    await h.device.close();
    expect(h.device.health().state).toBe('disconnected');
    expect((await h.post(EXAMPLE)).status).toBe(503);
  });

  it('config: token of 16+ printable characters, reads required', () => {
    const base = { id: 'cam-1', driver: 'camera-http', reads: 'both' };
    expect(cameraHttpDeviceSchema.safeParse({ ...base, token: 'short' }).success).toBe(false);
    expect(cameraHttpDeviceSchema.safeParse({ ...base, token: 'has spaces in the token' }).success).toBe(false);
    expect(cameraHttpDeviceSchema.safeParse({ ...base, token: TOKEN, reads: 'faces' }).success).toBe(false);
    expect(cameraHttpDeviceSchema.parse({ ...base, token: TOKEN }).maxContainers).toBe(4);
  });
});
