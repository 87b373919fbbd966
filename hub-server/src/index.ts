export { startHub, type Hub, type StartHubOptions, DEFAULT_UI_DIR } from './hub.js';
export { loadHubConfig, parseHubConfig, ConfigError, type HubConfig, type HubConfigInput } from './config.js';
export { openDb, type Db, type Sql } from './db/db.js';
export { migrate, MIGRATIONS_DIR } from './db/migrate.js';
export { createLogger } from './logger.js';
export { DEMO_EDGE, DEMO_GATE_EDGE, DEMO_PASSWORD } from './modules/identity/service.js';
