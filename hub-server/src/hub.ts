import { randomUUID } from 'node:crypto';
import { liveMessageSchema, parseTopic } from '@cjp/contracts';
import { fileURLToPath } from 'node:url';
import type { HubConfig } from './config.js';
import { createApp, type App } from './api/app.js';
import { startEmbeddedBroker, type EmbeddedBroker } from './broker/embedded-broker.js';
import { connectHubLink, type HubLink } from './broker/hub-link.js';
import { openDb, type Db } from './db/db.js';
import { migrate } from './db/migrate.js';
import { createLogger, type Logger } from './logger.js';
import { createMetrics, type HubMetrics } from './metrics.js';
import { CommandService } from './modules/devices/commands.js';
import { IngestPipeline } from './modules/devices/ingest.js';
import { DevicesService } from './modules/devices/service.js';
import { NoteService } from './modules/gate/notes.js';
import { GateRegistry } from './modules/gate/registry.js';
import { GateService, type Clock } from './modules/gate/service.js';
import { IdentityService } from './modules/identity/service.js';
import { randomSecret } from './modules/identity/passwords.js';
import { createRealtime, type Realtime } from './realtime/realtime.js';

/** The built web UI beside this package (wms-ui/dist), used when http.uiDir is not set. */
export const DEFAULT_UI_DIR = fileURLToPath(new URL('../../wms-ui/dist', import.meta.url));

export interface Hub {
  config: HubConfig;
  /** http://host:port of the API and UI */
  url: string;
  /** mqtt://host:port edges connect to */
  mqttUrl: string;
  db: Db;
  app: App;
  identity: IdentityService;
  devices: DevicesService;
  ingest: IngestPipeline;
  commands: CommandService;
  gate: GateService;
  notes: NoteService;
  gateRegistry: GateRegistry;
  metrics: HubMetrics;
  logger: Logger;
  /** graceful: stop intake, store what was received, close broker, HTTP and database */
  close(): Promise<void>;
}

export interface StartHubOptions {
  logger?: Logger;
  /** an opened database (tests share templates); closed by hub.close() */
  db?: Db;
  /** the gate's clock (tests) */
  clock?: Clock;
}

