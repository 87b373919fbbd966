import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { randomTruck, type ContainerOnTruck } from '../camera/camera-generator.js';
import type { CameraSimulator } from '../camera/camera-simulator.js';
import { Rng } from '../prng.js';
import { vehicleTagEpc } from '../rfid/epc.js';
import type { RfidReaderSimulator } from '../rfid/rfid-reader-simulator.js';
import type { TruckPass } from '../weighbridge/truck-profile.js';
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
      /** mean time between trucks on one lane (simulated; exponential arrivals) */
      every: duration.default(120_000),
      /** share of trucks carrying cargo; the others come empty */
      loadedShare: z.number().min(0).max(1).default(0.7),
      /** tractor + trailer tare, kg */
      tareKg: range.default([12_000, 17_000]),
      /** cargo weight of a loaded truck, kg */
      cargoKg: range.default([4_000, 26_000]),
      /** share of trucks over the weighbridge's capacity */
      overloadShare: z.number().min(0).max(1).default(0.01),
      /** simulated time a truck stands on the scale */
      standFor: duration.default(20_000),
      /** simulated time a truck takes to drive on, and off */
      driveFor: duration.default(6_000),
    })
    .default({ every: 120_000, loadedShare: 0.7, tareKg: [12_000, 17_000], cargoKg: [4_000, 26_000], overloadShare: 0.01, standFor: 20_000, driveFor: 6_000 }),
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
  playTruck(pass: TruckPass): void;
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

/** One truck played through a lane, as the devices were told (what the hub should see). */
export interface TruckEvent {
  n: number;
  lane: string;
  direction: 'in' | 'out';
  /** simulated time the truck arrived */
  at: string;
  plate: string;
  epc: string;
  containers: ContainerOnTruck[];
  grossKg: number;
  overload: boolean;
}

export interface ScenarioRun extends EventEmitter<{ truck: [TruckEvent]; fault: [{ device: string; fault: string; at: string }]; error: [Error] }> {
  readonly clock: SimClock;
  readonly trucks: TruckEvent[];
  /** resolves when `duration` has passed (never without one) or stop() was called */
  readonly finished: Promise<void>;
  stop(): Promise<void>;
}

const WEIGHBRIDGE_CAPACITY_KG = 60_000;

/**
 * Plays a scenario on the given simulators: per lane, trucks arrive (exponential gaps from the
 * seed), their e-tag is read as they approach, the camera reads the plate and the containers, the
 * scale shows the truck driving on, standing and driving off. Faults fire at their times.
 */
export function runScenario(s: Scenario, devices: { lanes: Record<string, ScenarioLane>; plc?: ScenarioPlc }, opts: { startAt?: number } = {}): ScenarioRun {
  const clock = new SimClock(s.speed, opts.startAt ?? Date.now());
  const emitter = new EventEmitter() as ScenarioRun;
  const trucks: TruckEvent[] = [];
  let n = 0;
  const pending = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>) => {
    const q = p.catch((err: Error) => emitter.emit('error', err)).finally(() => pending.delete(q));
    pending.add(q);
  };

  const laneLoop = async (laneIndex: number) => {
    const lane = s.lanes[laneIndex]!;
    // One stream per lane: adding a lane does not change the others' trucks.
    const rng = new Rng((s.seed * 7919 + laneIndex * 104_729) >>> 0);
    const dev = devices.lanes[lane.id] ?? {};
    while (!clock.isStopped) {
      await clock.sleep(-Math.log(1 - rng.float()) * s.trucks.every);
      if (clock.isStopped) break;
      const t = randomTruck(rng);
      const loaded = rng.chance(s.trucks.loadedShare);
      const overload = rng.chance(s.trucks.overloadShare);
      const tare = rng.int(s.trucks.tareKg[0], s.trucks.tareKg[1]);
      const cargo = loaded ? rng.int(s.trucks.cargoKg[0], s.trucks.cargoKg[1]) : 0;
      const grossKg = overload ? WEIGHBRIDGE_CAPACITY_KG + rng.int(1_000, 8_000) : Math.round((tare + cargo) / 20) * 20;
      const containers = loaded || rng.chance(0.3) ? t.containers : [];
      const truck: TruckEvent = {
        n: ++n,
        lane: lane.id,
        direction: lane.direction,
        at: clock.now().toISOString(),
        plate: t.plate.number,
        epc: vehicleTagEpc(rng.int(1, 999_999)),
        containers,
        grossKg,
        overload,
      };
      trucks.push(truck);
      emitter.emit('truck', truck);
      track(playTruck(dev, truck, t.plate.color));
    }
  };

  const playTruck = async (dev: ScenarioLane, t: TruckEvent, color: 'blue' | 'yellow' | 'green') => {
    const { standFor, driveFor } = s.trucks;
    // The e-tag antenna sees the windscreen first; the plate camera as it reaches the scale.
    if (dev.rfid) track(dev.rfid.tagEnters(t.epc, { durationMs: clock.real(driveFor + 4_000) }));
    await clock.sleep(2_000);
    if (dev.camera) track(dev.camera.readPlate(t.plate, { color }));
    if (dev.weighbridge) {
      const fps = dev.weighbridge.framesPerSec;
      const frames = (simMs: number) => Math.max(2, Math.round((clock.real(simMs) / 1000) * fps));
      dev.weighbridge.playTruck({
        gross: t.grossKg,
        riseFrames: frames(driveFor),
        stableFrames: frames(standFor),
        fallFrames: frames(driveFor),
        zeroFrames: frames(2_000),
        ...(t.overload ? { overload: true } : {}),
      });
    }
    await clock.sleep(driveFor);
    if (dev.camera && t.containers.length) track(dev.camera.readContainers(t.containers, { plate: t.plate }));
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
    await Promise.allSettled([...pending]);
    resolveFinished();
  };
  return Object.assign(emitter, { clock, trucks, finished, stop });
}
