#!/usr/bin/env node
import { ConfigError, loadHubConfig } from './config.js';
import { BrokerPortInUseError } from './broker/embedded-broker.js';
import { startHub } from './hub.js';
import { createLogger } from './core/logger.js';

let config;
try {
  config = loadHubConfig();
} catch (e) {
  if (e instanceof ConfigError) {
    console.error(e.message);
    process.exit(2);
  }
  throw e;
}
const logger = createLogger(config.logLevel);
try {
  const hub = await startHub(config, { logger });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown took longer than 15 s; exiting');
      process.exit(1);
    }, 15_000);
    force.unref();
    hub.close().then(
      () => process.exit(0),
      (err: Error) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
} catch (err) {
  if (err instanceof BrokerPortInUseError) logger.fatal(err.message);
  else logger.fatal({ err }, 'hub failed to start');
  process.exit(1);
}