/** Starts the whole hub: database and migrations, broker, ingest, HTTP API, realtime. */
export async function startHub(config: HubConfig, opts: StartHubOptions = {}): Promise<Hub> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  const metrics = createMetrics();
  const cleanups: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const c of cleanups.reverse()) await c().catch((err: Error) => logger.warn({ err: err.message }, 'shutdown step failed'));
  };
  try {
    const db = opts.db ?? (await openDb({ url: config.db.url, dataDir: config.db.dataDir, poolSize: config.db.poolSize }));
    cleanups.push(() => db.close());
    logger.info({ engine: db.engine, ...(db.engine === 'pglite' ? { dataDir: config.db.dataDir } : {}) }, 'database open');
    await migrate(db, (msg) => logger.debug({ msg }, 'migrate'));

    const identity = new IdentityService(db, { sessionTtlS: config.auth.sessionTtlS });
    const devices = new DevicesService(db);
    if (config.demo) {
      await identity.seedDemo();
      logger.warn('demo mode: demo users (password "cjp-demo") and the demo edges wh-1 and gate-1 exist; never use demo mode in production');
    }
    const gateRegistry = new GateRegistry(db);
    const notes = new NoteService(db);
    if (config.demo) await gateRegistry.seedDemo();
    await devices.markAllOffline();

    let realtime: Realtime | null = null;
    let link: HubLink | null = null;
    const commands = new CommandService(
      db,
      {
        publish: (siteId, edgeId, deviceId, message) =>
          link ? link.publishCommand(siteId, edgeId, deviceId, message) : Promise.reject(new Error('the broker link is not up yet')),
        onUpdate: (c) => realtime?.publishCommand(c),
      },
      logger.child({ part: 'commands' }),
    );
    const gate = new GateService(
      db,
      gateRegistry,
      notes,
      config.gate,
      {
        queueCommand: (tx, edgeId, deviceId, req, by) => commands.queue(tx, edgeId, deviceId, req, by),
        publishCommands: (ids) => commands.publishQueued(ids),
        onPassage: (p) => realtime?.publishPassage(p),
        onNote: (n) => realtime?.publishNote(n),
        onNotePassed: (e) => logger.info({ note: e.passportNo, vehicle: e.vehicleNo, complete: e.complete, rltNos: e.rltNos }, 'gate: release note passed'),
      },
      logger.child({ part: 'gate' }),
      opts.clock,
    );
    const ingest = new IngestPipeline(
      db,
      {
        publishAck: (siteId, edgeId, seq) => link?.publishAck(siteId, edgeId, seq),
        onAccepted: (events) => {
          realtime?.publishEvents(events);
          gate.kick();
        },
        onStatus: ({ edgeId, siteId, status }) => {
          realtime?.publishEdgeStatus({ edgeId, siteId, online: status.state === 'online', status });
          // an edge back online (or seen again after a hub restart) gets the commands queued for it
          if (status.state === 'online') void commands.flushQueued(edgeId).catch((err: Error) => logger.warn({ err: err.message, edgeId }, 'commands: flush failed'));
        },
        applyCommandAck: (sql, edgeId, ack, at) => commands.applyAck(sql, edgeId, ack, at),
        onCommands: (answered) => answered.forEach((c) => realtime?.publishCommand(c)),
      },
      { topicPrefix: config.mqtt.topicPrefix, batchSize: config.ingest.batchSize, maxQueue: config.ingest.maxQueue, logger: logger.child({ part: 'ingest' }), metrics },
    );

    // Broker: embedded unless an external one is configured.
    let broker: EmbeddedBroker | null = null;
    let mqttUrl: string;
    let hubUser: string | undefined = config.mqtt.username;
    let hubPass: string | undefined = config.mqtt.password;
    if (config.mqtt.url) {
      mqttUrl = config.mqtt.url;
    } else {
      hubUser = `cjp-hub-internal`;
      hubPass = config.mqtt.internalPassword ?? randomSecret(32); // by default it lives only in this process
      broker = await startEmbeddedBroker({
        host: config.mqtt.host,
        port: config.mqtt.port,
        topicPrefix: config.mqtt.topicPrefix,
        hubUsername: hubUser,
        hubPassword: hubPass,
        verifyEdge: (u, p) => identity.verifyEdge(u, p),
        onDenied: ({ edgeId, topic, payload, reason }) => void ingest.push({ topic, payload, rejectReason: reason, rejectEdgeId: edgeId }),
        logger: logger.child({ part: 'broker' }),
      });
      cleanups.push(() => broker!.close());
      mqttUrl = broker.url;
    }

    // Live values are for screens only: straight to socket.io, never through ingest or the database.
    // The broker's ACL guarantees the topic's edge is the publisher.
    const isLiveTopic = (topic: string) => topic.endsWith('/live');
    const relayLive = (topic: string, payload: Buffer) => {
      const t = parseTopic(topic, config.mqtt.topicPrefix);
      if (t?.channel !== 'live') return;
      try {
        const m = liveMessageSchema.safeParse(JSON.parse(payload.toString('utf8')));
        if (m.success) realtime?.publishLive({ edgeId: t.edge, siteId: t.site, ts: m.data.ts, devices: m.data.devices });
        else metrics.liveRejected.inc();
      } catch {
        metrics.liveRejected.inc();
      }
    };

    link = connectHubLink({
      url: mqttUrl,
      username: hubUser,
      password: hubPass,
      topicPrefix: config.mqtt.topicPrefix,
      // aedes has no shared subscriptions; the embedded broker serves one hub anyway
      sharedGroup: broker ? '' : config.mqtt.sharedGroup,
      clientId: `cjp-hub-${randomUUID().slice(0, 8)}`,
      logger: logger.child({ part: 'mqtt' }),
      onMessage: (topic, payload) => (isLiveTopic(topic) ? relayLive(topic, payload) : ingest.push({ topic, payload })),
    });
    const hubLink = link;
    cleanups.push(async () => {
      // Stop intake first, then store what was already received, then let the link go.
      ingest.stopIntake();
      await ingest.drained();
      await hubLink.close();
    });
    await link.waitConnected(30_000);
    // Retained acks tell edges where the hub stands, even after the embedded broker restarted.
    for (const a of await ingest.ackSnapshot()) link.publishAck(a.siteId, a.edgeId, a.seq);

    const app = await createApp({
      config: { ...config, http: { ...config.http, uiDir: config.http.uiDir || DEFAULT_UI_DIR } },
      logger,
      identity,
      devices,
      commands,
      gate,
      notes,
      gateRegistry,
      onNote: (n) => realtime?.publishNote(n),
      metrics,
      health: async () => {
        const checks: Record<string, string> = {};
        try {
          await db.query('select 1');
          checks.db = 'up';
        } catch (e) {
          checks.db = `down: ${(e as Error).message}`;
        }
        checks.broker = hubLink.connected() ? 'up' : 'down';
        checks.ingest = ingest.lastError ? `failing: ${ingest.lastError}` : 'ok';
        checks.gate = gate.lastError ? `failing: ${gate.lastError}` : gate.isLeader ? 'ok' : 'standby: another hub replica runs the gate';
        return { ready: checks.db === 'up' && checks.broker === 'up', checks };
      },
    });
    realtime = createRealtime(app.server, { identity, devices, currentPassages: () => gate.current(), logger: logger.child({ part: 'realtime' }) });
    commands.startSweeper();
    cleanups.push(async () => commands.stop());
    await gate.start({ leaseMs: config.gate.leaseMs });
    cleanups.push(() => gate.stop());
    const rt = realtime;
    cleanups.splice(1, 0, async () => {
      // HTTP goes after intake stopped and the queue drained (cleanups run in reverse).
      await rt.close();
      await app.close();
    });
    await app.listen({ host: config.http.host, port: config.http.port });
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.http.port;
    const url = `http://${config.http.host === '0.0.0.0' || config.http.host === '::' ? '127.0.0.1' : config.http.host}:${port}`;
    logger.info({ url, mqttUrl }, 'hub ready');

    let closing: Promise<void> | null = null;
    return {
      config,
      url,
      mqttUrl,
      db,
      app,
      identity,
      devices,
      ingest,
      commands,
      gate,
      notes,
      gateRegistry,
      metrics,
      logger,
      close: () => (closing ??= closeAll()),
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
