import { SESSION_COOKIE, type Permission, type UserDto } from '@cjp/contracts';

/** The signed-in user of a request (or socket). */
export type Principal = UserDto;

declare module 'fastify' {
  interface FastifyRequest {
    user: Principal | null;
  }
  interface FastifyContextConfig {
    /** reachable without a session (login, the API document) */
    public?: boolean;
    /** the permission a route needs (contracts' table); several = any of them; absent = any signed-in user */
    permission?: Permission | readonly Permission[];
  }
}

/** Reads the session token from "Authorization: Bearer …" or the session cookie. */
export function tokenFrom(req: { headers: Record<string, string | string[] | undefined>; cookies?: Record<string, string | undefined> }): string | null {
  const h = req.headers.authorization;
  if (typeof h === 'string' && h.startsWith('Bearer ')) return h.slice(7).trim() || null;
  return req.cookies?.[SESSION_COOKIE] ?? null;
}
