import { z } from 'zod';
import { deviceIdSchema, edgeIdSchema } from '../ids.js';

/**
 * Hub → edge on `.../ack`, QoS 1, retained: every event of this edge with seq ≤ `seq` is durably
 * applied (stored or dead-lettered with its reason); the edge may drop them from its outbox.
 * Retained so that an edge that lost its outbox learns where to continue numbering.
 * @example { "seq": 1842, "ts": "2026-11-27T08:15:02.300Z" }
 */
export const ackMessageSchema = z.object({
  seq: z.number().int().nonnegative(),
  ts: z.iso.datetime({ offset: true }),
});
export type AckMessage = z.infer<typeof ackMessageSchema>;

/** A device's live values by name, e.g. { "grossKg": "31250", "stable": true } or { "barrier": "open" }. */
export const liveValuesSchema = z.record(z.string().max(32), z.union([z.string().max(256), z.number(), z.boolean(), z.null()]));
export type LiveValues = z.infer<typeof liveValuesSchema>;

export const DEVICE_STATES = ['connecting', 'connected', 'disconnected'] as const;

/** One device's health as the edge sees it. */
export const deviceHealthSchema = z.object({
  deviceId: deviceIdSchema,
  driver: z.string().describe('driver name, e.g. "scanner-line"'),
  state: z.enum(DEVICE_STATES),
  lastReadingAt: z.iso.datetime({ offset: true }).nullable(),
  readings: z.number().int().nonnegative().describe('readings since the agent started'),
  errors: z.number().int().nonnegative().describe('errors since the agent started'),
  lastError: z.string().nullable(),
  /** when the current connection was made; null while not connected */
  connectedSince: z.iso.datetime({ offset: true }).nullable().optional(),
  /** frames or messages the driver refused since the agent started, by reason (e.g. "checksum": 3) */
  rejects: z.record(z.string(), z.number().int().nonnegative()).optional(),
  /** the device's latest live values (weight on the scale, barrier state, LED text …) */
  live: liveValuesSchema.optional(),
});
export type DeviceHealth = z.infer<typeof deviceHealthSchema>;

/**
 * The edge's outbox against its bounds (see edge README, "Outbox bounds"): `warning` from 80 % of
 * either bound, `full` at the bound, when new heartbeats are refused and older heartbeats make room;
 * readings of devices are never dropped by the edge.
 */
export const outboxHealthSchema = z.object({
  depth: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  oldestAgeS: z.number().nonnegative().nullable(),
  maxBytes: z.number().int().positive(),
  maxAgeS: z.number().int().positive(),
  level: z.enum(['ok', 'warning', 'full']),
});
export type OutboxHealth = z.infer<typeof outboxHealthSchema>;

/**
 * Edge → hub on `.../live`, QoS 0, never retained nor stored: devices' live values at a throttled
 * rate (a scale's weight while a truck drives on), for screens only. Readings worth keeping are events.
 * @example { "ts": "2026-11-27T08:15:02.120Z", "devices": { "wb-1": { "grossKg": "18240", "stable": false } } }
 */
export const liveMessageSchema = z.object({
  ts: z.iso.datetime({ offset: true }),
  devices: z.record(z.string(), liveValuesSchema),
});
export type LiveMessage = z.infer<typeof liveMessageSchema>;

/**
 * Edge → hub on `.../status`, retained; the same topic carries the last will (`state: "offline"`).
 * @example { "edgeId": "wh-1", "state": "online", "ts": "...", "outboxDepth": 0, "devices": [] }
 */
export const statusMessageSchema = z.object({
  edgeId: edgeIdSchema,
  state: z.enum(['online', 'offline']),
  ts: z.iso.datetime({ offset: true }),
  version: z.string().optional(),
  outboxDepth: z.number().int().nonnegative().optional(),
  lastSeq: z.number().int().nonnegative().optional(),
  /** every seq ≤ this has left the edge's outbox; the hub can no longer receive any of them */
  ackedSeq: z.number().int().nonnegative().optional(),
  outbox: outboxHealthSchema.optional(),
  devices: z.array(deviceHealthSchema).default([]),
});
export type StatusMessage = z.infer<typeof statusMessageSchema>;

/** Hub → edge on `.../cmd/{device}`: a command that must not run after `expiresAt`. */
export const commandMessageSchema = z.object({
  id: z.string().min(1).max(128),
  action: z.string().min(1).max(64),
  args: z.record(z.string(), z.unknown()).default({}),
  expiresAt: z.iso.datetime({ offset: true }),
});
export type CommandMessage = z.infer<typeof commandMessageSchema>;

/** Edge → hub on `.../cmdack`: the device's result for a command, or why it was not run. */
export const commandAckSchema = z.object({
  id: z.string().min(1).max(128),
  ok: z.boolean(),
  error: z.string().optional(),
  /** what the device reported back, e.g. { "barrier": "open" } */
  result: z.record(z.string(), z.unknown()).optional(),
  /** when the edge answered */
  ts: z.iso.datetime({ offset: true }).optional(),
});
export type CommandAck = z.infer<typeof commandAckSchema>;
