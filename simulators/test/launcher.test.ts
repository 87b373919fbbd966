import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { anyFreePort } from '../src/launcher/free-port.js';
import { startLauncher, type Launcher, type LauncherOptions } from '../src/launcher/launcher.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const running: Launcher[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((l) => l.stop()));
});

/** Starts the launcher with stand-in hub and edge scripts in a throwaway repo folder. */
async function launch(env: NodeJS.ProcessEnv = {}, options: Partial<LauncherOptions> = {}) {
  const repoRoot = await mkdtemp(path.join(os.tmpdir(), 'cjp-launch-'));
  const output: string[] = [];
  const watchers: Array<{ test: (line: string) => boolean; resolve: () => void }> = [];
  const launcher = startLauncher({
    repoRoot,
    env: { PATH: process.env.PATH, HUB_HTTP_PORT: String(await anyFreePort()), CJP_SIM_SCAN_RATE: '50', CJP_GATE: '0', ...env },
    hubEntry: path.join(fixtures, 'fake-hub.mjs'),
    edgeEntry: path.join(fixtures, 'fake-edge.mjs'),
    preferredMqttPort: await anyFreePort(),
    timeZone: 'UTC',
    out: (line) => {
      output.push(line);
      for (const w of watchers.filter((w) => w.test(line))) w.resolve();
    },
    ...options,
  });
  running.push(launcher);
  const seen = (text: string) =>
    output.some((l) => l.includes(text)) ? Promise.resolve() : new Promise<void>((resolve) => watchers.push({ test: (l) => l.includes(text), resolve }));
  const indexOf = (text: string) => output.findIndex((l) => l.includes(text));
  return { launcher, repoRoot, output, seen, indexOf };
}

