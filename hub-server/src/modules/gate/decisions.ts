import { randomUUID } from 'node:crypto';
import { type Decision, type Lane, type Note, type NotePassedEvent } from '@cjp/contracts';
import type { Sql } from '../../core/db.js';
import { type Pending, type Rec } from './passage.js';
import { decide, usable, type DecideResult } from './rules.js';
import { GateState } from './state.js';

/** Deciding a passage: the rules against the notes, the decision stored, the note passed. */
export abstract class GateDecisions extends GateState {
  /**
   * Decides a collecting passage when it can be: identity and a stable weight are in, and the
   * declared containers are read (or their short wait is over); `force` decides with what there is.
   */
  protected async evaluate(tx: Sql, r: Rec, pending: Pending[], touched: Set<Rec>, force: boolean, trigger?: Decision['trigger']): Promise<void> {
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

  protected async run(tx: Sql, lane: Lane, r: Rec): Promise<DecideResult> {
    const R = r.p.readings;
    const plates = [...new Set(R.plates.filter((x) => !x.late).map((x) => x.plate))];
    const epcs = [...new Set(R.etags.filter((x) => !x.late).map((x) => x.epc))];
    const registry = await this.registry.lookup(tx, plates, epcs);
    const allPlates = [...new Set([...plates, ...registry.map((v) => v.vehicleNo)])];
    const candidates = await this.notes.candidates(tx, allPlates, epcs);
    return decide({ lane, readings: R, registry, candidates, settings: this.settings });
  }

  /** Stores a decision, its note changes, and queues the barrier/LED commands for after commit. */
  protected async commit(tx: Sql, r: Rec, lane: Lane, d: DecideResult, trigger: Decision['trigger'], by: string, pending: Pending[], touched: Set<Rec>): Promise<void> {
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

  protected async pass(tx: Sql, r: Rec, lane: Lane, d: DecideResult, actor: string, reason: string | null): Promise<void> {
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
  protected notesChanged: Note[] = [];
  protected passed: NotePassedEvent[] = [];

  protected async afterCommit(pending: Pending[], touched: Set<Rec>): Promise<void> {
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
}
