import { z } from 'zod';
import { deviceIdSchema } from '@cjp/contracts';

/**
 * A node id as text: `ns=<index>;<id>` or `nsu=<namespace uri>;<id>` (resolved against the
 * server's NamespaceArray after each connect, since a PLC's namespace indices can move), the id
 * being `s=<string>`, `i=<number>`, `g=<guid>` or `b=<base64>`; without a namespace, ns=0.
 */
const NODE_ID = /^(?:(?:ns=\d{1,5}|nsu=[^;]+);)?(?:i=\d{1,10}|s=[\s\S]+|g=[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}|b=[A-Za-z0-9+/]+={0,2})$/;

export const opcuaNodeIdSchema = z
  .string()
  .regex(NODE_ID, 'expected an OPC UA node id such as "ns=1;s=gate-in-1.Barrier.State", "ns=2;i=1001" or "nsu=urn:plc:gate;s=Barrier.State"');

/**
 * How to reach an OPC UA server, and the subscription settings. Devices whose endpoints have the
 * same url, security mode and policy and username share one client, session and subscription
 * (so the other session-level settings must then agree: pkiDir, trustUnknownServer, password,
 * publishingIntervalMs, reconnect and timeout settings); `samplingIntervalMs`, `queueSize` and
 * `deadband` are per device (monitored item settings).
 */
export const opcuaEndpointSchema = z
  .strictObject({
    url: z.string().regex(/^opc\.tcp:\/\/(?:\[[0-9A-Fa-f:.]+\]|[^\s/:[\]]+)(?::\d{1,5})?(?:\/\S*)?$/, 'expected opc.tcp://host:port[/path]'),
    securityMode: z.enum(['None', 'Sign', 'SignAndEncrypt']).default('None'),
    securityPolicy: z.enum(['None', 'Basic256Sha256', 'Aes128_Sha256_RsaOaep']).default('None'),
    /**
     * Certificate store: own/ (this edge's certificate, created at first start), trusted/certs/
     * (servers we trust), rejected/ (servers we refused: move a file to trusted/certs/ to trust it).
     * Default: data/opcua-pki under the working directory. A relative path is taken from the
     * working directory too (config.ts may resolve it against the config file's folder).
     */
    pkiDir: z.string().min(1).optional(),
    /** trust a server certificate seen for the first time; off by default (never auto-accept) */
    trustUnknownServer: z.boolean().default(false),
    username: z.string().min(1).optional(),
    password: z.string().optional(),
    /** how often the server sends the subscription's changes, ms */
    publishingIntervalMs: z.number().int().min(10).max(60_000).default(250),
    /** how often the server samples each tag, ms */
    samplingIntervalMs: z.number().int().min(0).max(60_000).default(100),
    /** changes the server queues per tag between publishes (oldest dropped beyond it) */
    queueSize: z.number().int().min(1).max(1000).default(10),
    /** absolute deadband on the weighbridge's weight tag, in the tag's own units; none by default */
    deadband: z.number().nonnegative().optional(),
    /** first reconnect delay ceiling, ms; doubles per failed attempt (full jitter) */
    reconnectBaseMs: z.number().int().min(1).default(500),
    /** reconnect delay cap, ms */
    reconnectMaxMs: z.number().int().min(1).default(10_000),
    /** give up a connect attempt (TCP, secure channel, session, subscription) after this long, ms */
    connectTimeoutMs: z.number().int().min(100).default(10_000),
  })
  .superRefine((e, ctx) => {
    if (e.securityMode === 'None' && e.securityPolicy !== 'None') {
      ctx.addIssue({
        code: 'custom',
        path: ['securityPolicy'],
        message: `securityPolicy ${e.securityPolicy} needs securityMode Sign or SignAndEncrypt (securityMode None sends messages unsigned)`,
      });
    }
    if (e.securityMode !== 'None' && e.securityPolicy === 'None') {
      ctx.addIssue({
        code: 'custom',
        path: ['securityPolicy'],
        message: `securityMode ${e.securityMode} needs a securityPolicy such as Basic256Sha256 or Aes128_Sha256_RsaOaep, not None`,
      });
    }
    if (e.password !== undefined && e.username === undefined) {
      ctx.addIssue({ code: 'custom', path: ['password'], message: 'a password needs a username' });
    }
  });

/**
 * A non-negative exact decimal (at most 12 integer digits and 6 decimals); a YAML integer is taken
 * as its decimal string. Floats are refused: they are not exact.
 */
const decimalSettingSchema = z.union(
  [z.string().regex(/^\d{1,12}(\.\d{1,6})?$/), z.number().int().nonnegative().max(999_999_999_999).transform(String)],
  { error: 'expected a non-negative exact decimal such as "20" or "0.02" (a string)' },
);

const opcuaBase = { id: deviceIdSchema, endpoint: opcuaEndpointSchema };

/**
 * A weighbridge behind a PLC: separate tags for the gross weight (required), the indicator's
 * stable flag and its overload flag. (An OPC 40200 Scales device's CurrentWeight is a WeightType
 * structure and is not read by this driver; point `stable`/`overload` at its WeightStable and
 * Overload properties and `gross` at a scalar tag holding the gross weight.)
 */
