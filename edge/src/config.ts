import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { DEFAULT_TOPIC_PREFIX, deviceIdSchema, edgeIdSchema, siteIdSchema } from '@cjp/contracts';
import { cameraHttpDeviceSchema } from './drivers/camera-http/config.js';
import { opcuaDeviceSchemas } from './drivers/opcua/config.js';
import { rfidMqttDeviceSchema } from './drivers/rfid-mqtt/config.js';

/** A config file that cannot be used; `issues` has one `path: message` line per invalid setting. */
export class EdgeConfigError extends Error {
  constructor(
    readonly source: string,
    readonly issues: readonly string[],
  ) {
    super(`invalid edge config ${source}:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'EdgeConfigError';
  }
}

export type TcpTransportConfig = { kind: 'tcp'; url: string; host: string; port: number };
export type SerialTransportConfig = {
  kind: 'serial';
  url: string;
  path: string;
  baudRate: number;
  dataBits: 5 | 6 | 7 | 8;
  parity: 'none' | 'even' | 'odd' | 'mark' | 'space';
  stopBits: 1 | 1.5 | 2;
};
export type TransportConfig = TcpTransportConfig | SerialTransportConfig;

type SerialPath = { kind: 'serial'; url: string; path: string };

const transportUrlSchema = z.string().transform((url, ctx): TcpTransportConfig | SerialPath => {
  if (url.startsWith('serial://')) {
    // serial:///dev/ttyUSB0 → /dev/ttyUSB0, serial://COM3 → COM3
    const path = url.slice('serial://'.length);
    if (path) return { kind: 'serial', url, path };
  } else if (url.startsWith('tcp://')) {
    try {
      const u = new URL(url);
      const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
      const port = Number(u.port);
      if (host && Number.isInteger(port) && port > 0 && u.pathname.replace(/\/$/, '') === '') return { kind: 'tcp', url, host, port };
    } catch {
      // reported below
    }
  }
  ctx.addIssue({ code: 'custom', message: `expected tcp://host:port or serial://<device path>, got "${url}"` });
  return z.NEVER;
});

const SUFFIXES = { '\r\n': '\r\n', '\r': '\r', '\n': '\n', CRLF: '\r\n', CR: '\r', LF: '\n' } as const;
type SuffixName = keyof typeof SUFFIXES;

const scannerLineDeviceSchema = z
  .strictObject({
    id: deviceIdSchema,
    driver: z.literal('scanner-line'),
    transport: transportUrlSchema,
    // serial line settings; ignored for tcp://
    baudRate: z.number().int().positive().default(9600),
    dataBits: z.union([z.literal(5), z.literal(6), z.literal(7), z.literal(8)]).default(8),
    parity: z.enum(['none', 'even', 'odd', 'mark', 'space']).default('none'),
    stopBits: z.union([z.literal(1), z.literal(1.5), z.literal(2)]).default(1),
    suffix: z
      .enum(Object.keys(SUFFIXES) as [SuffixName, ...SuffixName[]], { error: 'expected "\\r\\n", "\\r" or "\\n" (or CRLF, CR, LF)' })
      .default('\r\n')
      .transform((s) => SUFFIXES[s]),
    // The contract caps scan codes at 4096 characters; a longer line could never be accepted by the hub.
    maxLineBytes: z.number().int().min(1).max(4096).default(4096),
    /** first reconnect delay ceiling, ms; doubles per failed attempt (full jitter) */
    reconnectBaseMs: z.number().int().min(1).default(500),
    /** reconnect delay cap, ms */
    reconnectMaxMs: z.number().int().min(1).default(10_000),
  })
  .transform(({ transport, baudRate, dataBits, parity, stopBits, ...rest }) => {
    const resolved: TransportConfig = transport.kind === 'serial' ? { ...transport, baudRate, dataBits, parity, stopBits } : transport;
    return { ...rest, transport: resolved };
  });

// ---- weighbridge indicators -----------------------------------------------------------------

/** Serial line settings (ignored for tcp://) and reconnect backoff, shared by byte-stream drivers. */
const lineSettings = {
  baudRate: z.number().int().positive().default(9600),
  dataBits: z.union([z.literal(5), z.literal(6), z.literal(7), z.literal(8)]).default(8),
  parity: z.enum(['none', 'even', 'odd', 'mark', 'space']).default('none'),
  stopBits: z.union([z.literal(1), z.literal(1.5), z.literal(2)]).default(1),
  /** first reconnect delay ceiling, ms; doubles per failed attempt (full jitter) */
  reconnectBaseMs: z.number().int().min(1).default(500),
  /** reconnect delay cap, ms */
  reconnectMaxMs: z.number().int().min(1).default(10_000),
};

/**
 * A non-negative exact decimal (at most 12 integer digits and 6 decimals, as in the contract's
 * weights); a YAML integer is taken as its decimal string. Floats are refused: they are not exact.
 */
const decimalSettingSchema = z.union(
  [z.string().regex(/^\d{1,12}(\.\d{1,6})?$/), z.number().int().nonnegative().max(999_999_999_999).transform(String)],
  { error: 'expected a non-negative exact decimal such as "20" or "0.02" (a string)' },
);

/** Units a frame-unit option may name: lb is refused by the driver (no exact conversion to kg). */
const frameUnitSchema = z.enum(['kg', 't', 'g'], { error: 'expected "kg", "t" or "g" (lb cannot be converted to kg exactly)' });

const toledoOptionsSchema = z.strictObject({
  frame: z.enum(['auto', 'full', 'short']).optional(),
  checksum: z.boolean().optional(),
  lineFeed: z.boolean().optional(),
  motionBit: z.enum(['motion', 'stable']).optional(),
  checkFixedBits: z.boolean().optional(),
});
const xk3190OptionsSchema = z.strictObject({ unit: frameUnitSchema.optional(), colonNibbles: z.boolean().optional() });
const yaohuaEqOptionsSchema = z.strictObject({ unit: frameUnitSchema.optional(), reversed: z.boolean().optional() });
const a12eOptionsSchema = z.strictObject({
  checksum: z.boolean().optional(),
  lowercaseHeaders: z.boolean().optional(),
  unit: frameUnitSchema.optional(),
});

const stabilityShape = {
  /** one display division, in the frame's unit, as a decimal string ("20" kg, "0.02" t) */
  division: decimalSettingSchema.refine((d) => /[1-9]/.test(d), 'must be greater than 0'),
  /** readings a run within ±1 division needs */
  minReadings: z.number().int().min(1).default(5),
  /** how long such a run must last, ms */
  minDurationMs: z.number().int().min(0).default(1000),
};

/** Software stability (stability.ts), required by the formats whose frames have no stable flag. */
const stabilityRequired = (format: string) =>
  z.strictObject(stabilityShape, {
    error: (iss) =>
      iss.input === undefined ? `required: ${format} frames carry no stability flag, so it is inferred from { division, minReadings, minDurationMs }` : undefined,
  });

const weighbridgeBase = {
  id: deviceIdSchema,
  driver: z.literal('weighbridge'),
  transport: transportUrlSchema,
  ...lineSettings,
  /** |displayed weight| ≤ this (kg) counts as an empty scale */
  zeroBandKg: decimalSettingSchema.default('0'),
};

const weighbridgeDeviceSchema = z
  .discriminatedUnion('format', [
    z.strictObject({
      ...weighbridgeBase,
      format: z.literal('toledo'),
      options: toledoOptionsSchema.default({}),
      stability: z.undefined({ error: 'not used: toledo frames carry the indicator\'s stability flag' }).optional(),
    }),
    z.strictObject({ ...weighbridgeBase, format: z.literal('yaohua-xk3190'), options: xk3190OptionsSchema.default({}), stability: stabilityRequired('yaohua-xk3190') }),
    z.strictObject({ ...weighbridgeBase, format: z.literal('yaohua-eq'), options: yaohuaEqOptionsSchema.default({}), stability: stabilityRequired('yaohua-eq') }),
    z.strictObject({ ...weighbridgeBase, format: z.literal('yaohua-a12e'), options: a12eOptionsSchema.default({}), stability: stabilityRequired('yaohua-a12e') }),
  ])
  .transform(({ transport, baudRate, dataBits, parity, stopBits, ...rest }) => {
    const resolved: TransportConfig = transport.kind === 'serial' ? { ...transport, baudRate, dataBits, parity, stopBits } : transport;
    return { ...rest, transport: resolved };
  });

const deviceSchema = z.discriminatedUnion('driver', [
  scannerLineDeviceSchema,
  weighbridgeDeviceSchema,
  ...opcuaDeviceSchemas,
  rfidMqttDeviceSchema,
  cameraHttpDeviceSchema,
]);

const topicPrefixSchema = z
  .string()
  .regex(/^[^/+#\s]([^+#\s]*[^/+#\s])?$/, 'a topic prefix without wildcards, spaces or leading/trailing "/"');

export const edgeConfigSchema = z.strictObject({
  site: siteIdSchema,
  edgeId: edgeIdSchema,
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  broker: z.strictObject({
    url: z.string().regex(/^(mqtts?|wss?):\/\/[^\s]+$/, 'expected an mqtt://, mqtts://, ws:// or wss:// URL'),
    /** default: edgeId */
    username: z.string().min(1).optional(),
    password: z.string().optional(),
    topicPrefix: topicPrefixSchema.default(DEFAULT_TOPIC_PREFIX),
    keepaliveS: z.number().int().min(1).max(65_535).default(30),
    connectTimeoutMs: z.number().int().min(100).default(10_000),
    /** first reconnect delay ceiling, ms; doubles per failed attempt (full jitter) */
    reconnectBaseMs: z.number().int().min(1).default(500),
    /** reconnect delay cap, ms */
    reconnectMaxMs: z.number().int().min(1).default(30_000),
    /** QoS 1 publishes awaiting PUBACK at once */
    maxInFlight: z.number().int().min(1).max(65_535).default(256),
    /** the retained status is re-published this often, s */
    statusIntervalS: z.number().int().min(1).default(30),
  }),
  outbox: z
    .strictObject({
      /** default: ./data/edge-<edgeId>/outbox.sqlite; relative to the config file's folder */
      path: z.string().min(1).optional(),
      /** re-send every unacked event after this long without ack progress, ms */
      resendAfterMs: z.number().int().min(1).default(10_000),
      /** bound on the unacked events' size (JSON bytes); see README "Outbox bounds" */
      maxBytes: z.number().int().min(1024).default(256 * 1024 * 1024),
      /** bound on the oldest unacked event's age, s (default 7 days) */
      maxAgeS: z.number().int().min(1).default(7 * 24 * 3600),
    })
    .default({ resendAfterMs: 10_000, maxBytes: 256 * 1024 * 1024, maxAgeS: 7 * 24 * 3600 }),
  /** the edge's own HTTP server: /metrics, /healthz and the camera endpoints; off when absent */
  http: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      /** 0 = any free port (logged) */
      port: z.number().int().min(0).max(65_535).default(9180),
      /** largest request body accepted, bytes (camera JSON; pictures are referenced, not sent) */
      maxBodyBytes: z.number().int().min(1024).default(256 * 1024),
      /** when set, /metrics needs `Authorization: Bearer <token>` (bind beyond 127.0.0.1 only with one) */
      metricsToken: z.string().min(16).optional(),
    })
    .optional(),
  /** devices' live values (weight on the scale …) are published at most this often, ms; 0 = never */
  liveIntervalMs: z.number().int().min(0).default(500),
  devices: z.array(deviceSchema).default([]),
});

export type EdgeConfigInput = z.input<typeof edgeConfigSchema>;
type ParsedEdgeConfig = z.output<typeof edgeConfigSchema>;

export type EdgeConfig = DeepReadonly<
  Omit<ParsedEdgeConfig, 'broker' | 'outbox'> & {
    broker: ParsedEdgeConfig['broker'] & { username: string };
    outbox: ParsedEdgeConfig['outbox'] & { path: string };
  }
>;

export type DeviceConfig = EdgeConfig['devices'][number];
export type ScannerLineDeviceConfig = Extract<DeviceConfig, { driver: 'scanner-line' }>;
export type WeighbridgeDeviceConfig = Extract<DeviceConfig, { driver: 'weighbridge' }>;
export type OpcuaDeviceConfig = Extract<DeviceConfig, { driver: `opcua-${string}` }>;
export type RfidMqttDeviceConfig = Extract<DeviceConfig, { driver: 'rfid-mqtt' }>;
export type CameraHttpDeviceConfig = Extract<DeviceConfig, { driver: 'camera-http' }>;
/** Devices read over a byte stream (serial line or TCP serial server). */
export type ByteStreamDeviceConfig = ScannerLineDeviceConfig | WeighbridgeDeviceConfig;

type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/**
 * Validates a config object. Relative paths resolve against `baseDir` (the YAML file's folder).
 * Throws an EdgeConfigError naming every invalid setting.
 */
export function parseEdgeConfig(obj: unknown, baseDir: string, source = '(object)'): EdgeConfig {
  const issues: string[] = [];
  const parsed = edgeConfigSchema.safeParse(obj, {
    error: (iss) => (iss.code === 'invalid_type' && iss.input === undefined ? 'required' : undefined),
  });
  if (!parsed.success) {
    for (const i of parsed.error.issues) issues.push(`${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
  }
  issues.push(...duplicateDeviceIds(obj));
  if (parsed.success && !parsed.data.http) {
    parsed.data.devices.forEach((d, i) => {
      if (d.driver === 'camera-http') issues.push(`devices.${i}: a camera-http device needs the edge's http: section (cameras POST to it)`);
    });
  }
  if (!parsed.success || issues.length) throw new EdgeConfigError(source, issues);

