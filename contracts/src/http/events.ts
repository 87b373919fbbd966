import { z } from 'zod';
import { eventKindSchema } from '../envelope.js';

/** An accepted device event as the API and the live feed show it. */
export const eventDtoSchema = z
  .object({
    id: z.string().describe('"<edgeId>:<seq>"'),
    edgeId: z.string(),
    seq: z.number().int(),
    siteId: z.string(),
    deviceId: z.string(),
    kind: eventKindSchema,
    ts: z.string().describe('device time, ISO 8601'),
    receivedAt: z.string().describe('hub time of storage, ISO 8601'),
    data: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'Event' });
export type EventDto = z.infer<typeof eventDtoSchema>;

export const eventListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  edgeId: z.string().optional(),
  deviceId: z.string().optional(),
  kind: eventKindSchema.optional(),
  beforeId: z.coerce.number().int().positive().optional().describe('page: events stored before this cursor'),
});
export type EventListQuery = z.infer<typeof eventListQuerySchema>;

export const eventListResponseSchema = z
  .object({
    items: z.array(eventDtoSchema).describe('newest first'),
    nextBeforeId: z.number().int().nullable().describe('pass as beforeId for the next page; null at the end'),
  })
  .meta({ id: 'EventList' });
export type EventListResponse = z.infer<typeof eventListResponseSchema>;

export const deadLetterDtoSchema = z
  .object({
    id: z.number().int(),
    receivedAt: z.string(),
    topic: z.string(),
    edgeId: z.string().nullable(),
    seq: z.number().int().nullable(),
    reason: z.string(),
    payloadBytes: z.number().int(),
    payloadPreview: z.string().describe('the first 1 KiB of the payload, as UTF-8 with replacement characters'),
  })
  .meta({ id: 'DeadLetter' });
export type DeadLetterDto = z.infer<typeof deadLetterDtoSchema>;

export const deadLetterListResponseSchema = z.object({ items: z.array(deadLetterDtoSchema) }).meta({ id: 'DeadLetterList' });

export const edgeDtoSchema = z
  .object({
    edgeId: z.string(),
    siteId: z.string(),
    name: z.string(),
    online: z.boolean(),
    ackedSeq: z.number().int().describe('highest contiguous seq durably applied'),
    lastSeenAt: z.string().nullable(),
    status: z.record(z.string(), z.unknown()).nullable().describe('the last status message the edge published'),
  })
  .meta({ id: 'Edge' });
export type EdgeDto = z.infer<typeof edgeDtoSchema>;
export const edgeListResponseSchema = z.object({ items: z.array(edgeDtoSchema) }).meta({ id: 'EdgeList' });
