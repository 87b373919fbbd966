import { z } from 'zod';

/** The devices module's settings: how ingest batches and when it pushes back on the broker. */
export const devicesConfigSchema = z
  .object({
    ingest: z
      .object({
        batchSize: z.coerce.number().int().min(1).max(10_000).default(500),
        /** messages queued before the hub stops reading from the broker (backpressure) */
        maxQueue: z.coerce.number().int().min(100).default(20_000),
      })
      .prefault({}),
  })
  .prefault({});
export type DevicesConfig = z.infer<typeof devicesConfigSchema>;
/** environment variable → setting under "devices." */
export const DEVICES_ENV = { INGEST_BATCH_SIZE: 'ingest.batchSize', INGEST_MAX_QUEUE: 'ingest.maxQueue' } as const;