const opcuaWeighbridgeSchema = z
  .strictObject({
    ...opcuaBase,
    driver: z.literal('opcua-weighbridge'),
    gross: opcuaNodeIdSchema,
    stable: opcuaNodeIdSchema.optional(),
    overload: opcuaNodeIdSchema.optional(),
    /**
     * Decimal places of the weight: a Float/Double tag is formatted with exactly this many; an
     * integer tag holds the displayed digits without the point (312505 with 1 decimal = 31250.5).
     */
    decimals: z.number().int().min(0).max(6).default(0),
    /** the tag's unit; converted to kg exactly */
    unit: z.enum(['kg', 't', 'g']).default('kg'),
    /** |weight| ≤ this (kg) counts as an empty scale */
    zeroBandKg: decimalSettingSchema.default('0'),
    /** software stability when there is no `stable` tag: the weight held within ±1 division for N readings and T ms */
    stability: z
      .strictObject({
        /** one display division, in the tag's unit, as a decimal string */
        division: decimalSettingSchema.refine((d) => /[1-9]/.test(d), 'must be greater than 0'),
        minReadings: z.number().int().min(1).default(5),
        minDurationMs: z.number().int().min(0).default(1000),
      })
      .optional(),
  })
  .superRefine((d, ctx) => {
    if (d.stable === undefined && d.stability === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['stability'],
        message: 'required when there is no `stable` tag: stability is then inferred from { division, minReadings, minDurationMs }',
      });
    }
    if (d.stable !== undefined && d.stability !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['stability'], message: 'not used: the `stable` tag gives the indicator\'s stability flag' });
    }
  });

const DEFAULT_BARRIER_STATES = { closed: 0, opening: 1, open: 2, closing: 3, fault: 4 };

/**
 * A barrier behind a PLC: an integer state tag, and open/close commands either as methods
 * (`objectId`, `openMethod`, `closeMethod`) or as values written to a command tag (`commandNode`,
 * `commandValues`).
 */
const opcuaBarrierSchema = z
  .strictObject({
    ...opcuaBase,
    driver: z.literal('opcua-barrier'),
    state: opcuaNodeIdSchema,
    /** state name → the tag's integer value */
    states: z
      .record(z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'a lowercase state name'), z.number().int())
      .default(DEFAULT_BARRIER_STATES)
      .refine((m) => new Set(Object.values(m)).size === Object.keys(m).length, 'two states have the same value')
      .refine((m) => Object.keys(m).length > 0, 'name at least one state'),
    objectId: opcuaNodeIdSchema.optional(),
    openMethod: opcuaNodeIdSchema.optional(),
    closeMethod: opcuaNodeIdSchema.optional(),
    commandNode: opcuaNodeIdSchema.optional(),
    commandValues: z.strictObject({ open: z.number().int(), close: z.number().int() }).default({ open: 1, close: 2 }),
  })
  .superRefine((d, ctx) => {
    const methods = [d.objectId, d.openMethod, d.closeMethod].filter((x) => x !== undefined).length;
    if (methods > 0 && d.commandNode !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['commandNode'], message: 'give either methods (objectId, openMethod, closeMethod) or a commandNode, not both' });
    } else if (methods > 0 && methods < 3) {
      ctx.addIssue({ code: 'custom', path: ['objectId'], message: 'methods need all of objectId, openMethod and closeMethod' });
    } else if (methods === 0 && d.commandNode === undefined) {
      ctx.addIssue({ code: 'custom', path: ['commandNode'], message: 'required: how to open and close, as methods (objectId, openMethod, closeMethod) or a commandNode' });
    }
  });

/** An LED display behind a PLC: a writable String tag. */
const opcuaLedSchema = z.strictObject({ ...opcuaBase, driver: z.literal('opcua-led'), textNode: opcuaNodeIdSchema });

/**
 * An RFID reader exposing AutoID-like LastScan variables: every change of LastScanData (a String
 * of EPC hex or a ByteString) is a sighting; antenna and RSSI tags are optional.
 */
const opcuaRfidSchema = z.strictObject({
  ...opcuaBase,
  driver: z.literal('opcua-rfid'),
  lastScanDataNode: opcuaNodeIdSchema,
  antennaNode: opcuaNodeIdSchema.optional(),
  rssiNode: opcuaNodeIdSchema.optional(),
  /** the antenna number reported when there is no antenna tag */
  antenna: z.number().int().min(0).max(255).default(1),
  role: z.enum(['item', 'vehicle']).default('item'),
  /** a tag unseen on an antenna for this long is gone; seen again later, it is a new presence */
  dedupeWindowMs: z.number().int().min(0).default(2000),
});

export const opcuaDeviceSchemas = [opcuaWeighbridgeSchema, opcuaBarrierSchema, opcuaLedSchema, opcuaRfidSchema] as const;

export type OpcuaEndpointConfig = z.output<typeof opcuaEndpointSchema>;
export type OpcuaWeighbridgeConfig = z.output<typeof opcuaWeighbridgeSchema>;
export type OpcuaBarrierConfig = z.output<typeof opcuaBarrierSchema>;
export type OpcuaLedConfig = z.output<typeof opcuaLedSchema>;
export type OpcuaRfidConfig = z.output<typeof opcuaRfidSchema>;
