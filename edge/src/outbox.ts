import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { envelopeFrom, MAX_ENVELOPE_BYTES, type Envelope, type EventKind, type OutboxHealth } from '@cjp/contracts';
import type { DeviceReading } from './reading.js';

/** One stored event, ready to publish: `payload` is the envelope's JSON. */
export interface OutboxRow {
  seq: number;
  kind: EventKind;
  deviceId: string;
  payload: string;
}

export type AdoptResult =
  /** our numbering was already past the hub's */
  | { adopted: false }
  /** the hub had applied seqs we never assigned from this outbox; numbering jumped past them */
  | { adopted: true; renumbered: number; dropped: number };

const SCHEMA = `
CREATE TABLE IF NOT EXISTS outbox (
  seq INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  device_id TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value ANY NOT NULL
) STRICT;
`;

type MetaKey = 'edge_id' | 'next_seq' | 'acked_seq' | 'hub_seen';

/** Bounds of the outbox; see README "Outbox bounds" for the policy. */
export interface OutboxLimits {
  /** JSON bytes of unacked events; at this size new readings are refused (visibly, never dropped) */
  maxBytes: number;
  /** age of the oldest unacked event, s; reaching it raises the alarm to "full" */
  maxAgeS: number;
}

/** The outbox against its bounds: warning from this share of either bound. */
export const OUTBOX_WARNING_RATIO = 0.8;

export const DEFAULT_OUTBOX_LIMITS: OutboxLimits = { maxBytes: 256 * 1024 * 1024, maxAgeS: 7 * 24 * 3600 };

/** A reading the outbox refused because it is at its size bound. */
export class OutboxFullError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutboxFullError';
  }
}

/**
 * The edge's durable outbox (SQLite, WAL). Every reading gets its seq and is committed here
 * before anything is published; rows leave only when the hub's ack covers them.
 * One process at a time: the file is locked while open.
 */
export class Outbox {
  private readonly db: Database.Database;
  private readonly stmts;
  private readonly appendTx: Database.Transaction<(reading: DeviceReading) => Envelope>;
  private readonly ackTx: Database.Transaction<(seq: number) => number>;
  private readonly adoptTx: Database.Transaction<(seq: number) => AdoptResult>;
  private nextSeqCache: number;
  private ackedSeqCache: number;
  private bytesCache = 0;
  /** refusals since open, for health */
  refused = 0;

