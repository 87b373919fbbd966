import {
  MAX_ENVELOPE_BYTES,
  checkEnvelope,
  commandAckSchema,
  parseTopic,
  statusMessageSchema,
  formatIssues,
  type CommandAck,
  type CommandDto,
  type Envelope,
  type EventDto,
  type StatusMessage,
} from '@cjp/contracts';
import type { Db, Sql } from '../../core/db.js';
import type { Logger } from '../../core/logger.js';
import type { IngestMetrics } from './metrics.js';

export interface InboundMessage {
  topic: string;
  payload: Buffer;
  /** set for refusals decided before ingest (ACL): stored as a dead letter with this reason */
  rejectReason?: string;
  rejectEdgeId?: string;
  /** the database refused this message alone (a data error): dead-letter it with this reason */
  poisoned?: string;
}

export interface IngestHooks {
  /** publish the ack watermark of an edge (retained) */
  publishAck(siteId: string, edgeId: string, seq: number): void;
  /** events stored by one batch, in seq order per edge */
  onAccepted(events: EventDto[]): void;
  onStatus(update: { edgeId: string; siteId: string; status: StatusMessage }): void;
  /** applies an edge's command answer inside the batch's transaction */
  applyCommandAck(sql: Sql, edgeId: string, ack: CommandAck, at: Date): Promise<{ applied: CommandDto | null; reason?: string }>;
  /** commands answered by one batch, after commit */
  onCommands(commands: CommandDto[]): void;
}

interface EdgeState {
  siteId: string;
  acked: number;
  /** seqs stored above the watermark, waiting for the gap below them to fill */
  pending: Set<number>;
  maxSeen: number;
}

interface DeadLetterRow {
  topic: string;
  edgeId: string | null;
  seq: number | null;
  reason: string;
  cause: string;
  payload: Buffer;
}

const PREVIEW_BYTES = 1024;

/**
 * Ingest: validate envelopes, store each event exactly once per (edgeId, seq) together with the
 * edge's ack watermark in one transaction per batch, then ack and publish. Anything that cannot
 * be applied goes to dead_letters with its reason; nothing stops the pipeline.
 */
export class IngestPipeline {
  private queue: InboundMessage[] = [];
  private readonly edges = new Map<string, EdgeState>();
  private running = false;
  private stopped = false;
  private drainWaiters: Array<() => void> = [];
  private spaceWaiters: Array<() => void> = [];
  private retryDelayMs = 100;
  /** last error of a failed batch; cleared on success (health) */
  lastError: string | null = null;

  constructor(
    private readonly db: Db,
    private readonly hooks: IngestHooks,
    private readonly opts: { topicPrefix: string; batchSize: number; maxQueue: number; logger: Logger; metrics: IngestMetrics },
  ) {}

  get depth(): number {
    return this.queue.length;
  }

  /** Queues a message; resolves at once unless the queue is full, then when there is room again. */
  push(msg: InboundMessage): Promise<void> | void {
    if (this.stopped) return;
    this.queue.push(msg);
    this.opts.metrics.queueDepth.set(this.queue.length);
    this.kick();
    if (this.queue.length >= this.opts.maxQueue) return new Promise((resolve) => this.spaceWaiters.push(resolve));
  }

  /** Resolves when everything queued so far is stored. */
  drained(): Promise<void> {
    if (this.queue.length === 0 && !this.running) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Stops taking messages; what is queued is still stored (await drained()). */
  stopIntake(): void {
    this.stopped = true;
  }

  private kick(): void {
    if (this.running) return;
    this.running = true;
    setImmediate(() => void this.loop());
  }

  private async loop(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.slice(0, this.opts.batchSize);
      try {
        await this.processBatchIsolatingPoison(batch);
        this.queue.splice(0, batch.length);
        this.retryDelayMs = 100;
        this.lastError = null;
      } catch (err) {
        // The database is away (or the batch hit something unexpected): keep every message and retry.
        this.opts.metrics.batchErrors.inc();
        this.lastError = (err as Error).message;
        this.opts.logger.error({ err, batch: batch.length }, 'ingest: batch failed, retrying');
        await new Promise((r) => setTimeout(r, this.retryDelayMs));
        this.retryDelayMs = Math.min(this.retryDelayMs * 2, 5000);
      }
      this.opts.metrics.queueDepth.set(this.queue.length);
      if (this.queue.length < this.opts.maxQueue / 2 && this.spaceWaiters.length) {
        const w = this.spaceWaiters;
        this.spaceWaiters = [];
        w.forEach((f) => f());
      }
    }
    this.running = false;
    const w = this.drainWaiters;
    this.drainWaiters = [];
    w.forEach((f) => f());
  }

