import type { GateDirection, GateSettings, NoteStatus, NoteVehicle, PassageReadings, RuleOutcome } from '@cjp/contracts';
import { fromMicro, percentOf, toMicro } from '../../core/quantity.js';

/** What the rules know of a release note's vehicle that might be this passage's. */
export interface NoteCandidate {
  passportNo: string;
  ioTypecd: 'I' | 'E';
  passportTypecd: string;
  status: NoteStatus;
  createdAt: string;
  vehicleIdx: number;
  vehicle: NoteVehicle;
  /** set in two-gate mode when this vehicle passed gate 2 (second pass) */
  secdPassTime?: string | null;
}

export interface RegisteredVehicle {
  vehicleNo: string;
  vehicleIcNo: string | null;
}

export interface DecideInput {
  lane: { id: string; direction: GateDirection; gateNo: 1 | 2 };
  readings: PassageReadings;
  /** registered vehicles whose plate or e-tag was read */
  registry: RegisteredVehicle[];
  candidates: NoteCandidate[];
  settings: GateSettings;
}

export interface DecideResult {
  outcome: 'release' | 'hold';
  rules: RuleOutcome[];
  holdReasons: string[];
  ledText: string;
  vehicleNo: string | null;
  vehicleIcNo: string | null;
  weighedKg: string | null;
  matched: NoteCandidate | null;
  /** declared containers not read yet (the decision may wait a little for them) */
  containersMissing: string[];
  inputs: Record<string, unknown>;
  thresholds: Record<string, unknown>;
}

const IO_OF: Record<GateDirection, 'I' | 'E'> = { in: 'I', out: 'E' };

/** The hold reason (Chinese, as an LED shows it) per failed check. Kept short: LED panels are narrow. */
export const REASONS = {
  noVehicle: '未识别车辆',
  noPlate: '未识别车牌',
  plateMismatch: '车号不一致',
  noNote: '无核放单',
  direction: '进出方向不符',
  notApproved: '核放单未审批',
  noteHeld: '核放单待查验',
  noteCancelled: '核放单已作废',
  notePassed: '核放单已过卡',
  checkDigit: '箱号校验错误',
  containerMismatch: '箱号不符',
  containerMissing: '箱号未识别',
  notStable: '称重未稳定',
  overload: '地磅超载',
  weight: '重量超差',
} as const;

const distinct = <T>(xs: T[]) => [...new Set(xs)];

/** Can this candidate pass at this lane now (status and not yet passed there)? */
export function usable(c: NoteCandidate, lane: DecideInput['lane']): boolean {
  if (c.ioTypecd !== IO_OF[lane.direction]) return false;
  // Two-gate mode: gate 2 takes the vehicles that passed gate 1 (the note may wait for its other vehicles).
  if (lane.gateNo === 2) return (c.status === 'passed_gate1' || c.status === 'approved') && c.vehicle.passTime !== null && !c.secdPassTime;
  return c.status === 'approved' && c.vehicle.passTime === null;
}

function statusReason(c: NoteCandidate): string {
  switch (c.status) {
    case 'applied':
      return REASONS.notApproved;
    case 'held':
      return REASONS.noteHeld;
    case 'cancelled':
    case 'deleted':
    case 'rejected':
      return REASONS.noteCancelled;
    default:
      return REASONS.notePassed;
  }
}

/**
 * The gate's decision for one passage: every rule's outcome, in order, with what it saw. Pure: the
 * same readings, notes and settings always give the same answer, which is what makes a decision
 * explainable later.
 */
