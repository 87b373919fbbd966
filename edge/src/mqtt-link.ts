import { connect, ErrorWithReasonCode, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import {
  ackMessageSchema,
  commandMessageSchema,
  formatIssues,
  topics,
  type CommandAck,
  type CommandMessage,
  type DeviceHealth,
  type LiveMessage,
  type OutboxHealth,
  type StatusMessage,
} from '@cjp/contracts';
import { Backoff } from './backoff.js';
import type { EdgeConfig } from './config.js';
import type { Outbox } from './outbox.js';

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

export type CommandHandler = (deviceId: string, command: CommandMessage) => Promise<Omit<CommandAck, 'id'>>;

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
const PUMP_BATCH = 64;
/** command ids remembered against redelivery, and answers kept while disconnected */
const MAX_REMEMBERED_COMMANDS = 1000;
/** While readings flow, the retained status (readings, last reading) is refreshed this often, ms. */
const ACTIVITY_STATUS_MS = 5000;

/**
 * The edge's MQTT session: publishes the outbox in seq order with a bounded in-flight window,
 * trims on the hub's ack, replays what is unacked, answers commands and keeps the retained status.
 * MQTT.js' own reconnect is off (it resends in lockstep and queues in memory); this class
 * reconnects with capped exponential backoff and full jitter and replays from the outbox.
 */
export class MqttLink {
  private readonly t;
  private readonly ackTopic: string;
  private readonly cmdPrefix: string;
  private readonly statusTopic: string;
  private readonly backoff: Backoff;
  private readonly log: Logger;

  private client: MqttClient | null = null;
  private generation = 0;
  private connected = false;
  /** subscribed and replaying: the cursor belongs to this connection */
  private ready = false;
  private closing = false;
  private state: LinkState = 'disconnected';
  private lastError: string | null = null;
  private connectedAt: string | null = null;

  /** highest seq published on this connection */
  private cursor = 0;
  private inFlight = 0;
  private pubacks = 0;
  private pumping = false;
  private pumpScheduled = false;
  /** last ack progress, or when publishing resumed after everything was acked */
  private progressAt = Date.now();
  /** re-sends since the last ack progress */
  private resendStreak = 0;

  private reconnectTimer: NodeJS.Timeout | null = null;
  private stableTimer: NodeJS.Timeout | null = null;
  private statusTimer: NodeJS.Timeout | null = null;
  private resendTimer: NodeJS.Timeout | null = null;
  private statusScheduled = false;
  private lastStatusAt = 0;
  private activityTimer: NodeJS.Timeout | null = null;
  private readonly idleWaiters = new Set<() => void>();
  /** command answers waiting for a connection (bounded): an answer must reach the hub */
  private pendingReplies: CommandAck[] = [];
  /** recently seen command ids → their answer (or null while running): a redelivered command never runs twice */
  private readonly seenCommands = new Map<string, CommandAck | null>();

  constructor(private readonly opts: MqttLinkOptions) {
    this.t = topics(opts.broker.topicPrefix);
    this.ackTopic = this.t.ack(opts.site, opts.edgeId);
    this.cmdPrefix = this.t.edgeRoot(opts.site, opts.edgeId) + '/cmd/';
    this.statusTopic = this.t.status(opts.site, opts.edgeId);
    this.backoff = new Backoff(opts.broker.reconnectBaseMs, opts.broker.reconnectMaxMs, opts.random);
    this.log = opts.logger.child({ component: 'mqtt-link', broker: redactUrl(opts.broker.url) });
  }

  start(): void {
    this.connect();
  }

  /** New rows are in the outbox. */
  notify(): void {
    this.schedulePump();
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
    return new Promise((resolve) => {
      const check = () => {
        if (!this.connected) finish(false);
        else if (this.ready && this.inFlight === 0 && this.cursor >= this.opts.outbox.lastSeq) finish(true);
      };
      const timer = setTimeout(() => finish(false), timeoutMs);
      const finish = (ok: boolean) => {
        clearTimeout(timer);
        this.idleWaiters.delete(check);
        resolve(ok);
      };
      this.idleWaiters.add(check);
      this.schedulePump();
      check();
    });
  }

  /** Publishes the retained offline status and disconnects cleanly (so the broker sends no will). */
  async close(): Promise<void> {
    this.closing = true;
    this.clearTimers();
    const client = this.client;
    this.client = null;
    if (!client) return;
    const wasConnected = this.connected;
    if (wasConnected) {
      await withTimeout(
        new Promise<void>((resolve) =>
          client.publish(this.statusTopic, JSON.stringify(this.offlineStatus()), { qos: 1, retain: true }, () => resolve()),
        ),
        1000,
      );
    }
    this.connected = this.ready = false;
    this.connectedAt = null;
    // A clean DISCONNECT tells the broker not to send the will; we already said we are offline.
    const ended = await withTimeout(new Promise<void>((resolve) => client.end(!wasConnected, () => resolve())), 1000);
    if (!ended) client.end(true);
    this.setState('disconnected');
    this.notifyIdleWaiters();
  }

  private connect(): void {
    if (this.closing) return;
    const gen = ++this.generation;
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
    this.client = client;
    client.on('connect', () => this.onConnect(client, gen));
    client.on('message', (topic, payload) => {
      if (gen === this.generation) this.onMessage(topic, payload);
    });
    client.on('error', (err) => {
      if (gen === this.generation) this.onError(err);
    });
    client.on('close', () => this.onClose(client, gen));
  }

  private onConnect(client: MqttClient, gen: number): void {
    if (gen !== this.generation || this.closing) return;
    this.connected = true;
    this.ready = false;
    this.pubacks = 0;
    // Readings and command answers are small packets: send each at once, not after the ACK of the
    // previous one (Nagle with Linux's delayed ACK adds up to 40 ms at the gate).
    (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
    this.cursor = this.opts.outbox.ackedSeq;
    this.connectedAt = new Date().toISOString();
    this.setState('connected');
    this.log.info({ clientId: `edge-${this.opts.edgeId}` }, 'connected to broker');
    // A connection that stays up proves the settings work; a broker that drops us at once must not cause a tight loop.
    this.stableTimer = setTimeout(() => this.backoff.reset(), 10_000);
    this.statusTimer = setInterval(() => this.publishStatus(), this.opts.broker.statusIntervalS * 1000);
    client.subscribe({ [this.ackTopic]: { qos: 1 }, [this.cmdPrefix + '+']: { qos: 1 } }, (err, granted) => {
      if (gen !== this.generation || !this.connected) return;
      const refused = granted?.filter((g) => g.qos === 128).map((g) => g.topic) ?? [];
      if (err || refused.length) {
        this.log.error({ err: err?.message, refused }, 'broker refused our subscriptions; acks and commands will not arrive');
      }
      // Replay from the lowest unacked seq; the hub dedupes on (edgeId, seq). Starting after SUBACK
      // lets the retained ack arrive first, so a replaced outbox renumbers before it publishes.
      this.ready = true;
      this.cursor = this.opts.outbox.ackedSeq;
      this.progressAt = Date.now();
      this.resendStreak = 0;
      // Online only once acks and commands can reach us.
      this.publishStatus();
      const replies = this.pendingReplies;
      this.pendingReplies = [];
      for (const r of replies) this.replyCommand(r);
      this.pump();
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
    if (gen !== this.generation) return;
    const wasConnected = this.connected;
    // MQTT 3.1.1 cannot refuse a publish; brokers close the connection instead (MQTT-3.3.5-2).
    const refusedPublish = wasConnected && this.inFlight > 0 && this.pubacks === 0;
    this.connected = this.ready = false;
    this.connectedAt = null;
    this.inFlight = 0;
    this.client = null;
    this.clearConnectionTimers();
    this.notifyIdleWaiters();
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

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Publishes pending rows after the cursor, never more than maxInFlight un-PUBACKed at once. */
  private pump(): void {
    const client = this.client;
    if (!client || !this.ready || this.pumping) return;
    this.pumping = true;
    const gen = this.generation;
    try {
      const { outbox, site, edgeId, broker } = this.opts;
      while (this.inFlight < broker.maxInFlight && gen === this.generation) {
        const rows = outbox.pending(this.cursor, Math.min(PUMP_BATCH, broker.maxInFlight - this.inFlight));
        if (rows.length === 0) break;
        for (const row of rows) {
          if (this.cursor <= outbox.ackedSeq) this.progressAt = Date.now();
          this.cursor = row.seq;
          this.inFlight += 1;
          const topic = this.t.evt(site, edgeId, row.kind, row.deviceId);
          client.publish(topic, row.payload, { qos: 1 }, (err) => this.onPuback(gen, row.seq, err));
        }
      }
    } finally {
      this.pumping = false;
    }
    this.armResend();
    this.notifyIdleWaiters();
  }

  private onPuback(gen: number, seq: number, err: Error | undefined): void {
    if (gen !== this.generation) return;
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (err) {
      // Stays in the outbox; replayed after resendAfterMs or the next reconnect.
      this.lastError = `publish of seq ${seq} refused: ${err.message}`;
      this.log.error({ seq, err: err.message }, 'broker refused a publish; it stays in the outbox');
    } else {
      this.pubacks += 1;
      this.backoff.reset();
    }
    this.schedulePump();
    this.notifyIdleWaiters();
  }

  /**
   * Replays from the lowest unacked seq when the hub made no ack progress for resendAfterMs.
   * Each further replay without progress waits twice as long (up to 32×), so a hub that is down
   * for hours is not sent the whole backlog every few seconds.
   */
  private armResend(): void {
    if (this.resendTimer || !this.ready || this.cursor <= this.opts.outbox.ackedSeq) return;
    const due = () => this.opts.resendAfterMs * 2 ** Math.min(this.resendStreak, 5);
    this.resendTimer = setTimeout(
      () => {
        this.resendTimer = null;
        if (!this.ready || this.cursor <= this.opts.outbox.ackedSeq) return;
        if (Date.now() - this.progressAt >= due()) {
          this.log.info(
            { fromSeq: this.opts.outbox.ackedSeq + 1, toSeq: this.cursor, silentForMs: Date.now() - this.progressAt },
            'no ack progress from the hub; re-sending unacked events',
          );
          this.cursor = this.opts.outbox.ackedSeq;
          this.progressAt = Date.now();
          this.resendStreak += 1;
          this.pump();
        }
        this.armResend();
      },
      Math.max(0, this.progressAt + due() - Date.now()),
    );
  }

  private publishStatus(): void {
    const client = this.client;
    if (!client || !this.connected) return;
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
    if (topic === this.ackTopic) this.onAck(payload);
    else if (topic.startsWith(this.cmdPrefix)) void this.onCommand(topic.slice(this.cmdPrefix.length), payload);
  }

  private onAck(payload: Buffer): void {
    const parsed = ackMessageSchema.safeParse(parseJson(payload));
    if (!parsed.success) {
      this.log.warn({ reason: formatIssues(parsed.error) }, 'ignored a malformed ack');
      return;
    }
    const { outbox } = this.opts;
    const { seq } = parsed.data;
    const before = outbox.ackedSeq;
    if (seq >= outbox.lastSeq + 1) {
      const r = outbox.adoptHubWatermark(seq);
      if (r.adopted) {
        this.log.warn(
          { hubSeq: seq, nextSeq: outbox.lastSeq + 1, ...r },
          'the hub has applied seqs this outbox never assigned (outbox lost or replaced); numbering continues after the hub',
        );
        this.cursor = outbox.ackedSeq;
        this.requestStatus();
      }
    } else {
      outbox.ackUpTo(seq);
    }
    if (outbox.ackedSeq > before) {
      this.progressAt = Date.now();
      this.resendStreak = 0;
      if (this.cursor < outbox.ackedSeq) this.cursor = outbox.ackedSeq;
    }
    this.schedulePump();
  }

  private async onCommand(deviceId: string, payload: Buffer): Promise<void> {
    const json = parseJson(payload);
    const parsed = commandMessageSchema.safeParse(json);
    if (!parsed.success) {
      const id = (json as { id?: unknown } | null)?.id;
      this.log.warn({ deviceId, reason: formatIssues(parsed.error) }, 'malformed command');
      if (typeof id === 'string' && id) this.replyCommand({ id, ok: false, error: `invalid command: ${formatIssues(parsed.error)}` });
      return;
    }
    const cmd = parsed.data;
    if (this.seenCommands.has(cmd.id)) {
      // QoS 1 redelivery: answer again (once known), never run again.
      const known = this.seenCommands.get(cmd.id);
      if (known) this.replyCommand(known);
      return;
    }
    this.rememberCommand(cmd.id, null);
    if (!(Date.parse(cmd.expiresAt) > Date.now())) {
      this.log.warn({ deviceId, id: cmd.id, action: cmd.action, expiresAt: cmd.expiresAt }, 'command expired; not run');
      this.answer({ id: cmd.id, ok: false, error: 'expired' });
      return;
    }
    let result: Omit<CommandAck, 'id'>;
    try {
      result = await this.opts.onCommand(deviceId, cmd);
    } catch (err) {
      result = { ok: false, error: (err as Error).message };
    }
    this.log.info({ deviceId, id: cmd.id, action: cmd.action, ok: result.ok, error: result.error }, 'command done');
    this.answer({ id: cmd.id, ...result });
  }

  private answer(ack: CommandAck): void {
    const stamped = { ...ack, ts: new Date().toISOString() };
    this.rememberCommand(ack.id, stamped);
    this.replyCommand(stamped);
  }

  private rememberCommand(id: string, ack: CommandAck | null): void {
    this.seenCommands.delete(id);
    this.seenCommands.set(id, ack);
    if (this.seenCommands.size > MAX_REMEMBERED_COMMANDS) this.seenCommands.delete(this.seenCommands.keys().next().value!);
  }

  private replyCommand(ack: CommandAck): void {
    const client = this.client;
    if (!client || !this.connected || !this.ready) {
      this.pendingReplies.push(ack);
      if (this.pendingReplies.length > MAX_REMEMBERED_COMMANDS) this.pendingReplies.shift();
      return;
    }
    client.publish(this.t.cmdack(this.opts.site, this.opts.edgeId), JSON.stringify(ack), { qos: 1 }, (err) => {
      if (err) {
        this.log.warn({ id: ack.id, err: err.message }, 'command ack not published; kept for the next connection');
        this.pendingReplies.push(ack);
      }
    });
  }

  /** Devices' live values for screens: QoS 0, dropped while disconnected (the next one follows). */
  publishLive(message: LiveMessage): void {
    const client = this.client;
    if (!client || !this.connected || !this.ready) return;
    client.publish(this.t.live(this.opts.site, this.opts.edgeId), JSON.stringify(message), { qos: 0 });
  }

  private setState(state: LinkState): void {
    this.state = state;
  }

  private notifyIdleWaiters(): void {
    for (const check of [...this.idleWaiters]) check();
  }

  private clearConnectionTimers(): void {
    for (const t of [this.stableTimer, this.resendTimer]) if (t) clearTimeout(t);
    if (this.statusTimer) clearInterval(this.statusTimer);
    this.stableTimer = this.resendTimer = this.statusTimer = null;
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

function parseJson(payload: Buffer): unknown {
  try {
    return JSON.parse(payload.toString('utf8'));
  } catch {
    return null;
  }
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
