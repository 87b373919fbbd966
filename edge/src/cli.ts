#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { startEdgeAgent } from './agent.js';
import { EdgeConfigError, loadEdgeConfig } from './config.js';

const USAGE = `Usage: cjp-edge --config <edge.yaml>

Runs the Caojiapu Hub edge agent: reads the devices named in the config, keeps every reading
in a durable outbox and forwards it to the hub over MQTT.

Options:
  -c, --config <file>  edge configuration (YAML)
  -h, --help           show this help

Logs are JSON lines on stdout. Exit codes: 0 after SIGINT/SIGTERM, 1 on a runtime failure,
2 on bad usage or an invalid config.
`;

async function main(argv: string[]): Promise<number> {
  let args: { config?: string | undefined; help?: boolean | undefined };
  try {
    args = parseArgs({
      args: argv,
      options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    process.stderr.write(`cjp-edge: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (!args.config) {
    process.stderr.write(`cjp-edge: --config <file> is required\n\n${USAGE}`);
    return 2;
  }

  let config;
  try {
    config = loadEdgeConfig(args.config);
  } catch (err) {
    if (err instanceof EdgeConfigError) {
      process.stderr.write(`cjp-edge: ${err.message}\n`);
      return 2;
    }
    throw err;
  }

  // Synchronous writes so the last lines are not lost when the process exits.
  const logger = pino({ level: config.logLevel, name: 'cjp-edge', base: { site: config.site } }, pino.destination({ dest: 1, sync: true }));
  let agent;
  try {
    agent = await startEdgeAgent(config, { logger });
  } catch (err) {
    logger.fatal({ err: (err as Error).message }, 'edge agent could not start');
    return 1;
  }
  logger.info({ devices: config.devices.map((d) => d.id) }, 'edge agent started');

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        logger.warn({ signal }, 'second signal; exiting without waiting');
        resolve(1);
        return;
      }
      stopping = true;
      logger.info({ signal }, 'shutting down');
      agent.close().then(
        () => resolve(0),
        (err: unknown) => {
          logger.error({ err: (err as Error).message }, 'error while shutting down');
          resolve(1);
        },
      );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`cjp-edge: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