  /**
   * A data error (SQLSTATE class 22/23) from one bad row must not block the queue: the batch is
   * retried one message at a time and the message the database refuses is dead-lettered.
   */
  private async processBatchIsolatingPoison(batch: InboundMessage[]): Promise<void> {
    try {
      await this.processBatch(batch);
    } catch (err) {
      if (!isDataError(err)) throw err;
      for (const m of batch) {
        try {
          await this.processBatch([m]);
        } catch (e) {
          if (!isDataError(e)) throw e;
          await this.processBatch([{ ...m, poisoned: `refused by the database: ${(e as Error).message}` }]);
        }
      }
    }
  }

  private async edgeState(sql: Sql, edgeId: string): Promise<EdgeState | null> {
    const hit = this.edges.get(edgeId);
    if (hit) return hit;
    const r = await sql.query<{ site_id: string; acked_seq: number }>('select site_id, acked_seq from edges where edge_id = $1', [edgeId]);
    const row = r.rows[0];
    if (!row) return null;
    // After a restart, events stored above the watermark (a gap was open) must still count.
    const above = await sql.query<{ seq: number }>(
      `select seq from events where edge_id = $1 and seq > $2
       union select seq from dead_letters where edge_id = $1 and seq > $2`,
      [edgeId, row.acked_seq],
    );
    const state: EdgeState = { siteId: row.site_id, acked: row.acked_seq, pending: new Set(above.rows.map((x) => x.seq)), maxSeen: row.acked_seq };
    for (const s of state.pending) state.maxSeen = Math.max(state.maxSeen, s);
    this.edges.set(edgeId, state);
    return state;
  }

