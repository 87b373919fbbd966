import { fileURLToPath } from 'node:url';
import { defineModule } from '../../core/module.js';
import { identityConfigSchema, type IdentityConfig } from './config.js';
import { identityRoutes } from './routes.js';
import { IdentityService } from './service.js';

export { IdentityService, DEMO_PASSWORD, DEMO_SITE, DEMO_TENANT, type Principal } from './service.js';

export const identityModule = defineModule({
  name: 'identity',
  summary: 'owns sites, enterprise tenants, users and sessions; publishes nothing; consumes nothing',
  config: identityConfigSchema,
  migrations: fileURLToPath(new URL('./migrations', import.meta.url)),
  async create(ctx, config: IdentityConfig) {
    const identity = new IdentityService(ctx.db, { sessionTtlS: config.sessionTtlS, clock: ctx.clock });
    if (ctx.demo) await identity.seedDemo();
    return identity;
  },
  routes: (identity) => identityRoutes(identity),
});