describe('launcher', () => {
  it('starts hub, scanner and edge in order, prints the banner, and stops them in reverse', async () => {
    const { launcher, repoRoot, output, seen, indexOf } = await launch();
    const info = await launcher.ready;

    // 1. the hub got the demo environment
    const hubEnv = (await (await fetch(`http://127.0.0.1:${info.httpPort}/env`)).json()) as Record<string, string | null>;
    expect(hubEnv).toMatchObject({ HUB_DEMO: 'true', HUB_HTTP_PORT: String(info.httpPort), HUB_DATA_DIR: path.join(repoRoot, 'data', 'hub'), MQTT_PORT: String(info.mqttPort) });
    expect(output.some((l) => /^\[hub\] INFO  \d\d:\d\d:\d\d\.\d{3} fake hub listening on \d+$/.test(l))).toBe(true);
    await seen('[hub] a plain stderr line');

    // 2. the edge config points at the embedded broker and the simulated scanner
    const config: unknown = parse(await readFile(info.edgeConfigPath, 'utf8'));
    expect(info.edgeConfigPath).toBe(path.join(repoRoot, 'data', 'launcher', 'edge-wh-1.yaml'));
    expect(config).toEqual({
      site: 'cjp',
      edgeId: 'wh-1',
      broker: { url: `mqtt://127.0.0.1:${info.mqttPort}`, username: 'wh-1', password: 'demo-edge-wh-1', topicPrefix: 'cjp/v1' },
      outbox: { path: path.join(repoRoot, 'data', 'edge-wh-1', 'outbox.sqlite') },
      devices: [{ id: 'scanner-1', driver: 'scanner-line', transport: `tcp://127.0.0.1:${info.scannerPort}`, suffix: '\r\n' }],
    });

    // 3. the edge reads the scanner's lines
    await seen('[edge wh-1] INFO');
    await seen('scan 3:');
    const first = launcher.scanner?.emitted[0];
    expect(first?.delivered).toBe(true);
    expect(output.some((l) => l.includes(`scan 1: ${JSON.stringify(first?.line.slice(0, -2))}`))).toBe(true);

    // 4. the banner
    const banner = output.join('\n');
    expect(banner).toContain(`UI        http://localhost:${info.httpPort}`);
    expect(banner).toContain('operator, gate_officer, dispatcher, manager, customs, enterprise, admin');
    expect(banner).toContain('cjp-demo');
    expect(banner).toContain(`mqtt://localhost:${info.mqttPort}`);
    expect(banner).toContain(path.join(repoRoot, 'data'));
    expect(banner).toContain('Ctrl-C to stop');

    // 5. stop: scanner, then edge, then hub; exit code 0
    expect(await launcher.stop()).toBe(0);
    expect(await launcher.exited).toBe(0);
    const order = ['scanner simulator stopped', 'fake edge stopping', 'edge wh-1 stopped (exit code 0)', 'fake hub stopping', 'hub stopped (exit code 0)'].map(indexOf);
    expect(order.every((i) => i >= 0), output.slice(-12).join('\n')).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('says clearly when the preferred MQTT port is taken and uses another', async () => {
    const net = await import('node:net');
    const blocker = net.createServer().listen(0);
    await new Promise((resolve) => blocker.once('listening', resolve));
    const taken = (blocker.address() as { port: number }).port;
    try {
      const { launcher, output } = await launch({}, { preferredMqttPort: taken });
      const info = await launcher.ready;
      expect(info.mqttPort).not.toBe(taken);
      expect(output.some((l) => l.includes(`port ${taken} is already in use`))).toBe(true);
      expect(output.some((l) => l.includes(`will listen on port ${info.mqttPort}`))).toBe(true);
    } finally {
      blocker.close();
    }
  });

  it("connects the edge to the user's broker when MQTT_URL is set", async () => {
    const { launcher } = await launch({ MQTT_URL: 'mqtt://broker.example:1883', EDGE_MQTT_PASSWORD: 'from-env', DATABASE_URL: 'postgres://db/cjp' });
    const info = await launcher.ready;
    const hubEnv = (await (await fetch(`http://127.0.0.1:${info.httpPort}/env`)).json()) as Record<string, string | null>;
    expect(hubEnv).toMatchObject({ MQTT_URL: 'mqtt://broker.example:1883', MQTT_PORT: null, DATABASE_URL: 'postgres://db/cjp' });
    const config = parse(await readFile(info.edgeConfigPath, 'utf8')) as { broker: unknown };
    expect(config.broker).toEqual({ url: 'mqtt://broker.example:1883', username: 'wh-1', password: 'from-env', topicPrefix: 'cjp/v1' });
  });

  it('stops everything and exits 1 when the edge dies', async () => {
    const { launcher, output, indexOf } = await launch({ FAKE_EDGE_EXIT_AFTER: '2' });
    expect(await launcher.exited).toBe(1);
    expect(output).toContain('[launcher] ERROR: edge wh-1 exited unexpectedly (exit code 3)');
    expect(indexOf('fake hub stopping')).toBeGreaterThan(indexOf('exited unexpectedly'));
    expect(launcher.scanner?.clients).toBe(0);
  });

  it('exits 1 naming the hub and its last lines when the hub dies at start-up', async () => {
    const { launcher, output } = await launch({ FAKE_HUB_EXIT_CODE: '2' });
    expect(await launcher.exited).toBe(1);
    await expect(launcher.ready).rejects.toThrow();
    expect(output).toContain('[launcher] ERROR: hub exited unexpectedly (exit code 2)');
    expect(output).toContain('[launcher] last lines of hub:');
    expect(output.some((l) => l.startsWith('    ERROR') && l.endsWith('fake hub failing on purpose'))).toBe(true);
    expect(launcher.scanner).toBeUndefined();
  });

  it('exits 1 with the hub’s last lines when /healthz never answers 200', async () => {
    const { launcher, output } = await launch({ FAKE_HUB_UNHEALTHY: '1' }, { healthzTimeoutMs: 300 });
    expect(await launcher.exited).toBe(1);
    const error = output.find((l) => l.startsWith('[launcher] ERROR'));
    expect(error).toContain('the hub did not become healthy');
    expect(error).toContain('/healthz did not answer 200 within 300 ms');
    expect(output.some((l) => l.startsWith('    INFO') && l.includes('fake hub listening'))).toBe(true);
    expect(output.some((l) => l.includes('fake hub stopping'))).toBe(true);
  });

  it('exits 1 with a hint when the workspaces are not built', async () => {
    const { launcher, output } = await launch({}, { hubEntry: path.join(fixtures, 'missing.js') });
    expect(await launcher.exited).toBe(1);
    expect(output.find((l) => l.startsWith('[launcher] ERROR'))).toContain('not found; run "npm run build" first');
  });
});
