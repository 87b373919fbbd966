import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { HubConfig } from './config.js';
import { createApp, type App } from './api/app.js';
import { startEmbeddedBroker } from './broker/embedded-broker.js';
import { connectHubLink } from './broker/hub-link.js';
import { systemClock, type Clock } from './core/clock.js';
import { DurableConsumer, FeedCursor } from './core/consumer.js';
import { openDb, type Db } from './core/db.js';
import { EventLog } from './core/event-log.js';
import { Lease } from './core/lease.js';
import { createLogger, type Logger } from './core/logger.js';
import { createRegistry } from './core/metrics.js';
import { migrate } from './core/migrate.js';
import type { EdgeLinkHooks, HubModule, ModuleContext } from './core/module.js';
import { randomSecret } from './core/secrets.js';
import { HUB_MODULES, type MODULES } from './modules/index.js';
import type { IdentityService } from './modules/identity/index.js';
import { RealtimeHub } from './realtime/realtime.js';

/** The built web UI beside this package (wms-ui/dist), used when http.uiDir is not set. */
export const DEFAULT_UI_DIR = fileURLToPath(new URL('../../wms-ui/dist', import.meta.url));

/** Each module's service, by module name. */
export type HubServices = { [M in (typeof MODULES)[number] as M['name']]: Awaited<ReturnType<M['create']>> };

export interface Hub {
  config: HubConfig;
  /** http://host:port of the API and UI */
  url: string;
  /** mqtt://host:port edges connect to */
  mqttUrl: string;
  db: Db;
  app: App;
  /** every module's service */
  modules: HubServices;
  events: EventLog;
  logger: Logger;
  /** graceful: stop intake, store what was received, close broker, HTTP and database */
  close(): Promise<void>;
}

export interface StartHubOptions {
  logger?: Logger;
  /** an opened database (tests share templates); closed by hub.close() */
  db?: Db;
  /** the hub's clock (tests, accelerated scenarios) */
  clock?: Clock;
}

