import {
  HubError,
  STUCD_OF,
  checkContainerNumber,
  noteCreateSchema,
  type ChecklistGateState,
  type Note,
  type NoteCreate,
  type NoteStatus,
  type NoteVehicle,
} from '@cjp/contracts';
import type { Principal } from '../../api/http.js';
import type { Db, Sql } from '../../core/db.js';
import { canonicalDecimal, fromMicro, sumDecimals as sumKg, toMicro } from '../../core/quantity.js';
import type { NoteCandidate } from './rules.js';

interface NoteRow {
  passport_no: string;
  seq_no: string | null;
  tenant_id: string;
  io_typecd: 'I' | 'E';
  passport_typecd: Note['passportTypecd'];
  bind_typecd: Note['bindTypecd'];
  rlt_tb_typecd: Note['rltTbTypecd'];
  rlt_nos: string[];
  status: NoteStatus;
  rmk: string | null;
  created_at: Date;
  updated_at: Date;
}
interface VehicleRow {
  passport_no: string;
  idx: number;
  vehicle_no: string;
  vehicle_ic_no: string | null;
  vehicle_wt: string;
  vehicle_frame_wt: string;
  vehicle_frame_no: string | null;
  containers: NoteVehicle['containers'];
  total_gross_wt: string;
  total_wt: string;
  logistics_stucd: '0' | '1';
  pass_time: Date | null;
  secd_pass_time: Date | null;
  pass_collect_wt: string | null;
  wt_error: string | null;
  passage_id: string | null;
}

/** numeric(14,3) comes back as "15000.000": shown as the shortest exact decimal. */
const kg = canonicalDecimal;
const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

const vehicleDto = (v: VehicleRow): NoteVehicle => ({
  vehicleNo: v.vehicle_no,
  vehicleIcNo: v.vehicle_ic_no,
  vehicleWt: kg(v.vehicle_wt),
  vehicleFrameWt: kg(v.vehicle_frame_wt),
  vehicleFrameNo: v.vehicle_frame_no,
  containers: v.containers,
  totalGrossWt: kg(v.total_gross_wt),
  totalWt: kg(v.total_wt),
  logisticsStucd: v.logistics_stucd,
  passTime: iso(v.pass_time),
  passCollectWt: v.pass_collect_wt === null ? null : kg(v.pass_collect_wt),
  wtError: v.wt_error === null ? null : kg(v.wt_error),
  passageId: v.passage_id,
});

/** Who may see every enterprise's notes; an enterprise user sees its own tenant's only. */
const isStaff = (p: Principal) => p.role !== 'enterprise';

export interface PassResult {
  note: Note;
  complete: boolean;
}

/**
 * Release notes (核放单): created by an enterprise (or staff for it), approved by customs, passed at
 * the gate. Every status change is a transition row naming who, when and why.
 */
export class NoteService {
  constructor(
    private readonly db: Db,
    /** is there such an enterprise? (identity's) */
    private readonly tenantExists: (tenantId: string) => Promise<boolean>,
  ) {}

