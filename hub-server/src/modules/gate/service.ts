import { randomUUID } from 'node:crypto';
import {
  HubError,
  containerDataSchema,
  plateDataSchema,
  rfidDataSchema,
  weightDataSchema,
  type CommandDto,
  type CommandRequest,
  type Decision,
  type GateSettings,
  type Lane,
  type Note,
  type NotePassedEvent,
  type Passage,
  type PassageListQuery,
  type ResolveAction,
} from '@cjp/contracts';
import type { Principal } from '../../api/http.js';
import { systemClock, type Clock } from '../../core/clock.js';
import type { FeedCursor } from '../../core/consumer.js';
import type { Db, Sql } from '../../core/db.js';
import type { Lease } from '../../core/lease.js';
import type { Logger } from '../../core/logger.js';
import { canonicalDecimal } from '../../core/quantity.js';
import type { StoredEvent } from '../devices/index.js';
import type { NoteService } from './notes.js';
import type { GateRegistry } from './registry.js';
import { decide, usable, type DecideResult } from './rules.js';

export interface GateHooks {
  /** stores a device command in the decision's transaction (CommandService.queue) */
  queueCommand(tx: Sql, edgeId: string, deviceId: string, req: CommandRequest, issuedBy: string): Promise<CommandDto>;
  /** publishes queued commands after the commit (CommandService.publishQueued) */
  publishCommands(ids: readonly string[]): Promise<void>;
  onPassage(p: Passage): void;
  onNote(n: Note): void;
  /** a note's vehicle passed, inside the pass's transaction (the gate.notePassed event) */
  notePassed(tx: Sql, e: NotePassedEvent): Promise<void>;
  /** after the commit of passes */
  onNotePassed(e: NotePassedEvent): void;
}

interface EventRow {
  pos: number;
  edge_id: string;
  seq: number;
  device_id: string;
  kind: string;
  ts: Date;
  data: Record<string, unknown>;
}

/** A passage as the engine holds it: the DTO plus what only the engine needs. */
interface Rec {
  p: Passage;
  /** hub clock, ms: when it started (or restarted, after re-collect) collecting */
  collectingSince: number;
  /** hub clock, ms: when its stable weight arrived (container wait counts from here) */
  stableSeenAt: number | null;
  /** hub clock, ms: an officer asked to re-collect; new identity/container reads replace the old */
  recollectAt: number | null;
  /** a plate, e-tag, container or stable weight was read since the re-collect */
  freshSinceRecollect: boolean;
  replaced: Set<'plates' | 'etags' | 'containers'>;
}

interface Pending {
  rec: Rec;
  decision: Decision;
  lane: Lane;
  commands: Array<{ deviceId: string; req: CommandRequest }>;
}

const iso = (ms: number) => new Date(ms).toISOString();
/** The step's fencing check failed: another replica may have taken the gate over. */
class LeaseLost extends Error {}
const standbyError = () => new HubError('HUB_ERR_UNAVAILABLE', 'another hub replica runs the gate (this one does not hold the gate lease); try again shortly');

const emptyReadings = (): Passage['readings'] => ({ plates: [], etags: [], containers: [], weights: [] });

/**
 * The gate: joins each lane's device readings into passages, decides release or hold against the
 * release notes, drives the barrier and LED, and takes officers' resolutions.
 *
 * It reads the events table from its own cursor, in the order ingest stored them, and moves the
 * cursor in the same transaction as the passages those events changed: after a crash or restart
 * every reading is applied to the gate exactly once. All work (events, timers, officers) runs one
 * step at a time, so a lane never sees two changes at once.
 */
