import { type Logger } from 'pino';
import { Rng } from '../prng.js';
import { randomTruck } from './camera-generator.js';
import { type CameraSimulator } from './camera-simulator.js';

export type CameraReads = 'plate' | 'container' | 'both';
export const CAMERA_READS: readonly CameraReads[] = ['plate', 'container', 'both'];

export interface CameraTrafficOptions {
  /** trucks passing the camera per minute */
  vehiclesPerMinute: number;
  /** what the camera recognises: plate only, containers only, or both in one post */
  reads: CameraReads;
  /** share of trucks whose container numbers are read with a wrong check digit (default 0) */
  corruptRatio?: number;
  /** stop after this many trucks */
  count?: number;
  seed: number;
  logger?: Logger;
}

export interface CameraTraffic {
  /** resolves when `count` trucks were posted, or after stop() once in-flight posts settled */
  readonly finished: Promise<void>;
  readonly trucks: number;
  stop(): void;
}

/** Random trucks passing a gate camera at a steady rate (the first at once), for the CLI. */
export function startCameraTraffic(cam: CameraSimulator, opts: CameraTrafficOptions): CameraTraffic {
  const rng = new Rng(opts.seed ^ 0x3c6ef372);
  const inFlight = new Set<Promise<unknown>>();
  let trucks = 0;
  let stopped = false;
  let resolveFinished!: () => void;
  const finished = new Promise<void>((resolve) => (resolveFinished = resolve));

  const finish = () => {
    stopped = true;
    clearInterval(timer);
    void Promise.all(inFlight).then(() => resolveFinished());
  };

  const pass = () => {
    if (stopped) return;
    const truck = randomTruck(rng);
    cam.faults.corrupt(rng.chance(opts.corruptRatio ?? 0));
    trucks++;
    const read =
      opts.reads === 'plate'
        ? cam.readPlate(truck.plate.number, { color: truck.plate.color })
        : cam.readContainers(truck.containers, opts.reads === 'both' ? { plate: truck.plate.number, plateColor: truck.plate.color } : {});
    const p = read
      .then((r) =>
        opts.logger?.info(
          { n: trucks, plate: truck.plate.number, containers: truck.containers.map((c) => c.number), status: r.status, attempts: r.attempts, missed: r.missed ?? false },
          'truck read',
        ),
      )
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (opts.count !== undefined && trucks >= opts.count) finish();
  };

  const timer = setInterval(pass, 60_000 / opts.vehiclesPerMinute);
  pass();
  return {
    finished,
    get trucks() {
      return trucks;
    },
    stop() {
      if (!stopped) finish();
    },
  };
}
