import { existsSync } from 'node:fs';
import path from 'node:path';
import { findFreePort, isPortFree } from './free-port.js';

export const DEMO_SITE = 'cjp';
export const DEMO_EDGE_ID = 'wh-1';
/** What the hub's demo seed registers for edge wh-1. */
export const DEMO_EDGE_PASSWORD = 'demo-edge-wh-1';
export const DEFAULT_HTTP_PORT = 8080;
export const DEFAULT_MQTT_PORT = 1883;

/** Start-up cannot proceed; the message says what to do. */
export class LaunchError extends Error {
  override name = 'LaunchError';
}

export interface MqttChoice {
  /** True when the user points everything at their own broker (MQTT_URL). */
  external: boolean;
  /** What the edge connects to. */
  url: string;
  /** Port of the hub's embedded broker; absent with an external broker. */
  port?: number;
  /** Set when the preferred port was taken and another was picked. */
  fallbackFrom?: number;
}

export interface LaunchPlan {
  repoRoot: string;
  /** Everything the demo writes lives below this folder. */
  dataDir: string;
  hub: { entry: string; env: NodeJS.ProcessEnv; httpPort: number; healthzUrl: string; uiUrl: string; dataDir: string };
  mqtt: MqttChoice;
  edge: {
    entry: string;
    env: NodeJS.ProcessEnv;
    configPath: string;
    outboxPath: string;
    broker: { url: string; username: string; password: string };
  };
  scanRatePerSec: number;
}

export interface PlanOptions {
  repoRoot: string;
  env: NodeJS.ProcessEnv;
  hubEntry?: string;
  edgeEntry?: string;
  /** Port the embedded broker gets when free and the user chose none; 1883 by default. */
  preferredMqttPort?: number;
}

/** Decides ports, paths and every child's environment from the user's environment. */
export async function planLaunch(options: PlanOptions): Promise<LaunchPlan> {
  const { repoRoot, env } = options;
  const hubEntry = options.hubEntry ?? path.join(repoRoot, 'hub-server', 'dist', 'main.js');
  const edgeEntry = options.edgeEntry ?? path.join(repoRoot, 'edge', 'dist', 'cli.js');
  for (const entry of [hubEntry, edgeEntry]) {
    if (!existsSync(entry)) throw new LaunchError(`${entry} not found; run "npm run build" first (npm start does it for you)`);
  }

  const httpPort = parsePort('HUB_HTTP_PORT', env.HUB_HTTP_PORT) ?? DEFAULT_HTTP_PORT;
  if (!(await isPortFree(httpPort))) {
    throw new LaunchError(`port ${httpPort} is already in use; stop what listens there or set HUB_HTTP_PORT to another port`);
  }
  const mqtt = await chooseMqtt(env, options.preferredMqttPort ?? DEFAULT_MQTT_PORT);
  const scanRatePerSec = parseRate(env.CJP_SIM_SCAN_RATE);

  const dataDir = path.join(repoRoot, 'data');
  const hubDataDir = env.HUB_DATA_DIR || path.join(dataDir, 'hub');
  const hubEnv: NodeJS.ProcessEnv = {
    ...env,
    HUB_DEMO: 'true',
    HUB_HTTP_PORT: String(httpPort),
    HUB_DATA_DIR: hubDataDir,
    ...(mqtt.port !== undefined ? { MQTT_PORT: String(mqtt.port) } : {}),
  };

  return {
    repoRoot,
    dataDir,
    hub: {
      entry: hubEntry,
      env: hubEnv,
      httpPort,
      healthzUrl: `http://127.0.0.1:${httpPort}/healthz`,
      uiUrl: `http://localhost:${httpPort}`,
      dataDir: hubDataDir,
    },
    mqtt,
    edge: {
      entry: edgeEntry,
      env: { ...env },
      configPath: path.join(dataDir, 'launcher', `edge-${DEMO_EDGE_ID}.yaml`),
      outboxPath: path.join(dataDir, `edge-${DEMO_EDGE_ID}`, 'outbox.sqlite'),
      broker: {
        url: mqtt.url,
        username: DEMO_EDGE_ID,
        password: (mqtt.external && env.EDGE_MQTT_PASSWORD) || DEMO_EDGE_PASSWORD,
      },
    },
    scanRatePerSec,
  };
}

/**
 * MQTT_URL: the user's broker for hub and edge. MQTT_PORT: the embedded broker's port as given.
 * Neither: the preferred port when free, else any free port (a machine may already run a broker).
 */
export async function chooseMqtt(env: NodeJS.ProcessEnv, preferredPort: number): Promise<MqttChoice> {
  if (env.MQTT_URL) return { external: true, url: env.MQTT_URL };
  const given = parsePort('MQTT_PORT', env.MQTT_PORT);
  if (given !== undefined) return { external: false, url: `mqtt://127.0.0.1:${given}`, port: given };
  const port = await findFreePort(preferredPort);
  return {
    external: false,
    url: `mqtt://127.0.0.1:${port}`,
    port,
    ...(port !== preferredPort ? { fallbackFrom: preferredPort } : {}),
  };
}

function parsePort(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new LaunchError(`${name}="${value}" is not a port number (1-65535)`);
  return port;
}

function parseRate(value: string | undefined): number {
  if (value === undefined || value === '') return 1;
  const rate = Number(value);
  if (!Number.isFinite(rate) || rate <= 0) throw new LaunchError(`CJP_SIM_SCAN_RATE="${value}" must be a positive number of scans per second`);
  return rate;
}
