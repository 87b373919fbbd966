import { z } from 'zod';
import { deviceIdSchema } from '@cjp/contracts';

// STUB (to be completed by the camera driver work): the shape the rest of the edge relies on.

export const cameraHttpDeviceSchema = z.strictObject({
  id: deviceIdSchema,
  driver: z.literal('camera-http'),
  /** what the camera recognises */
  reads: z.enum(['plate', 'container', 'both']),
  /** the camera sends `Authorization: Bearer <token>` */
  token: z.string().min(16),
});
