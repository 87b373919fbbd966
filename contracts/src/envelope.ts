import { z } from 'zod';
import { deviceIdSchema, edgeIdSchema } from './ids.js';

/** Every kind of device reading an edge can publish. Each kind's `data` has its own schema. */
export const EVENT_KINDS = ['scan', 'weight', 'rfid', 'plate', 'container', 'io', 'heartbeat'] as const;
export const eventKindSchema = z.enum(EVENT_KINDS);
export type EventKind = z.infer<typeof eventKindSchema>;

/** Largest envelope (bytes of JSON) the hub accepts; larger payloads are dead-lettered unread. */
export const MAX_ENVELOPE_BYTES = 64 * 1024;

/** One GS1 element (AI + value) of a parsed element string. */
export const gs1ElementSchema = z.object({
  ai: z.string().regex(/^\d{2,4}$/),
  value: z.string().max(100),
  /** the AI's data title, e.g. "SSCC", "GTIN", "BATCH/LOT" */
  title: z.string().max(40).optional(),
  /** for AIs with an implied decimal point (310n, 330n …): the value as an exact decimal */
  decimal: z.string().regex(/^-?\d+(\.\d+)?$/).optional(),
});
export type Gs1Element = z.infer<typeof gs1ElementSchema>;

/**
 * A barcode read. `code` is the data exactly as the scanner sent it, without the AIM symbology
 * identifier and the line suffix; GS1 separators (GS, 0x1D) are kept. The edge adds what it
 * understood: the symbology, GS1 elements, an ISO 6346 container number; a failed check digit is
 * reported in `problems`, never a reason to drop the read.
 * @example { "code": "0109501101530003\u001d10ABC123", "aim": "]C1", "symbology": "gs1-128",
 *            "gs1": [{ "ai": "01", "value": "09501101530003", "title": "GTIN" }, { "ai": "10", "value": "ABC123", "title": "BATCH/LOT" }] }
 */
export const scanDataSchema = z.object({
  code: z.string().min(1).max(4096).describe('decoded data, GS (0x1D) separators kept'),
  aim: z
    .string()
    .regex(/^\][A-Za-z0-9][0-9A-Za-z]$/)
    .optional()
    .describe('AIM symbology identifier as sent by the scanner, e.g. "]C1" for GS1-128'),
  symbology: z.string().max(32).optional().describe('symbology named from the AIM id, e.g. "gs1-128", "ean-13", "qr"'),
  gs1: z.array(gs1ElementSchema).max(64).optional().describe('the GS1 element string, parsed'),
  container: z
    .object({ number: z.string().max(16), checkDigitValid: z.boolean() })
    .optional()
    .describe('the code is an ISO 6346 container number'),
  problems: z.array(z.string().max(200)).max(16).optional().describe('checks that failed (check digit, unknown AI …); the read is kept'),
});
export type ScanData = z.infer<typeof scanDataSchema>;

/** An exact decimal as text, e.g. "31250" or "-12.5": weights are never binary floats. */
export const decimalStringSchema = z.string().regex(/^-?\d{1,12}(\.\d{1,6})?$/, 'an exact decimal such as "31250" or "12.5"');

/**
 * A weighbridge reading worth keeping: the scale became stable on a weight, or returned to zero.
 * Weights in kg as exact decimals (the driver converts t and g exactly; lb is refused rather than
 * rounded). Where the protocol has no stability flag the edge infers it (`stabilitySource`).
 * @example { "grossKg": "31250", "stable": true, "overload": false, "trigger": "stable", "format": "toledo" }
 */
export const weightDataSchema = z.object({
  grossKg: decimalStringSchema.optional().describe('gross weight; absent when the indicator sent only net'),
  netKg: decimalStringSchema.optional(),
  tareKg: decimalStringSchema.optional(),
  stable: z.boolean().describe('true when the indicator (or the edge\'s inference) says the weight is at rest'),
  stabilitySource: z.enum(['indicator', 'inferred']).describe('who decided `stable`'),
  overload: z.boolean(),
  underload: z.boolean().optional(),
  trigger: z.enum(['stable', 'zero']).describe('why this reading was emitted: a stable weight was reached, or the scale returned to zero'),
  format: z.string().max(32).describe('frame format, e.g. "toledo", "yaohua-xk3190"'),
});
export type WeightData = z.infer<typeof weightDataSchema>;

/**
 * An RFID tag seen by a reader antenna, after the edge's per (epc, antenna) dedupe window:
 * one event per tag presence, with how often and how strongly it was seen.
 * `role: "vehicle"` when the reader is configured as a vehicle e-tag reader (gate lanes).
 * @example { "epc": "E2801160600002084E9A1B2C", "antenna": 1, "rssiDbm": -52.5, "firstSeen": "…", "lastSeen": "…",
 *            "count": 14, "role": "vehicle", "source": "zebra" }
 */
export const rfidDataSchema = z.object({
  epc: z.string().regex(/^[0-9A-F]{4,124}$/, 'EPC as uppercase hex'),
  tid: z.string().regex(/^[0-9A-F]{4,128}$/).optional(),
  antenna: z.number().int().min(0).max(255),
  rssiDbm: z.number().min(-150).max(20).optional(),
  firstSeen: z.iso.datetime({ offset: true }),
  lastSeen: z.iso.datetime({ offset: true }),
  count: z.number().int().positive(),
  role: z.enum(['item', 'vehicle']),
  source: z.enum(['zebra', 'impinj', 'opcua-autoid']).describe('how the reader delivered the read'),
});
export type RfidData = z.infer<typeof rfidDataSchema>;