  const c = parsed.data;
  const outboxPath = c.outbox.path ?? `./data/edge-${c.edgeId}/outbox.sqlite`;
  const inBase = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  // OPC UA certificate stores resolve like the outbox: against the config file's folder.
  const devices = c.devices.map((d) =>
    d.driver.startsWith('opcua-') && 'endpoint' in d
      ? { ...d, endpoint: { ...d.endpoint, pkiDir: inBase(d.endpoint.pkiDir ?? `./data/edge-${c.edgeId}/opcua-pki`) } }
      : d,
  ) as typeof c.devices;
  return deepFreeze({
    ...c,
    devices,
    broker: { ...c.broker, username: c.broker.username ?? c.edgeId },
    outbox: { ...c.outbox, path: isAbsolute(outboxPath) ? outboxPath : resolve(baseDir, outboxPath) },
  });
}

/** Reads and validates a YAML config file; parsed once, frozen. */
export function loadEdgeConfig(file: string): EdgeConfig {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new EdgeConfigError(path, [`(file): cannot read: ${(err as Error).message}`]);
  }
  let obj: unknown;
  try {
    obj = parseYaml(text);
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? ` (line ${err.linePos[0].line})` : '';
    throw new EdgeConfigError(path, [`(file): not valid YAML${where}: ${(err as Error).message.split('\n')[0]}`]);
  }
  return parseEdgeConfig(obj ?? {}, dirname(path), path);
}

function duplicateDeviceIds(obj: unknown): string[] {
  const devices = (obj as { devices?: unknown } | null)?.devices;
  if (!Array.isArray(devices)) return [];
  const firstIndex = new Map<string, number>();
  const out: string[] = [];
  devices.forEach((d, i) => {
    const id = (d as { id?: unknown } | null)?.id;
    if (typeof id !== 'string') return;
    const first = firstIndex.get(id);
    if (first === undefined) firstIndex.set(id, i);
    else out.push(`devices.${i}.id: duplicate device id "${id}" (also devices.${first}.id)`);
  });
  return out;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
