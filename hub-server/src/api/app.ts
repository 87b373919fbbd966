import { createHash, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Registry } from 'prom-client';
import { HubError, SESSION_COOKIE, can, type Permission } from '@cjp/contracts';
import type { HubConfig } from '../config.js';
import { errorBody } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { tokenFrom, type Principal } from './http.js';
import { uiConfigRoutes } from './ui-config.js';

export interface AppDeps {
  config: HubConfig;
  logger: Logger;
  /** the user behind a session token (identity's) */
  authenticate(token: string | null): Promise<Principal | null>;
  /** each module's REST routes, mounted under /api/v1 */
  routes: readonly FastifyPluginAsyncZod[];
  metrics: Registry;
  health(): Promise<{ ready: boolean; checks: Record<string, string> }>;
}

export type App = Awaited<ReturnType<typeof createApp>>;

const allowed = (role: string, p: Permission | readonly Permission[]) => (typeof p === 'string' ? can(role, p) : p.some((x) => can(role, x)));

/** Builds the HTTP app (REST, docs, health, metrics, UI). Listening is the caller's business. */
/** Compares secrets in constant time (by their hashes, so lengths do not leak either). */
function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

export async function createApp(deps: AppDeps) {
  // Request lines (info) are left out; warnings and errors reach the hub's log.
  const httpLogger = deps.logger.child({ part: 'http' }, { level: deps.logger.levelVal > 40 ? deps.logger.level : 'warn' });
  const app = Fastify({ loggerInstance: httpLogger, bodyLimit: 1024 * 1024 }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest('user', null);
  await app.register(fastifyCookie);

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Caojiapu Hub API',
        version: '1.0.0',
        description: 'Operations API of the Caojiapu bonded logistics center. Every route needs a session unless marked otherwise.',
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer' },
          cookieAuth: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
        },
      },
      security: [{ bearerAuth: [] }, { cookieAuth: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/v1/docs', uiConfig: { docExpansion: 'list' } });

  // Authentication before body parsing, so an anonymous caller learns nothing from validation.
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    if (!req.url.startsWith('/api/')) return;
    const cfg = req.routeOptions.config;
    if (cfg?.public || req.url.startsWith('/api/v1/docs')) return;
    const user = await deps.authenticate(tokenFrom(req));
    if (!user) throw new HubError('HUB_ERR_AUTH_REQUIRED', 'sign in first: this route needs a session');
    req.user = user;
    if (cfg?.permission && !allowed(user.role, cfg.permission))
      throw new HubError('HUB_ERR_AUTH_FORBIDDEN', `role "${user.role}" may not use ${req.method} ${req.routeOptions.url} (needs ${[cfg.permission].flat().join(' or ')})`, {
        role: user.role,
        permission: cfg.permission,
      });
    void reply;
  });

  app.setErrorHandler((err, req, reply) => {
    if (err instanceof HubError) return reply.status(err.status).send(err.toBody());
    if (hasZodFastifySchemaValidationErrors(err)) {
      const issues = err.validation.map((v) => ({ path: v.instancePath || '/', message: v.message ?? 'invalid' }));
      return reply.status(400).send({
        error: { code: 'HUB_ERR_VALIDATION', message: `invalid request ${err.validationContext ?? ''}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, details: { issues } },
      });
    }
    const status = (err as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      return reply.status(status).send({ error: { code: 'HUB_ERR_VALIDATION', message: (err as Error).message } });
    }
    req.log.error({ err }, 'unhandled error');
    return reply.status(500).send(errorBody(err));
  });
  app.setNotFoundHandler((req, reply) =>
    reply.status(404).send(new HubError('HUB_ERR_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`).toBody()),
  );

  for (const routes of deps.routes) await app.register(routes, { prefix: '/api/v1' });
  await app.register(uiConfigRoutes(deps.config), { prefix: '/api/v1' });

  app.get('/api/v1/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());

  app.get('/healthz', { schema: { hide: true } }, async (_req, reply) => {
    const h = await deps.health();
    return reply.status(h.ready ? 200 : 503).send({ status: h.ready ? 'ok' : 'unavailable', ...h.checks });
  });
  const metricsToken = deps.config.http.metricsToken;
  app.get('/metrics', { schema: { hide: true } }, async (req, reply) => {
    if (metricsToken && !sameSecret(req.headers.authorization ?? '', `Bearer ${metricsToken}`)) {
      return reply
        .status(401)
        .header('www-authenticate', 'Bearer realm="metrics"')
        .send(new HubError('HUB_ERR_AUTH_REQUIRED', '/metrics needs the METRICS_TOKEN as a bearer token').toBody());
    }
    return reply.header('content-type', deps.metrics.contentType).send(await deps.metrics.metrics());
  });

  const uiDir = deps.config.http.uiDir;
  if (uiDir && existsSync(uiDir)) {
    await app.register(fastifyStatic, { root: uiDir, prefix: '/', wildcard: false, index: ['index.html'] });
  } else {
    app.get('/', { schema: { hide: true } }, async (_req, reply) =>
      reply.type('text/html').send('<!doctype html><p>Caojiapu Hub is running. The web UI is not built: run <code>npm run build</code>. API: <a href="/api/v1/docs">/api/v1/docs</a></p>'),
    );
  }
  return app;
}
