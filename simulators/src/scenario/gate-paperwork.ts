/**
 * The customs paperwork of a simulated truck at the gate (customs.md §2.4, §2.6, §3): the vehicle
 * as registered (SAS131: plate, e-tag, tractor and trailer tare), its release note (核放单, SAS121)
 * with containers, tares and cargo, and the *case* that decides what the devices show the gate —
 * everything as declared, or one thing wrong on purpose — and so what the gate should decide.
 *
 * Weights are whole kg. `totalWt = vehicleWt + vehicleFrameWt + Σ containerWt + totalGrossWt`, as
 * customs computes it (BSSP countTotalWt); the weighbridge shows the true total rounded to its
 * division.
 */
import type { NoteCreate, Vehicle } from '@cjp/contracts';
import { iso6346CheckDigit } from '../codes.js';
import { randomContainerNumber, randomTruck, type ContainerOnTruck, type GeneratedPlate } from '../camera/camera-generator.js';
import type { Rng } from '../prng.js';
import { vehicleTagEpc } from '../rfid/epc.js';

/**
 * What happens to a truck at the gate:
 * - `ok`: approved note, everything as declared → release;
 * - `overweight`: the truck weighs 8–15 % more than declared → hold (重量超差);
 * - `wrongContainer`: the camera reads another (valid) container number than declared → hold (箱号不符);
 * - `plateMismatch`: the e-tag read belongs to another registered vehicle → hold (车号不一致);
 * - `empty`: an empty vehicle (passportTypecd 6): no cargo, no container → release;
 * - `notApproved`: the note was declared, never approved → hold (核放单未审批);
 * - `multiVehicle`: one note over two vehicles (一票多车, bindTypecd 3), both through the same lane
 *   one after the other → both released, the note passed after the second;
 * - `cameraMiss`: the plate camera misses; the e-tag identifies the vehicle → release;
 * - `badCheckDigit`: the container camera reads the number with a wrong check digit → hold (箱号校验错误);
 * - `noNote`: a registered vehicle without any note → hold (无核放单);
 * - `overload`: a truck beyond the weighbridge's capacity: the indicator shows out of range, no
 *   weight at rest ever reaches the gate → hold (after the gate's collect timeout).
 */
export const GATE_CASES = ['ok', 'overweight', 'wrongContainer', 'plateMismatch', 'empty', 'notApproved', 'multiVehicle', 'cameraMiss', 'badCheckDigit', 'noNote', 'overload'] as const;
export type GateCase = (typeof GATE_CASES)[number];

/** What the gate should decide for each case, and the hold reason a customs officer expects (LED). */
export const GATE_CASE_OUTCOMES: Readonly<Record<GateCase, { expected: 'release' | 'hold'; reason: string | null }>> = {
  ok: { expected: 'release', reason: null },
  overweight: { expected: 'hold', reason: '重量超差' },
  wrongContainer: { expected: 'hold', reason: '箱号不符' },
  plateMismatch: { expected: 'hold', reason: '车号不一致' },
  empty: { expected: 'release', reason: null },
  notApproved: { expected: 'hold', reason: '核放单未审批' },
  multiVehicle: { expected: 'release', reason: null },
  cameraMiss: { expected: 'release', reason: null },
  badCheckDigit: { expected: 'hold', reason: '箱号校验错误' },
  noNote: { expected: 'hold', reason: '无核放单' },
  overload: { expected: 'hold', reason: '地磅超载' },
};

/** The mix `npm start` and a scenario without `cases` play (relative weights). */
export const DEFAULT_CASE_MIX: Readonly<Partial<Record<GateCase, number>>> = {
  ok: 60,
  overweight: 8,
  wrongContainer: 6,
  plateMismatch: 5,
  empty: 10,
  notApproved: 4,
  multiVehicle: 4,
  cameraMiss: 3,
  badCheckDigit: 2,
  noNote: 2,
};

