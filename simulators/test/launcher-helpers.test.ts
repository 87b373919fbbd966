import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { mkdtemp, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { edgeConfigYaml } from '../src/launcher/edge-config.js';
import { anyFreePort, findFreePort, isPortFree } from '../src/launcher/free-port.js';
import { HealthzTimeoutError, waitForHealthz } from '../src/launcher/healthz.js';
import { chooseMqtt, LaunchError, planLaunch } from '../src/launcher/launch-plan.js';
import { compareDecision, describeTruck } from '../src/launcher/launcher.js';
import { prettifyLogLine } from '../src/launcher/log-prettify.js';
import type { TruckEvent } from '../src/scenario/scenario.js';

const servers: Array<net.Server | http.Server> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function occupy(): Promise<number> {
  const server = net.createServer();
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as net.AddressInfo).port;
}

describe('free port', () => {
  it('keeps the preferred port when it is free', async () => {
    const port = await anyFreePort();
    expect(await isPortFree(port)).toBe(true);
    expect(await findFreePort(port)).toBe(port);
  });

  it('chooses another port when the preferred one is taken, even on loopback only', async () => {
    const taken = await occupy();
    expect(await isPortFree(taken)).toBe(false);
    const chosen = await findFreePort(taken);
    expect(chosen).not.toBe(taken);
    expect(await isPortFree(chosen)).toBe(true);
  });
});

describe('MQTT port choice', () => {
  it('uses the preferred port when free, another one (and says so) when taken', async () => {
    const free = await anyFreePort();
    expect(await chooseMqtt({}, free)).toEqual({ external: false, url: `mqtt://127.0.0.1:${free}`, port: free });
    const taken = await occupy();
    const choice = await chooseMqtt({}, taken);
    expect(choice.fallbackFrom).toBe(taken);
    expect(choice.port).not.toBe(taken);
    expect(choice.url).toBe(`mqtt://127.0.0.1:${choice.port}`);
  });

  it("follows the user's MQTT_URL or MQTT_PORT without probing", async () => {
    const taken = await occupy();
    expect(await chooseMqtt({ MQTT_URL: 'mqtts://broker.example:8883' }, taken)).toEqual({ external: true, url: 'mqtts://broker.example:8883' });
    expect(await chooseMqtt({ MQTT_PORT: String(taken) }, 1)).toEqual({ external: false, url: `mqtt://127.0.0.1:${taken}`, port: taken });
    await expect(chooseMqtt({ MQTT_PORT: 'abc' }, taken)).rejects.toThrow(LaunchError);
  });
});

