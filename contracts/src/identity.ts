import { z } from 'zod';

import { ROLES } from './permissions.js';

export const roleSchema = z.enum(ROLES);

export const userDtoSchema = z
  .object({
    id: z.string(),
    username: z.string(),
    displayName: z.string(),
    role: roleSchema,
    tenantId: z.string().nullable().describe('the enterprise this user acts for; null for center staff'),
  })
  .meta({ id: 'User' });
export type UserDto = z.infer<typeof userDtoSchema>;

export const loginRequestSchema = z
  .object({
    username: z.string().min(1).max(64),
    password: z.string().min(1).max(256),
  })
  .meta({ id: 'LoginRequest' });
export type LoginRequest = z.infer<typeof loginRequestSchema>;

export const loginResponseSchema = z
  .object({
    token: z.string().describe('send as "Authorization: Bearer <token>" or as socket.io auth.token'),
    expiresAt: z.iso.datetime({ offset: true }),
    user: userDtoSchema,
  })
  .meta({ id: 'LoginResponse' });
export type LoginResponse = z.infer<typeof loginResponseSchema>;

/** The session cookie the hub sets on login (httpOnly, SameSite=Strict). */
export const SESSION_COOKIE = 'cjp_session';
