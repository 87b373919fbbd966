import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  HubError,
  commandDtoSchema,
  commandListQuerySchema,
  commandListResponseSchema,
  commandRequestSchema,
  deadLetterListResponseSchema,
  deviceClaimListSchema,
  edgeListResponseSchema,
  eventListQuerySchema,
  eventListResponseSchema,
  segmentIdSchema,
} from '@cjp/contracts';
import type { DevicesService } from './service.js';

const tags = ['devices'];

export const devicesRoutes =
  (devices: DevicesService): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/events',
      {
        // Raw device readings carry no owner: center staff see them, enterprises do not.
        config: { permission: 'devices.read' },
        schema: { tags, summary: 'Accepted device events, newest first', querystring: eventListQuerySchema, response: { 200: eventListResponseSchema } },
      },
      async (req) => devices.readings.listEvents(req.query),
    );

    app.get(
      '/dead-letters',
      {
        config: { permission: 'devices.deadLetters.read' },
        schema: {
          tags,
          summary: 'Payloads ingest could not apply, with the reason, newest first',
          querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }),
          response: { 200: deadLetterListResponseSchema },
        },
      },
      async (req) => ({ items: await devices.readings.listDeadLetters(req.query.limit) }),
    );

    app.get(
      '/edges',
      { config: { permission: 'devices.read' }, schema: { tags, summary: 'Edge agents, their ack watermark and last status', response: { 200: edgeListResponseSchema } } },
      async () => ({ items: await devices.edges.list() }),
    );

    app.post(
      '/edges',
      {
        config: { permission: 'devices.edges.register' },
        schema: {
          tags,
          summary: 'Register an edge agent; answers its MQTT password once',
          body: z.object({ edgeId: segmentIdSchema, siteId: segmentIdSchema, name: z.string().min(1).max(200).optional() }),
          response: { 201: z.object({ edgeId: z.string(), siteId: z.string(), password: z.string() }) },
        },
      },
      async (req, reply) => reply.status(201).send(await devices.edges.create(req.body)),
    );

    app.get(
      '/devices/claims',
      {
        config: { permission: 'devices.read' },
        schema: { tags, summary: 'Devices a module claims, and the permission a command to each needs (others need "devices.command")', response: { 200: deviceClaimListSchema } },
      },
      async () => ({ items: devices.claims.list() }),
    );

    app.post(
      '/edges/:edgeId/devices/:deviceId/commands',
      {
        // any command permission passes the guard; the device's own (scoped) permission is checked next
        config: { permission: devices.claims.permissions() },
        schema: {
          tags,
          summary: 'Send a command to a device (barrier open/close, LED text); answered live on /devices "command:updated". A device a module claims (a gate lane\'s barrier) needs that module\'s permission',
          params: z.object({ edgeId: segmentIdSchema, deviceId: segmentIdSchema }),
          body: commandRequestSchema,
          response: { 202: commandDtoSchema },
        },
      },
      async (req, reply) => {
        const user = req.user!;
        devices.claims.check(user.role, req.params.edgeId, req.params.deviceId);
        const dto = await devices.commands.send(req.params.edgeId, req.params.deviceId, req.body, user.username);
        devices.logger.info({ commandId: dto.id, edgeId: dto.edgeId, deviceId: dto.deviceId, action: dto.action, by: user.username }, 'device command sent');
        return reply.status(202).send(dto);
      },
    );

    app.get(
      '/commands',
      {
        config: { permission: 'devices.commands.read' },
        schema: { tags, summary: 'Device commands, newest first', querystring: commandListQuerySchema, response: { 200: commandListResponseSchema } },
      },
      async (req) => ({ items: await devices.commands.list(req.query) }),
    );

    app.get(
      '/commands/:id',
      {
        config: { permission: 'devices.commands.read' },
        schema: { tags, summary: 'One device command and its answer', params: z.object({ id: z.string().max(128) }), response: { 200: commandDtoSchema } },
      },
      async (req) => {
        const c = await devices.commands.get(req.params.id);
        if (!c) throw new HubError('HUB_ERR_NOT_FOUND', `command "${req.params.id}" does not exist`);
        return c;
      },
    );
  };
