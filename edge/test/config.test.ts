import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EdgeConfigError, loadEdgeConfig, parseEdgeConfig } from '../src/config.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cjp-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function errorOf(fn: () => unknown): EdgeConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof EdgeConfigError) return err;
    throw err;
  }
  throw new Error('expected an EdgeConfigError');
}

const EXAMPLE_FILE = fileURLToPath(new URL('../edge.example.yaml', import.meta.url));

describe('edge config', () => {
  it('loads the example YAML with defaults, resolves the outbox path against the file and freezes it', () => {
    const file = join(dir, 'edge.yaml');
    copyFileSync(EXAMPLE_FILE, file);
    const c = loadEdgeConfig(file);
    expect(c.broker).toMatchObject({ username: 'wh-1', password: 'secret', topicPrefix: 'cjp/v1', keepaliveS: 30, maxInFlight: 256 });
    expect(c.outbox).toEqual({ path: join(dir, 'data/edge-wh-1/outbox.sqlite'), resendAfterMs: 10_000, maxBytes: 256 * 1024 * 1024, maxAgeS: 604_800 });
    expect(c.devices[0]).toMatchObject({
      id: 'scanner-1',
      suffix: '\r\n',
      maxLineBytes: 4096,
      transport: { kind: 'tcp', host: '127.0.0.1', port: 9101 },
    });
    expect(c.devices[1]).toMatchObject({
      suffix: '\r',
      transport: { kind: 'serial', path: '/dev/ttyUSB0', baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 },
    });
    const first = c.devices[0]!;
    expect(Object.isFrozen(c) && Object.isFrozen(c.broker) && 'transport' in first && Object.isFrozen(first.transport)).toBe(true);
  });

  it('resolves OPC UA certificate stores against the config folder, by default next to the outbox', () => {
    const endpoint = { url: 'opc.tcp://127.0.0.1:4840' };
    const c = parseEdgeConfig(
      {
        site: 'cjp',
        edgeId: 'gate-1',
        broker: { url: 'mqtt://127.0.0.1:1883' },
        devices: [
          { id: 'led-1', driver: 'opcua-led', endpoint, textNode: 'ns=1;s=gate-in-1.Led.Text' },
          { id: 'led-2', driver: 'opcua-led', endpoint: { ...endpoint, pkiDir: 'pki' }, textNode: 'ns=1;s=gate-out-1.Led.Text' },
        ],
      },
      '/etc/cjp',
    );
    const dirs = c.devices.map((d) => ('endpoint' in d ? d.endpoint.pkiDir : null));
    expect(dirs).toEqual(['/etc/cjp/data/edge-gate-1/opcua-pki', '/etc/cjp/pki']);
  });

  it('defaults the outbox to ./data/edge-<edgeId>/ next to the config', () => {
    const c = parseEdgeConfig({ site: 'cjp', edgeId: 'gate-east', broker: { url: 'mqtt://hub:1883' } }, dir);
    expect(c.outbox.path).toBe(join(dir, 'data/edge-gate-east/outbox.sqlite'));
    expect(c.devices).toEqual([]);
  });

  it('lists every invalid setting with its path in one error', () => {
    const err = errorOf(() =>
      parseEdgeConfig(
        {
          edgeId: 'WH 1',
          broker: { url: 'http://x', keepaliveS: 'often', topicPrefix: 'cjp/#' },
          outbox: { resendAfterMs: -5 },
          devices: [
            { id: 'scanner-1', driver: 'scanner-line', transport: 'udp://1.2.3.4:9', suffix: ';', maxLineBytes: 100_000 },
            { id: 'scanner-1', driver: 'laser-cannon', transport: 'tcp://a:1' },
          ],
          extra: true,
        },
        dir,
      ),
    );
    const paths = err.issues.map((i) => i.slice(0, i.indexOf(':')));
    expect(paths.sort()).toEqual(
      [
        '(root)',
        'site',
        'edgeId',
        'broker.url',
        'broker.keepaliveS',
        'broker.topicPrefix',
        'outbox.resendAfterMs',
        'devices.0.transport',
        'devices.0.suffix',
        'devices.0.maxLineBytes',
        'devices.1.driver',
        'devices.1.id',
      ].sort(),
    );
    expect(err.message).toContain('devices.0.transport: expected tcp://host:port or serial://<device path>, got "udp://1.2.3.4:9"');
    expect(err.message).toContain('devices.1.id: duplicate device id "scanner-1"');
    expect(err.message).toMatch(/\(root\): .*extra/);
  });

  it('names the file and the YAML error when the file is not YAML or missing', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'site: cjp\nbroker: [unclosed\n');
    expect(errorOf(() => loadEdgeConfig(file)).message).toMatch(/bad\.yaml[\s\S]*not valid YAML/);
    expect(errorOf(() => loadEdgeConfig(join(dir, 'missing.yaml'))).message).toMatch(/missing\.yaml[\s\S]*cannot read/);
  });
});
