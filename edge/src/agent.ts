import { readFileSync } from 'node:fs';
import { pino, type Logger } from 'pino';
import { eventDataSchemas, formatIssues, type DeviceHealth, type EventKind, type LiveValues, type OutboxHealth } from '@cjp/contracts';
import type { z } from 'zod';
import type { EdgeConfig } from './config.js';
import type { Device } from './device.js';
import { createDevice, type DeviceFactoryOptions } from './drivers/index.js';
import { startEdgeHttpServer } from './http-server.js';
import { createEdgeMetrics } from './metrics.js';
import { MqttLink, type LinkHealth } from './mqtt-link.js';
import { Outbox } from './outbox.js';
import type { DeviceReading, SubmitResult } from './reading.js';
import { WarnThrottle } from './warn-throttle.js';

export interface EdgeAgentOptions extends DeviceFactoryOptions {
  logger?: Logger;
  /** the time stamped on readings; defaults to the system clock */
  now?: () => Date;
}

export interface EdgeHealth {
  edgeId: string;
  broker: LinkHealth;
  outboxDepth: number;
  outbox: OutboxHealth;
  /** last seq assigned to a reading (0 before the first) */
  lastSeq: number;
  devices: DeviceHealth[];
}

export interface EdgeAgent {
  readonly config: EdgeConfig;
  health(): EdgeHealth;
  /** Readings waiting in the outbox for the hub's ack. */
  outboxDepth(): number;
  /** the edge's HTTP server port (/metrics, /healthz, cameras); null without an `http:` section */
  readonly httpPort: number | null;
  /** Stops devices, flushes what it can (~2 s), publishes the offline status, closes the outbox. */
  close(): Promise<void>;
}

const FLUSH_ON_CLOSE_MS = 2000;

/** Wires devices → outbox → MQTT link and starts them; returns without waiting for the broker. */
export async function startEdgeAgent(config: EdgeConfig, opts: EdgeAgentOptions = {}): Promise<EdgeAgent> {
  const logger = (opts.logger ?? pino({ name: 'cjp-edge' })).child({ edgeId: config.edgeId });
  const now = opts.now ?? (() => new Date());
  const outbox = Outbox.open(config.outbox.path, config.edgeId, { maxBytes: config.outbox.maxBytes, maxAgeS: config.outbox.maxAgeS });
  logger.info({ outbox: config.outbox.path, depth: outbox.depth(), lastSeq: outbox.lastSeq, bytes: outbox.bytes }, 'outbox opened');

  const devices = new Map<string, Device>();
  let link: MqttLink | null = null;
  const outboxHealth = alarmingOutboxHealth(outbox, logger, () => link?.requestStatus());

  const submit = (reading: DeviceReading): SubmitResult => {
    const schema = (eventDataSchemas as Partial<Record<EventKind, z.ZodType>>)[reading.kind];
    const checked = schema?.safeParse(reading.data);
    if (checked && !checked.success) return { ok: false, error: `${reading.kind} data: ${formatIssues(checked.error)}` };
    try {
      const envelope = outbox.append(reading);
      outboxHealth.onAppend();
      link?.notify();
      link?.requestActivityStatus();
      return { ok: true, seq: envelope.seq };
    } catch (err) {
      outboxHealth.onRefused(reading.deviceId, (err as Error).message);
      return { ok: false, error: (err as Error).message };
    }
  };

  // Live values: coalesced, at most one message per liveIntervalMs (screens only, QoS 0).
  let liveTimer: NodeJS.Timeout | null = null;
  let lastLiveAt = 0;
  const publishLive = () => {
    liveTimer = null;
    lastLiveAt = Date.now();
    const values: Record<string, LiveValues> = {};
    for (const d of devices.values()) {
      const live = d.health().live;
      if (live) values[d.id] = live;
    }
    if (Object.keys(values).length) link?.publishLive({ ts: now().toISOString(), devices: values });
  };
  const onLive = () => {
    if (liveTimer || config.liveIntervalMs === 0) return;
    liveTimer = setTimeout(publishLive, Math.max(0, lastLiveAt + config.liveIntervalMs - Date.now()));
  };

  const health = (): EdgeHealth => ({
    edgeId: config.edgeId,
    broker: link?.health() ?? { state: 'disconnected', lastError: null, connectedAt: null, failedAttempts: 0 },
    outboxDepth: depth(),
    outbox: outboxHealth.get(),
    lastSeq: outbox.lastSeq,
    devices: [...devices.values()].map((d) => d.health()),
  });
  let finalDepth = 0;
  const depth = () => (outbox.isOpen ? outbox.depth() : finalDepth);

  const metrics = createEdgeMetrics({
    edgeId: config.edgeId,
    broker: () => health().broker,
    outbox: () => outboxHealth.get(),
    devices: () => [...devices.values()].map((d) => d.health()),
  });
  let http: Awaited<ReturnType<typeof startEdgeHttpServer>> | null = null;
  if (config.http) {
    try {
      http = await startEdgeHttpServer({
        host: config.http.host,
        port: config.http.port,
        maxBodyBytes: config.http.maxBodyBytes,
        logger: logger.child({ component: 'http' }),
        metrics: () => metrics.render(),
        health: () => health(),
        metricsToken: config.http.metricsToken,
      });
      logger.info({ host: config.http.host, port: http.port }, 'edge HTTP server listening (/metrics, /healthz, cameras)');
    } catch (err) {
      outbox.close();
      throw new Error(`edge HTTP server cannot listen on ${config.http.host}:${config.http.port}: ${(err as Error).message}`);
    }
  }

  try {
    for (const dc of config.devices) {
      const device = createDevice(
        dc,
        {
          sink: { submit },
          logger,
          now,
          onStateChange: () => link?.requestStatus(),
          onLive,
          ...(http ? { http: http.routes } : {}),
        },
        opts.openSerialPort ? { openSerialPort: opts.openSerialPort } : {},
      );
      devices.set(device.id, device);
    }
    link = new MqttLink({
      site: config.site,
      edgeId: config.edgeId,
      broker: config.broker,
      resendAfterMs: config.outbox.resendAfterMs,
      outbox,
      logger,
      devices: () => [...devices.values()].map((d) => d.health()),
      outboxHealth: () => outboxHealth.get(),
      // The link has already refused expired and repeated commands.
      onCommand: async (deviceId, cmd) => {
        const device = devices.get(deviceId);
        if (!device) return { ok: false, error: `no such device "${deviceId}"` };
        if (!device.command) return { ok: false, error: `device "${deviceId}" (${device.driver}) takes no commands` };
        return device.command(cmd.action, cmd.args, new Date(cmd.expiresAt));
      },
      version: packageVersion(),
    });
  } catch (err) {
    await http?.close();
    outbox.close();
    throw err;
  }

  link.start();
  for (const d of devices.values()) d.start();
  const running = link;

  let closing: Promise<void> | null = null;

  return {
    config,
    health,
    outboxDepth: depth,
    httpPort: http?.port ?? null,
    close() {
      closing ??= (async () => {
        if (liveTimer) clearTimeout(liveTimer);
        await http?.close();
        await Promise.all([...devices.values()].map((d) => d.close()));
        const flushed = await running.flush(FLUSH_ON_CLOSE_MS);
        await running.close();
        finalDepth = outbox.depth();
        outbox.close();
        logger.info({ flushed, outboxDepth: finalDepth }, 'edge agent stopped');
      })();
      return closing;
    },
  };
}

