export { startHub, type Hub, type HubServices, type StartHubOptions, DEFAULT_UI_DIR } from './hub.js';
export { loadHubConfig, parseHubConfig, ConfigError, type HubConfig, type HubConfigInput } from './config.js';
export { openDb, type Db, type Sql } from './core/db.js';
export { migrate, type MigrationSet } from './core/migrate.js';
export { createLogger } from './core/logger.js';
export { HUB_MODULES } from './modules/index.js';
export { DEMO_PASSWORD } from './modules/identity/index.js';
export { DEMO_EDGE, DEMO_GATE_EDGE } from './modules/devices/index.js';

import { HUB_MODULES } from './modules/index.js';
/** Every module's migrations, in order (migrate(db, MIGRATION_SETS) brings a database up to date). */
export const MIGRATION_SETS = HUB_MODULES.map((m) => ({ module: m.name, dir: m.migrations }));
