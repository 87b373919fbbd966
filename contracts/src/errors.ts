import { z } from 'zod';

/**
 * Every error code the hub answers with. Codes are never reused; docs/errors.md lists each
 * (a test keeps the two in step).
 */
export const ERROR_CODES = {
  HUB_ERR_VALIDATION: 400,
  HUB_ERR_AUTH_REQUIRED: 401,
  HUB_ERR_AUTH_INVALID_CREDENTIALS: 401,
  HUB_ERR_AUTH_FORBIDDEN: 403,
  HUB_ERR_NOT_FOUND: 404,
  HUB_ERR_CONFLICT: 409,
  HUB_ERR_RATE_LIMITED: 429,
  HUB_ERR_UNAVAILABLE: 503,
  HUB_ERR_INTERNAL: 500,
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

/** The error body of every 4xx/5xx answer and every failed socket.io ack. */
export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .meta({ id: 'Error' });
export type ErrorBody = z.infer<typeof errorBodySchema>;

/** A domain error that maps to an HTTP status through its code. Messages name the ids involved. */
export class HubError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'HubError';
    this.status = ERROR_CODES[code];
  }
  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }
}
