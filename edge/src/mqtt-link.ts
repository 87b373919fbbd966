import { connect, ErrorWithReasonCode, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { topics, type DeviceHealth, type LiveMessage, type OutboxHealth, type StatusMessage } from '@cjp/contracts';
import { Backoff } from './backoff.js';
import type { EdgeConfig } from './config.js';
import { CommandInbox, type CommandHandler } from './mqtt-commands.js';
import { OutboxPublisher, type LinkConnection } from './outbox-publisher.js';
import type { Outbox } from './outbox.js';

export type { CommandHandler } from './mqtt-commands.js';

export type LinkState = 'connecting' | 'connected' | 'disconnected';

/** The broker connection as the edge sees it. */
export interface LinkHealth {
  state: LinkState;
  /** why the last connection attempt failed or the connection dropped, kept after reconnecting */
  lastError: string | null;
  connectedAt: string | null;
  /** failed connection attempts since the last good connection */
  failedAttempts: number;
}

export interface MqttLinkOptions {
  site: string;
  edgeId: string;
  broker: EdgeConfig['broker'];
  resendAfterMs: number;
  outbox: Outbox;
  logger: Logger;
  devices: () => DeviceHealth[];
  /** the outbox's health as reported in the status (default: the outbox's own) */
  outboxHealth?: () => OutboxHealth;
  onCommand: CommandHandler;
  version?: string;
  random?: () => number;
}

// v3.1.1 CONNACK return codes (MQTT 5 reason codes 0x86/0x87 mean the same).
const REFUSED_CREDENTIALS = new Set([4, 5, 0x86, 0x87]);
/** While readings flow, the retained status (readings, last reading) is refreshed this often, ms. */
const ACTIVITY_STATUS_MS = 5000;

/**
 * The edge's MQTT session: publishes the outbox in seq order with a bounded in-flight window,
 * trims on the hub's ack, replays what is unacked (OutboxPublisher), answers commands
 * (CommandInbox) and keeps the retained status. MQTT.js' own reconnect is off (it resends in
 * lockstep and queues in memory); this class reconnects with capped exponential backoff and full
 * jitter, and the publisher replays from the outbox.
 */
export class MqttLink {
  private readonly t;
  private readonly ackTopic: string;
  private readonly cmdPrefix: string;
  private readonly statusTopic: string;
  private readonly backoff: Backoff;
  private readonly log: Logger;

  /** the current connection, shared with the publisher (which reads it, never writes it) */
  private readonly conn: LinkConnection = { client: null, generation: 0, connected: false, ready: false };
  private closing = false;
  private state: LinkState = 'disconnected';
  private lastError: string | null = null;
  private connectedAt: string | null = null;

  private reconnectTimer: NodeJS.Timeout | null = null;
  private stableTimer: NodeJS.Timeout | null = null;
  private statusTimer: NodeJS.Timeout | null = null;
  private statusScheduled = false;
  private lastStatusAt = 0;
  private activityTimer: NodeJS.Timeout | null = null;
  private readonly commands: CommandInbox;
  private readonly publisher: OutboxPublisher;

  constructor(private readonly opts: MqttLinkOptions) {
    this.t = topics(opts.broker.topicPrefix);
    this.ackTopic = this.t.ack(opts.site, opts.edgeId);
    this.cmdPrefix = this.t.edgeRoot(opts.site, opts.edgeId) + '/cmd/';
    this.statusTopic = this.t.status(opts.site, opts.edgeId);
    this.backoff = new Backoff(opts.broker.reconnectBaseMs, opts.broker.reconnectMaxMs, opts.random);
    this.log = opts.logger.child({ component: 'mqtt-link', broker: redactUrl(opts.broker.url) });
    this.commands = new CommandInbox({
      log: this.log,
      onCommand: opts.onCommand,
      publish: (ack, done) => {
        const client = this.conn.client;
        if (!client || !this.conn.connected || !this.conn.ready) return false;
        client.publish(this.t.cmdack(opts.site, opts.edgeId), JSON.stringify(ack), { qos: 1 }, done);
        return true;
      },
    });
    this.publisher = new OutboxPublisher({
      outbox: opts.outbox,
      maxInFlight: opts.broker.maxInFlight,
      resendAfterMs: opts.resendAfterMs,
      topicOf: (row) => this.t.evt(opts.site, opts.edgeId, row.kind, row.deviceId),
      connection: this.conn,
      log: this.log,
      onPuback: () => this.backoff.reset(),
      onRefused: (message) => (this.lastError = message),
      onRenumbered: () => this.requestStatus(),
    });
  }

  start(): void {
    this.connect();
  }

  /** New rows are in the outbox. */
  notify(): void {
    this.publisher.notify();
  }

  /** Re-publish the retained status soon (coalesced). */
  requestStatus(): void {
    if (this.statusScheduled) return;
    this.statusScheduled = true;
    setImmediate(() => {
      this.statusScheduled = false;
      this.publishStatus();
    });
  }

  /** Readings changed the devices' counters: refresh the status, at most every ACTIVITY_STATUS_MS. */
  requestActivityStatus(): void {
    if (this.activityTimer || this.closing) return;
    this.activityTimer = setTimeout(
      () => {
        this.activityTimer = null;
        this.publishStatus();
      },
      Math.max(0, this.lastStatusAt + ACTIVITY_STATUS_MS - Date.now()),
    );
  }

  health(): LinkHealth {
    return { state: this.state, lastError: this.lastError, connectedAt: this.connectedAt, failedAttempts: this.backoff.failures };
  }

  /**
   * Resolves true once every outbox row has been published and PUBACKed by the broker, false when
   * that did not happen within `timeoutMs` or the link is down.
   */
  flush(timeoutMs: number): Promise<boolean> {
    return this.publisher.flush(timeoutMs);
  }

  /** Publishes the retained offline status and disconnects cleanly (so the broker sends no will). */
  async close(): Promise<void> {
    this.closing = true;
    this.clearTimers();
    const client = this.conn.client;
    this.conn.client = null;
    if (!client) return;
    const wasConnected = this.conn.connected;
    if (wasConnected) {
      await withTimeout(
        new Promise<void>((resolve) =>
          client.publish(this.statusTopic, JSON.stringify(this.offlineStatus()), { qos: 1, retain: true }, () => resolve()),
        ),
        1000,
      );
    }
    this.conn.connected = this.conn.ready = false;
    this.connectedAt = null;
    // A clean DISCONNECT tells the broker not to send the will; we already said we are offline.
    const ended = await withTimeout(new Promise<void>((resolve) => client.end(!wasConnected, () => resolve())), 1000);
    if (!ended) client.end(true);
    this.setState('disconnected');
    this.publisher.wakeWaiters();
  }

  private connect(): void {
    if (this.closing) return;
    const gen = ++this.conn.generation;
    const { broker, edgeId } = this.opts;
    this.setState('connecting');
    const client = connect(broker.url, {
      clientId: `edge-${edgeId}`,
      username: broker.username,
      ...(broker.password !== undefined ? { password: broker.password } : {}),
      protocolVersion: 4,
      clean: true,
      keepalive: broker.keepaliveS,
      connectTimeout: broker.connectTimeoutMs,
      reconnectPeriod: 0,
      resubscribe: false,
      will: { topic: this.statusTopic, payload: Buffer.from(JSON.stringify(this.offlineStatus())), qos: 1, retain: true },
    });
    this.conn.client = client;
    client.on('connect', () => this.onConnect(client, gen));
    client.on('message', (topic, payload) => {
      if (gen === this.conn.generation) this.onMessage(topic, payload);
    });
    client.on('error', (err) => {
      if (gen === this.conn.generation) this.onError(err);
    });
    client.on('close', () => this.onClose(client, gen));
  }

  private onConnect(client: MqttClient, gen: number): void {
    if (gen !== this.conn.generation || this.closing) return;
    this.conn.connected = true;
    this.conn.ready = false;
    this.publisher.onConnect();
    // Readings and command answers are small packets: send each at once, not after the ACK of the
    // previous one (Nagle with Linux's delayed ACK adds up to 40 ms at the gate).
    (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
    this.connectedAt = new Date().toISOString();
    this.setState('connected');
    this.log.info({ clientId: `edge-${this.opts.edgeId}` }, 'connected to broker');
    // A connection that stays up proves the settings work; a broker that drops us at once must not cause a tight loop.
    this.stableTimer = setTimeout(() => this.backoff.reset(), 10_000);
    this.statusTimer = setInterval(() => this.publishStatus(), this.opts.broker.statusIntervalS * 1000);
    client.subscribe({ [this.ackTopic]: { qos: 1 }, [this.cmdPrefix + '+']: { qos: 1 } }, (err, granted) => {
      if (gen !== this.conn.generation || !this.conn.connected) return;
      const refused = granted?.filter((g) => g.qos === 128).map((g) => g.topic) ?? [];
      if (err || refused.length) {
        this.log.error({ err: err?.message, refused }, 'broker refused our subscriptions; acks and commands will not arrive');
      }
      this.conn.ready = true;
      // Online only once acks and commands can reach us.
      this.publishStatus();
      this.commands.resendPending();
      this.publisher.onReady();
    });
  }

  private onError(err: Error): void {
    this.lastError = err.message;
    if (err instanceof ErrorWithReasonCode && REFUSED_CREDENTIALS.has(err.code)) {
      this.log.error(
        { err: err.message, code: err.code, username: this.opts.broker.username },
        'broker refused the connection: check broker.username and broker.password; retrying',
      );
    } else {
      this.log.warn({ err: err.message }, 'MQTT connection error');
    }
  }

  private onClose(client: MqttClient, gen: number): void {
    // Stale clients may still emit; keep an error listener so they cannot crash the process.
    client.removeAllListeners('message');
    client.removeAllListeners('connect');
    if (gen !== this.conn.generation) return;
    const wasConnected = this.conn.connected;
    this.conn.connected = this.conn.ready = false;
    this.connectedAt = null;
    this.conn.client = null;
    this.clearConnectionTimers();
    const refusedPublish = this.publisher.onDisconnect(wasConnected);
    if (this.closing) return;
    client.end(true);
    this.setState('disconnected');
    const delay = this.backoff.next();
    if (refusedPublish) {
      this.lastError = 'the broker closed the connection before acknowledging any event; it may refuse our publishes (ACL)';
      this.log.error(
        { retryInMs: delay, topics: `${this.t.edgeRoot(this.opts.site, this.opts.edgeId)}/evt/#` },
        'broker closed the connection before acknowledging any event: it may refuse our publishes; check the edge\'s topic permissions',
      );
    } else if (wasConnected) this.log.warn({ retryInMs: delay, err: this.lastError }, 'lost the broker connection; reconnecting');
    else this.log.debug({ retryInMs: delay, err: this.lastError }, 'broker connection attempt failed');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, delay);
  }

  private publishStatus(): void {
    const client = this.conn.client;
    if (!client || !this.conn.connected) return;
    this.lastStatusAt = Date.now();
    const status: StatusMessage = {
      edgeId: this.opts.edgeId,
      state: 'online',
      ts: new Date().toISOString(),
      ...(this.opts.version ? { version: this.opts.version } : {}),
      outboxDepth: this.opts.outbox.depth(),
      lastSeq: this.opts.outbox.lastSeq,
      ackedSeq: this.opts.outbox.ackedSeq,
      outbox: this.opts.outboxHealth ? this.opts.outboxHealth() : this.opts.outbox.health(),
      devices: this.opts.devices(),
    };
    client.publish(this.statusTopic, JSON.stringify(status), { qos: 1, retain: true }, (err) => {
      if (err) this.log.warn({ err: err.message }, 'status not published');
    });
  }

  private offlineStatus(): StatusMessage {
    return { edgeId: this.opts.edgeId, state: 'offline', ts: new Date().toISOString(), devices: [] };
  }

  private onMessage(topic: string, payload: Buffer): void {
    if (topic === this.ackTopic) this.publisher.onAck(payload);
    else if (topic.startsWith(this.cmdPrefix)) void this.commands.handle(topic.slice(this.cmdPrefix.length), payload);
  }

  /** Devices' live values for screens: QoS 0, dropped while disconnected (the next one follows). */
  publishLive(message: LiveMessage): void {
    const client = this.conn.client;
    if (!client || !this.conn.connected || !this.conn.ready) return;
    client.publish(this.t.live(this.opts.site, this.opts.edgeId), JSON.stringify(message), { qos: 0 });
  }

  private setState(state: LinkState): void {
    this.state = state;
  }

  private clearConnectionTimers(): void {
    if (this.stableTimer) clearTimeout(this.stableTimer);
    if (this.statusTimer) clearInterval(this.statusTimer);
    this.stableTimer = this.statusTimer = null;
    this.publisher.stop();
  }

  private clearTimers(): void {
    this.clearConnectionTimers();
    if (this.activityTimer) clearTimeout(this.activityTimer);
    this.activityTimer = null;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
  }
}

/** Resolves true if `p` settled within `ms`. */
async function withTimeout(p: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([p.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