  async create(by: Principal, raw: NoteCreate): Promise<Note> {
    const input = noteCreateSchema.parse(raw);
    const tenantId = by.role === 'enterprise' ? by.tenantId! : input.tenantId;
    if (by.role === 'enterprise' && input.tenantId && input.tenantId !== by.tenantId)
      throw new HubError('HUB_ERR_AUTH_FORBIDDEN', `an enterprise declares release notes for itself only, not for "${input.tenantId}"`);
    if (!tenantId) throw new HubError('HUB_ERR_VALIDATION', 'tenantId: the declaring enterprise is required');
    if (input.bindTypecd !== '3' && input.vehicles.length !== 1)
      throw new HubError('HUB_ERR_VALIDATION', `bindTypecd ${input.bindTypecd} binds exactly one vehicle; ${input.vehicles.length} given (一票多车 is bindTypecd 3)`);
    const plates = input.vehicles.map((v) => v.vehicleNo);
    if (new Set(plates).size !== plates.length) throw new HubError('HUB_ERR_VALIDATION', `a vehicle appears twice on the note: ${plates.join(', ')}`);
    for (const [i, v] of input.vehicles.entries()) {
      if (toMicro(v.vehicleWt) <= 0n) throw new HubError('HUB_ERR_VALIDATION', `vehicles.${i}.vehicleWt: 车自重 must be > 0`);
      const gross = toMicro(v.totalGrossWt);
      if (gross < 0n) throw new HubError('HUB_ERR_VALIDATION', `vehicles.${i}.totalGrossWt: must not be negative`);
      if (input.passportTypecd !== '6' && gross === 0n) throw new HubError('HUB_ERR_VALIDATION', `vehicles.${i}.totalGrossWt: must be > 0 unless passportTypecd is 6 (empty vehicle)`);
      if (input.passportTypecd === '6' && gross !== 0n) throw new HubError('HUB_ERR_VALIDATION', `vehicles.${i}.totalGrossWt: an empty-vehicle note (passportTypecd 6) carries no cargo`);
      for (const c of v.containers) {
        const check = checkContainerNumber(c.containerNo);
        if (!check?.valid || check.number !== c.containerNo)
          throw new HubError('HUB_ERR_VALIDATION', `vehicles.${i}.containers: "${c.containerNo}" is not an ISO 6346 container number with a valid check digit`);
      }
    }
    if (!(await this.tenantExists(tenantId))) throw new HubError('HUB_ERR_VALIDATION', `tenantId: no enterprise "${tenantId}"`);

    try {
      await this.db.transaction(async (tx) => {
        await tx.query(
          `insert into release_notes (passport_no, seq_no, tenant_id, io_typecd, passport_typecd, bind_typecd, rlt_tb_typecd, rlt_nos, status, rmk, created_by)
           values ($1, $2, $3, $4, $5, $6, $7, $8, 'applied', $9, $10)`,
          [input.passportNo, input.seqNo, tenantId, input.ioTypecd, input.passportTypecd, input.bindTypecd, input.rltTbTypecd, input.rltNos, input.rmk, by.username],
        );
        for (const [idx, v] of input.vehicles.entries()) {
          const totalWt = sumKg(v.vehicleWt, v.vehicleFrameWt, ...v.containers.map((c) => c.containerWt), v.totalGrossWt);
          await tx.query(
            `insert into release_note_vehicles (passport_no, idx, vehicle_no, vehicle_ic_no, vehicle_wt, vehicle_frame_wt, vehicle_frame_no, containers, total_gross_wt, total_wt)
             values ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10)`,
            [input.passportNo, idx, v.vehicleNo, v.vehicleIcNo, v.vehicleWt, v.vehicleFrameWt, v.vehicleFrameNo, JSON.stringify(v.containers), v.totalGrossWt, totalWt],
          );
        }
        await this.transition(tx, input.passportNo, null, 'applied', by.username, null, null);
      });
    } catch (e) {
      if ((e as { code?: string }).code === '23505') throw new HubError('HUB_ERR_CONFLICT', `release note ${input.passportNo} already exists`);
      throw e;
    }
    return (await this.get(by, input.passportNo))!;
  }

  /** Customs approves (SAS221), or clears an inspection hold. */
  async approve(by: Principal, passportNo: string, reason: string | null): Promise<Note> {
    return this.move(by, passportNo, ['applied', 'held'], 'approved', reason);
  }

  async cancel(by: Principal, passportNo: string, reason: string | null): Promise<Note> {
    return this.move(by, passportNo, by.role === 'enterprise' ? ['applied', 'approved'] : ['applied', 'approved', 'held'], 'cancelled', reason);
  }

  private async move(by: Principal, passportNo: string, from: NoteStatus[], to: NoteStatus, reason: string | null): Promise<Note> {
    await this.db.transaction(async (tx) => {
      const row = (await tx.query<{ status: NoteStatus; tenant_id: string }>('select status, tenant_id from release_notes where passport_no = $1 for update', [passportNo])).rows[0];
      if (!row || (!isStaff(by) && row.tenant_id !== by.tenantId)) throw new HubError('HUB_ERR_NOT_FOUND', `release note ${passportNo} does not exist`);
      if (!from.includes(row.status))
        throw new HubError('HUB_ERR_CONFLICT', `release note ${passportNo} is ${row.status}; it can become ${to} only from ${from.join(' or ')}`, { status: row.status });
      await this.setStatus(tx, passportNo, row.status, to, by.username, reason, null);
    });
    return (await this.get(by, passportNo))!;
  }