export function decide(input: DecideInput): DecideResult {
  const { readings, settings, lane } = input;
  const rules: RuleOutcome[] = [];
  // `code` (with `data`) lets a screen explain the outcome in its own language; `detail` is the log's English.
  const add = (rule: RuleOutcome['rule'], code: string, result: RuleOutcome['result'], detail: string, reasonZh: string | null = null, data: Record<string, unknown> = {}) =>
    rules.push({ rule, code, result, detail, reasonZh: result === 'fail' ? reasonZh : null, data });

  const plates = distinct(readings.plates.filter((p) => !p.late).map((p) => p.plate));
  const epcs = distinct(readings.etags.filter((e) => !e.late).map((e) => e.epc));
  const byEpc = new Map(input.registry.filter((v) => v.vehicleIcNo).map((v) => [v.vehicleIcNo!, v]));
  const byPlate = new Map(input.registry.map((v) => [v.vehicleNo, v]));
  const noteByEpc = (epc: string) => input.candidates.find((c) => c.vehicle.vehicleIcNo === epc)?.vehicle.vehicleNo ?? null;
  const plateOfEpc = (epc: string) => byEpc.get(epc)?.vehicleNo ?? noteByEpc(epc);

  // 1. vehicle: who is this?
  const vehicleNo = plates[0] ?? epcs.map(plateOfEpc).find((p) => p !== null) ?? null;
  // With a plate read, its own e-tag is the vehicle's, even when a nearby truck's tag came first.
  const ownEpc = plates.length === 1 ? epcs.find((e) => plateOfEpc(e) === plates[0]) : undefined;
  const vehicleIcNo = ownEpc ?? epcs[0] ?? null;
  if (!vehicleNo && !vehicleIcNo) add('vehicle', 'none', 'fail', 'neither a plate nor a vehicle e-tag was read', REASONS.noVehicle);
  else if (!vehicleNo) add('vehicle', 'etagUnknown', 'fail', `e-tag ${vehicleIcNo} is not registered to any vehicle and no plate was read`, REASONS.noVehicle, { epc: vehicleIcNo });
  else if (settings.requirePlate && plates.length === 0)
    add('vehicle', 'plateRequired', 'fail', `no plate read (e-tag ${vehicleIcNo} says ${vehicleNo}) and this center requires one`, REASONS.noPlate, { epc: vehicleIcNo, vehicleNo });
  else add('vehicle', plates.length ? 'plate' : 'etag', 'pass', plates.length ? `plate ${vehicleNo} read` : `identified by e-tag ${vehicleIcNo} as ${vehicleNo} (no plate read)`, null, { vehicleNo, epc: vehicleIcNo });

  // 2. plate ↔ e-tag
  if (plates.length > 1) add('etag_plate', 'plates', 'fail', `different plates read: ${plates.join(', ')}`, REASONS.plateMismatch, { plates });
  else if (plates.length === 1 && epcs.length) {
    const wrong = epcs.map((e) => ({ epc: e, plate: plateOfEpc(e) })).filter((x) => x.plate !== null && x.plate !== plates[0]);
    const expectedEpc = byPlate.get(plates[0]!)?.vehicleIcNo ?? null;
    if (wrong.length && ownEpc)
      // A long-range reader also caught the truck queued behind: plate and own tag agree, so the
      // other tag is a neighbour's, recorded, not a reason to hold.
      add('etag_plate', 'agreeNearby', 'pass', `e-tag and plate agree (${plates[0]}); also read ${wrong.map((w) => `${w.epc} of ${w.plate}`).join(', ')}, a vehicle nearby`, null, {
        plate: plates[0],
        nearby: wrong.map((w) => w.plate),
      });
    else if (wrong.length)
      add('etag_plate', 'otherVehicle', 'fail', `plate ${plates[0]} read, but e-tag ${wrong[0]!.epc} belongs to ${wrong[0]!.plate}`, REASONS.plateMismatch, { plate: plates[0], epc: wrong[0]!.epc, etagPlate: wrong[0]!.plate });
    else if (expectedEpc && !epcs.includes(expectedEpc) && epcs.every((e) => plateOfEpc(e) === null))
      add('etag_plate', 'expectedOther', 'fail', `plate ${plates[0]} is registered with e-tag ${expectedEpc}, but ${epcs.join(', ')} was read`, REASONS.plateMismatch, { plate: plates[0], epcs, expectedEpc });
    else if (epcs.some((e) => plateOfEpc(e) === plates[0])) add('etag_plate', 'agree', 'pass', `e-tag and plate agree (${plates[0]})`, null, { plate: plates[0] });
    else add('etag_plate', 'unregistered', 'skip', `e-tag ${epcs.join(', ')} is not registered; cannot compare with plate ${plates[0]}`, null, { epcs, plate: plates[0] });
  } else add('etag_plate', plates.length ? 'noEtag' : 'noPlate', 'skip', plates.length ? 'no e-tag read' : 'no plate read');

  // 3. note, direction, status
  // the vehicle's tags: not those registered to another vehicle (a neighbour's note is not this truck's)
  const ownEpcs = epcs.filter((e) => plateOfEpc(e) === null || plateOfEpc(e) === vehicleNo);
  const mine = input.candidates.filter(
    (c) => (vehicleNo !== null && c.vehicle.vehicleNo === vehicleNo) || (c.vehicle.vehicleIcNo !== null && ownEpcs.includes(c.vehicle.vehicleIcNo)),
  );
  const byRecent = (a: NoteCandidate, b: NoteCandidate) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0);
  const sameDir = mine.filter((c) => c.ioTypecd === IO_OF[lane.direction]).sort(byRecent);
  const matched = mine.filter((c) => usable(c, lane)).sort(byRecent)[0] ?? sameDir[0] ?? [...mine].sort(byRecent)[0] ?? null;
  if (!matched) {
    if (vehicleNo || vehicleIcNo) add('note', 'none', 'fail', `no release note names ${vehicleNo ?? vehicleIcNo}`, REASONS.noNote, { vehicle: vehicleNo ?? vehicleIcNo });
    else add('note', 'noVehicle', 'fail', 'no vehicle to look a release note up for', REASONS.noNote);
    add('direction', 'noNote', 'skip', 'no release note');
    add('note_status', 'noNote', 'skip', 'no release note');
  } else {
    add('note', 'found', 'pass', `release note ${matched.passportNo} (vehicle ${matched.vehicleIdx + 1})`, null, {
      passportNo: matched.passportNo,
      vehicleIdx: matched.vehicleIdx,
      n: matched.vehicleIdx + 1,
    });
    if (matched.ioTypecd !== IO_OF[lane.direction])
      add('direction', 'wrong', 'fail', `note ${matched.passportNo} is for ioTypecd ${matched.ioTypecd}, lane ${lane.id} is ${lane.direction} (${IO_OF[lane.direction]})`, REASONS.direction, {
        ioTypecd: matched.ioTypecd,
        lane: lane.direction,
      });
    else add('direction', 'ok', 'pass', `ioTypecd ${matched.ioTypecd} matches lane direction ${lane.direction}`, null, { ioTypecd: matched.ioTypecd, lane: lane.direction });
    if (matched.ioTypecd === IO_OF[lane.direction] && usable(matched, lane)) add('note_status', 'ok', 'pass', `status ${matched.status}`, null, { status: matched.status });
    else if (matched.ioTypecd !== IO_OF[lane.direction]) add('note_status', 'wrongDirection', 'skip', `status ${matched.status} (wrong direction)`, null, { status: matched.status });
    else
      add(
        'note_status',
        matched.vehicle.passTime ? 'vehiclePassed' : 'bad',
        'fail',
        `note ${matched.passportNo} is ${matched.status}${matched.vehicle.passTime ? `, vehicle passed at ${matched.vehicle.passTime}` : ''}`,
        statusReason(matched),
        { status: matched.status, passportNo: matched.passportNo, passTime: matched.vehicle.passTime },
      );
  }

  // 4. containers: check digits, then declared vs read
  const reads = readings.containers.filter((c) => !c.late);
  const bad = reads.filter((c) => !c.checkDigitValid);
  if (bad.length) add('container_check_digit', 'bad', 'fail', `check digit wrong: ${distinct(bad.map((c) => c.number)).join(', ')}`, REASONS.checkDigit, { numbers: distinct(bad.map((c) => c.number)) });
  else add('container_check_digit', reads.length ? 'ok' : 'none', reads.length ? 'pass' : 'skip', reads.length ? 'every container number read passes ISO 6346' : 'no container read');
  const read = distinct(reads.filter((c) => c.checkDigitValid).map((c) => c.number));
  const declared = matched ? distinct(matched.vehicle.containers.map((c) => c.containerNo)) : [];
  const missing = declared.filter((d) => !read.includes(d));
  const extra = read.filter((r) => !declared.includes(r));
  if (!matched) add('containers', 'noNote', 'skip', 'no release note to compare with', null, { read });
  else if (extra.length) add('containers', 'extra', 'fail', `read ${extra.join(', ')}, not on note ${matched.passportNo} (declared: ${declared.join(', ') || 'none'})`, REASONS.containerMismatch, { read, declared, extra });
  else if (missing.length) add('containers', 'missing', 'fail', `declared ${missing.join(', ')} not read${bad.length ? ' (a read failed its check digit)' : ''}`, REASONS.containerMissing, { read, declared, missing });
  else add('containers', declared.length ? 'ok' : 'noneDeclared', 'pass', declared.length ? `read ${read.join(', ')} as declared` : 'no container declared, none read', null, { read, declared });

  // 5. weight
  const stable = [...readings.weights].reverse().find((w) => !w.late && w.trigger === 'stable');
  const weighedKg = stable?.grossKg ?? null;
  if (!stable) add('weight_stable', 'none', 'fail', 'the weighbridge never reported a stable weight', REASONS.notStable);
  else if (stable.overload) add('weight_stable', 'overload', 'fail', `the indicator reported overload (${stable.grossKg ?? '?'} kg)`, REASONS.overload, { grossKg: stable.grossKg });
  else if (!weighedKg) add('weight_stable', 'noGross', 'fail', 'the stable reading carried no gross weight', REASONS.notStable);
  else add('weight_stable', 'ok', 'pass', `stable at ${weighedKg} kg`, null, { grossKg: weighedKg, eventId: stable.eventId });

  const thresholds: Record<string, unknown> = { tolerance: settings.tolerance, requirePlate: settings.requirePlate, containerWaitMs: settings.containerWaitMs, collectTimeoutMs: settings.collectTimeoutMs };
  if (!matched || !weighedKg || stable?.overload) add('weight', !matched ? 'noNote' : 'noWeight', 'skip', !matched ? 'no release note' : 'no usable weight');
  else {
    const v = matched.vehicle;
    const empty = matched.passportTypecd === '6' || toMicro(v.totalGrossWt) === 0n;
    const tol = empty ? settings.tolerance.empty : settings.tolerance.loaded;
    const declaredM = toMicro(v.totalWt);
    const diff = toMicro(weighedKg) - declaredM;
    const limit = [BigInt(Math.round(tol.absKg * 1_000_000)), percentOf(declaredM, tol.pct)].reduce((a, b) => (a > b ? a : b));
    const data = { declaredKg: v.totalWt, weighedKg, diffKg: fromMicro(diff), toleranceKg: fromMicro(limit), vehicle: empty ? 'empty' : 'loaded', absKg: tol.absKg, pct: tol.pct };
    const formula = `totalWt ${v.totalWt} = vehicleWt ${v.vehicleWt} + vehicleFrameWt ${v.vehicleFrameWt} + containers ${v.containers.map((c) => c.containerWt).join(' + ') || '0'} + totalGrossWt ${v.totalGrossWt}`;
    if ((diff < 0n ? -diff : diff) > limit)
      add('weight', 'over', 'fail', `weighed ${weighedKg} kg vs declared ${v.totalWt} kg: ${fromMicro(diff)} kg, beyond ±${fromMicro(limit)} kg (${empty ? 'empty' : 'loaded'}: max(${tol.absKg} kg, ${tol.pct} %)); ${formula}`, REASONS.weight, data);
    else add('weight', 'within', 'pass', `weighed ${weighedKg} kg vs declared ${v.totalWt} kg: ${fromMicro(diff)} kg, within ±${fromMicro(limit)} kg; ${formula}`, null, data);
  }

  const holdReasons = distinct(rules.filter((r) => r.result === 'fail').map((r) => r.reasonZh!));
  const outcome = holdReasons.length ? 'hold' : 'release';
  const ledText = outcome === 'release' ? settings.passText.replace('{plate}', vehicleNo ?? '') : `请停车 ${holdReasons.join(' ')}`.slice(0, 64);
  return {
    outcome,
    rules,
    holdReasons,
    ledText,
    vehicleNo,
    vehicleIcNo,
    weighedKg,
    matched,
    containersMissing: matched && !extra.length ? missing : [],
    inputs: {
      plates,
      epcs,
      containers: reads.map((c) => ({ number: c.number, checkDigitValid: c.checkDigitValid, position: c.position })),
      weight: stable ? { grossKg: stable.grossKg, overload: stable.overload, eventId: stable.eventId, ts: stable.ts } : null,
      note: matched
        ? { passportNo: matched.passportNo, status: matched.status, ioTypecd: matched.ioTypecd, passportTypecd: matched.passportTypecd, vehicle: matched.vehicle }
        : null,
      candidates: mine.map((c) => ({ passportNo: c.passportNo, status: c.status, ioTypecd: c.ioTypecd })),
      lane: lane.id,
    },
    thresholds,
  };
}