describe('launch plan', () => {
  async function fakeRepo(): Promise<string> {
    const root = await mkdtemp(path.join(os.tmpdir(), 'cjp-plan-'));
    for (const [dir, file] of [['hub-server/dist', 'main.js'], ['edge/dist', 'cli.js']] as const) {
      await mkdir(path.join(root, dir), { recursive: true });
      await writeFile(path.join(root, dir, file), '');
    }
    return root;
  }

  it('sets the demo env for the hub and passes the user settings through', async () => {
    const root = await fakeRepo();
    const httpPort = await anyFreePort();
    const mqttPort = await anyFreePort();
    const plan = await planLaunch({
      repoRoot: root,
      env: { HUB_HTTP_PORT: String(httpPort), DATABASE_URL: 'postgres://x/cjp', HUB_DEMO: 'false', PATH: '/bin' },
      preferredMqttPort: mqttPort,
    });
    expect(plan.hub.env).toMatchObject({
      HUB_DEMO: 'true',
      HUB_HTTP_PORT: String(httpPort),
      HUB_DATA_DIR: path.join(root, 'data', 'hub'),
      MQTT_PORT: String(mqttPort),
      DATABASE_URL: 'postgres://x/cjp',
      PATH: '/bin',
    });
    expect(plan.hub.healthzUrl).toBe(`http://127.0.0.1:${httpPort}/healthz`);
    expect(plan.edge.configPath).toBe(path.join(root, 'data', 'launcher', 'edge-wh-1.yaml'));
    expect(plan.edge.outboxPath).toBe(path.join(root, 'data', 'edge-wh-1', 'outbox.sqlite'));
    expect(plan.edge.broker).toEqual({ url: `mqtt://127.0.0.1:${mqttPort}`, username: 'wh-1', password: 'demo-edge-wh-1' });
    expect(plan.scanRatePerSec).toBe(1);
  });

  it("points the edge at the user's broker with EDGE_MQTT_PASSWORD", async () => {
    const root = await fakeRepo();
    const plan = await planLaunch({
      repoRoot: root,
      env: { HUB_HTTP_PORT: String(await anyFreePort()), MQTT_URL: 'mqtt://10.0.0.5:1883', EDGE_MQTT_PASSWORD: 's3cret', CJP_SIM_SCAN_RATE: '5' },
    });
    expect(plan.hub.env.MQTT_PORT).toBeUndefined();
    expect(plan.hub.env.MQTT_URL).toBe('mqtt://10.0.0.5:1883');
    expect(plan.edge.broker).toEqual({ url: 'mqtt://10.0.0.5:1883', username: 'wh-1', password: 's3cret' });
    expect(plan.scanRatePerSec).toBe(5);
  });

  it('refuses a taken HTTP port, a missing build and a bad rate with a clear message', async () => {
    const root = await fakeRepo();
    const taken = await occupy();
    const mqtt = String(await anyFreePort());
    await expect(planLaunch({ repoRoot: root, env: { HUB_HTTP_PORT: String(taken), MQTT_PORT: mqtt } })).rejects.toThrow(
      `port ${taken} is already in use`,
    );
    await expect(planLaunch({ repoRoot: os.tmpdir(), env: {} })).rejects.toThrow('run "npm run build" first');
    const free = String(await anyFreePort());
    await expect(planLaunch({ repoRoot: root, env: { HUB_HTTP_PORT: free, MQTT_PORT: mqtt, CJP_SIM_SCAN_RATE: '0' } })).rejects.toThrow(
      'CJP_SIM_SCAN_RATE',
    );
  });
});

describe('healthz poller', () => {
  async function serve(statuses: number[]): Promise<{ url: string; hits: () => number }> {
    let hits = 0;
    const server = http.createServer((_req, res) => {
      res.statusCode = statuses[Math.min(hits++, statuses.length - 1)] ?? 500;
      res.end();
    });
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/healthz`, hits: () => hits };
  }

  it('polls until the endpoint answers 200', async () => {
    const hub = await serve([503, 503, 200]);
    await waitForHealthz(hub.url, { intervalMs: 5 });
    expect(hub.hits()).toBe(3);
  });

  it('gives up with the last problem it saw', async () => {
    const hub = await serve([503]);
    const err = await waitForHealthz(hub.url, { intervalMs: 5, timeoutMs: 500 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HealthzTimeoutError);
    expect((err as Error).message).toContain('HTTP 503');
    const nobody = await anyFreePort();
    const refused = await waitForHealthz(`http://127.0.0.1:${nobody}/healthz`, { intervalMs: 5, timeoutMs: 500 }).catch((e: unknown) => e);
    expect((refused as Error).message).toContain('ECONNREFUSED');
  });

  it('stops waiting when aborted', async () => {
    const hub = await serve([503]);
    const abort = new AbortController();
    const waiting = waitForHealthz(hub.url, { intervalMs: 5, signal: abort.signal });
    abort.abort(new Error('hub died'));
    await expect(waiting).rejects.toThrow('hub died');
  });
});

