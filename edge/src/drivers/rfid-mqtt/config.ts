import { z } from 'zod';
import { deviceIdSchema } from '@cjp/contracts';

// STUB (to be completed by the RFID driver work): the shape the rest of the edge relies on.

export const rfidMqttDeviceSchema = z.strictObject({
  id: deviceIdSchema,
  driver: z.literal('rfid-mqtt'),
  /** the broker the reader publishes to */
  broker: z.strictObject({ url: z.string(), username: z.string().optional(), password: z.string().optional() }),
  topic: z.string().min(1),
  format: z.enum(['zebra', 'impinj']),
  role: z.enum(['item', 'vehicle']).default('item'),
  dedupeWindowMs: z.number().int().min(0).default(2000),
});
