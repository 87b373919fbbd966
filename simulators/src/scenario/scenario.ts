import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { NoteCreate, Vehicle } from '@cjp/contracts';
import type { ContainerOnTruck } from '../camera/camera-generator.js';
import type { CameraSimulator } from '../camera/camera-simulator.js';
import { Rng } from '../prng.js';
import type { RfidReaderSimulator } from '../rfid/rfid-reader-simulator.js';
import type { TruckPass } from '../weighbridge/truck-profile.js';
import { DEFAULT_CASE_MIX, GATE_CASES, planGateCase, type GateCase, type PaperworkPlan, type PlannedTruck } from './gate-paperwork.js';
import { parseDuration, SimClock } from './sim-clock.js';

const duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  try {
    return parseDuration(v);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});
const range = z.tuple([z.number().nonnegative(), z.number().nonnegative()]).refine(([a, b]) => a <= b, 'expected [min, max] with min ≤ max');

const faultSchema = z.strictObject({
  /** simulated time since the start */
  at: duration,
  /** `<lane>.weighbridge`, `<lane>.rfid`, `<lane>.camera` or `plc` */
  device: z.string().regex(/^([a-z0-9_-]+\.(weighbridge|rfid|camera)|plc)$/, 'expected <lane>.weighbridge|rfid|camera or plc'),
  fault: z.enum(['disconnect', 'slow', 'corrupt', 'miss', 'restart']),
  /** how long it lasts (simulated); default 30 s */
  for: duration.default(30_000),
});

/**
 * A scenario file: trucks through the gate lanes at a seeded random pace on an accelerated clock,
 * and faults at given (simulated) times. Every draw comes from `seed`, so a run can be repeated.
 */
export const scenarioSchema = z.strictObject({
  name: z.string().default('scenario'),
  seed: z.number().int().nonnegative().default(1),
  /** simulated seconds per real second */
  speed: z.number().positive().max(1000).default(1),
  /** stop after this much simulated time; absent = run until stopped */
  duration: duration.optional(),
  lanes: z
    .array(
      z.strictObject({
        id: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/),
        direction: z.enum(['in', 'out']),
      }),
    )
    .min(1),
  trucks: z
    .strictObject({
      /** mean time between trucks arriving at one lane (simulated; exponential arrivals, served one at a time) */
      every: duration.default(120_000),
      /** tractor + trailer tare, kg (the tractor about 60 % of it) */
      tareKg: range.default([12_000, 17_000]),
      /** cargo weight of a loaded truck, kg (kept within the 49 t road limit) */
      cargoKg: range.default([4_000, 26_000]),
      /** simulated time a truck stands on the scale */
      standFor: duration.default(20_000),
      /** simulated time a truck takes to drive on, and off */
      driveFor: duration.default(6_000),
    })
    .default({ every: 120_000, tareKg: [12_000, 17_000], cargoKg: [4_000, 26_000], standFor: 20_000, driveFor: 6_000 }),
  /**
   * What happens to the trucks at the gate, as relative weights (see GATE_CASES): `ok` trucks have
   * an approved release note that matches; the others have one thing wrong on purpose.
   */
  cases: z
    .partialRecord(z.enum(GATE_CASES), z.number().nonnegative())
    .refine((m) => Object.values(m).some((w) => (w ?? 0) > 0), 'at least one case needs a weight above 0')
    .default({ ...DEFAULT_CASE_MIX }),
  /** the customs code (关区代码, 4 digits) in the release-note numbers */
  customsCode: z.string().regex(/^\d{4}$/, 'expected 4 digits').default('8601'),
  faults: z.array(faultSchema).default([]),
});
export type Scenario = z.output<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;

/** Reads and validates a scenario YAML file; throws naming every bad field. */
export function loadScenario(file: string): Scenario {
  const parsed = scenarioSchema.safeParse(parseYaml(readFileSync(file, 'utf8')) ?? {});
  if (!parsed.success) {
    throw new Error(`invalid scenario ${file}:\n${parsed.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n')}`);
  }
  return parsed.data;
}

/** What the runner needs of a weighbridge simulator. */
export interface ScenarioWeighbridge {
  /** frames per second it plays */
  readonly framesPerSec: number;
  /** queues a truck; may resolve once the indicator has played it (the lane is free again) */
  playTruck(pass: TruckPass): void | Promise<void>;
  disconnect(opts?: { forMs?: number }): number;
  slow(on: boolean): void;
  corrupt(on: boolean | number): void;
}

