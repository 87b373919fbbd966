import type { Sql } from './db.js';
import { FeedSignal, type EventFeed, type FeedItem } from './feed.js';

/**
 * The hub's log of module events (NotePassedEvent, later stock movements, customs receipts …):
 * a module appends an event inside the transaction that caused it, so the event exists exactly when
 * the change does; other modules follow it as a feed with their own cursor (consumer.ts).
 * A module with a high-volume table of its own (device events) publishes that table as a feed
 * instead of copying every row here.
 */
export class EventLog {
  private readonly signals = new Map<string, FeedSignal>();

  /** Appends one event of `topic` ("<module>.<event>") in the caller's transaction. */
  async append(tx: Sql, topic: string, payload: unknown, key: string | null = null): Promise<void> {
    await tx.query('insert into core_events (topic, key, payload) values ($1, $2, $3::jsonb)', [topic, key, JSON.stringify(payload)]);
  }

  /** Wakes this process's consumers of `topic`; the publisher calls it after its commit. */
  committed(topic: string): void {
    this.signals.get(topic)?.notify();
  }

  /** The events of one topic as a feed. */
  feed<T>(topic: string): EventFeed<T> {
    const signal = this.signals.get(topic) ?? this.signals.set(topic, new FeedSignal()).get(topic)!;
    return {
      name: topic,
      read: async (sql: Sql, after: number, limit: number): Promise<Array<FeedItem<T>>> => {
        const r = await sql.query<{ pos: number; payload: T }>('select pos, payload from core_events where topic = $1 and pos > $2 order by pos limit $3', [topic, after, limit]);
        return r.rows.map((x) => ({ pos: x.pos, value: x.payload }));
      },
      head: async (sql: Sql) => (await sql.query<{ pos: number | null }>('select max(pos) as pos from core_events where topic = $1', [topic])).rows[0]?.pos ?? 0,
      onAppend: (listener) => signal.onAppend(listener),
    };
  }

}