/**
 * Container tare by ISO 6346 size-type, kg: typical CSC-plate values of steel boxes [I, general
 * knowledge]; each box drawn within ±3 % of it.
 */
export const CONTAINER_TARE_KG: Readonly<Record<string, number>> = {
  '22G1': 2200,
  '22R1': 3050,
  '22U1': 2350,
  '22T6': 3650,
  '22P1': 2750,
  '42G1': 3700,
  '45G1': 3800,
  '45R1': 4600,
  '42U1': 3850,
  '45P3': 5000,
};

/** GB 1589-2016: the heaviest legal six-axle tractor and semi-trailer, kg. A loaded truck stays below. */
export const ROAD_GROSS_LIMIT_KG = 49_000;

export type NoteVehicleInput = NoteCreate['vehicles'][number];
export interface DeclaredContainer {
  containerNo: string;
  containerType: string | null;
  containerWt: string;
}

/** One truck of a plan: what is on it, what the devices will read, what the gate should decide. */
export interface PlannedTruck {
  case: GateCase;
  expected: 'release' | 'hold';
  /** the hold reason a customs officer expects (LED), null on release */
  expectedReason: string | null;
  /** the truck's own vehicle, as registered */
  vehicle: Vehicle;
  plate: GeneratedPlate;
  /** its entry on the note (null: no note) */
  declared: (NoteVehicleInput & { totalWt: string; containers: DeclaredContainer[] }) | null;
  /** the plate camera reads the plate (false: cameraMiss) */
  plateRead: boolean;
  /** the e-tag the reader reads (another registered vehicle's in plateMismatch) */
  epcRead: string;
  /** what the container camera reads (another number, or a wrong check digit, in those cases) */
  containersRead: ContainerOnTruck[];
  /** true cargo on board, kg */
  cargoKg: number;
  /** true total weight, kg */
  trueKg: number;
  /** what the indicator shows at rest: trueKg rounded to the division (or beyond capacity) */
  grossKg: number;
  overload: boolean;
}

/** A case's paperwork: vehicles to register, the note (to approve or not), and its trucks (two for multiVehicle). */
export interface PaperworkPlan {
  case: GateCase;
  vehicles: Vehicle[];
  note: NoteCreate | null;
  approve: boolean;
  trucks: PlannedTruck[];
  /** multiVehicle: simulated ms between the first truck leaving and the second arriving */
  headwayMs: number;
}

export interface GateCasePlanOptions {
  case: GateCase;
  direction: 'in' | 'out';
  /** the declaration date (yymmdd of the note number) */
  date: Date;
  /** 4-digit customs code (关区代码) */
  customsCode: string;
  /** the note's 12-digit sequence, unique per run */
  seq: number;
  /** tractor + trailer tare, kg */
  tareKg: readonly [number, number];
  /** cargo of a loaded truck, kg */
  cargoKg: readonly [number, number];
  scale: { capacity: number; division: number };
}

/** FNV-1a over the UTF-8 bytes: the e-tag serial of a plate, so a plate always has the same tag. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(text, 'utf8')) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

/**
 * The e-tag the center issued to a vehicle: derived from its plate (one tag per plate, the same
 * in every run), so registering a vehicle again never clashes with a tag given to another plate.
 */
export function vehicleEpcOf(plate: string): string {
  return vehicleTagEpc(fnv1a(plate) || 1);
}

/** `Z` + customs code + I/E + yymmdd + 12-digit sequence (customs.md §2.4), e.g. Z8601I261128000000000001. */
export function passportNoOf(customsCode: string, io: 'I' | 'E', date: Date, seq: number): string {
  if (!/^\d{4}$/.test(customsCode)) throw new RangeError(`customs code must be 4 digits, got "${customsCode}"`);
  const yymmdd = date.toISOString().slice(2, 10).replaceAll('-', '');
  return `Z${customsCode}${io}${yymmdd}${String(Math.trunc(seq) % 1e12).padStart(12, '0')}`;
}