  private constructor(
    readonly path: string,
    readonly edgeId: string,
    readonly limits: OutboxLimits,
    private readonly clock: () => number,
  ) {
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path, { timeout: 250 });
    try {
      this.db.pragma('journal_mode = WAL');
      // Committed transactions survive a process crash; only an OS crash can lose the last few.
      this.db.pragma('synchronous = NORMAL');
      // A second agent on the same file would interleave seqs; hold the lock while open.
      this.db.pragma('locking_mode = EXCLUSIVE');
      this.db.exec(SCHEMA);
      // Outboxes written before the age bound existed lack created_at.
      const cols = this.db.prepare<[], { name: string }>('PRAGMA table_info(outbox)').all();
      if (!cols.some((c) => c.name === 'created_at')) this.db.exec('ALTER TABLE outbox ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0');
      // In exclusive mode the lock is taken by the first write, not by opening.
      this.db.exec('BEGIN IMMEDIATE; COMMIT');
    } catch (err) {
      this.db.close();
      if ((err as { code?: string }).code === 'SQLITE_BUSY') throw new Error(`outbox ${path} is in use by another process`);
      throw err;
    }
    this.stmts = {
      getMeta: this.db.prepare<[MetaKey], { value: number | string }>('SELECT value FROM meta WHERE key = ?'),
      setMeta: this.db.prepare<[MetaKey, number | string]>(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      ),
      insert: this.db.prepare<[number, string, string, string, number]>(
        'INSERT INTO outbox (seq, kind, device_id, payload, created_at) VALUES (?, ?, ?, ?, ?)',
      ),
      bytesUpTo: this.db.prepare<[number], { b: number }>('SELECT COALESCE(SUM(length(CAST(payload AS BLOB))), 0) AS b FROM outbox WHERE seq <= ?'),
      oldest: this.db.prepare<[], { createdAt: number }>('SELECT created_at AS createdAt FROM outbox ORDER BY seq LIMIT 1'),
      pending: this.db.prepare<[number, number], OutboxRow>(
        'SELECT seq, kind, device_id AS deviceId, payload FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?',
      ),
      all: this.db.prepare<[], OutboxRow>('SELECT seq, kind, device_id AS deviceId, payload FROM outbox ORDER BY seq'),
      deleteUpTo: this.db.prepare<[number]>('DELETE FROM outbox WHERE seq <= ?'),
      renumber: this.db.prepare<[number, string, number]>('UPDATE outbox SET seq = ?, payload = ? WHERE seq = ?'),
      count: this.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM outbox'),
    };
    const owner = this.meta('edge_id');
    if (owner === undefined) this.stmts.setMeta.run('edge_id', edgeId);
    else if (owner !== edgeId) {
      this.db.close();
      throw new Error(`outbox ${path} belongs to edge "${owner}", not "${edgeId}"`);
    }
    this.nextSeqCache = Number(this.meta('next_seq') ?? 1);
    this.ackedSeqCache = Number(this.meta('acked_seq') ?? 0);
    this.bytesCache = this.stmts.bytesUpTo.get(Number.MAX_SAFE_INTEGER)?.b ?? 0;

    this.appendTx = this.db.transaction((r: DeviceReading): Envelope => {
      const seq = Number(this.meta('next_seq') ?? 1);
      const envelope = envelopeFrom({ edgeId: this.edgeId, seq, deviceId: r.deviceId, kind: r.kind, ts: r.ts, data: r.data });
      const payload = JSON.stringify(envelope);
      const bytes = Buffer.byteLength(payload);
      if (bytes > MAX_ENVELOPE_BYTES) throw new Error(`envelope of ${bytes} bytes exceeds the hub's ${MAX_ENVELOPE_BYTES}-byte limit`);
      if (this.bytesCache + bytes > this.limits.maxBytes) {
        this.refused += 1;
        throw new OutboxFullError(
          `outbox full: ${this.bytesCache} bytes unacked, bound ${this.limits.maxBytes}; the reading was refused (the hub has not acked for too long)`,
        );
      }
      this.stmts.insert.run(seq, r.kind, r.deviceId, payload, this.clock());
      this.bytesCache += bytes;
      this.stmts.setMeta.run('next_seq', seq + 1);
      this.nextSeqCache = seq + 1;
      return envelope;
    });

    this.ackTx = this.db.transaction((seq: number): number => {
      this.bytesCache -= this.stmts.bytesUpTo.get(seq)?.b ?? 0;
      const { changes } = this.stmts.deleteUpTo.run(seq);
      this.stmts.setMeta.run('acked_seq', seq);
      this.stmts.setMeta.run('hub_seen', 1);
      this.ackedSeqCache = seq;
      return changes;
    });

