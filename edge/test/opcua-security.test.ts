import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Device } from '../src/device.js';
import { NODE, OpcuaHarness, startOpcuaServer, type OpcuaTestServer } from './support/opcua-server.js';
import { until } from './support/util.js';

// RSA keys are slow to make: one server store and few client stores for the whole file.
const dir = mkdtempSync(join(tmpdir(), 'cjp-opcua-security-'));
let server: OpcuaTestServer;
let h: OpcuaHarness;

beforeAll(async () => {
  server = await startOpcuaServer({ pkiDir: join(dir, 'server-pki'), secure: true });
});

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

afterEach(async () => {
  await h?.close();
});

function led(id: string, url: string, pkiDir: string, extra: Record<string, unknown> = {}): Device {
  return h.device({
    id,
    driver: 'opcua-led',
    endpoint: { url, securityMode: 'SignAndEncrypt', securityPolicy: 'Basic256Sha256', pkiDir, reconnectBaseMs: 50, reconnectMaxMs: 300, ...extra },
    textNode: NODE.ledText,
  });
}

describe('SignAndEncrypt', () => {
  it('refuses an unknown server certificate by default, and connects once it is trusted, without a restart', async () => {
    h = new OpcuaHarness();
    const pki = join(dir, 'edge-pki');
    const d = led('led-1', server.url, pki);
    await until('server certificate refused', () => /server certificate refused/.test(d.health().lastError ?? ''));
    expect(d.health().state).not.toBe('connected');
    const rejected = readdirSync(join(pki, 'rejected'));
    expect(rejected).toHaveLength(1);
    expect(d.health().lastError).toContain(`it was saved as ${join(pki, 'rejected', rejected[0]!)}; move it to ${join(pki, 'trusted', 'certs')} to trust this server`);
    // our own certificate was made at first start, in the store
    expect(existsSync(join(pki, 'own', 'certs', 'client_certificate.pem'))).toBe(true);

    // the operator trusts the PLC: a copy of its certificate into trusted/certs (the copy left in
    // rejected/, which node-opcua would go on refusing, is dropped by the driver)
    mkdirSync(join(pki, 'trusted', 'certs'), { recursive: true });
    copyFileSync(server.certificateFile, join(pki, 'trusted', 'certs', 'plc.pem'));
    await until('connected', () => d.health().state === 'connected');
    expect(await d.command!('show', { text: '请停车' }, new Date(Date.now() + 5000))).toEqual({ ok: true, result: { text: '请停车' } });
    expect(server.get('ledText')).toBe('请停车');
    expect(readdirSync(join(pki, 'rejected'))).toEqual([]);
  });

  it('trustUnknownServer accepts the certificate at first sight (and stores it as trusted)', async () => {
    h = new OpcuaHarness();
    const pki = join(dir, 'edge-pki-trusting');
    const d = led('led-2', server.url, pki, { trustUnknownServer: true });
    await until('connected', () => d.health().state === 'connected');
    expect(readdirSync(join(pki, 'trusted', 'certs'))).toHaveLength(1);
  });

  it('says so when the server refuses our certificate', async () => {
    const strict = await startOpcuaServer({ pkiDir: join(dir, 'server-pki'), secure: true, acceptUnknownClients: false });
    try {
      h = new OpcuaHarness();
      const pki = join(dir, 'edge-pki-new'); // a certificate the server store has never seen
      const d = led('led-3', strict.url, pki, { trustUnknownServer: true });
      await until('refused by the server', () => /the server refused the connection/.test(d.health().lastError ?? ''));
      expect(d.health().state).not.toBe('connected');
      expect(d.health().lastError).toContain(`it probably does not trust this edge's certificate ${join(pki, 'own', 'certs', 'client_certificate.pem')}`);
    } finally {
      await h.close();
      await strict.stop();
    }
  });
});