/**
 * A licence plate read by a camera.
 * @example { "plate": "青B12345", "color": "blue", "confidence": 0.97 }
 */
export const plateDataSchema = z.object({
  plate: z.string().min(1).max(16),
  color: z.enum(['blue', 'yellow', 'green', 'white', 'black', 'unknown']).optional(),
  confidence: z.number().min(0).max(1).optional(),
  /** the camera's own id for the picture, to fetch it from the camera later */
  imageRef: z.string().max(256).optional(),
});
export type PlateData = z.infer<typeof plateDataSchema>;

/**
 * A container number read by a camera, checked against ISO 6346: a failed check digit is kept and
 * flagged (`checkDigitValid: false`), for the gate to hold on, never dropped.
 * @example { "number": "CSQU3054383", "checkDigitValid": true, "isoCode": "22G1", "position": "rear" }
 */
export const containerDataSchema = z.object({
  number: z.string().min(1).max(16),
  checkDigitValid: z.boolean(),
  isoCode: z.string().max(4).optional().describe('ISO 6346 size-type code, e.g. "22G1", when read'),
  position: z.enum(['front', 'rear', 'left', 'right', 'top', 'unknown']).optional(),
  confidence: z.number().min(0).max(1).optional(),
  imageRef: z.string().max(256).optional(),
});
export type ContainerData = z.infer<typeof containerDataSchema>;

/**
 * A discrete signal changed: a barrier's state, an induction loop, a traffic light, an LED
 * display's text. `signal` names what changed on the device.
 * @example { "signal": "barrier", "value": "open" }
 */
export const ioDataSchema = z.object({
  signal: z.string().min(1).max(32),
  value: z.union([z.string().max(256), z.number(), z.boolean()]),
});
export type IoData = z.infer<typeof ioDataSchema>;

/** Periodic liveness of an edge or device; carries nothing the hub must store beyond the event. */
export const heartbeatDataSchema = z.object({
  uptimeS: z.number().nonnegative().optional(),
  outboxDepth: z.number().int().nonnegative().optional(),
});
export type HeartbeatData = z.infer<typeof heartbeatDataSchema>;

/**
 * Schemas of `data` per kind. A kind without an entry here is not yet understood by the hub:
 * its events are dead-lettered with the reason, never silently dropped.
 */
export const eventDataSchemas = {
  scan: scanDataSchema,
  weight: weightDataSchema,
  rfid: rfidDataSchema,
  plate: plateDataSchema,
  container: containerDataSchema,
  io: ioDataSchema,
  heartbeat: heartbeatDataSchema,
} as const satisfies Record<EventKind, z.ZodType>;

/**
 * The envelope an edge publishes for every device reading.
 * `seq` is per edge, strictly increasing, assigned when the reading enters the outbox;
 * `(edgeId, seq)` identifies an event for ever and `id` is `${edgeId}:${seq}`.
 * @example { "v": 1, "edgeId": "gate-east", "seq": 1842, "id": "gate-east:1842", "deviceId": "scanner-1",
 *            "kind": "scan", "ts": "2026-11-27T08:15:02.120Z", "data": { "code": "6901234567892", "aim": "]E0" } }
 */
export const envelopeSchema = z
  .object({
    v: z.literal(1),
    edgeId: edgeIdSchema,
    seq: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    id: z.string(),
    deviceId: deviceIdSchema,
    kind: eventKindSchema,
    ts: z.iso.datetime({ offset: true }).describe('when the device produced the reading (ISO 8601)'),
    data: z.unknown(),
  })
  .refine((e) => e.id === `${e.edgeId}:${e.seq}`, { message: 'id must be "<edgeId>:<seq>"', path: ['id'] });
export type Envelope = z.infer<typeof envelopeSchema>;

/** Builds an envelope, deriving `id` so the two can never disagree. */
export function envelopeFrom(e: Omit<Envelope, 'v' | 'id'>): Envelope {
  return { v: 1, ...e, id: `${e.edgeId}:${e.seq}` };
}

export type EnvelopeCheck =
  | { ok: true; envelope: Envelope }
  | { ok: false; reason: string; edgeId?: string; seq?: number };

/**
 * Validates an envelope and its kind's data. The reason is a single readable line naming the
 * offending fields, meant for the dead-letter table.
 */
export function checkEnvelope(value: unknown): EnvelopeCheck {
  const head = envelopeSchema.safeParse(value);
  if (!head.success) {
    const v = (value ?? {}) as { edgeId?: unknown; seq?: unknown };
    return {
      ok: false,
      reason: `envelope: ${formatIssues(head.error)}`,
      ...(typeof v.edgeId === 'string' ? { edgeId: v.edgeId } : {}),
      ...(typeof v.seq === 'number' && Number.isSafeInteger(v.seq) && v.seq > 0 ? { seq: v.seq } : {}),
    };
  }
  const env = head.data;
  const dataSchema = (eventDataSchemas as Partial<Record<EventKind, z.ZodType>>)[env.kind];
  if (!dataSchema) return { ok: false, reason: `kind "${env.kind}" is not supported by this hub yet`, edgeId: env.edgeId, seq: env.seq };
  const data = dataSchema.safeParse(env.data);
  if (!data.success) return { ok: false, reason: `${env.kind} data: ${formatIssues(data.error)}`, edgeId: env.edgeId, seq: env.seq };
  return { ok: true, envelope: { ...env, data: data.data } };
}

/** One line, e.g. `seq: Too small: expected number to be >0; ts: Invalid ISO datetime`. */
export function formatIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');
}
