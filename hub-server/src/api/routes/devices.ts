import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { deadLetterListResponseSchema, edgeListResponseSchema, eventListQuerySchema, eventListResponseSchema, segmentIdSchema, type Role } from '@cjp/contracts';
import type { AppDeps } from '../app.js';

/** Raw device readings carry no owner: center staff see them, enterprises do not. */
const CENTER_STAFF: readonly Role[] = ['operator', 'gate_officer', 'dispatcher', 'manager', 'customs', 'admin'];

export const deviceRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/events',
      {
        config: { roles: CENTER_STAFF },
        schema: { tags: ['devices'], summary: 'Accepted device events, newest first', querystring: eventListQuerySchema, response: { 200: eventListResponseSchema } },
      },
      async (req) => deps.devices.listEvents(req.query),
    );

    app.get(
      '/dead-letters',
      {
        config: { roles: ['operator', 'customs', 'admin'] },
        schema: {
          tags: ['devices'],
          summary: 'Payloads ingest could not apply, with the reason, newest first',
          querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }),
          response: { 200: deadLetterListResponseSchema },
        },
      },
      async (req) => ({ items: await deps.devices.listDeadLetters(req.query.limit) }),
    );

    app.get(
      '/edges',
      { config: { roles: CENTER_STAFF }, schema: { tags: ['devices'], summary: 'Edge agents, their ack watermark and last status', response: { 200: edgeListResponseSchema } } },
      async () => ({ items: await deps.devices.listEdges() }),
    );

    app.post(
      '/edges',
      {
        config: { roles: ['admin'] },
        schema: {
          tags: ['devices'],
          summary: 'Register an edge agent; answers its MQTT password once',
          body: z.object({ edgeId: segmentIdSchema, siteId: segmentIdSchema, name: z.string().min(1).max(200).optional() }),
          response: { 201: z.object({ edgeId: z.string(), siteId: z.string(), password: z.string() }) },
        },
      },
      async (req, reply) => reply.status(201).send(await deps.identity.createEdge(req.body)),
    );
  };