/** A 核注清单 number as the samples show it (18 chars): QD + customs code + yy + I/E + 9 digits. */
function checklistNoOf(customsCode: string, io: 'I' | 'E', date: Date, seq: number, k: number): string {
  return `QD${customsCode}${date.toISOString().slice(2, 4)}${io}${String(seq % 1e8).padStart(8, '0')}${k}`;
}

const round = (kg: number, step: number) => Math.round(kg / step) * step;

function tareOf(rng: Rng, isoCode: string | undefined): number {
  const base = (isoCode ? CONTAINER_TARE_KG[isoCode] : undefined) ?? (isoCode?.startsWith('4') ? 3800 : 2250);
  return round(base * (1 + (rng.float() - 0.5) * 0.06), 10);
}

/** A container number other than `avoid`, valid by ISO 6346. */
function otherContainer(rng: Rng, avoid: readonly string[]): string {
  for (;;) {
    const n = randomContainerNumber(rng);
    if (!avoid.includes(n)) return n;
  }
}

/** The same container number with a check digit that is not its own. */
export function withWrongCheckDigit(number: string, rng: Rng): string {
  const right = iso6346CheckDigit(number.slice(0, 10));
  return number.slice(0, 10) + String((right + rng.int(1, 9)) % 10);
}

interface Loaded {
  plate: GeneratedPlate;
  vehicle: Vehicle;
  containers: ContainerOnTruck[];
  declaredContainers: DeclaredContainer[];
  cargoKg: number;
  declaredKg: number;
}

/** A vehicle with its tare, containers (with tare) and cargo. */
function loadTruck(rng: Rng, o: GateCasePlanOptions, opts: { empty: boolean; needContainer: boolean }): Loaded {
  const t = randomTruck(rng);
  const tare = rng.int(o.tareKg[0], o.tareKg[1]);
  const tractor = round(tare * (0.55 + rng.float() * 0.1), 10);
  const trailer = tare - tractor;
  const plate = t.plate;
  const vehicle: Vehicle = {
    vehicleNo: plate.number,
    vehicleIcNo: vehicleEpcOf(plate.number),
    vehicleWt: String(tractor),
    vehicleFrameWt: String(trailer),
    // a trailer's own plate: province and city of the tractor, four digits, 挂
    vehicleFrameNo: `${plate.number.slice(0, 2)}${String(rng.int(0, 9999)).padStart(4, '0')}挂`,
  };
  let containers = opts.empty ? [] : t.containers;
  if (!opts.empty && opts.needContainer && containers.length === 0) containers = [{ number: randomContainerNumber(rng), isoCode: '45G1', position: 'rear' }];
  const declaredContainers = containers.map((c) => ({ containerNo: c.number, containerType: c.isoCode ?? null, containerWt: String(tareOf(rng, c.isoCode)) }));
  const boxes = declaredContainers.reduce((s, c) => s + Number(c.containerWt), 0);
  const cargoKg = opts.empty ? 0 : Math.max(1_000, Math.min(rng.int(o.cargoKg[0], o.cargoKg[1]), ROAD_GROSS_LIMIT_KG - tare - boxes));
  return { plate, vehicle, containers, declaredContainers, cargoKg, declaredKg: tare + boxes + cargoKg };
}

/**
 * Draws one case's paperwork and trucks from `rng` (the same draws give the same plan). The note
 * is declared by the enterprise for its own tenant; `approve` says whether customs approves it.
 */