  private async processBatch(batch: InboundMessage[]): Promise<void> {
    const end = this.opts.metrics.batchSeconds.startTimer();
    const dead: DeadLetterRow[] = [];
    const valid: Envelope[] = [];
    const statuses: Array<{ edgeId: string; siteId: string; status: StatusMessage }> = [];
    const acks: Array<{ edgeId: string; ack: CommandAck; topic: string; payload: Buffer }> = [];
    const touched = new Set<string>();

    // 1. Classify outside the transaction; edge lookups are cached after the first sight.
    for (const m of batch) {
      const fail = (reason: string, cause: string, edgeId: string | null = null, seq: number | null = null) =>
        dead.push({ topic: m.topic, edgeId, seq, reason, cause, payload: m.payload });
      if (m.rejectReason) {
        fail(m.rejectReason, 'acl', m.rejectEdgeId ?? null);
        continue;
      }
      if (m.payload.length > MAX_ENVELOPE_BYTES) {
        fail(`payload too large: ${m.payload.length} bytes > ${MAX_ENVELOPE_BYTES}`, 'too_large', parseTopic(m.topic, this.opts.topicPrefix)?.edge ?? null);
        continue;
      }
      const t = parseTopic(m.topic, this.opts.topicPrefix);
      if (!t) {
        fail(`topic "${m.topic}" is not one of ours`, 'topic');
        continue;
      }
      if (t.channel !== 'evt' && t.channel !== 'status' && t.channel !== 'cmdack') {
        fail(`edges do not publish on "${t.channel}"`, 'topic', t.edge);
        continue;
      }
      let json: unknown;
      try {
        json = JSON.parse(m.payload.toString('utf8'));
      } catch (e) {
        fail(`malformed JSON: ${(e as Error).message}`, 'json', t.edge);
        continue;
      }
      const edge = await this.edgeState(this.db, t.edge);
      if (!edge) {
        fail(`unknown edge "${t.edge}"`, 'unknown_edge', t.edge);
        continue;
      }
      if (edge.siteId !== t.site) {
        fail(`edge "${t.edge}" belongs to site "${edge.siteId}", not "${t.site}"`, 'topic', t.edge);
        continue;
      }
      if (t.channel === 'cmdack') {
        const a = commandAckSchema.safeParse(json);
        if (!a.success) fail(`cmdack: ${formatIssues(a.error)}`, 'schema', t.edge);
        else acks.push({ edgeId: t.edge, ack: a.data, topic: m.topic, payload: m.payload });
        continue;
      }
      if (t.channel === 'status') {
        const s = statusMessageSchema.safeParse(json);
        if (!s.success) fail(`status: ${formatIssues(s.error)}`, 'schema', t.edge);
        else if (s.data.edgeId !== t.edge) fail(`status edgeId "${s.data.edgeId}" does not match topic edge "${t.edge}"`, 'topic', t.edge);
        else statuses.push({ edgeId: t.edge, siteId: edge.siteId, status: s.data });
        continue;
      }
      const c = checkEnvelope(json);
      const tk = t as Extract<typeof t, { channel: 'evt' }>;
      // The ACL guarantees the topic's edge is the publisher: a seq counts only for that edge.
      const ownSeq = !c.ok && c.edgeId === t.edge ? (c.seq ?? null) : null;
      if (!c.ok) {
        fail(c.reason, 'schema', t.edge, ownSeq);
      } else if (m.poisoned && c.envelope.edgeId === t.edge) {
        fail(m.poisoned, 'database', t.edge, c.envelope.seq);
      } else if (c.envelope.edgeId !== t.edge) {
        fail(`envelope edgeId "${c.envelope.edgeId}" does not match topic edge "${t.edge}"`, 'topic', t.edge);
      } else if (c.envelope.kind !== tk.kind || c.envelope.deviceId !== tk.device) {
        fail(`envelope ${c.envelope.kind}/${c.envelope.deviceId} does not match topic ${tk.kind}/${tk.device}`, 'topic', t.edge, c.envelope.seq);
      } else {
        valid.push(c.envelope);
        continue;
      }
      if (ownSeq !== null || (c.ok && c.envelope.edgeId === t.edge)) touched.add(t.edge);
    }

    // 2. One transaction: events, dead letters, watermarks.
    const accepted: EventDto[] = [];
    const answered: CommandDto[] = [];
    const newMarks = new Map<string, { acked: number; pending: Set<number>; maxSeen: number }>();
    await this.db.transaction(async (tx) => {
      if (valid.length) {
        const r = await tx.query<{ pos: number; edge_id: string; seq: number; received_at: Date }>(
          `insert into events (edge_id, seq, site_id, device_id, kind, ts, data)
           select * from unnest($1::text[], $2::int8[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::jsonb[])
           on conflict (edge_id, seq) do nothing
           returning pos, edge_id, seq, received_at`,
          [
            valid.map((e) => e.edgeId),
            valid.map((e) => e.seq),
            valid.map((e) => this.edges.get(e.edgeId)!.siteId),
            valid.map((e) => e.deviceId),
            valid.map((e) => e.kind),
            valid.map((e) => e.ts),
            valid.map((e) => JSON.stringify(e.data)),
          ],
        );
        const byKey = new Map(valid.map((e) => [`${e.edgeId}:${e.seq}`, e]));
        for (const row of r.rows) {
          const e = byKey.get(`${row.edge_id}:${row.seq}`)!;
          accepted.push({
            id: e.id,
            edgeId: e.edgeId,
            seq: e.seq,
            siteId: this.edges.get(e.edgeId)!.siteId,
            deviceId: e.deviceId,
            kind: e.kind,
            ts: new Date(e.ts).toISOString(),
            receivedAt: new Date(row.received_at).toISOString(),
            data: e.data as Record<string, unknown>,
          });
        }
        for (const e of valid) touched.add(e.edgeId);
      }
      // Watermarks advance on copies; the cache is updated only after commit.
      const seqsByEdge = new Map<string, number[]>();
      for (const e of valid) (seqsByEdge.get(e.edgeId) ?? seqsByEdge.set(e.edgeId, []).get(e.edgeId)!).push(e.seq);
      for (const d of dead) if (d.edgeId !== null && d.seq !== null) (seqsByEdge.get(d.edgeId) ?? seqsByEdge.set(d.edgeId, []).get(d.edgeId)!).push(d.seq);
      // An edge's status says which seqs have left its outbox; below that floor nothing more can come.
      const floors = new Map<string, number>();
      for (const st of statuses) if (st.status.ackedSeq !== undefined) floors.set(st.edgeId, Math.max(floors.get(st.edgeId) ?? 0, st.status.ackedSeq));
      for (const edgeId of new Set([...touched, ...floors.keys()])) {
        const st = this.edges.get(edgeId);
        if (!st) continue;
        const mark = { acked: st.acked, pending: new Set(st.pending), maxSeen: st.maxSeen };
        for (const s of seqsByEdge.get(edgeId) ?? []) {
          if (s > mark.acked) mark.pending.add(s);
          mark.maxSeen = Math.max(mark.maxSeen, s);
        }
        while (mark.pending.has(mark.acked + 1)) mark.pending.delete(++mark.acked);
        const floor = floors.get(edgeId) ?? 0;
        if (floor > mark.acked) {
          for (const [from, to] of missingRanges(mark.acked, floor, mark.pending)) {
            dead.push({
              topic: `(status of ${edgeId})`,
              edgeId,
              seq: null,
              cause: 'lost',
              payload: Buffer.alloc(0),
              reason: `seq ${from === to ? from : `${from}–${to}`} never reached this hub and the edge no longer holds ${from === to ? 'it' : 'them'} (outbox replaced, or the hub's database was reset)`,
            });
          }
          for (const s of mark.pending) if (s <= floor) mark.pending.delete(s);
          mark.acked = floor;
          mark.maxSeen = Math.max(mark.maxSeen, floor);
          while (mark.pending.has(mark.acked + 1)) mark.pending.delete(++mark.acked);
        }
        newMarks.set(edgeId, mark);
      }
      for (const a of acks) {
        const r = await this.hooks.applyCommandAck(tx, a.edgeId, a.ack, new Date());
        if (r.applied) answered.push(r.applied);
        else if (r.reason) dead.push({ topic: a.topic, edgeId: a.edgeId, seq: null, reason: r.reason, cause: 'topic', payload: a.payload });
      }
      if (dead.length) {
        await tx.query(
          `insert into dead_letters (topic, edge_id, seq, reason, payload_bytes, payload_preview)
           select * from unnest($1::text[], $2::text[], $3::int8[], $4::text[], $5::int4[], $6::text[])
           on conflict (edge_id, seq) where edge_id is not null and seq is not null do nothing`,
          [
            dead.map((d) => d.topic),
            dead.map((d) => d.edgeId),
            dead.map((d) => (d.edgeId !== null ? d.seq : null)),
            dead.map((d) => d.reason),
            dead.map((d) => d.payload.length),
            // Postgres text cannot hold NUL: show it escaped, keep the rest readable.
            dead.map((d) => d.payload.subarray(0, PREVIEW_BYTES).toString('utf8').replace(/\u0000/g, '\\0')),
          ],
        );
      }
      if (newMarks.size) {
        const ids = [...newMarks.keys()];
        await tx.query(
          `update edges e set acked_seq = greatest(e.acked_seq, m.acked), last_seen_at = now()
           from unnest($1::text[], $2::int8[]) as m(edge_id, acked) where e.edge_id = m.edge_id`,
          [ids, ids.map((id) => newMarks.get(id)!.acked)],
        );
      }
      for (const s of statuses) {
        await tx.query(`update edges set online = $2, status = $3::jsonb, last_seen_at = now() where edge_id = $1`, [
          s.edgeId,
          s.status.state === 'online',
          JSON.stringify(s.status),
        ]);
      }
    });
    end();

    // 3. After commit: caches, acks, live feed, metrics.
    const m = this.opts.metrics;
    for (const [edgeId, mark] of newMarks) {
      const st = this.edges.get(edgeId)!;
      Object.assign(st, mark);
      m.ackLag.set({ edge: edgeId }, st.maxSeen - st.acked);
      this.hooks.publishAck(st.siteId, edgeId, st.acked);
    }
    m.ingested.inc({ outcome: 'accepted' }, accepted.length);
    m.ingested.inc({ outcome: 'duplicate' }, valid.length - accepted.length);
    m.ingested.inc({ outcome: 'status' }, statuses.length);
    m.ingested.inc({ outcome: 'cmdack' }, acks.length);
    if (dead.length) {
      m.ingested.inc({ outcome: 'dead_letter' }, dead.length);
      for (const d of dead) m.deadLetters.inc({ cause: d.cause });
      this.opts.logger.warn({ count: dead.length, first: dead[0]!.reason }, 'ingest: payloads dead-lettered');
    }
    if (accepted.length) this.hooks.onAccepted(accepted);
    for (const s of statuses) this.hooks.onStatus(s);
    if (answered.length) this.hooks.onCommands(answered);
  }
}

function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

/** Runs of seqs in (after, upTo] that are not in `have`, as [from, to] pairs. */
function missingRanges(after: number, upTo: number, have: Set<number>): Array<[number, number]> {
  const present = [...have].filter((s) => s > after && s <= upTo).sort((a, b) => a - b);
  const out: Array<[number, number]> = [];
  let next = after + 1;
  for (const s of [...present, upTo + 1]) {
    if (s > next) out.push([next, s - 1]);
    next = s + 1;
  }
  return out;
}
