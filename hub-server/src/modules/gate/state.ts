import { type GateSettings, type Lane, type Passage, type PassageListQuery } from '@cjp/contracts';
import { systemClock, type Clock } from '../../core/clock.js';
import type { FeedCursor } from '../../core/consumer.js';
import type { Db, Sql } from '../../core/db.js';
import type { Lease } from '../../core/lease.js';
import type { Logger } from '../../core/logger.js';
import type { StoredEvent } from '../devices/index.js';
import type { NoteService } from './notes.js';
import { normPlate, passageDto, type GateHooks, type PassageRow, type Pending, type Rec } from './passage.js';
import type { GateRegistry } from './registry.js';

/**
 * What the gate holds (lanes, open passages in memory, its settings and helpers) and how it stores
 * passages. The engine is split by job: state (here) → decisions → assembly → resolutions →
 * service (lifecycle: lease, steps, the feed, timers). All work runs one step at a time.
 */
export abstract class GateState {
  protected lanes = new Map<string, Lane>();
  protected byDevice = new Map<string, { lane: Lane; role: 'etag' | 'camera' | 'weighbridge' | 'other' }>();
  protected openRecs = new Map<string, Rec[]>();
  protected chain: Promise<unknown> = Promise.resolve();
  protected timer: NodeJS.Timeout | null = null;
  protected pumping = false;
  protected again = false;
  protected stopped = false;
  protected started = false;
  protected leader = false;
  protected leaseMs = 15_000;
  protected leaseTimer: NodeJS.Timeout | null = null;
  /** lanes with a gate-2 lane of the same direction: two-gate mode (passed gate 1 / 2) */
  protected twoGate = new Set<Lane['direction']>();
  lastError: string | null = null;

  constructor(
    protected readonly db: Db,
    protected readonly registry: GateRegistry,
    protected readonly notes: NoteService,
    protected readonly settings: GateSettings & { leaseMs?: number },
    protected readonly hooks: GateHooks,
    protected readonly logger: Logger,
    /** "gate.passages": this replica runs the gate */
    protected readonly lease: Lease,
    /** where the gate stands in the devices.events feed */
    protected readonly cursor: FeedCursor<StoredEvent>,
    protected readonly clock: Clock = systemClock,
  ) {}

  /** runs fn after whatever runs now (one step at a time) */
  protected abstract serial<T>(fn: () => Promise<T>): Promise<T>;
  /** runs one step in a transaction (lease fence, commands, saving what it touched) */
  protected abstract step(fn: (tx: Sql, pending: Pending[], touched: Set<Rec>) => Promise<void>): Promise<void>;


  protected findRec(id: string): Rec | undefined {
    for (const recs of this.openRecs.values()) for (const r of recs) if (r.p.id === id) return r;
    return undefined;
  }

  protected async loadRec(sql: Sql, id: string): Promise<Rec | null> {
    const row = (await sql.query<PassageRow>('select * from gate_passages where passage_id = $1', [id])).rows[0];
    if (!row) return null;
    return { p: passageDto(row), collectingSince: 0, stableSeenAt: null, recollectAt: null, freshSinceRecollect: false, replaced: new Set() };
  }


  protected async save(sql: Sql, r: Rec): Promise<void> {
    const p = r.p;
    await sql.query(
      `insert into gate_passages (passage_id, lane_id, direction, state, open, vehicle_no, vehicle_ic_no, passport_no, weighed_kg, container_nos, hold_reasons,
         readings, decisions, resolutions, opened_at, decided_at, closed_at, close_reason, updated_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13::jsonb, $14::jsonb, $15, $16, $17, $18, $19)
       on conflict (passage_id) do update set state = excluded.state, open = excluded.open, vehicle_no = excluded.vehicle_no,
         vehicle_ic_no = excluded.vehicle_ic_no, passport_no = excluded.passport_no, weighed_kg = excluded.weighed_kg,
         container_nos = excluded.container_nos, hold_reasons = excluded.hold_reasons, readings = excluded.readings,
         decisions = excluded.decisions, resolutions = excluded.resolutions, decided_at = excluded.decided_at,
         closed_at = excluded.closed_at, close_reason = excluded.close_reason, updated_at = excluded.updated_at`,
      [
        p.id,
        p.laneId,
        p.direction,
        p.state,
        p.open,
        p.vehicleNo,
        p.vehicleIcNo,
        p.passportNo,
        p.weighedKg,
        [...new Set(p.readings.containers.map((c) => c.number))],
        p.holdReasons,
        JSON.stringify(p.readings),
        JSON.stringify(p.decisions),
        JSON.stringify(p.resolutions),
        p.openedAt,
        p.decidedAt,
        p.closedAt,
        p.closeReason,
        p.updatedAt,
      ],
    );
  }

  async get(id: string): Promise<Passage | null> {
    const row = (await this.db.query<PassageRow>('select * from gate_passages where passage_id = $1', [id])).rows[0];
    return row ? passageDto(row) : null;
  }

  async list(q: PassageListQuery & { limit: number }): Promise<Passage[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.laneId) where.push(`lane_id = $${params.push(q.laneId)}`);
    if (q.state) where.push(`state = $${params.push(q.state)}`);
    if (q.vehicleNo) where.push(`vehicle_no = $${params.push(normPlate(q.vehicleNo))}`);
    if (q.containerNo) where.push(`$${params.push(q.containerNo.toUpperCase())} = any (container_nos)`);
    if (q.passportNo) where.push(`passport_no = $${params.push(q.passportNo)}`);
    if (q.from) where.push(`opened_at >= $${params.push(q.from)}`);
    if (q.to) where.push(`opened_at < $${params.push(q.to)}`);
    const r = await this.db.query<PassageRow>(`select * from gate_passages ${where.length ? `where ${where.join(' and ')}` : ''} order by opened_at desc limit ${q.limit}`, params);
    return r.rows.map(passageDto);
  }

  /** Passages a screen needs on joining: every open or held one. */
  async current(): Promise<Passage[]> {
    const r = await this.db.query<PassageRow>(`select * from gate_passages where open or state in ('collecting', 'held') order by opened_at`);
    return r.rows.map(passageDto);
  }

  async ignored(limit = 100): Promise<Array<{ eventId: string; laneId: string | null; kind: string; reason: string; at: string }>> {
    const r = await this.db.query<{ event_id: string; lane_id: string | null; kind: string; reason: string; at: Date }>(
      `select * from gate_ignored_readings order by at desc limit ${limit}`,
    );
    return r.rows.map((x) => ({ eventId: x.event_id, laneId: x.lane_id, kind: x.kind, reason: x.reason, at: new Date(x.at).toISOString() }));
  }
}
