import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Db, Sql } from './db.js';

/**
 * A named lease: "the X job runs on one hub replica". The holder renews it; another replica takes
 * it once it has expired. Times are the database's, so replicas' clocks do not matter. A job that
 * keeps state in memory checks `stillHeld` inside each of its transactions (fencing).
 */
export class Lease {
  /** this replica's name as a holder */
  readonly holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

  constructor(
    private readonly db: Db,
    readonly name: string,
  ) {}

  /** Takes or renews the lease for `ms`; `force` takes it even from a live holder. True when held. */
  async acquire(ms: number, force = false): Promise<boolean> {
    const r = await this.db.query(
      `insert into core_leases (name, holder, expires_at) values ($1, $2, now() + $3 * interval '1 millisecond')
       on conflict (name) do update set holder = excluded.holder, expires_at = excluded.expires_at
       where $4 or core_leases.holder = excluded.holder or core_leases.expires_at < now()
       returning holder`,
      [this.name, this.holder, ms, force],
    );
    return r.rows.length === 1;
  }

  /** Hands over at once rather than after the lease runs out. */
  async release(): Promise<void> {
    await this.db.query('update core_leases set expires_at = now() where name = $1 and holder = $2', [this.name, this.holder]);
  }

  /**
   * Fencing, inside the job's transaction: false when the lease ran out (a long pause). `for share`
   * makes a takeover wait until the transaction commits.
   */
  async stillHeld(tx: Sql): Promise<boolean> {
    const r = await tx.query('select 1 from core_leases where name = $1 and holder = $2 and expires_at > now() for share', [this.name, this.holder]);
    return r.rows.length === 1;
  }

  /** Who holds it now, if anyone (health, tests). */
  async current(): Promise<{ holder: string; expiresAt: Date } | null> {
    const r = await this.db.query<{ holder: string; expires_at: Date }>('select holder, expires_at from core_leases where name = $1 and expires_at > now()', [this.name]);
    const row = r.rows[0];
    return row ? { holder: row.holder, expiresAt: new Date(row.expires_at) } : null;
  }
}
