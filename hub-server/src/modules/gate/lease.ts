import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Db, Sql } from '../../db/db.js';

/**
 * The gate lease (table gate_lease): one hub replica at a time runs the gate, since it keeps each
 * lane's open passages in memory. Times are the database's, so replicas' clocks do not matter.
 */
export class GateLease {
  readonly holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

  constructor(private readonly db: Db) {}

  /** Takes or renews the lease for `ms`; `force` takes it even from a live holder. True when held. */
  async acquire(ms: number, force: boolean): Promise<boolean> {
    const r = await this.db.query(
      `insert into gate_lease (id, holder, expires_at) values (1, $1, now() + $2 * interval '1 millisecond')
       on conflict (id) do update set holder = excluded.holder, expires_at = excluded.expires_at
       where $3 or gate_lease.holder = excluded.holder or gate_lease.expires_at < now()
       returning holder`,
      [this.holder, ms, force],
    );
    return r.rows.length === 1;
  }

  /** Hands over at once rather than after the lease runs out. */
  async release(): Promise<void> {
    await this.db.query('update gate_lease set expires_at = now() where id = 1 and holder = $1', [this.holder]);
  }

  /**
   * Fencing, inside a step's transaction: false when the lease ran out (a long pause). 'for share'
   * makes a takeover wait for the step to commit.
   */
  async stillHeld(tx: Sql): Promise<boolean> {
    const r = await tx.query('select 1 from gate_lease where id = 1 and holder = $1 and expires_at > now() for share', [this.holder]);
    return r.rows.length === 1;
  }
}
