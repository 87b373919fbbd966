import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectAsync } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { statusMessageSchema, topics, type StatusMessage } from '@cjp/contracts';
import { startBroker, type TestBroker } from './support/broker.js';
import { until } from './support/util.js';

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

function run(args: string[]) {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', CLI, ...args], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '', code: null as number | null };
  child.stdout.on('data', (c: Buffer) => (out.stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out.stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve((out.code = code))));
  return { child, out, exited };
}

let dir: string;
let broker: TestBroker | null = null;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cjp-cli-'));
});
afterEach(async () => {
  await broker?.close();
  broker = null;
  rmSync(dir, { recursive: true, force: true });
});

describe('cjp-edge CLI', () => {
  it('prints usage with --help', async () => {
    const r = run(['--help']);
    expect(await r.exited).toBe(0);
    expect(r.out.stdout).toContain('Usage: cjp-edge --config <edge.yaml>');
  });

  it('exits 2 naming every bad setting when the config is invalid, and when --config is missing', async () => {
    const file = join(dir, 'edge.yaml');
    writeFileSync(file, 'edgeId: wh-1\nbroker:\n  url: mqtt://127.0.0.1:1\n  keepaliveS: often\n');
    const r = run(['-c', file]);
    expect(await r.exited).toBe(2);
    expect(r.out.stderr).toContain(`invalid edge config ${file}`);
    expect(r.out.stderr).toContain('  - site: required');
    expect(r.out.stderr).toContain('  - broker.keepaliveS: Invalid input: expected number, received string');

    const none = run([]);
    expect(await none.exited).toBe(2);
    expect(none.out.stderr).toContain('--config <file> is required');
  });

  it('runs from a YAML file, logs JSON to stdout, and on SIGTERM says offline and exits 0', async () => {
    broker = await startBroker();
    const file = join(dir, 'edge.yaml');
    writeFileSync(file, `site: cjp\nedgeId: wh-1\nbroker:\n  url: ${broker.url}\n  password: secret\n`);
    const r = run(['--config', file]);
    await until('connected log line', () => r.out.stdout.includes('connected to broker'));
    const lines = r.out.stdout.trim().split('\n').map((l) => JSON.parse(l) as { msg: string; edgeId?: string });
    expect(lines.find((l) => l.msg === 'connected to broker')).toMatchObject({ edgeId: 'wh-1' });
    expect(existsSync(join(dir, 'data/edge-wh-1/outbox.sqlite'))).toBe(true);

    r.child.kill('SIGTERM');
    expect(await r.exited).toBe(0);
    expect(r.out.stdout).toContain('edge agent stopped');

    const observer = await connectAsync(broker.url, { clientId: 'observer' });
    const seen: StatusMessage[] = [];
    observer.on('message', (_t, p) => seen.push(statusMessageSchema.parse(JSON.parse(p.toString()))));
    await observer.subscribeAsync(topics().status('cjp', 'wh-1'), { qos: 1 });
    await until('retained status', () => seen.length > 0);
    await observer.endAsync(true);
    expect(seen[0]).toMatchObject({ edgeId: 'wh-1', state: 'offline' });
  });
});
