import { randomUUID } from 'node:crypto';
import { containerDataSchema, plateDataSchema, rfidDataSchema, weightDataSchema, type Passage } from '@cjp/contracts';
import type { Sql } from '../../core/db.js';
import { emptyReadings, iso, normPlate, type EventRow, type Pending, type Rec } from './passage.js';
import { GateDecisions } from './decisions.js';

/** Assembling passages: each lane reading joins the passage it belongs to, or opens one. */
export abstract class GateAssembly extends GateDecisions {
  protected async apply(tx: Sql, ev: EventRow, pending: Pending[], touched: Set<Rec>): Promise<void> {
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

  protected async sameVehicle(tx: Sql, r: Rec, ev: EventRow): Promise<boolean> {
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
  protected attach(r: Rec, ev: EventRow, eventId: string, ts: string, late: boolean): void {
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

}
