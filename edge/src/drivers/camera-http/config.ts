import { z } from 'zod';
import { deviceIdSchema } from '@cjp/contracts';

/**
 * A plate / container recognition camera that POSTs its reads to the edge's HTTP server at
 * `/cameras/<id>/reads` (edge/README.md "Cameras over HTTP"); needs the edge's `http:` section.
 */
export const cameraHttpDeviceSchema = z.strictObject({
  id: deviceIdSchema,
  driver: z.literal('camera-http'),
  /** what the camera may send: a plate from a container-only camera is refused (422) */
  reads: z.enum(['plate', 'container', 'both']),
  /** the camera sends `Authorization: Bearer <token>`; at least 16 characters */
  token: z
    .string()
    .min(16)
    .max(512)
    .regex(/^[\x21-\x7E]+$/, 'printable ASCII without spaces (it travels in an HTTP header)'),
  /** most containers one request may carry (one 40' or two 20' boxes, front and rear …) */
  maxContainers: z.number().int().min(1).max(16).default(4),
});
