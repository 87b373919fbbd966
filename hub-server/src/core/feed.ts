import type { Sql } from './db.js';

/** One item of a feed: its position (strictly increasing in the order stored) and its value. */
export interface FeedItem<T> {
  pos: number;
  value: T;
}

/**
 * What a module publishes for others to follow: items in the order they were stored. The
 * publishing module implements it over its own table (or the core event log); a consumer reads it
 * inside its own transaction, from its own stored cursor (see consumer.ts), never the table itself.
 */
export interface EventFeed<T> {
  /** "<module>.<what>", e.g. "devices.events", "gate.notePassed" */
  readonly name: string;
  /** items with pos > after, in pos order, at most `limit` */
  read(sql: Sql, after: number, limit: number): Promise<Array<FeedItem<T>>>;
  /** the last pos stored so far (0 when empty): where a consumer that starts "at the present" begins */
  head(sql: Sql): Promise<number>;
  /** called after new items were committed by this process; returns the unsubscribe */
  onAppend(listener: () => void): () => void;
}

/** The in-process wake-up half of a feed: publishers call `notify()` after their commit. */
export class FeedSignal {
  private readonly listeners = new Set<() => void>();

  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  notify(): void {
    for (const l of this.listeners) l();
  }
}