export interface ScenarioLane {
  weighbridge?: ScenarioWeighbridge;
  rfid?: Pick<RfidReaderSimulator, 'tagEnters' | 'faults'>;
  camera?: Pick<CameraSimulator, 'readPlate' | 'readContainers' | 'faults'>;
}

export interface ScenarioPlc {
  stop(): Promise<void>;
  start(): Promise<void>;
}

/**
 * Declares a truck's paperwork to the hub before the truck comes: its vehicle(s), its release note,
 * and customs' approval. The runner calls it ahead of the truck and waits for it before the truck's
 * first reading; an implementation bounds its own retries. A rejection is reported as the run's
 * `error` and the truck comes anyway (the gate then decides without that paperwork).
 */
export interface GateDeclarer {
  /** registers (or updates) a vehicle: plate, e-tag, tractor and trailer tare (SAS131) */
  registerVehicle(vehicle: Vehicle): Promise<void>;
  /** the enterprise declares a release note (核放单, SAS121); it starts "applied" */
  createNote(note: NoteCreate): Promise<void>;
  /** customs approves it (SAS221) */
  approveNote(passportNo: string): Promise<void>;
}

/** One truck played through a lane, as the devices were told (what the hub should see), with its paperwork and case. */
export interface TruckEvent {
  n: number;
  lane: string;
  direction: 'in' | 'out';
  /** simulated time the truck arrived */
  at: string;
  /** the truck's plate (read by the camera unless `plateRead` is false) */
  plate: string;
  /** false when the plate camera misses it (case cameraMiss) */
  plateRead: boolean;
  /** the e-tag the reader reads: the vehicle's own, or another registered vehicle's (plateMismatch) */
  epc: string;
  /** what the container camera reads (may differ from the declared ones: wrongContainer, badCheckDigit) */
  containers: ContainerOnTruck[];
  /** what the weighbridge shows at rest, kg (the true total rounded to the division) */
  grossKg: number;
  overload: boolean;
  case: GateCase;
  /** the release note the truck comes with; null without one (noNote) */
  passportNo: string | null;
  /** what the gate should decide */
  expected: 'release' | 'hold';
  /** the hold reason a customs officer expects on the LED; null on release */
  expectedReason: string | null;
  /** the vehicle as registered */
  vehicle: Vehicle;
  /** this vehicle's entry on the note (containers with tare, cargo, totalWt); null without a note */
  declared: PlannedTruck['declared'];
  /** true cargo on board, kg (more than declared when overweight) */
  cargoKg: number;
  /** a 一票多车 note: which of its vehicles this is */
  noteVehicle?: { index: number; of: number };
}

export interface ScenarioRunEvents {
  /** a truck arrived at its lane (its paperwork is declared) */
  truck: [TruckEvent];
  /** the truck has driven off the scale and left the lane */
  passed: [TruckEvent];
  fault: [{ device: string; fault: string; at: string }];
  error: [Error];
}

export interface ScenarioRun extends EventEmitter<ScenarioRunEvents> {
  readonly clock: SimClock;
  readonly trucks: TruckEvent[];
  /** resolves when `duration` has passed (never without one) or stop() was called */
  readonly finished: Promise<void>;
  stop(): Promise<void>;
}

export interface RunScenarioOptions {
  /** simulated time at the start, ms since the epoch (default now) */
  startAt?: number;
  /** declares each truck's paperwork to the hub before it comes; without one, nothing is declared */
  declarer?: GateDeclarer;
}

const WEIGHBRIDGE = { capacity: 60_000, division: 20 };

/**
 * Plays a scenario on the given simulators. Per lane, trucks arrive at exponential intervals from
 * the seed and are served one at a time: each comes with its paperwork and a case (drawn by the
 * scenario's `cases` weights), declared through `declarer` well before it arrives (while the truck
 * before it drives through). Then its e-tag is read as it approaches, the camera reads the plate,
 * the container camera the containers as it drives on, and the scale shows it driving on, standing
 * and driving off. Faults fire at their times.
 */