  async setStatus(sql: Sql, passportNo: string, from: NoteStatus | null, to: NoteStatus, actor: string, reason: string | null, passageId: string | null): Promise<void> {
    await sql.query('update release_notes set status = $2, updated_at = now() where passport_no = $1', [passportNo, to]);
    await this.transition(sql, passportNo, from, to, actor, reason, passageId);
  }

  private async transition(sql: Sql, passportNo: string, from: NoteStatus | null, to: NoteStatus, actor: string, reason: string | null, passageId: string | null) {
    await sql.query('insert into release_note_transitions (passport_no, from_status, to_status, actor, reason, passage_id) values ($1, $2, $3, $4, $5, $6)', [
      passportNo,
      from,
      to,
      actor,
      reason,
      passageId,
    ]);
  }

  async get(by: Principal | null, passportNo: string, sql: Sql = this.db): Promise<Note | null> {
    const notes = await this.load(sql, 'where n.passport_no = $1', [passportNo]);
    const n = notes[0];
    if (!n || (by && !isStaff(by) && n.tenantId !== by.tenantId)) return null;
    return n;
  }

  async list(by: Principal, q: { status?: NoteStatus | undefined; vehicleNo?: string | undefined; rltNo?: string | undefined; limit: number }): Promise<Note[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (!isStaff(by)) where.push(`n.tenant_id = $${params.push(by.tenantId)}`);
    if (q.status) where.push(`n.status = $${params.push(q.status)}`);
    if (q.vehicleNo) where.push(`exists (select 1 from release_note_vehicles x where x.passport_no = n.passport_no and x.vehicle_no = $${params.push(q.vehicleNo.toUpperCase())})`);
    if (q.rltNo) where.push(`$${params.push(q.rltNo)} = any (n.rlt_nos)`);
    return this.load(this.db, `${where.length ? `where ${where.join(' and ')}` : ''} order by n.created_at desc limit ${q.limit}`, params);
  }

  private async load(sql: Sql, tail: string, params: unknown[]): Promise<Note[]> {
    const notes = (await sql.query<NoteRow>(`select n.* from release_notes n ${tail}`, params)).rows;
    if (!notes.length) return [];
    const ids = notes.map((n) => n.passport_no);
    const vehicles = (await sql.query<VehicleRow>('select * from release_note_vehicles where passport_no = any($1) order by passport_no, idx', [ids])).rows;
    const transitions = (
      await sql.query<{ passport_no: string; from_status: NoteStatus | null; to_status: NoteStatus; at: Date; actor: string; reason: string | null; passage_id: string | null }>(
        'select * from release_note_transitions where passport_no = any($1) order by id',
        [ids],
      )
    ).rows;
    return notes.map((n) => {
      const vs = vehicles.filter((v) => v.passport_no === n.passport_no);
      return {
        passportNo: n.passport_no,
        seqNo: n.seq_no,
        tenantId: n.tenant_id,
        ioTypecd: n.io_typecd,
        passportTypecd: n.passport_typecd,
        bindTypecd: n.bind_typecd,
        rltTbTypecd: n.rlt_tb_typecd,
        rltNos: n.rlt_nos,
        status: n.status,
        stucd: STUCD_OF[n.status],
        vehicles: vs.map(vehicleDto),
        totalGrossWt: sumKg(...vs.map((v) => v.total_gross_wt)),
        totalWt: sumKg(...vs.map((v) => v.total_wt)),
        rmk: n.rmk,
        createdAt: new Date(n.created_at).toISOString(),
        updatedAt: new Date(n.updated_at).toISOString(),
        transitions: transitions
          .filter((t) => t.passport_no === n.passport_no)
          .map((t) => ({ from: t.from_status, to: t.to_status, at: new Date(t.at).toISOString(), actor: t.actor, reason: t.reason, passageId: t.passage_id })),
      };
    });
  }

