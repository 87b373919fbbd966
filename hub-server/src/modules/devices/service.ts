import {
  DEVICE_EVENTS,
  NAMESPACES,
  liveMessageSchema,
  parseTopic,
  type CommandDto,
  type DevicesServerToClient,
  type EdgeStatusUpdate,
} from '@cjp/contracts';
import { FeedSignal, type EventFeed } from '../../core/feed.js';
import type { EdgeLink, EdgeLinkHooks, ModuleContext } from '../../core/module.js';
import { DeviceClaims } from './claims.js';
import { CommandService } from './commands.js';
import type { DevicesConfig } from './config.js';
import { EdgeRegistry } from './edges.js';
import { deviceEventFeed, type StoredEvent } from './feed.js';
import { IngestPipeline } from './ingest.js';
import { createIngestMetrics } from './metrics.js';
import { DeviceReadings } from './readings.js';

/** What the devices module offers the others. */
export interface DevicesService {
  edges: EdgeRegistry;
  readings: DeviceReadings;
  ingest: IngestPipeline;
  commands: CommandService;
  claims: DeviceClaims;
  /** "devices.events": every accepted device event, in the order stored */
  feed: EventFeed<StoredEvent>;
  /** the hub side of the edge protocol (MQTT) */
  link: EdgeLinkHooks;
  logger: ModuleContext['logger'];
  health(): Record<string, string>;
}

/**
 * Builds the devices module: edges and their credentials, ingest (events exactly once, dead
 * letters), commands, the device feed for other modules and the /devices realtime channel.
 */
export async function createDevicesService(ctx: ModuleContext, config: DevicesConfig, siteExists: (siteId: string) => Promise<boolean>): Promise<DevicesService> {
  const { db, logger } = ctx;
  const edges = new EdgeRegistry(db, siteExists);
  if (ctx.demo) await edges.seedDemo();
  await edges.markAllOffline();

  const channel = ctx.realtime.channel<DevicesServerToClient>({
    namespace: NAMESPACES.devices,
    permission: 'devices.read',
    async onJoin(socket) {
      for (const e of await edges.list())
        socket.emit(DEVICE_EVENTS.edgeStatus, { edgeId: e.edgeId, siteId: e.siteId, online: e.online, status: (e.status as EdgeStatusUpdate['status']) ?? null });
    },
  });
  const publishCommand = (c: CommandDto) => channel.emit(DEVICE_EVENTS.command, c);

  // The broker link comes up after the modules are built (it needs verifyEdge): until then,
  // publishing fails and says so.
  let link: EdgeLink | null = null;
  const commands = new CommandService(
    db,
    {
      publish: (siteId, edgeId, deviceId, message) => (link ? link.publishCommand(siteId, edgeId, deviceId, message) : Promise.reject(new Error('the broker link is not up yet'))),
      onUpdate: publishCommand,
    },
    logger.child({ part: 'commands' }),
    ctx.clock,
  );
  const signal = new FeedSignal();
  const metrics = createIngestMetrics(ctx.metrics);
  const ingest = new IngestPipeline(
    db,
    {
      publishAck: (siteId, edgeId, seq) => link?.publishAck(siteId, edgeId, seq),
      onAccepted: (events) => {
        for (const e of events) channel.emit(DEVICE_EVENTS.accepted, e);
        signal.notify();
      },
      onStatus: ({ edgeId, siteId, status }) => {
        channel.emit(DEVICE_EVENTS.edgeStatus, { edgeId, siteId, online: status.state === 'online', status });
        // an edge back online (or seen again after a hub restart) gets the commands queued for it
        if (status.state === 'online') void commands.flushQueued(edgeId).catch((err: Error) => logger.warn({ err: err.message, edgeId }, 'commands: flush failed'));
      },
      applyCommandAck: (sql, edgeId, ack, at) => commands.applyAck(sql, edgeId, ack, at),
      onCommands: (answered) => answered.forEach(publishCommand),
    },
    { topicPrefix: ctx.topicPrefix, batchSize: config.ingest.batchSize, maxQueue: config.ingest.maxQueue, logger: logger.child({ part: 'ingest' }), metrics },
  );

  // Live values are for screens only: straight to socket.io, never through ingest or the database.
  // The broker's ACL guarantees the topic's edge is the publisher.
  const relayLive = (topic: string, payload: Buffer) => {
    const t = parseTopic(topic, ctx.topicPrefix);
    if (t?.channel !== 'live') return;
    try {
      const m = liveMessageSchema.safeParse(JSON.parse(payload.toString('utf8')));
      if (m.success) channel.volatile(DEVICE_EVENTS.live, { edgeId: t.edge, siteId: t.site, ts: m.data.ts, devices: m.data.devices });
      else metrics.liveRejected.inc();
    } catch {
      metrics.liveRejected.inc();
    }
  };

  return {
    logger,
    edges,
    readings: new DeviceReadings(db),
    ingest,
    commands,
    claims: new DeviceClaims(),
    feed: deviceEventFeed(signal),
    link: {
      verifyEdge: (u, p) => edges.verify(u, p),
      onDenied: ({ edgeId, topic, payload, reason }) => void ingest.push({ topic, payload, rejectReason: reason, rejectEdgeId: edgeId }),
      onMessage: (topic, payload) => (topic.endsWith('/live') ? relayLive(topic, payload) : ingest.push({ topic, payload })),
      async bind(l) {
        link = l;
        // Retained acks tell edges where the hub stands, even after the embedded broker restarted.
        for (const a of await edges.ackSnapshot()) l.publishAck(a.siteId, a.edgeId, a.seq);
      },
      async drain() {
        // Stop intake first, then store what was already received.
        ingest.stopIntake();
        await ingest.drained();
      },
    },
    health: () => ({ ingest: ingest.lastError ? `failing: ${ingest.lastError}` : 'ok' }),
  };
}