export function runScenario(s: Scenario, devices: { lanes: Record<string, ScenarioLane>; plc?: ScenarioPlc }, opts: RunScenarioOptions = {}): ScenarioRun {
  const clock = new SimClock(s.speed, opts.startAt ?? Date.now());
  const emitter = new EventEmitter<ScenarioRunEvents>() as ScenarioRun;
  const trucks: TruckEvent[] = [];
  let n = 0;
  const pending = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>) => {
    const q = p.catch((err: Error) => emitter.emit('error', err)).finally(() => pending.delete(q));
    pending.add(q);
  };
  let onStop!: () => void;
  const stopped = new Promise<void>((r) => (onStop = r));
  const cases = Object.fromEntries(Object.entries(s.cases).filter(([, w]) => (w ?? 0) > 0)) as Record<GateCase, number>;
  // Note numbers: 6 digits of the run's start (seconds) + 6 of a counter unique across lanes.
  const runTag = Math.floor(clock.start / 1000) % 1_000_000;

  /** Never rejects: a failed step is reported and the truck comes without the rest. */
  const declare = async (plan: PaperworkPlan): Promise<void> => {
    const d = opts.declarer;
    if (!d) return;
    const step = async (what: string, fn: () => Promise<void>) => {
      try {
        await fn();
        return true;
      } catch (err) {
        emitter.emit('error', new Error(`${what}: ${(err as Error).message}`));
        return false;
      }
    };
    for (const v of plan.vehicles) await step(`registering vehicle ${v.vehicleNo}`, () => d.registerVehicle(v));
    if (!plan.note) return;
    const no = plan.note.passportNo;
    if ((await step(`declaring release note ${no}`, () => d.createNote(plan.note!))) && plan.approve) await step(`approving release note ${no}`, () => d.approveNote(no));
  };

  const laneLoop = async (laneIndex: number) => {
    const lane = s.lanes[laneIndex]!;
    // One stream per lane: adding a lane does not change the others' trucks.
    const rng = new Rng((s.seed * 7919 + laneIndex * 104_729) >>> 0);
    const dev = devices.lanes[lane.id] ?? {};
    let k = 0;
    const plan = () =>
      planGateCase(rng, {
        case: rng.weighted(cases),
        direction: lane.direction,
        date: clock.now(),
        customsCode: s.customsCode,
        seq: runTag * 1_000_000 + ((k++ * s.lanes.length + laneIndex) % 1_000_000),
        tareKg: s.trucks.tareKg,
        cargoKg: s.trucks.cargoKg,
        scale: WEIGHBRIDGE,
      });
    const gap = () => -Math.log(1 - rng.float()) * s.trucks.every;
    let next = plan();
    let declared = declare(next);
    let arriveAt = gap();
    while (!clock.isStopped) {
      await clock.sleep(arriveAt - clock.elapsed());
      await Promise.race([declared, stopped]);
      if (clock.isStopped) break;
      const group = next;
      // The next truck's paperwork goes in while this one drives through.
      next = plan();
      declared = declare(next);
      for (const [i, p] of group.trucks.entries()) {
        if (i > 0) await clock.sleep(group.headwayMs);
        if (clock.isStopped) break;
        const truck = truckEvent(++n, lane, clock.now(), p, group, i);
        trucks.push(truck);
        emitter.emit('truck', truck);
        await playTruck(dev, truck, p);
        if (!clock.isStopped) emitter.emit('passed', truck);
      }
      // Arrivals keep their pace; a truck that came while the lane was busy waited for it.
      arriveAt += gap();
    }
  };

  const playTruck = async (dev: ScenarioLane, t: TruckEvent, p: PlannedTruck) => {
    const { standFor, driveFor } = s.trucks;
    // The e-tag antenna sees the windscreen first; the plate camera as it reaches the scale, the
    // container camera (a gantry at the scale's entrance) as it drives on.
    if (dev.rfid) track(dev.rfid.tagEnters(t.epc, { durationMs: clock.real(driveFor + 4_000) }));
    await clock.sleep(2_000);
    if (clock.isStopped) return;
    if (dev.camera && t.plateRead) track(dev.camera.readPlate(t.plate, { color: p.plate.color }));
    let weighed: void | Promise<void> = undefined;
    if (dev.weighbridge) {
      const fps = dev.weighbridge.framesPerSec;
      const frames = (simMs: number) => Math.max(2, Math.round((clock.real(simMs) / 1000) * fps));
      weighed = dev.weighbridge.playTruck({
        gross: t.grossKg,
        riseFrames: frames(driveFor),
        stableFrames: frames(standFor),
        fallFrames: frames(driveFor),
        // At least 1.5 s of empty scale whatever the speed: an edge that infers stability needs
        // about a second of zero readings to report that the truck left.
        zeroFrames: Math.max(frames(2_000), Math.ceil(fps * 1.5)),
        ...(t.overload ? { overload: true } : {}),
      });
    }
    await clock.sleep(driveFor / 2);
    if (clock.isStopped) return;
    if (dev.camera && t.containers.length) track(dev.camera.readContainers(t.containers, t.plateRead ? { plate: t.plate, plateColor: p.plate.color } : {}));
    // standing, driving off, the empty scale
    await clock.sleep(driveFor / 2 + standFor + driveFor + 2_000);
    // The indicator plays in real time (whole frames): at a high speed it takes longer than the
    // simulated time says, and the next truck must not drive on before this one left. (Bounded:
    // an indicator nobody reads does not play.)
    if (weighed) await Promise.race([weighed, stopped, clock.sleep(clock.speed * 10_000)]);
  };

  const fire = async (f: Scenario['faults'][number]) => {
    const [laneId, kind] = f.device.split('.') as [string, 'weighbridge' | 'rfid' | 'camera' | undefined];
    emitter.emit('fault', { device: f.device, fault: f.fault, at: clock.now().toISOString() });
    const realFor = clock.real(f.for);
    if (f.device === 'plc') {
      if (f.fault !== 'restart' || !devices.plc) return;
      await devices.plc.stop();
      await clock.sleep(f.for);
      await devices.plc.start();
      return;
    }
    const dev = devices.lanes[laneId]?.[kind!];
    if (!dev) return;
    if (kind === 'weighbridge') {
      const wb = dev as ScenarioWeighbridge;
      if (f.fault === 'disconnect') wb.disconnect({ forMs: realFor });
      else if (f.fault === 'slow' || f.fault === 'corrupt') {
        if (f.fault === 'slow') wb.slow(true);
        else wb.corrupt(true);
        await clock.sleep(f.for);
        if (f.fault === 'slow') wb.slow(false);
        else wb.corrupt(false);
      }
    } else if (kind === 'rfid') {
      const r = dev as ScenarioLane['rfid'] & object;
      if (f.fault === 'disconnect') await r.faults.disconnect(realFor);
      else if (f.fault === 'slow' || f.fault === 'corrupt') {
        r.faults[f.fault](true);
        await clock.sleep(f.for);
        r.faults[f.fault](false);
      }
    } else if (kind === 'camera') {
      const c = dev as ScenarioLane['camera'] & object;
      if (f.fault === 'miss') {
        c.faults.miss(1);
        await clock.sleep(f.for);
        c.faults.miss(0);
      } else if (f.fault === 'corrupt') {
        c.faults.corrupt(true);
        await clock.sleep(f.for);
        c.faults.corrupt(false);
      } else if (f.fault === 'slow') {
        c.faults.slow(realFor);
      }
    }
  };

  for (let i = 0; i < s.lanes.length; i++) track(laneLoop(i));
  for (const f of s.faults) clock.after(f.at, () => track(fire(f)));

  let resolveFinished!: () => void;
  const finished = new Promise<void>((r) => (resolveFinished = r));
  if (s.duration !== undefined) clock.after(s.duration, () => void stop());
  const stop = async () => {
    clock.stop();
    onStop();
    await Promise.allSettled([...pending]);
    resolveFinished();
  };
  return Object.assign(emitter, { clock, trucks, finished, stop });
}

function truckEvent(n: number, lane: Scenario['lanes'][number], at: Date, p: PlannedTruck, group: PaperworkPlan, i: number): TruckEvent {
  return {
    n,
    lane: lane.id,
    direction: lane.direction,
    at: at.toISOString(),
    plate: p.plate.number,
    plateRead: p.plateRead,
    epc: p.epcRead,
    containers: p.containersRead,
    grossKg: p.grossKg,
    overload: p.overload,
    case: p.case,
    passportNo: group.note?.passportNo ?? null,
    expected: p.expected,
    expectedReason: p.expectedReason,
    vehicle: p.vehicle,
    declared: p.declared,
    cargoKg: p.cargoKg,
    ...(group.trucks.length > 1 ? { noteVehicle: { index: i + 1, of: group.trucks.length } } : {}),
  };
}