export function planGateCase(rng: Rng, o: GateCasePlanOptions): PaperworkPlan {
  const c = o.case;
  const io = o.direction === 'in' ? 'I' : 'E';
  const { expected, reason } = GATE_CASE_OUTCOMES[c];
  const empty = c === 'empty';
  const needContainer = c === 'wrongContainer' || c === 'badCheckDigit';
  const loads = [loadTruck(rng, o, { empty, needContainer })];
  if (c === 'multiVehicle') {
    let second = loadTruck(rng, o, { empty, needContainer });
    while (second.vehicle.vehicleNo === loads[0]!.vehicle.vehicleNo) second = loadTruck(rng, o, { empty, needContainer });
    loads.push(second);
  }
  const vehicles = loads.map((l) => l.vehicle);

  // plateMismatch: the tag read is another registered vehicle's (the wrong windscreen tag).
  let epcOverride: string | null = null;
  if (c === 'plateMismatch') {
    let other = loadTruck(rng, o, { empty: true, needContainer: false }).vehicle;
    while (other.vehicleNo === loads[0]!.vehicle.vehicleNo) other = loadTruck(rng, o, { empty: true, needContainer: false }).vehicle;
    vehicles.push(other);
    epcOverride = other.vehicleIcNo;
  }

  const passportNo = passportNoOf(o.customsCode, io, o.date, o.seq);
  const bindTypecd = c === 'multiVehicle' ? '3' : c === 'ok' && rng.chance(0.15) ? '1' : '2';
  const rltNos = empty ? [] : Array.from({ length: bindTypecd === '1' ? rng.int(2, 3) : 1 }, (_, k) => checklistNoOf(o.customsCode, io, o.date, o.seq, k));
  const noteVehicles = loads.map((l) => ({
    vehicleNo: l.vehicle.vehicleNo,
    vehicleIcNo: l.vehicle.vehicleIcNo,
    vehicleWt: l.vehicle.vehicleWt,
    vehicleFrameWt: l.vehicle.vehicleFrameWt ?? '0',
    vehicleFrameNo: l.vehicle.vehicleFrameNo,
    containers: l.declaredContainers,
    totalGrossWt: String(l.cargoKg),
    totalWt: String(l.declaredKg),
  }));
  const note: NoteCreate | null =
    c === 'noNote'
      ? null
      : {
          passportNo,
          ioTypecd: io,
          passportTypecd: empty ? '6' : rng.weighted({ '2': 50, '3': 40, '1': 10 }),
          bindTypecd,
          rltTbTypecd: empty ? null : '1',
          rltNos,
          vehicles: noteVehicles.map(({ totalWt: _, ...v }) => v),
          rmk: null,
        };

  const trucks = loads.map((l, i): PlannedTruck => {
    let trueKg = l.declaredKg;
    let cargoKg = l.cargoKg;
    if (c === 'overweight') {
      // undeclared cargo: 8-15 % over the declared total
      trueKg = Math.round(l.declaredKg * (1.08 + rng.float() * 0.07));
      cargoKg += trueKg - l.declaredKg;
    }
    const overload = c === 'overload';
    const grossKg = overload ? o.scale.capacity + round(rng.int(1_000, 8_000), o.scale.division) : round(trueKg, o.scale.division);
    let containersRead = l.containers;
    if (c === 'wrongContainer' || c === 'badCheckDigit') {
      const k = rng.int(0, l.containers.length - 1);
      const numbers = l.containers.map((x) => x.number);
      containersRead = l.containers.map((x, j) =>
        j === k ? { ...x, number: c === 'wrongContainer' ? otherContainer(rng, numbers) : withWrongCheckDigit(x.number, rng) } : x,
      );
    }
    return {
      case: c,
      expected,
      expectedReason: reason,
      vehicle: l.vehicle,
      plate: l.plate,
      declared: note ? noteVehicles[i]! : null,
      plateRead: c !== 'cameraMiss',
      epcRead: (i === 0 ? epcOverride : null) ?? l.vehicle.vehicleIcNo!,
      containersRead,
      cargoKg,
      trueKg,
      grossKg,
      overload,
    };
  });
  return { case: c, vehicles, note, approve: c !== 'notApproved' && c !== 'noNote', trucks, headwayMs: c === 'multiVehicle' ? rng.int(10, 40) * 1000 : 0 };
}
