import { fileURLToPath } from 'node:url';
import { defineModule } from '../../core/module.js';
import type { IdentityService } from '../identity/index.js';
import { devicesConfigSchema, type DevicesConfig } from './config.js';
import { devicesRoutes } from './routes.js';
import { createDevicesService } from './service.js';

export type { DevicesService } from './service.js';
export type { StoredEvent } from './feed.js';
export { DEMO_EDGE, DEMO_GATE_EDGE } from './edges.js';

export const devicesModule = defineModule({
  name: 'devices',
  summary: 'owns edges (credentials, watermarks, status), events, dead letters, device commands; publishes the devices.events feed and /devices; consumes nothing',
  config: devicesConfigSchema,
  migrations: fileURLToPath(new URL('./migrations', import.meta.url)),
  publishes: ['devices.events', 'socket.io /devices'],
  uses: ['identity'],
  create: (ctx, config: DevicesConfig, deps: { identity: IdentityService }) => createDevicesService(ctx, config, (siteId) => deps.identity.siteExists(siteId)),
  routes: (devices) => devicesRoutes(devices),
  edgeLink: (devices) => devices.link,
  async start(devices) {
    devices.commands.startSweeper();
  },
  async stop(devices) {
    devices.commands.stop();
  },
  health: (devices) => devices.health(),
});
