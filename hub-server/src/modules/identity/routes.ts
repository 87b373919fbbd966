import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SESSION_COOKIE, errorBodySchema, loginRequestSchema, loginResponseSchema, userDtoSchema } from '@cjp/contracts';
import { tokenFrom } from '../../api/http.js';
import type { IdentityService } from './service.js';

export const identityRoutes =
  (identity: IdentityService): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      '/auth/login',
      {
        config: { public: true },
        schema: {
          tags: ['auth'],
          summary: 'Sign in; returns a session token and sets the session cookie',
          security: [],
          body: loginRequestSchema,
          response: { 200: loginResponseSchema, 401: errorBodySchema },
        },
      },
      async (req, reply) => {
        const s = await identity.login(req.body.username, req.body.password);
        reply.setCookie(SESSION_COOKIE, s.token, {
          httpOnly: true,
          sameSite: 'strict',
          path: '/',
          expires: s.expiresAt,
          secure: req.protocol === 'https',
        });
        return { token: s.token, expiresAt: s.expiresAt.toISOString(), user: s.user };
      },
    );

    app.post(
      '/auth/logout',
      { schema: { tags: ['auth'], summary: 'End this session', response: { 204: z.null() } } },
      async (req, reply) => {
        const token = tokenFrom(req);
        if (token) await identity.logout(token);
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
        return reply.status(204).send(null);
      },
    );

    app.get('/me', { schema: { tags: ['auth'], summary: 'The signed-in user', response: { 200: userDtoSchema } } }, async (req) => req.user!);
  };