export class GateService {
  private lanes = new Map<string, Lane>();
  private byDevice = new Map<string, { lane: Lane; role: 'etag' | 'camera' | 'weighbridge' | 'other' }>();
  private openRecs = new Map<string, Rec[]>();
  private chain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private pumping = false;
  private again = false;
  private stopped = false;
  private started = false;
  private leader = false;
  private leaseMs = 15_000;
  private leaseTimer: NodeJS.Timeout | null = null;
  /** lanes with a gate-2 lane of the same direction: two-gate mode (passed gate 1 / 2) */
  private twoGate = new Set<Lane['direction']>();
  lastError: string | null = null;

  constructor(
    private readonly db: Db,
    private readonly registry: GateRegistry,
    private readonly notes: NoteService,
    private readonly settings: GateSettings & { leaseMs?: number },
    private readonly hooks: GateHooks,
    private readonly logger: Logger,
    /** "gate.passages": this replica runs the gate */
    private readonly lease: Lease,
    /** where the gate stands in the devices.events feed */
    private readonly cursor: FeedCursor<StoredEvent>,
    private readonly clock: Clock = systemClock,
  ) {}

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
  private async checkLease(): Promise<void> {
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
  private standDown(why: string): void {
    this.leader = false;
    this.openRecs.clear();
    this.logger.error({ replica: this.lease.holder }, why);
  }

  /** Lane configuration changed: index the devices again. */
  async reloadLanes(): Promise<void> {
    await this.serial(() => this.indexLanes());
  }

  private async indexLanes(): Promise<void> {
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
  private async reload(): Promise<void> {
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

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Runs one step in a transaction; on failure the memory is rebuilt from the database. */
  private async step(fn: (tx: Sql, pending: Pending[], touched: Set<Rec>) => Promise<void>): Promise<void> {
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
  private async queueCommands(tx: Sql, pd: Pending): Promise<void> {
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

  private async pump(): Promise<void> {
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

  private async apply(tx: Sql, ev: EventRow, pending: Pending[], touched: Set<Rec>): Promise<void> {
    const route = this.byDevice.get(`${ev.edge_id}/${ev.device_id}`);
    if (!route || route.role === 'other') return;
    const lane = route.lane;
    const eventId = `${ev.edge_id}:${ev.seq}`;
    const ignore = (reason: string) =>
      tx.query('insert into gate_ignored_readings (event_id, lane_id, kind, reason) values ($1, $2, $3, $4) on conflict do nothing', [eventId, lane.id, ev.kind, reason]);
    if (!lane.enabled) return void (await ignore('lane disabled'));
    const now = this.clock.now().getTime();
    const ts = new Date(ev.ts).getTime();
    const ageMs = now - ts;
    const recs = this.openRecs.get(lane.id) ?? this.openRecs.set(lane.id, []).get(lane.id)!;
    const collecting = recs.find((r) => r.p.state === 'collecting');
    const decidedOpen = recs.filter((r) => r.p.state !== 'collecting');
    const tsIso = new Date(ev.ts).toISOString();

    if (ageMs > this.settings.staleAfterMs) {
      // Too old to act on (the hub was away): never opens a barrier, but joins the passage it belongs to.
      const host = collecting ?? decidedOpen[decidedOpen.length - 1];
      if (host && ts >= new Date(host.p.openedAt).getTime() - this.settings.collectTimeoutMs) {
        this.attach(host, ev, eventId, tsIso, true);
        touched.add(host);
      }
      return void (await ignore(`stale: read ${Math.round(ageMs / 1000)} s before the gate saw it (limit ${this.settings.staleAfterMs / 1000} s)`));
    }

    const open = (): Rec => {
      const p: Passage = {
        id: randomUUID(),
        laneId: lane.id,
        direction: lane.direction,
        state: 'collecting',
        open: true,
        vehicleNo: null,
        vehicleIcNo: null,
        passportNo: null,
        weighedKg: null,
        holdReasons: [],
        readings: emptyReadings(),
        decisions: [],
        resolutions: [],
        openedAt: iso(now),
        decidedAt: null,
        closedAt: null,
        closeReason: null,
        updatedAt: iso(now),
      };
      const rec: Rec = { p, collectingSince: now, stableSeenAt: null, recollectAt: null, freshSinceRecollect: false, replaced: new Set() };
      recs.push(rec);
      return rec;
    };
    const close = (r: Rec, reason: NonNullable<Passage['closeReason']>) => {
      r.p.open = false;
      r.p.closedAt = iso(now);
      r.p.closeReason = reason;
      recs.splice(recs.indexOf(r), 1);
      touched.add(r);
    };

    if (ev.kind === 'weight') {
      const w = weightDataSchema.safeParse(ev.data);
      if (!w.success) return void (await ignore('weight data not understood'));
      if (w.data.trigger === 'zero') {
        // The scale is empty: whoever stood on it has left.
        for (const r of decidedOpen) {
          this.attach(r, ev, eventId, tsIso, false);
          close(r, 'left');
        }
        if (collecting && collecting.recollectAt !== null) {
          // Re-collecting, the truck drove off the scale (to weigh again): its old weight no longer counts.
          for (const x of collecting.p.readings.weights) x.late = true;
          collecting.stableSeenAt = null;
          this.attach(collecting, ev, eventId, tsIso, false);
          touched.add(collecting);
        } else if (collecting && collecting.stableSeenAt !== null) {
          this.attach(collecting, ev, eventId, tsIso, false);
          await this.evaluate(tx, collecting, pending, touched, true);
          if (collecting.p.state !== 'collecting') close(collecting, 'left');
        } else if (!decidedOpen.length) await ignore('the scale returned to zero with no passage on the lane');
        return;
      }
      const host = collecting ?? (decidedOpen.length ? decidedOpen[decidedOpen.length - 1]! : open());
      this.attach(host, ev, eventId, tsIso, host.p.state !== 'collecting');
      if (host.p.state === 'collecting') host.stableSeenAt = now;
      touched.add(host);
      return;
    }

    if (ev.kind === 'container') {
      const c = containerDataSchema.safeParse(ev.data);
      if (!c.success) return void (await ignore('container data not understood'));
      const host = collecting ?? open();
      this.attach(host, ev, eventId, tsIso, false);
      touched.add(host);
      return;
    }

    if (ev.kind === 'plate' || ev.kind === 'rfid') {
      const ok = ev.kind === 'plate' ? plateDataSchema.safeParse(ev.data).success : rfidDataSchema.safeParse(ev.data).success;
      if (!ok) return void (await ignore(`${ev.kind} data not understood`));
      if (collecting) {
        this.attach(collecting, ev, eventId, tsIso, false);
        touched.add(collecting);
        return;
      }
      const latest = decidedOpen[decidedOpen.length - 1];
      if (latest && (await this.sameVehicle(tx, latest, ev))) {
        this.attach(latest, ev, eventId, tsIso, true);
        touched.add(latest);
        return;
      }
      // Another vehicle: a held one still on the lane was moved off it.
      for (const r of decidedOpen) if (r.p.state !== 'released') close(r, 'next_vehicle');
      const rec = open();
      this.attach(rec, ev, eventId, tsIso, false);
      touched.add(rec);
    }
  }

  private async sameVehicle(tx: Sql, r: Rec, ev: EventRow): Promise<boolean> {
    // Judged by the vehicle the decision named, not by every tag read: a nearby truck's tag caught
    // during this passage must not make that truck part of it.
    if (ev.kind === 'plate') {
      const plate = normPlate(String(ev.data.plate));
      if (r.p.vehicleNo === plate || r.p.readings.plates.some((x) => x.plate === plate)) return true;
      const reg = await this.registry.lookup(tx, [plate], []);
      return reg.some((v) => v.vehicleIcNo !== null && v.vehicleIcNo === r.p.vehicleIcNo);
    }
    const epc = String(ev.data.epc);
    if (r.p.vehicleIcNo === epc) return true;
    const reg = await this.registry.lookup(tx, [], [epc]);
    if (reg.length) return reg.some((v) => v.vehicleNo === r.p.vehicleNo);
    return r.p.readings.etags.some((e) => e.epc === epc);
  }

  /** Adds a reading to a passage (once per event). */
  private attach(r: Rec, ev: EventRow, eventId: string, ts: string, late: boolean): void {
    const R = r.p.readings;
    const seen = [...R.plates, ...R.etags, ...R.containers, ...R.weights].some((x) => x.eventId === eventId);
    if (seen) return;
    const base = { deviceId: ev.device_id, eventId, ts, late };
    const replace = (kind: 'plates' | 'etags' | 'containers') => {
      // After a re-collect, the first new read of a kind supersedes the earlier ones.
      if (r.recollectAt !== null && !late && !r.replaced.has(kind)) {
        r.replaced.add(kind);
        for (const x of R[kind]) x.late = true;
      }
    };
    const d = ev.data;
    if (r.recollectAt !== null && !late && !(ev.kind === 'weight' && d.trigger === 'zero')) r.freshSinceRecollect = true;
    if (ev.kind === 'plate') {
      replace('plates');
      R.plates.push({ ...base, plate: normPlate(String(d.plate)), confidence: typeof d.confidence === 'number' ? d.confidence : null });
      if (!late && !r.p.vehicleNo) r.p.vehicleNo = normPlate(String(d.plate));
    } else if (ev.kind === 'rfid') {
      replace('etags');
      R.etags.push({ ...base, epc: String(d.epc) });
      if (!late && !r.p.vehicleIcNo) r.p.vehicleIcNo = String(d.epc);
    } else if (ev.kind === 'container') {
      replace('containers');
      R.containers.push({ ...base, number: String(d.number).toUpperCase(), checkDigitValid: d.checkDigitValid === true, position: typeof d.position === 'string' ? d.position : null });
    } else if (ev.kind === 'weight') {
      R.weights.push({
        ...base,
        grossKg: typeof d.grossKg === 'string' ? d.grossKg : null,
        stable: d.stable === true,
        overload: d.overload === true,
        trigger: d.trigger === 'zero' ? 'zero' : 'stable',
      });
    }
    r.p.updatedAt = iso(this.clock.now().getTime());
  }

  /**
   * Decides a collecting passage when it can be: identity and a stable weight are in, and the
   * declared containers are read (or their short wait is over); `force` decides with what there is.
   */
  private async evaluate(tx: Sql, r: Rec, pending: Pending[], touched: Set<Rec>, force: boolean, trigger?: Decision['trigger']): Promise<void> {
    const lane = this.lanes.get(r.p.laneId);
    if (!lane || r.p.state !== 'collecting') return;
    const now = this.clock.now().getTime();
    const R = r.p.readings;
    const identified = R.plates.some((x) => !x.late) || R.etags.some((x) => !x.late);
    const stable = R.weights.some((w) => !w.late && w.trigger === 'stable');
    const timedOut = now - r.collectingSince >= this.settings.collectTimeoutMs;
    if (!force && !timedOut && !(identified && stable)) return;
    // After a re-collect the lane must read again before the gate decides (or the time runs out).
    if (!force && !timedOut && r.recollectAt !== null && !r.freshSinceRecollect) return;
    const result = await this.run(tx, lane, r);
    if (result.matched && r.p.passportNo !== result.matched.passportNo) {
      r.p.passportNo = result.matched.passportNo;
      await this.notes.markArrived(tx, result.matched.passportNo, result.matched.vehicleIdx);
      touched.add(r);
    }
    const waitingForContainers =
      result.containersMissing.length > 0 && r.stableSeenAt !== null && now - r.stableSeenAt < this.settings.containerWaitMs && !force && !timedOut;
    if (waitingForContainers) return;
    const why: Decision['trigger'] = trigger ?? (timedOut ? 'timeout' : force ? 'timeout' : result.containersMissing.length ? 'container_wait' : 'complete');
    await this.commit(tx, r, lane, result, why, 'gate', pending, touched);
  }

  private async run(tx: Sql, lane: Lane, r: Rec): Promise<DecideResult> {
    const R = r.p.readings;
    const plates = [...new Set(R.plates.filter((x) => !x.late).map((x) => x.plate))];
    const epcs = [...new Set(R.etags.filter((x) => !x.late).map((x) => x.epc))];
    const registry = await this.registry.lookup(tx, plates, epcs);
    const allPlates = [...new Set([...plates, ...registry.map((v) => v.vehicleNo)])];
    const candidates = await this.notes.candidates(tx, allPlates, epcs);
    return decide({ lane, readings: R, registry, candidates, settings: this.settings });
  }

  /** Stores a decision, its note changes, and queues the barrier/LED commands for after commit. */
  private async commit(tx: Sql, r: Rec, lane: Lane, d: DecideResult, trigger: Decision['trigger'], by: string, pending: Pending[], touched: Set<Rec>): Promise<void> {
    const now = this.clock.now();
    const decision: Decision = {
      id: randomUUID(),
      at: now.toISOString(),
      by,
      outcome: d.outcome,
      trigger,
      rules: d.rules,
      inputs: d.inputs,
      thresholds: d.thresholds,
      ledText: d.ledText,
      commandIds: [],
    };
    r.p.decisions.push(decision);
    r.p.vehicleNo = d.vehicleNo ?? r.p.vehicleNo;
    r.p.vehicleIcNo = d.vehicleIcNo ?? r.p.vehicleIcNo;
    r.p.weighedKg = d.weighedKg;
    r.p.passportNo = d.matched?.passportNo ?? r.p.passportNo;
    r.p.holdReasons = d.holdReasons;
    r.p.decidedAt = now.toISOString();
    r.p.updatedAt = now.toISOString();
    r.p.state = d.outcome === 'release' ? 'released' : 'held';
    r.recollectAt = null;
    r.replaced.clear();
    touched.add(r);
    if (d.outcome === 'release' && d.matched) await this.pass(tx, r, lane, d, by, null);
    const commands: Pending['commands'] = [];
    if (lane.devices.led) commands.push({ deviceId: lane.devices.led, req: { action: 'show', args: { text: d.ledText }, ttlS: 10 } });
    if (d.outcome === 'release' && lane.devices.barrier) commands.unshift({ deviceId: lane.devices.barrier, req: { action: 'open', args: {}, ttlS: 10 } });
    pending.push({ rec: r, decision, lane, commands });
    this.logger.info({ passage: r.p.id, lane: lane.id, plate: r.p.vehicleNo, note: r.p.passportNo, outcome: d.outcome, reasons: d.holdReasons, trigger }, 'gate: decision');
  }

  private async pass(tx: Sql, r: Rec, lane: Lane, d: DecideResult, actor: string, reason: string | null): Promise<void> {
    const c = d.matched!;
    if (!usable(c, lane)) return;
    const res = await this.notes.passVehicle(tx, c, {
      gateNo: lane.gateNo,
      twoGate: this.twoGate.has(lane.direction),
      weighedKg: d.weighedKg,
      passageId: r.p.id,
      actor,
      reason,
      time: this.clock.now(),
    });
    this.notesChanged.push(res.note);
    const n = res.note;
    const e: NotePassedEvent = {
      passportNo: n.passportNo,
      tenantId: n.tenantId,
      ioTypecd: n.ioTypecd,
      rltTbTypecd: n.rltTbTypecd,
      rltNos: n.rltNos,
      vehicleNo: c.vehicle.vehicleNo,
      passTime: this.clock.now().toISOString(),
      complete: res.complete,
      passageId: r.p.id,
    };
    await this.hooks.notePassed(tx, e);
    this.passed.push(e);
  }
  private notesChanged: Note[] = [];
  private passed: NotePassedEvent[] = [];

  private async afterCommit(pending: Pending[], touched: Set<Rec>): Promise<void> {
    const notes = this.notesChanged;
    const passed = this.passed;
    this.notesChanged = [];
    this.passed = [];
    // Commands go out after the decision is durable (queued in its transaction).
    const ids = pending.flatMap((pd) => pd.decision.commandIds.filter((id) => !id.startsWith('not-sent')));
    await this.hooks.publishCommands(ids).catch((err: Error) => this.logger.error({ err: err.message }, 'gate: publishing commands failed; they stay queued'));
    for (const r of touched) this.hooks.onPassage(structuredClone(r.p));
    for (const n of notes) this.hooks.onNote(n);
    for (const e of passed) this.hooks.onNotePassed(e);
  }

  private async tick(): Promise<void> {
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

  /** An officer resolves a held passage (re-collect, release, inspection, turn back). */
  async resolve(by: Principal, passageId: string, action: ResolveAction, reason: string): Promise<Passage> {
    return this.serial(async () => {
      let out: Passage | null = null;
      await this.step(async (tx, pending, touched) => {
        const rec = this.findRec(passageId) ?? (await this.loadRec(tx, passageId));
        if (!rec) throw new HubError('HUB_ERR_NOT_FOUND', `passage ${passageId} does not exist`);
        if (rec.p.state !== 'held') throw new HubError('HUB_ERR_CONFLICT', `passage ${passageId} is ${rec.p.state}, not held`, { state: rec.p.state });
        const lane = this.lanes.get(rec.p.laneId);
        if (!lane) throw new HubError('HUB_ERR_CONFLICT', `lane ${rec.p.laneId} is no longer configured`);
        const now = this.clock.now();
        rec.p.resolutions.push({ action, by: by.username, at: now.toISOString(), reason });
        rec.p.updatedAt = now.toISOString();
        touched.add(rec);
        const led = (text: string) => (lane.devices.led ? [{ deviceId: lane.devices.led, req: { action: 'show', args: { text }, ttlS: 10 } }] : []);
        const officerDecision = (outcome: 'release' | 'hold', ledText: string, d: DecideResult | null): Decision => ({
          id: randomUUID(),
          at: now.toISOString(),
          by: by.username,
          outcome,
          trigger: 'officer',
          rules: d?.rules ?? [],
          inputs: { ...(d?.inputs ?? {}), action, reason },
          thresholds: d?.thresholds ?? {},
          ledText,
          commandIds: [],
        });
        if (action === 'recollect') {
          // Keep what was read (a read that came after the hold now counts); new reads of a kind
          // replace the old. The gate decides again on the next read, or at once if reads came
          // in after the hold (the officer re-collects to have them count).
          const R = rec.p.readings;
          const cameLate = [...R.plates, ...R.etags, ...R.containers].some((x) => x.late) || R.weights.some((w) => w.late && w.trigger === 'stable');
          for (const k of ['plates', 'etags', 'containers', 'weights'] as const) for (const x of R[k]) x.late = false;
          rec.p.state = 'collecting';
          rec.collectingSince = now.getTime();
          rec.stableSeenAt = rec.p.readings.weights.some((w) => w.trigger === 'stable') ? now.getTime() : null;
          rec.recollectAt = now.getTime();
          rec.freshSinceRecollect = cameLate;
          rec.replaced.clear();
          if (!rec.p.open) {
            rec.p.open = true;
            rec.p.closedAt = null;
            rec.p.closeReason = null;
            (this.openRecs.get(rec.p.laneId) ?? this.openRecs.set(rec.p.laneId, []).get(rec.p.laneId)!).push(rec);
          }
          pending.push({ rec, decision: officerDecision('hold', '重新采集', null), lane, commands: led('重新采集') });
          rec.p.decisions.push(pending[pending.length - 1]!.decision);
          return;
        }
        const d = await this.run(tx, lane, rec);
        if (action === 'release') {
          rec.p.state = 'released';
          rec.p.holdReasons = [];
          const decision = officerDecision('release', '人工放行', d);
          rec.p.decisions.push(decision);
          if (d.matched) await this.pass(tx, rec, lane, d, by.username, reason);
          const cmds = [...(lane.devices.barrier ? [{ deviceId: lane.devices.barrier, req: { action: 'open', args: {}, ttlS: 10 } }] : []), ...led('人工放行')];
          pending.push({ rec, decision, lane, commands: cmds });
        } else if (action === 'inspection') {
          rec.p.state = 'inspection';
          const decision = officerDecision('hold', '请至查验区', d);
          rec.p.decisions.push(decision);
          const c = d.matched;
          if (c && c.status === 'approved') {
            await this.notes.setStatus(tx, c.passportNo, c.status, 'held', by.username, reason, rec.p.id);
            this.notesChanged.push((await this.notes.get(null, c.passportNo, tx))!);
          }
          pending.push({ rec, decision, lane, commands: led('请至查验区') });
        } else {
          rec.p.state = 'turned_back';
          const decision = officerDecision('hold', '请退回', d);
          rec.p.decisions.push(decision);
          pending.push({ rec, decision, lane, commands: led('请退回') });
        }
        out = rec.p;
      });
      // Re-collect may already be decidable (reads that came after the hold).
      const rec = this.findRec(passageId);
      if (action === 'recollect' && rec) await this.step(async (tx, pending, touched) => this.evaluate(tx, rec, pending, touched, false));
      return structuredClone(out ?? this.findRec(passageId)?.p ?? (await this.get(passageId))!);
    });
  }

  private findRec(id: string): Rec | undefined {
    for (const recs of this.openRecs.values()) for (const r of recs) if (r.p.id === id) return r;
    return undefined;
  }

  private async loadRec(sql: Sql, id: string): Promise<Rec | null> {
    const row = (await sql.query<PassageRow>('select * from gate_passages where passage_id = $1', [id])).rows[0];
    if (!row) return null;
    return { p: passageDto(row), collectingSince: 0, stableSeenAt: null, recollectAt: null, freshSinceRecollect: false, replaced: new Set() };
  }

  private async save(sql: Sql, r: Rec): Promise<void> {
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

  /** Resolves when every event stored so far has been applied to the gate (tests, shutdown). */
  async settled(): Promise<void> {
    await this.serial(() => this.pump());
  }

}

export function normPlate(s: string): string {
  return s.replace(/\s+/g, '').toUpperCase();
}

interface PassageRow {
  passage_id: string;
  lane_id: string;
  direction: Passage['direction'];
  state: Passage['state'];
  open: boolean;
  vehicle_no: string | null;
  vehicle_ic_no: string | null;
  passport_no: string | null;
  weighed_kg: string | null;
  hold_reasons: string[];
  readings: Passage['readings'];
  decisions: Passage['decisions'];
  resolutions: Passage['resolutions'];
  opened_at: Date;
  decided_at: Date | null;
  closed_at: Date | null;
  close_reason: Passage['closeReason'];
  updated_at: Date;
}

function passageDto(r: PassageRow): Passage {
  const d = (x: Date | null) => (x ? new Date(x).toISOString() : null);
  return {
    id: r.passage_id,
    laneId: r.lane_id,
    direction: r.direction,
    state: r.state,
    open: r.open,
    vehicleNo: r.vehicle_no,
    vehicleIcNo: r.vehicle_ic_no,
    passportNo: r.passport_no,
    weighedKg: r.weighed_kg === null ? null : canonicalDecimal(r.weighed_kg),
    holdReasons: r.hold_reasons,
    readings: r.readings,
    decisions: r.decisions,
    resolutions: r.resolutions,
    openedAt: new Date(r.opened_at).toISOString(),
    decidedAt: d(r.decided_at),
    closedAt: d(r.closed_at),
    closeReason: r.close_reason,
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}
