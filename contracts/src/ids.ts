import { z } from 'zod';

/**
 * Identifier of a site, an edge or a device as it appears in an MQTT topic segment.
 * Lowercase letters, digits and dashes so that ids are safe in topics, file names and URLs.
 * @example "gate-east"
 */
export const segmentIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lowercase letters, digits, "-" or "_", 1 to 63 characters, starting with a letter or digit');

export const siteIdSchema = segmentIdSchema.describe('Site id, e.g. "cjp" for the Caojiapu bonded center');
export const edgeIdSchema = segmentIdSchema.describe('Edge agent id, unique across all sites, e.g. "gate-east"');
export const deviceIdSchema = segmentIdSchema.describe('Device id, unique within its edge, e.g. "scanner-1"');

export type SiteId = z.infer<typeof siteIdSchema>;
export type EdgeId = z.infer<typeof edgeIdSchema>;
export type DeviceId = z.infer<typeof deviceIdSchema>;
