import type { MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { ackMessageSchema, formatIssues } from '@cjp/contracts';
import { parseJson } from './mqtt-commands.js';
import type { Outbox, OutboxRow } from './outbox.js';

const PUMP_BATCH = 64;

/** The MQTT link's current connection; the link writes it, the publisher reads it at each use. */
export interface LinkConnection {
  client: MqttClient | null;
  /** bumped on every connection attempt: PUBACKs of an older one are not ours any more */
  generation: number;
  connected: boolean;
  /** subscribed: the cursor belongs to this connection, publishing may start */
  ready: boolean;
}

export interface OutboxPublisherOptions {
  outbox: Outbox;
  maxInFlight: number;
  resendAfterMs: number;
  /** the evt topic of a row */
  topicOf: (row: OutboxRow) => string;
  connection: Readonly<LinkConnection>;
  log: Logger;
  /** the broker took an event: the connection works */
  onPuback: () => void;
  /** the broker refused a publish (kept as the link's lastError) */
  onRefused: (message: string) => void;
  /** the outbox adopted the hub's numbering: the status should say so soon */
  onRenumbered: () => void;
}

/**
 * The outbox on the wire (the MQTT link's publishing job): rows in seq order with a bounded
 * in-flight window, trimmed on the hub's ack, replayed from the lowest unacked seq on every
 * connection and when the hub makes no ack progress.
 */
export class OutboxPublisher {
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
  private resendTimer: NodeJS.Timeout | null = null;
  private readonly idleWaiters = new Set<() => void>();

  constructor(private readonly opts: OutboxPublisherOptions) {}

  /** A new connection: nothing is published on it before onReady. */
  onConnect(): void {
    this.pubacks = 0;
    this.cursor = this.opts.outbox.ackedSeq;
  }

  /**
   * Subscribed: replay from the lowest unacked seq; the hub dedupes on (edgeId, seq). Starting
   * after SUBACK lets the retained ack arrive first, so a replaced outbox renumbers before it publishes.
   */
  onReady(): void {
    this.cursor = this.opts.outbox.ackedSeq;
    this.progressAt = Date.now();
    this.resendStreak = 0;
    this.pump();
  }

  /**
   * The connection is gone. True when it was up and closed with events in flight before the
   * broker acknowledged any: MQTT 3.1.1 cannot refuse a publish, brokers close the connection
   * instead (MQTT-3.3.5-2).
   */
  onDisconnect(wasConnected: boolean): boolean {
    const refusedPublish = wasConnected && this.inFlight > 0 && this.pubacks === 0;
    this.inFlight = 0;
    this.stop();
    this.wakeWaiters();
    return refusedPublish;
  }

  /** New rows are in the outbox. */
  notify(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Stops the resend timer (the link is closing or down). */
  stop(): void {
    if (this.resendTimer) clearTimeout(this.resendTimer);
    this.resendTimer = null;
  }

  /** Lets flush() waiters see the current state (after the link changed it). */
  wakeWaiters(): void {
    for (const check of [...this.idleWaiters]) check();
  }

  /**
   * Resolves true once every outbox row has been published and PUBACKed by the broker, false when
   * that did not happen within `timeoutMs` or the link is down.
   */
  flush(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const check = () => {
        const c = this.opts.connection;
        if (!c.connected) finish(false);
        else if (c.ready && this.inFlight === 0 && this.cursor >= this.opts.outbox.lastSeq) finish(true);
      };
      const timer = setTimeout(() => finish(false), timeoutMs);
      const finish = (ok: boolean) => {
        clearTimeout(timer);
        this.idleWaiters.delete(check);
        resolve(ok);
      };
      this.idleWaiters.add(check);
      this.notify();
      check();
    });
  }

  /** The hub's ack (retained, on the ack topic): trims the outbox, or adopts the hub's numbering. */
  onAck(payload: Buffer): void {
    const parsed = ackMessageSchema.safeParse(parseJson(payload));
    if (!parsed.success) {
      this.opts.log.warn({ reason: formatIssues(parsed.error) }, 'ignored a malformed ack');
      return;
    }
    const { outbox } = this.opts;
    const { seq } = parsed.data;
    const before = outbox.ackedSeq;
    if (seq >= outbox.lastSeq + 1) {
      const r = outbox.adoptHubWatermark(seq);
      if (r.adopted) {
        this.opts.log.warn(
          { hubSeq: seq, nextSeq: outbox.lastSeq + 1, ...r },
          'the hub has applied seqs this outbox never assigned (outbox lost or replaced); numbering continues after the hub',
        );
        this.cursor = outbox.ackedSeq;
        this.opts.onRenumbered();
      }
    } else {
      outbox.ackUpTo(seq);
    }
    if (outbox.ackedSeq > before) {
      this.progressAt = Date.now();
      this.resendStreak = 0;
      if (this.cursor < outbox.ackedSeq) this.cursor = outbox.ackedSeq;
    }
    this.notify();
  }

  /** Publishes pending rows after the cursor, never more than maxInFlight un-PUBACKed at once. */
  private pump(): void {
    const { connection } = this.opts;
    const client = connection.client;
    if (!client || !connection.ready || this.pumping) return;
    this.pumping = true;
    const gen = connection.generation;
    try {
      const { outbox, maxInFlight } = this.opts;
      while (this.inFlight < maxInFlight && gen === connection.generation) {
        const rows = outbox.pending(this.cursor, Math.min(PUMP_BATCH, maxInFlight - this.inFlight));
        if (rows.length === 0) break;
        for (const row of rows) {
          if (this.cursor <= outbox.ackedSeq) this.progressAt = Date.now();
          this.cursor = row.seq;
          this.inFlight += 1;
          client.publish(this.opts.topicOf(row), row.payload, { qos: 1 }, (err) => this.onPuback(gen, row.seq, err));
        }
      }
    } finally {
      this.pumping = false;
    }
    this.armResend();
    this.wakeWaiters();
  }

  private onPuback(gen: number, seq: number, err: Error | undefined): void {
    if (gen !== this.opts.connection.generation) return;
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (err) {
      // Stays in the outbox; replayed after resendAfterMs or the next reconnect.
      this.opts.onRefused(`publish of seq ${seq} refused: ${err.message}`);
      this.opts.log.error({ seq, err: err.message }, 'broker refused a publish; it stays in the outbox');
    } else {
      this.pubacks += 1;
      this.opts.onPuback();
    }
    this.notify();
    this.wakeWaiters();
  }

  /**
   * Replays from the lowest unacked seq when the hub made no ack progress for resendAfterMs.
   * Each further replay without progress waits twice as long (up to 32×), so a hub that is down
   * for hours is not sent the whole backlog every few seconds.
   */
  private armResend(): void {
    if (this.resendTimer || !this.opts.connection.ready || this.cursor <= this.opts.outbox.ackedSeq) return;
    const due = () => this.opts.resendAfterMs * 2 ** Math.min(this.resendStreak, 5);
    this.resendTimer = setTimeout(
      () => {
        this.resendTimer = null;
        if (!this.opts.connection.ready || this.cursor <= this.opts.outbox.ackedSeq) return;
        if (Date.now() - this.progressAt >= due()) {
          this.opts.log.info(
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
}