  /** Note vehicles that might be the vehicle with these plates or e-tags (newest notes first). */
  async candidates(sql: Sql, plates: string[], epcs: string[]): Promise<NoteCandidate[]> {
    if (!plates.length && !epcs.length) return [];
    const r = await sql.query<VehicleRow & { io_typecd: 'I' | 'E'; passport_typecd: string; status: NoteStatus; created_at: Date }>(
      `select v.*, n.io_typecd, n.passport_typecd, n.status, n.created_at from release_note_vehicles v join release_notes n using (passport_no)
       where v.vehicle_no = any($1) or v.vehicle_ic_no = any($2) order by n.created_at desc limit 50`,
      [plates, epcs],
    );
    return r.rows.map((v) => ({
      passportNo: v.passport_no,
      ioTypecd: v.io_typecd,
      passportTypecd: v.passport_typecd,
      status: v.status,
      createdAt: new Date(v.created_at).toISOString(),
      vehicleIdx: v.idx,
      vehicle: vehicleDto(v),
      secdPassTime: iso(v.secd_pass_time),
    }));
  }

  /** 一票多车: the vehicle has arrived at the gate (logisticsStucd 1). */
  async markArrived(sql: Sql, passportNo: string, idx: number): Promise<void> {
    await sql.query(`update release_note_vehicles set logistics_stucd = '1' where passport_no = $1 and idx = $2 and logistics_stucd = '0'`, [passportNo, idx]);
  }

  /**
   * A vehicle of the note passed the gate: pass time, collected weight and its error, and the note's
   * status once its last vehicle passed (passed, or passed gate 1/2 in two-gate mode).
   */
  async passVehicle(
    sql: Sql,
    c: NoteCandidate,
    at: {
      gateNo: 1 | 2;
      twoGate: boolean;
      weighedKg: string | null;
      passageId: string;
      actor: string;
      reason: string | null;
      time: Date;
    },
  ): Promise<PassResult> {
    const wtError = at.weighedKg === null ? null : fromMicro(toMicro(at.weighedKg) - toMicro(c.vehicle.totalWt));
    if (at.gateNo === 2) {
      await sql.query('update release_note_vehicles set secd_pass_time = $3 where passport_no = $1 and idx = $2', [c.passportNo, c.vehicleIdx, at.time]);
    } else {
      await sql.query(
        `update release_note_vehicles set pass_time = $3, pass_collect_wt = $4, wt_error = $5, passage_id = $6, logistics_stucd = '1' where passport_no = $1 and idx = $2`,
        [c.passportNo, c.vehicleIdx, at.time, at.weighedKg, wtError, at.passageId],
      );
    }
    const left = (
      await sql.query<{ n: number }>(
        `select count(*)::int as n from release_note_vehicles where passport_no = $1 and ${at.gateNo === 2 ? 'secd_pass_time' : 'pass_time'} is null`,
        [c.passportNo],
      )
    ).rows[0]!.n;
    const current = (await sql.query<{ status: NoteStatus }>('select status from release_notes where passport_no = $1', [c.passportNo])).rows[0]!.status;
    const complete = left === 0;
    if (complete) {
      const to: NoteStatus = at.gateNo === 2 ? 'passed_gate2' : at.twoGate ? 'passed_gate1' : 'passed';
      await this.setStatus(sql, c.passportNo, current, to, at.actor, at.reason, at.passageId);
    } else {
      await sql.query('update release_notes set updated_at = now() where passport_no = $1', [c.passportNo]);
    }
    return { note: (await this.get(null, c.passportNo, sql))!, complete: complete && (at.gateNo === 2 || !at.twoGate) };
  }

  /** The check list's (核注清单) gate state: every vehicle of every note bound to it passed? */
  async checklistState(by: Principal, rltNo: string): Promise<ChecklistGateState> {
    const notes = (await this.list(by, { rltNo, limit: 500 })).filter((n) => !['cancelled', 'deleted', 'rejected'].includes(n.status));
    if (!notes.length) throw new HubError('HUB_ERR_NOT_FOUND', `no release note names document ${rltNo}`);
    const rows = notes.map((n) => ({ passportNo: n.passportNo, status: n.status, vehicles: n.vehicles.length, passed: n.vehicles.filter((v) => v.passTime).length }));
    return { rltNo, notes: rows, allPassed: notes.every((n) => n.status === 'passed' || n.status === 'passed_gate2') };
  }
}
