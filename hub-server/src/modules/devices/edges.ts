import { HubError, type EdgeDto, type StatusMessage } from '@cjp/contracts';
import type { Db } from '../../core/db.js';
import { DUMMY_HASH, hashPassword, randomSecret, verifyPassword } from '../../core/secrets.js';

export interface EdgeCredential {
  edgeId: string;
  siteId: string;
}

/** The demo edges: the warehouse's and the customs gate's (weighbridges, PLC, RFID, cameras). */
export const DEMO_EDGE = { edgeId: 'wh-1', siteId: 'cjp', password: 'demo-edge-wh-1', name: 'Warehouse 1 edge' } as const;
export const DEMO_GATE_EDGE = { edgeId: 'gate-1', siteId: 'cjp', password: 'demo-edge-gate-1', name: 'Customs gate edge' } as const;

const iso = (d: Date | null) => (d === null ? null : new Date(d).toISOString());

/**
 * Edge agents: their MQTT credentials (only a hash of the password is kept, so it is shown once),
 * their ack watermark and last status.
 */
export class EdgeRegistry {
  constructor(
    private readonly db: Db,
    /** is there such a site? (identity's) */
    private readonly siteExists: (siteId: string) => Promise<boolean>,
  ) {}

  /** Registers an edge and returns its MQTT password. */
  async create(input: { edgeId: string; siteId: string; name?: string; password?: string }): Promise<{ edgeId: string; siteId: string; password: string }> {
    const password = input.password ?? randomSecret(24);
    if (!(await this.siteExists(input.siteId))) throw new HubError('HUB_ERR_NOT_FOUND', `site "${input.siteId}" does not exist`, { siteId: input.siteId });
    const r = await this.db.query(
      `insert into edges (edge_id, site_id, name, password_hash) values ($1, $2, $3, $4) on conflict (edge_id) do nothing returning edge_id`,
      [input.edgeId, input.siteId, input.name ?? input.edgeId, await hashPassword(password)],
    );
    if (!r.rows[0]) throw new HubError('HUB_ERR_CONFLICT', `edge "${input.edgeId}" exists already`, { edgeId: input.edgeId });
    return { edgeId: input.edgeId, siteId: input.siteId, password };
  }

  /** Checks an edge's MQTT credentials (username = edge id). */
  async verify(edgeId: string, password: string): Promise<EdgeCredential | null> {
    const r = await this.db.query<{ edge_id: string; site_id: string; password_hash: string }>('select edge_id, site_id, password_hash from edges where edge_id = $1', [edgeId]);
    const row = r.rows[0];
    const ok = await verifyPassword(password, row?.password_hash ?? DUMMY_HASH);
    return row && ok ? { edgeId: row.edge_id, siteId: row.site_id } : null;
  }

  async exists(edgeId: string): Promise<boolean> {
    return (await this.db.query('select 1 from edges where edge_id = $1', [edgeId])).rows.length === 1;
  }

  async list(): Promise<EdgeDto[]> {
    const r = await this.db.query<{
      edge_id: string;
      site_id: string;
      name: string;
      online: boolean;
      acked_seq: number;
      last_seen_at: Date | null;
      status: StatusMessage | null;
    }>('select edge_id, site_id, name, online, acked_seq, last_seen_at, status from edges order by edge_id');
    return r.rows.map((e) => ({
      edgeId: e.edge_id,
      siteId: e.site_id,
      name: e.name,
      online: e.online,
      ackedSeq: e.acked_seq,
      lastSeenAt: iso(e.last_seen_at),
      status: e.status as Record<string, unknown> | null,
    }));
  }

  /** Watermarks of every edge (republished as retained acks when the link comes up). */
  async ackSnapshot(): Promise<Array<{ edgeId: string; siteId: string; seq: number }>> {
    const r = await this.db.query<{ edge_id: string; site_id: string; acked_seq: number }>('select edge_id, site_id, acked_seq from edges');
    return r.rows.map((e) => ({ edgeId: e.edge_id, siteId: e.site_id, seq: e.acked_seq }));
  }

  /** The hub lost its broker connection to an edge's status (hub start): mark all unknown until they report. */
  async markAllOffline(): Promise<void> {
    await this.db.query('update edges set online = false where online');
  }

  /** Demo mode: the demo edges with their known passwords. Idempotent. */
  async seedDemo(): Promise<void> {
    for (const e of [DEMO_EDGE, DEMO_GATE_EDGE]) if (!(await this.exists(e.edgeId))) await this.create(e);
  }
}
