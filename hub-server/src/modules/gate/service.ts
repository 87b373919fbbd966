import { HubError, type GateSettings } from '@cjp/contracts';
import type { Sql } from '../../core/db.js';
import { iso, passageDto, LeaseLost, standbyError, type PassageRow, type Pending, type Rec } from './passage.js';
import { GateResolutions } from './resolutions.js';

export type { GateHooks } from './passage.js';
export { normPlate } from './passage.js';


/**
 * The gate: joins each lane's device readings into passages, decides release or hold against the
 * release notes, drives the barrier and LED, and takes officers' resolutions.
 *
 * It reads the events table from its own cursor, in the order ingest stored them, and moves the
 * cursor in the same transaction as the passages those events changed: after a crash or restart
 * every reading is applied to the gate exactly once. All work (events, timers, officers) runs one
 * step at a time, so a lane never sees two changes at once.
 */
export class GateService extends GateResolutions {
  get gateSettings(): GateSettings {
    return this.settings;
  }

  async start(opts: { tickMs?: number; leaseMs?: number } = {}): Promise<void> {
    this.leaseMs = opts.leaseMs ?? this.settings.leaseMs ?? this.leaseMs;
    // every replica knows the lanes (which devices are the gate's), the leader also their passages
    await this.serial(() => this.indexLanes());
    await this.serial(() => this.checkLease());
    this.started = true;
    this.timer = setInterval(() => void this.serial(() => this.tick()).catch(() => undefined), opts.tickMs ?? 250);
    this.timer.unref();
    this.leaseTimer = setInterval(
      () => void this.serial(() => this.checkLease()).catch((err: Error) => this.logger.warn({ err: err.message }, 'gate: lease check failed')),
      Math.max(250, Math.floor(this.leaseMs / 3)),
    );
    this.leaseTimer.unref();
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    await this.chain.catch(() => undefined);
    if (this.leader) {
      // hand over at once rather than after the lease runs out
      await this.lease.release().catch(() => undefined);
      this.leader = false;
    }
  }

  /** The devices the gate's lanes drive (barrier, LED): commands to them are the gate officers'. */
  claimedDevices(): Array<{ edgeId: string; deviceId: string }> {
    return [...this.lanes.values()].flatMap((l) => [l.devices.barrier, l.devices.led].filter((d): d is string => !!d).map((deviceId) => ({ edgeId: l.edgeId, deviceId })));
  }

  /** Whether this hub replica runs the gate (holds the lease); the others stand by. */
  get isLeader(): boolean {
    return this.leader;
  }

  /**
   * Takes or renews the gate lease (database time, so replicas' clocks do not matter). A replica
   * that becomes the leader first reloads the open passages, as they were left by the one before.
   */
  protected async checkLease(): Promise<void> {
    if (this.stopped) return;
    // PGlite serves one process (its folder is locked), so a holder found at start is a previous
    // run of this hub (killed before it could hand over): no need to wait for its lease to run out.
    const force = this.db.engine === 'pglite' && !this.started;
    const holds = await this.lease.acquire(this.leaseMs, force);
    if (holds && !this.leader) {
      await this.reload();
      this.leader = true;
      this.logger.info({ replica: this.lease.holder }, 'gate: this hub replica runs the gate');
      if (this.started) this.kick();
    } else if (!holds && this.leader) {
      this.standDown('gate: lease lost to another hub replica; standing by');
    } else if (!holds && !this.started) {
      this.logger.info({ replica: this.lease.holder }, 'gate: another hub replica runs the gate; standing by');
    }
  }

  /** No longer the leader: forget the open passages (the next leader reloads them from the database). */
  protected standDown(why: string): void {
    this.leader = false;
    this.openRecs.clear();
    this.logger.error({ replica: this.lease.holder }, why);
  }

  /** Lane configuration changed: index the devices again. */
  async reloadLanes(): Promise<void> {
    await this.serial(() => this.indexLanes());
  }

  protected async indexLanes(): Promise<void> {
    const lanes = await this.registry.lanes();
    this.lanes = new Map(lanes.map((l) => [l.id, l]));
    this.byDevice.clear();
    for (const l of lanes) {
      const put = (d: string | null, role: 'etag' | 'camera' | 'weighbridge' | 'other') => d && this.byDevice.set(`${l.edgeId}/${d}`, { lane: l, role });
      l.devices.etag.forEach((d) => put(d, 'etag'));
      l.devices.cameras.forEach((d) => put(d, 'camera'));
      put(l.devices.weighbridge, 'weighbridge');
      put(l.devices.barrier, 'other');
      put(l.devices.led, 'other');
    }
    this.twoGate = new Set(lanes.filter((l) => l.gateNo === 2).map((l) => l.direction));
  }

  /** Rebuilds the in-memory lanes and open passages from the database (start, or after a failed step). */
  protected async reload(): Promise<void> {
    await this.indexLanes();
    const rows = await this.db.query<PassageRow>(`select * from gate_passages where open or state = 'collecting' order by opened_at`);
    this.openRecs.clear();
    const now = this.clock.now().getTime();
    for (const r of rows.rows) {
      const p = passageDto(r);
      const rec: Rec = { p, collectingSince: now, stableSeenAt: p.readings.weights.some((w) => w.trigger === 'stable' && !w.late) ? now : null, recollectAt: null, freshSinceRecollect: false, replaced: new Set() };
      (this.openRecs.get(p.laneId) ?? this.openRecs.set(p.laneId, []).get(p.laneId)!).push(rec);
    }
  }

