import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { HubConfig } from '../config.js';

export const uiConfigRoutes =
  (config: HubConfig): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/ui-config',
      {
        schema: {
          tags: ['ui'],
          summary: 'Settings the web UI needs (map centre, optional tile server)',
          response: {
            200: z.object({
              map: z.object({ center: z.tuple([z.number(), z.number()]), zoom: z.number(), tileUrl: z.string().nullable(), tileAttribution: z.string().nullable() }),
            }),
          },
        },
      },
      async () => ({ map: { ...config.map, center: [...config.map.center] as [number, number] } }),
    );
  };
