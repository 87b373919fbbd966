import { type Logger } from 'pino';
import { Rng } from '../prng.js';
import { randomItemEpc, randomTid, randomVehicleEpc } from './epc.js';
import { type RfidReaderSimulator } from './rfid-reader-simulator.js';

export type RfidTagKind = 'vehicle' | 'item';

export interface RfidTrafficOptions {
  /** tags entering the field per minute */
  tagsPerMinute: number;
  /** how long each tag stays in the field (default 3000 ms: a truck rolling past the gate antennas) */
  dwellMs?: number;
  /** vehicle windscreen tags (GID-96) or goods tags (SGTIN-96); default vehicle */
  kind?: RfidTagKind;
  /** report a TID with each tag (FastID / TID metadata) */
  tid?: boolean;
  /** stop after this many tags */
  count?: number;
  seed: number;
  logger?: Logger;
}

export interface RfidTraffic {
  /** resolves when `count` tags have left the field, or after stop() */
  readonly finished: Promise<void>;
  readonly entered: number;
  stop(): void;
}

/**
 * Random tags entering the reader's field at a steady rate (the first one at once), for the CLI.
 * Tags are drawn from their own seeded stream; a vehicle comes back now and then (a small fleet).
 */
export function startRfidTraffic(sim: RfidReaderSimulator, opts: RfidTrafficOptions): RfidTraffic {
  const rng = new Rng(opts.seed ^ 0x7f4a7c15);
  const fleet: Array<{ epc: string; tid: string }> = [];
  const inFlight = new Set<Promise<unknown>>();
  let entered = 0;
  let stopped = false;
  let resolveFinished!: () => void;
  const finished = new Promise<void>((resolve) => (resolveFinished = resolve));

  const nextTag = () => {
    if ((opts.kind ?? 'vehicle') === 'item') return { epc: randomItemEpc(rng), tid: randomTid(rng) };
    if (fleet.length > 0 && rng.chance(0.3)) return rng.pick(fleet);
    const tag = { epc: randomVehicleEpc(rng), tid: randomTid(rng) };
    if (fleet.length < 200) fleet.push(tag);
    return tag;
  };

  const finish = () => {
    clearInterval(timer);
    void Promise.all(inFlight).then(() => resolveFinished());
  };

  const enter = () => {
    if (stopped) return;
    if (opts.count !== undefined && entered >= opts.count) {
      stopped = true;
      finish();
      return;
    }
    const tag = nextTag();
    entered++;
    opts.logger?.info({ epc: tag.epc, n: entered }, 'tag enters the field');
    const p = sim
      .tagEnters(tag.epc, { durationMs: opts.dwellMs ?? 3000, ...(opts.tid ? { tid: tag.tid } : {}) })
      .then((pass) => opts.logger?.debug({ epc: pass.epc, reads: pass.reads.length }, 'tag left the field'))
      .catch((err: Error) => opts.logger?.warn({ err: err.message }, 'tag pass failed'))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (opts.count !== undefined && entered >= opts.count) {
      stopped = true;
      finish();
    }
  };

  const timer = setInterval(enter, 60_000 / opts.tagsPerMinute);
  enter();
  return {
    finished,
    get entered() {
      return entered;
    },
    stop() {
      if (stopped) return;
      stopped = true;
      finish();
    },
  };
}
