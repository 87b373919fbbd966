import type { Db, Sql } from './db.js';
import type { EventFeed, FeedItem } from './feed.js';
import type { Logger } from './logger.js';

export interface CursorOptions<T> {
  /** who follows: the consuming module, or "<module>.<job>" when it follows a feed twice */
  consumer: string;
  feed: EventFeed<T>;
  /** where a consumer without a stored cursor starts: every item so far, or only those to come */
  startAt?: 'beginning' | 'present';
}

/**
 * A consumer's stored position in another module's feed (table core_consumer_cursors). Read and
 * moved inside the consumer's own transaction, together with what it did with the items: after a
 * crash the items after the cursor are read again, those before it never.
 */
export class FeedCursor<T> {
  constructor(readonly opts: CursorOptions<T>) {}

  get key(): { consumer: string; feed: string } {
    return { consumer: this.opts.consumer, feed: this.opts.feed.name };
  }

  /**
   * Locks the cursor (one consumer step at a time, also across replicas) and reads the next
   * items. Call `advance()` in the same transaction once they are handled.
   */
  async next(tx: Sql, limit: number): Promise<{ items: Array<FeedItem<T>>; advance(): Promise<void> }> {
    const { consumer, feed } = this.key;
    let pos = (await tx.query<{ pos: number }>('select pos from core_consumer_cursors where consumer = $1 and feed = $2 for update', [consumer, feed])).rows[0]?.pos;
    if (pos === undefined) {
      const start = this.opts.startAt === 'present' ? await this.opts.feed.head(tx) : 0;
      await tx.query('insert into core_consumer_cursors (consumer, feed, pos) values ($1, $2, $3) on conflict do nothing', [consumer, feed, start]);
      pos = (await tx.query<{ pos: number }>('select pos from core_consumer_cursors where consumer = $1 and feed = $2 for update', [consumer, feed])).rows[0]!.pos;
    }
    const items = await this.opts.feed.read(tx, pos, limit);
    return {
      items,
      advance: async () => {
        if (items.length) await tx.query('update core_consumer_cursors set pos = $3, updated_at = now() where consumer = $1 and feed = $2', [consumer, feed, items[items.length - 1]!.pos]);
      },
    };
  }

  /** The stored position (0 when the consumer never ran). */
  async position(sql: Sql): Promise<number> {
    const { consumer, feed } = this.key;
    return (await sql.query<{ pos: number }>('select pos from core_consumer_cursors where consumer = $1 and feed = $2', [consumer, feed])).rows[0]?.pos ?? 0;
  }
}

export interface ConsumerOptions<T> extends CursorOptions<T> {
  /**
   * Handles a batch inside the transaction that moves the cursor. Throwing rolls both back: the
   * batch comes again (at least once), so what the handler does outside the database (a publish,
   * a notification) must be idempotent; what it writes in `tx` happens exactly once.
   */
  handle(tx: Sql, items: Array<FeedItem<T>>): Promise<void>;
  batchSize?: number;
  /**
   * Also look for new items this often, ms: other hub replicas append too and cannot wake this
   * one. Default: 1000 on a PostgreSQL server, none on PGlite (one process).
   */
  pollMs?: number | null;
  /** after a failed batch, wait this long before trying again, ms (doubling up to 30 s) */
  retryMs?: number;
}

/**
 * A durable event consumer: follows a feed from its stored cursor, a batch per transaction, woken
 * by the publisher in this process and by polling for the others. One step runs at a time.
 */
export class DurableConsumer<T> {
  private readonly cursor: FeedCursor<T>;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private failures = 0;
  /** the last failure, cleared by the next success (health) */
  lastError: string | null = null;

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
    private readonly opts: ConsumerOptions<T>,
  ) {
    this.cursor = new FeedCursor(opts);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.unsubscribe = this.opts.feed.onAppend(() => this.kick());
    const poll = this.opts.pollMs === undefined ? (this.db.engine === 'postgres' ? 1000 : null) : this.opts.pollMs;
    if (poll) {
      this.timer = setInterval(() => this.kick(), poll);
      this.timer.unref();
    }
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** Read what is new (coalesced: one step runs, one more is remembered). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  /** Resolves when every item stored so far has been handled (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
    await this.drain();
  }

  /** Where the consumer stands in its feed. */
  position(): Promise<number> {
    return this.cursor.position(this.db);
  }

  private async drain(): Promise<void> {
    const size = this.opts.batchSize ?? 200;
    for (;;) {
      let n = 0;
      try {
        await this.db.transaction(async (tx) => {
          const { items, advance } = await this.cursor.next(tx, size);
          n = items.length;
          if (!n) return;
          await this.opts.handle(tx, items);
          await advance();
        });
        this.failures = 0;
        this.lastError = null;
      } catch (err) {
        this.failures += 1;
        this.lastError = (err as Error).message;
        this.logger.error({ err, consumer: this.opts.consumer, feed: this.opts.feed.name }, 'consumer: batch failed; it will be read again');
        const wait = Math.min((this.opts.retryMs ?? 500) * 2 ** (this.failures - 1), 30_000);
        if (!this.stopped) setTimeout(() => this.kick(), wait).unref();
        return;
      }
      if (n < size || this.stopped) return;
    }
  }
}
