import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { DEFAULT_TOPIC_PREFIX, formatIssues } from '@cjp/contracts';
import { DEVICES_ENV, devicesConfigSchema } from './modules/devices/config.js';
import { GATE_ENV, gateConfigSchema } from './modules/gate/config.js';
import { IDENTITY_ENV, identityConfigSchema } from './modules/identity/config.js';

const bool = z.union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => ['true', '1', 'yes'].includes(v))]);
const port = z.coerce.number().int().min(0).max(65535);

/**
 * Every setting of the hub, with its default. Read once at start from the environment (and an
 * optional YAML/JSON file named by HUB_CONFIG_FILE, which the environment overrides), then frozen.
 */
export const hubConfigSchema = z.object({
  http: z
    .object({
      host: z.string().default('0.0.0.0'),
      port: port.default(8080),
      /** folder of the built web UI; empty = do not serve it */
      uiDir: z.string().default(''),
      /** when set, /metrics answers only `Authorization: Bearer <token>` (Prometheus `authorization`) */
      metricsToken: z.string().min(16, 'METRICS_TOKEN must be at least 16 characters').optional(),
    })
    .prefault({}),
  db: z
    .object({
      /** postgres://… ; unset = embedded PGlite in dataDir */
      url: z.string().optional(),
      /** PGlite data folder; "memory://" keeps it in memory (tests) */
      dataDir: z.string().default('./data/hub'),
      poolSize: z.coerce.number().int().min(1).max(100).default(10),
    })
    .prefault({}),
  mqtt: z
    .object({
      /** mqtt://host:port of an external broker; unset = embedded aedes broker */
      url: z.string().optional(),
      username: z.string().optional(),
      password: z.string().optional(),
      /** embedded broker: listen host and port */
      host: z.string().default('0.0.0.0'),
      port: port.default(1883),
      topicPrefix: z.string().default(DEFAULT_TOPIC_PREFIX),
      /** embedded broker: password of the hub's own all-topics user "cjp-hub-internal"; unset = random per start.
       *  Set it only for trusted local tools (the ingest benchmark's raw broker figure). */
      internalPassword: z.string().min(16).optional(),
      /** external broker: shared-subscription group so N hub replicas split the load; "" = plain subscription */
      sharedGroup: z.string().default('cjp-hub'),
    })
    .prefault({}),
  // each module's settings, under its name (modules/<name>/config.ts)
  identity: identityConfigSchema,
  devices: devicesConfigSchema,
  gate: gateConfigSchema,
  /** demo mode seeds one user per role (password "cjp-demo") and the demo edges wh-1 and gate-1 */
  demo: bool.default(false),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  map: z
    .object({
      center: z.tuple([z.number(), z.number()]).default([36.5275, 102.043]), // Caojiapu bonded center, next to XNN airport
      zoom: z.number().int().min(1).max(19).default(5),
      tileUrl: z.string().nullable().default(null),
      tileAttribution: z.string().nullable().default(null),
    })
    .prefault({}),
});
export type HubConfig = Readonly<z.infer<typeof hubConfigSchema>>;
export type HubConfigInput = z.input<typeof hubConfigSchema>;

/** Environment variables and the setting each one fills. */
const ENV_MAP: Record<string, string> = {
  HUB_HTTP_HOST: 'http.host',
  HUB_HTTP_PORT: 'http.port',
  HUB_UI_DIR: 'http.uiDir',
  METRICS_TOKEN: 'http.metricsToken',
  DATABASE_URL: 'db.url',
  HUB_DATA_DIR: 'db.dataDir',
  DATABASE_POOL_SIZE: 'db.poolSize',
  MQTT_URL: 'mqtt.url',
  MQTT_USERNAME: 'mqtt.username',
  MQTT_PASSWORD: 'mqtt.password',
  MQTT_HOST: 'mqtt.host',
  MQTT_PORT: 'mqtt.port',
  MQTT_TOPIC_PREFIX: 'mqtt.topicPrefix',
  MQTT_SHARED_GROUP: 'mqtt.sharedGroup',
  MQTT_INTERNAL_PASSWORD: 'mqtt.internalPassword',
  HUB_DEMO: 'demo',
  LOG_LEVEL: 'logLevel',
  MAP_TILE_URL: 'map.tileUrl',
  MAP_TILE_ATTRIBUTION: 'map.tileAttribution',
  ...moduleEnv('identity', IDENTITY_ENV),
  ...moduleEnv('devices', DEVICES_ENV),
  ...moduleEnv('gate', GATE_ENV),
};

function moduleEnv(module: string, env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([name, path]) => [name, `${module}.${path}`]));
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const k of keys.slice(0, -1)) node = (node[k] ??= {}) as Record<string, unknown>;
  node[keys[keys.length - 1]!] = value;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

export class ConfigError extends Error {
  constructor(readonly problems: string) {
    super(`invalid hub configuration: ${problems}`);
    this.name = 'ConfigError';
  }
}

/** Parses settings given as an object (tests, embedding); fails listing every invalid setting. */
export function parseHubConfig(input: HubConfigInput | Record<string, unknown>): HubConfig {
  const r = hubConfigSchema.safeParse(input);
  if (!r.success) throw new ConfigError(formatIssues(r.error));
  return deepFreeze(r.data);
}

/** Reads the hub's settings from the environment and the optional HUB_CONFIG_FILE, once. */
export function loadHubConfig(env: NodeJS.ProcessEnv = process.env): HubConfig {
  let base: Record<string, unknown> = {};
  if (env.HUB_CONFIG_FILE) {
    const file = resolve(env.HUB_CONFIG_FILE);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new ConfigError(`HUB_CONFIG_FILE: cannot read ${file}: ${(e as Error).message}`);
    }
    base = (parseYaml(text) ?? {}) as Record<string, unknown>;
  }
  for (const [name, path] of Object.entries(ENV_MAP)) {
    const v = env[name];
    if (v !== undefined && v !== '') setPath(base, path, v);
  }
  try {
    return parseHubConfig(base);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    // Name the environment variables, not only the internal paths, so an operator can fix them.
    const byPath = Object.fromEntries(Object.entries(ENV_MAP).map(([k, v]) => [v, k]));
    throw new ConfigError(e.problems.replace(/(^|; )([a-zA-Z.]+):/g, (m, sep: string, p: string) => (byPath[p] ? `${sep}${p} (${byPath[p]}):` : m)));
  }
}