/**
 * The outbox's health with its alarm: crossing into warning or full is logged as an error (once
 * per crossing, and every minute while it lasts) and pushes a fresh status to the hub.
 */
function alarmingOutboxHealth(outbox: Outbox, logger: Logger, statusNow: () => void) {
  let last: OutboxHealth | null = null;
  let lastAlarmAt = 0;
  const refusals = new WarnThrottle(10_000);
  const get = (): OutboxHealth => {
    if (!outbox.isOpen && last) return last;
    const h = outbox.health();
    const changed = last?.level !== h.level;
    if (h.level !== 'ok' && (changed || Date.now() - lastAlarmAt > 60_000)) {
      lastAlarmAt = Date.now();
      logger.error(
        { outbox: h },
        h.level === 'full'
          ? 'OUTBOX FULL: the hub has not acked for too long; new readings are refused (never dropped silently) until it does'
          : 'outbox above 80 % of its bound: the hub is not acking; readings will be refused when it is full',
      );
    } else if (changed && last && h.level === 'ok') logger.info({ outbox: h }, 'outbox back within its bounds');
    if (changed && last) statusNow();
    last = h;
    return h;
  };
  let appends = 0;
  return {
    get,
    /** checking the level costs a query: every 100th append is enough between status messages */
    onAppend() {
      if (++appends % 100 === 0) get();
    },
    onRefused(deviceId: string, reason: string) {
      const refused = refusals.hit(Date.now());
      if (refused !== null) logger.error({ deviceId, refused, reason }, 'reading refused by the outbox');
      get();
    },
  };
}

let cachedVersion: string | undefined | null;
function packageVersion(): string | undefined {
  if (cachedVersion === undefined) {
    try {
      // ../package.json from both src/ and dist/
      const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
      cachedVersion = typeof pkg.version === 'string' ? pkg.version : null;
    } catch {
      cachedVersion = null;
    }
  }
  return cachedVersion ?? undefined;
}