  /** New events were stored: read them (coalesced). */
  kick(): void {
    // Before start() the lanes are unknown: reading events then would move the cursor past them.
    if (this.stopped || !this.started || !this.leader) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    void this.serial(() => this.pump())
      .catch(() => undefined)
      .finally(() => {
        this.pumping = false;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  protected serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Runs one step in a transaction; on failure the memory is rebuilt from the database. */
  protected async step(fn: (tx: Sql, pending: Pending[], touched: Set<Rec>) => Promise<void>): Promise<void> {
    const pending: Pending[] = [];
    const touched = new Set<Rec>();
    this.notesChanged = [];
    this.passed = [];
    if (!this.leader) throw standbyError();
    try {
      await this.db.transaction(async (tx) => {
        // a replica whose lease ran out (a long pause) must not decide
        if (!(await this.lease.stillHeld(tx))) throw new LeaseLost();
        await fn(tx, pending, touched);
        for (const pd of pending) await this.queueCommands(tx, pd);
        for (const r of touched) await this.save(tx, r);
      });
      this.lastError = null;
    } catch (err) {
      if (err instanceof LeaseLost) {
        this.standDown('gate: lease expired before a step; standing by');
        throw standbyError();
      }
      this.lastError = (err as Error).message;
      this.logger.error({ err }, 'gate: step failed; state reloaded from the database');
      await this.reload().catch(() => undefined);
      throw err;
    }
    await this.afterCommit(pending, touched);
  }

  /**
   * A decision's barrier and LED commands, queued in its transaction: a stop between the commit and
   * the publish cannot lose them; whatever is still queued goes out when the edge is next online.
   */
  protected async queueCommands(tx: Sql, pd: Pending): Promise<void> {
    for (const c of pd.commands) {
      try {
        pd.decision.commandIds.push((await this.hooks.queueCommand(tx, pd.lane.edgeId, c.deviceId, c.req, pd.decision.by)).id);
      } catch (err) {
        if (!(err instanceof HubError)) throw err;
        this.logger.error({ err: err.message, passage: pd.rec.p.id, device: c.deviceId }, 'gate: command not sent');
        pd.decision.commandIds.push(`not-sent: ${c.deviceId}: ${err.message}`.slice(0, 200));
      }
    }
  }

  protected async pump(): Promise<void> {
    for (let round = 0; round < 100 && !this.stopped; round++) {
      let more = false;
      await this.step(async (tx, pending, touched) => {
        // The cursor moves in the same transaction as the passages these events changed.
        const batch = await this.cursor.next(tx, 500);
        if (!batch.items.length) return;
        more = batch.items.length === 500;
        for (const { pos, value: e } of batch.items)
          await this.apply(tx, { pos, edge_id: e.edgeId, seq: e.seq, device_id: e.deviceId, kind: e.kind, ts: e.ts, data: e.data }, pending, touched);
        for (const r of touched) if (r.p.state === 'collecting') await this.evaluate(tx, r, pending, touched, false);
        await batch.advance();
      });
      if (!more) return;
    }
  }



  protected async tick(): Promise<void> {
    // Other hub replicas store events too (a shared MQTT subscription splits them) and cannot kick
    // this one: on PostgreSQL the leader also looks for new events on every tick.
    if (this.leader && this.db.engine === 'postgres') this.kick();
    const now = this.clock.now().getTime();
    const due: Rec[] = [];
    for (const recs of this.openRecs.values())
      for (const r of recs) {
        if (r.p.state === 'collecting') {
          const identified = r.p.readings.plates.some((x) => !x.late) || r.p.readings.etags.some((x) => !x.late);
          const waitOver = identified && r.stableSeenAt !== null && now - r.stableSeenAt >= this.settings.containerWaitMs;
          if (now - r.collectingSince >= this.settings.collectTimeoutMs || waitOver) due.push(r);
        } else if (now - new Date(r.p.decidedAt ?? r.p.openedAt).getTime() >= this.settings.leaveTimeoutMs) due.push(r);
      }
    if (!due.length) return;
    await this.step(async (tx, pending, touched) => {
      for (const r of due) {
        if (r.p.state === 'collecting') {
          const timedOut = now - r.collectingSince >= this.settings.collectTimeoutMs;
          await this.evaluate(tx, r, pending, touched, timedOut, timedOut ? 'timeout' : undefined);
        } else {
          r.p.open = false;
          r.p.closedAt = iso(now);
          r.p.closeReason = 'timeout';
          const recs = this.openRecs.get(r.p.laneId)!;
          recs.splice(recs.indexOf(r), 1);
          touched.add(r);
        }
      }
    });
  }


  /** Resolves when every event stored so far has been applied to the gate (tests, shutdown). */
  async settled(): Promise<void> {
    await this.serial(() => this.pump());
  }
}
