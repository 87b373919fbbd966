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
});
export type DeviceHealth = z.infer<typeof deviceHealthSchema>;

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
});
export type CommandAck = z.infer<typeof commandAckSchema>;
