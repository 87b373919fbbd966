import { z } from 'zod';

/** identity's settings. */
export const identityConfigSchema = z
  .object({
    sessionTtlS: z.coerce.number().int().min(60).default(12 * 3600), // 12 hours
  })
  .prefault({});
export type IdentityConfig = z.infer<typeof identityConfigSchema>;
/** environment variable → setting under "identity." */
export const IDENTITY_ENV = { SESSION_TTL_S: 'sessionTtlS' } as const;