    this.adoptTx = this.db.transaction((seq: number): AdoptResult => {
      const fresh = Number(this.meta('hub_seen') ?? 0) === 0;
      const rows = this.stmts.all.all();
      let next = seq + 1;
      if (fresh) {
        for (const row of rows) {
          const env = JSON.parse(row.payload) as Envelope;
          const payload = JSON.stringify(envelopeFrom({ ...env, seq: next }));
          this.bytesCache += Buffer.byteLength(payload) - Buffer.byteLength(row.payload);
          this.stmts.renumber.run(next, payload, row.seq);
          next += 1;
        }
      } else {
        this.stmts.deleteUpTo.run(seq);
        this.bytesCache = 0;
      }
      this.stmts.setMeta.run('next_seq', next);
      this.stmts.setMeta.run('acked_seq', seq);
      this.stmts.setMeta.run('hub_seen', 1);
      this.nextSeqCache = next;
      this.ackedSeqCache = seq;
      return fresh ? { adopted: true, renumbered: rows.length, dropped: 0 } : { adopted: true, renumbered: 0, dropped: rows.length };
    });
  }

  /** Opens (creating if needed) the outbox of `edgeId` at `path`. */
  static open(path: string, edgeId: string, limits: OutboxLimits = DEFAULT_OUTBOX_LIMITS, clock: () => number = Date.now): Outbox {
    return new Outbox(path, edgeId, limits, clock);
  }

  /** JSON bytes of the events waiting for the hub's ack. */
  get bytes(): number {
    return this.bytesCache;
  }

  /** Depth, size and age against the bounds: `warning` from 80 % of either, `full` at either. */
  health(): OutboxHealth {
    const oldest = this.stmts.oldest.get()?.createdAt;
    const oldestAgeS = oldest === undefined ? null : oldest === 0 ? null : Math.max(0, (this.clock() - oldest) / 1000);
    const { maxBytes, maxAgeS } = this.limits;
    const share = Math.max(this.bytesCache / maxBytes, (oldestAgeS ?? 0) / maxAgeS);
    return {
      depth: this.depth(),
      bytes: this.bytesCache,
      oldestAgeS: oldestAgeS === null ? null : Math.round(oldestAgeS),
      maxBytes,
      maxAgeS,
      level: share >= 1 ? 'full' : share >= OUTBOX_WARNING_RATIO ? 'warning' : 'ok',
    };
  }

  /** Assigns the next seq and commits the envelope; throws if it cannot be stored. */
  append(reading: DeviceReading): Envelope {
    return this.appendTx.immediate(reading);
  }

  /** Up to `limit` rows with seq > afterSeq, in seq order. */
  pending(afterSeq: number, limit: number): OutboxRow[] {
    return this.stmts.pending.all(afterSeq, limit);
  }

  /**
   * The hub has durably applied every seq ≤ `seq`: drop those rows. Returns how many rows left.
   * A watermark beyond anything this outbox numbered is handled by adoptHubWatermark.
   */
  ackUpTo(seq: number): number {
    if (seq >= this.nextSeqCache) {
      const r = this.adoptHubWatermark(seq);
      return r.adopted ? r.dropped : 0;
    }
    if (seq <= this.ackedSeqCache) {
      this.markHubSeen();
      return 0;
    }
    return this.ackTx.immediate(seq);
  }

  /**
   * The hub's retained ack says it applied up to `seq`, yet our next seq is ≤ `seq`: this outbox
   * was lost or replaced. Numbering jumps to seq+1 so (edgeId, seq) is never reused. Rows still
   * waiting are renumbered past `seq` when this outbox never heard from the hub (they are new
   * readings whose seqs collide with old events), and dropped otherwise (a restored copy whose
   * events the hub already applied).
   */
  adoptHubWatermark(seq: number): AdoptResult {
    if (seq < this.nextSeqCache) return { adopted: false };
    return this.adoptTx.immediate(seq);
  }

  /** Rows waiting for the hub's ack. */
  depth(): number {
    return this.stmts.count.get()?.n ?? 0;
  }

  /** The last seq assigned (0 before the first reading). */
  get lastSeq(): number {
    return this.nextSeqCache - 1;
  }

  /** The hub's watermark as last recorded: every seq ≤ this is applied. */
  get ackedSeq(): number {
    return this.ackedSeqCache;
  }

  get isOpen(): boolean {
    return this.db.open;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private meta(key: MetaKey): number | string | undefined {
    return this.stmts.getMeta.get(key)?.value;
  }

  private markHubSeen(): void {
    if (Number(this.meta('hub_seen') ?? 0) === 0) this.stmts.setMeta.run('hub_seen', 1);
  }
}
