import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  commandDtoSchema,
  commandListQuerySchema,
  commandListResponseSchema,
  commandRequestSchema,
  HubError,
  segmentIdSchema,
  type Role,
} from '@cjp/contracts';
import type { AppDeps } from '../app.js';

/** Who may move a barrier or write on a display: the center's operators, gate officers, admins. */
const COMMANDERS: readonly Role[] = ['operator', 'gate_officer', 'admin'];
const READERS: readonly Role[] = ['operator', 'gate_officer', 'manager', 'customs', 'admin'];

export const commandRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      '/edges/:edgeId/devices/:deviceId/commands',
      {
        config: { roles: COMMANDERS },
        schema: {
          tags: ['devices'],
          summary: 'Send a command to a device (barrier open/close, LED text); answered live on /devices "command:updated"',
          params: z.object({ edgeId: segmentIdSchema, deviceId: segmentIdSchema }),
          body: commandRequestSchema,
          response: { 202: commandDtoSchema },
        },
      },
      async (req, reply) => {
        const user = req.user!;
        const dto = await deps.commands.send(req.params.edgeId, req.params.deviceId, req.body, user.username);
        deps.logger.info({ commandId: dto.id, edgeId: dto.edgeId, deviceId: dto.deviceId, action: dto.action, by: user.username }, 'device command sent');
        return reply.status(202).send(dto);
      },
    );

    app.get(
      '/commands',
      {
        config: { roles: READERS },
        schema: { tags: ['devices'], summary: 'Device commands, newest first', querystring: commandListQuerySchema, response: { 200: commandListResponseSchema } },
      },
      async (req) => ({ items: await deps.commands.list(req.query) }),
    );

    app.get(
      '/commands/:id',
      {
        config: { roles: READERS },
        schema: { tags: ['devices'], summary: 'One device command and its answer', params: z.object({ id: z.string().max(128) }), response: { 200: commandDtoSchema } },
      },
      async (req) => {
        const c = await deps.commands.get(req.params.id);
        if (!c) throw new HubError('HUB_ERR_NOT_FOUND', `command "${req.params.id}" does not exist`);
        return c;
      },
    );
  };