describe('log line prettifier', () => {
  const time = Date.parse('2026-11-27T08:15:02.120Z');

  it('reduces pino JSON to level, time and message', () => {
    const line = JSON.stringify({ level: 30, time, pid: 1, hostname: 'h', name: 'hub', msg: 'listening on 8080', port: 8080 });
    expect(prettifyLogLine(line, { timeZone: 'UTC' })).toBe('INFO  08:15:02.120 listening on 8080');
    expect(prettifyLogLine(line, { timeZone: 'Asia/Shanghai' })).toBe('INFO  16:15:02.120 listening on 8080');
    expect(prettifyLogLine(JSON.stringify({ level: 50, time, msg: 'ingest failed', err: { type: 'Error', message: 'disk full', stack: '…' } }), { timeZone: 'UTC' })).toBe(
      'ERROR 08:15:02.120 ingest failed — disk full',
    );
    expect(prettifyLogLine(JSON.stringify({ level: 40, time: '2026-11-27T08:15:02.120Z', msg: 'slow' }) + '\r', { timeZone: 'UTC' })).toBe('WARN  08:15:02.120 slow');
  });

  it('leaves other lines as they are', () => {
    for (const line of ['plain text', '{"not":"pino"}', '{broken json', '[1,2]', '']) expect(prettifyLogLine(line)).toBe(line);
  });
});

describe('edge config', () => {
  it('is YAML the edge reads back as the documented structure', () => {
    const text = edgeConfigYaml({
      site: 'cjp',
      edgeId: 'wh-1',
      broker: { url: 'mqtt://127.0.0.1:1883', username: 'wh-1', password: 'demo-edge-wh-1', topicPrefix: 'cjp/v1' },
      outboxPath: '/repo/data/edge-wh-1/outbox.sqlite',
      scanner: { deviceId: 'scanner-1', host: '127.0.0.1', port: 40123, suffix: '\r\n' },
    });
    expect(parse(text)).toEqual({
      site: 'cjp',
      edgeId: 'wh-1',
      broker: { url: 'mqtt://127.0.0.1:1883', username: 'wh-1', password: 'demo-edge-wh-1', topicPrefix: 'cjp/v1' },
      outbox: { path: '/repo/data/edge-wh-1/outbox.sqlite' },
      devices: [{ id: 'scanner-1', driver: 'scanner-line', transport: 'tcp://127.0.0.1:40123', suffix: '\r\n' }],
    });
  });
});

describe('gate log lines', () => {
  const truck: TruckEvent = {
    n: 7,
    lane: 'gate-in-1',
    direction: 'in',
    at: '2026-11-28T08:00:00.000Z',
    plate: '青B12345',
    plateRead: true,
    epc: '35099D0100000012D687A1F0',
    containers: [{ number: 'CSQU3054383', isoCode: '22G1', position: 'rear' }],
    grossKg: 36_540,
    overload: false,
    case: 'overweight',
    passportNo: 'Z8601I261128000000000001',
    expected: 'hold',
    expectedReason: '重量超差',
    vehicle: { vehicleNo: '青B12345', vehicleIcNo: '35099D0100000012D687A1F0', vehicleWt: '8600', vehicleFrameWt: '6200', vehicleFrameNo: null },
    declared: null,
    cargoKg: 19_500,
  };

  it('names the truck, its note and case, and what the gate should decide', () => {
    expect(describeTruck(truck)).toBe(
      'truck 7 青B12345 → gate-in-1: 36,540 kg, e-tag 35099D0100000012D687A1F0, CSQU3054383; note Z8601I261128000000000001; case overweight → expect hold (重量超差)',
    );
    expect(describeTruck({ ...truck, passportNo: null, case: 'noNote', expectedReason: '无核放单', containers: [], direction: 'out', lane: 'gate-out-1', noteVehicle: undefined })).toContain(
      '← gate-out-1: 36,540 kg, e-tag 35099D0100000012D687A1F0, no container; no note; case noNote',
    );
  });

  it("compares the hub's decision with the case", () => {
    expect(compareDecision(truck, [{ state: 'held', holdReasons: ['重量超差'], passportNo: truck.passportNo }])).toBe('hub held (重量超差), as expected');
    expect(compareDecision(truck, [{ state: 'released', holdReasons: [], passportNo: truck.passportNo }])).toBe(
      'hub released on Z8601I261128000000000001, but case overweight expects hold ✗',
    );
    expect(compareDecision(truck, [])).toBe('no passage at the hub (expected hold)');
    expect(compareDecision(truck, [{ state: 'collecting', holdReasons: [], passportNo: null }])).toBe('the hub is still collecting (expected hold)');
  });
});