/** Starts the hub: database and migrations, the modules, the broker and its link, HTTP, realtime. */
export async function startHub(config: HubConfig, opts: StartHubOptions = {}): Promise<Hub> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  const cleanups: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const c of cleanups.reverse()) await c().catch((err: Error) => logger.warn({ err: err.message }, 'shutdown step failed'));
  };
  try {
    const db = opts.db ?? (await openDb({ url: config.db.url, dataDir: config.db.dataDir, poolSize: config.db.poolSize }));
    cleanups.push(() => db.close());
    logger.info({ engine: db.engine, ...(db.engine === 'pglite' ? { dataDir: config.db.dataDir } : {}) }, 'database open');
    await migrate(db, HUB_MODULES.map((m) => ({ module: m.name, dir: m.migrations })), (msg) => logger.debug({ msg }, 'migrate'));
    if (config.demo) logger.warn('demo mode: demo users (password "cjp-demo") and the demo edges wh-1 and gate-1 exist; never use demo mode in production');

    // 1. The modules, each from core's parts and the services of those it uses.
    const clock = opts.clock ?? systemClock;
    const metrics = createRegistry();
    const events = new EventLog();
    const realtime = new RealtimeHub(logger.child({ part: 'realtime' }));
    const services: Record<string, unknown> = {};
    for (const m of HUB_MODULES) {
      const log = logger.child({ part: m.name });
      const ctx: ModuleContext = {
        db,
        logger: log,
        clock,
        demo: config.demo,
        topicPrefix: config.mqtt.topicPrefix,
        metrics,
        events,
        realtime,
        lease: (job) => new Lease(db, `${m.name}.${job}`),
        cursor: (o) => new FeedCursor({ consumer: m.name, ...o }),
        consumer: (o) => new DurableConsumer(db, log, { consumer: m.name, ...o }),
      };
      const moduleConfig = (config as unknown as Record<string, unknown>)[m.name];
      services[m.name] = await m.create(ctx, moduleConfig, services);
    }
    const each = <T>(fn: (m: HubModule, service: unknown) => T) => HUB_MODULES.map((m) => fn(m, services[m.name]));
    const [edge] = each((m, s) => m.edgeLink?.(s)).filter((x): x is EdgeLinkHooks => !!x);
    if (!edge) throw new Error('no module speaks the edge protocol (devices)');

    // 2. The broker (embedded unless an external one is configured) and the hub's link to it.
    let mqttUrl = config.mqtt.url;
    let hubUser = config.mqtt.username;
    let hubPass = config.mqtt.password;
    if (!mqttUrl) {
      hubUser = 'cjp-hub-internal';
      hubPass = config.mqtt.internalPassword ?? randomSecret(32); // by default it lives only in this process
      const broker = await startEmbeddedBroker({
        host: config.mqtt.host,
        port: config.mqtt.port,
        topicPrefix: config.mqtt.topicPrefix,
        hubUsername: hubUser,
        hubPassword: hubPass,
        verifyEdge: edge.verifyEdge,
        onDenied: edge.onDenied,
        logger: logger.child({ part: 'broker' }),
      });
      cleanups.push(() => broker.close());
      mqttUrl = broker.url;
    }
    const link = connectHubLink({
      url: mqttUrl,
      username: hubUser,
      password: hubPass,
      topicPrefix: config.mqtt.topicPrefix,
      // aedes has no shared subscriptions; the embedded broker serves one hub anyway
      sharedGroup: config.mqtt.url ? config.mqtt.sharedGroup : '',
      clientId: `cjp-hub-${randomUUID().slice(0, 8)}`,
      logger: logger.child({ part: 'mqtt' }),
      onMessage: edge.onMessage,
    });
    cleanups.push(async () => {
      // Stop intake first, then store what was already received, then let the link go.
      await edge.drain();
      await link.close();
    });
    await link.waitConnected(30_000);
    await edge.bind(link);

    // 3. HTTP (each module's routes) and socket.io (each module's channels).
    const identity = services.identity as IdentityService;
    const app = await createApp({
      config: { ...config, http: { ...config.http, uiDir: config.http.uiDir || DEFAULT_UI_DIR } },
      logger,
      authenticate: (token) => identity.authenticate(token),
      routes: each((m, s) => m.routes?.(s)).filter((r) => !!r),
      metrics,
      health: async () => {
        const checks: Record<string, string> = {};
        try {
          await db.query('select 1');
          checks.db = 'up';
        } catch (e) {
          checks.db = `down: ${(e as Error).message}`;
        }
        checks.broker = link.connected() ? 'up' : 'down';
        for (const c of each((m, s) => m.health?.(s))) Object.assign(checks, c);
        return { ready: checks.db === 'up' && checks.broker === 'up', checks };
      },
    });
    realtime.attach(app.server, (token) => identity.authenticate(token));

    // 4. The modules' jobs (timers, consumers, leases), stopped in reverse before the link goes.
    for (const m of HUB_MODULES) {
      await m.start?.(services[m.name]);
      if (m.stop) cleanups.push(() => m.stop!(services[m.name]));
    }
    // HTTP goes after intake stopped and the queue drained (cleanups run in reverse).
    cleanups.splice(1, 0, async () => {
      await realtime.close();
      await app.close();
    });
    await app.listen({ host: config.http.host, port: config.http.port });
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.http.port;
    const url = `http://${config.http.host === '0.0.0.0' || config.http.host === '::' ? '127.0.0.1' : config.http.host}:${port}`;
    logger.info({ url, mqttUrl, modules: HUB_MODULES.map((m) => m.name) }, 'hub ready');

    let closing: Promise<void> | null = null;
    return { config, url, mqttUrl, db, app, modules: services as HubServices, events, logger, close: () => (closing ??= closeAll()) };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
