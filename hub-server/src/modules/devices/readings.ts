import type { DeadLetterDto, EventDto, EventListQuery, EventListResponse } from '@cjp/contracts';
import type { Db } from '../../core/db.js';

interface EventRow {
  pos: number;
  edge_id: string;
  seq: number;
  site_id: string;
  device_id: string;
  kind: EventDto['kind'];
  ts: Date;
  received_at: Date;
  data: Record<string, unknown>;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/** Read side of the devices module: accepted events and dead letters. */
export class DeviceReadings {
  constructor(private readonly db: Db) {}

  async listEvents(q: EventListQuery): Promise<EventListResponse> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, v: unknown) => {
      params.push(v);
      where.push(clause.replace('?', `$${params.length}`));
    };
    if (q.edgeId) add('edge_id = ?', q.edgeId);
    if (q.deviceId) add('device_id = ?', q.deviceId);
    if (q.kind) add('kind = ?', q.kind);
    if (q.beforeId) add('pos < ?', q.beforeId);
    params.push(q.limit + 1);
    const r = await this.db.query<EventRow>(
      `select * from events ${where.length ? 'where ' + where.join(' and ') : ''} order by pos desc limit $${params.length}`,
      params,
    );
    const rows = r.rows.slice(0, q.limit);
    return {
      items: rows.map((e) => ({
        id: `${e.edge_id}:${e.seq}`,
        edgeId: e.edge_id,
        seq: e.seq,
        siteId: e.site_id,
        deviceId: e.device_id,
        kind: e.kind,
        ts: iso(e.ts)!,
        receivedAt: iso(e.received_at)!,
        data: e.data,
      })),
      nextBeforeId: r.rows.length > q.limit ? rows[rows.length - 1]!.pos : null,
    };
  }

  async listDeadLetters(limit: number): Promise<DeadLetterDto[]> {
    const r = await this.db.query<{
      id: number;
      received_at: Date;
      topic: string;
      edge_id: string | null;
      seq: number | null;
      reason: string;
      payload_bytes: number;
      payload_preview: string;
    }>('select * from dead_letters order by id desc limit $1', [limit]);
    return r.rows.map((d) => ({
      id: d.id,
      receivedAt: iso(d.received_at)!,
      topic: d.topic,
      edgeId: d.edge_id,
      seq: d.seq,
      reason: d.reason,
      payloadBytes: d.payload_bytes,
      payloadPreview: d.payload_preview,
    }));
  }
}
