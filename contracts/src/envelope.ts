import { z } from 'zod';
import { deviceIdSchema, edgeIdSchema } from './ids.js';

/** Every kind of device reading an edge can publish. Each kind's `data` has its own schema. */
export const EVENT_KINDS = ['scan', 'weight', 'rfid', 'plate', 'container', 'io', 'heartbeat'] as const;
export const eventKindSchema = z.enum(EVENT_KINDS);
export type EventKind = z.infer<typeof eventKindSchema>;

/** Largest envelope (bytes of JSON) the hub accepts; larger payloads are dead-lettered unread. */
export const MAX_ENVELOPE_BYTES = 64 * 1024;

/**
 * A barcode read. `code` is the data exactly as the scanner sent it, without the AIM symbology
 * identifier and the line suffix; GS1 separators (GS, 0x1D) are kept.
 * @example { "code": "0109501101530003\u001d10ABC123", "aim": "]C1" }
 */
export const scanDataSchema = z.object({
  code: z.string().min(1).max(4096).describe('decoded data, GS (0x1D) separators kept'),
  aim: z
    .string()
    .regex(/^\][A-Za-z0-9][0-9A-Za-z]$/)
    .optional()
    .describe('AIM symbology identifier as sent by the scanner, e.g. "]C1" for GS1-128'),
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
  heartbeat: heartbeatDataSchema,
} as const satisfies Partial<Record<EventKind, z.ZodType>>;

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
