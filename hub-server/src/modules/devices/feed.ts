import type { EventDto } from '@cjp/contracts';
import type { Sql } from '../../core/db.js';
import type { EventFeed, FeedItem, FeedSignal } from '../../core/feed.js';

/** An accepted device event as the feed gives it to consumers (the gate). */
export interface StoredEvent {
  edgeId: string;
  seq: number;
  deviceId: string;
  kind: EventDto['kind'];
  ts: Date;
  data: Record<string, unknown>;
}

/**
 * "devices.events": every accepted device event in the order ingest stored it (the events table's
 * pos). Consumers read it from their own cursor, in their own transaction.
 */
export function deviceEventFeed(signal: FeedSignal): EventFeed<StoredEvent> {
  return {
    name: 'devices.events',
    async read(sql: Sql, after: number, limit: number): Promise<Array<FeedItem<StoredEvent>>> {
      const r = await sql.query<{ pos: number; edge_id: string; seq: number; device_id: string; kind: EventDto['kind']; ts: Date; data: Record<string, unknown> }>(
        'select pos, edge_id, seq, device_id, kind, ts, data from events where pos > $1 order by pos limit $2',
        [after, limit],
      );
      return r.rows.map((e) => ({ pos: e.pos, value: { edgeId: e.edge_id, seq: e.seq, deviceId: e.device_id, kind: e.kind, ts: new Date(e.ts), data: e.data } }));
    },
    async head(sql: Sql): Promise<number> {
      return (await sql.query<{ pos: number | null }>('select max(pos) as pos from events')).rows[0]?.pos ?? 0;
    },
    onAppend: (listener) => signal.onAppend(listener),
  };
}
