import { randomUUID } from 'node:crypto';
import { HubError, type Decision, type Passage, type ResolveAction } from '@cjp/contracts';
import type { Principal } from '../../api/http.js';
import { type DecideResult } from './rules.js';
import { GateAssembly } from './assembly.js';

/** Officers' resolutions of held passages. */
export abstract class GateResolutions extends GateAssembly {
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
}
