import { compareDecimal, parseDecimal, spreadWithin, type ScaledDecimal } from '@cjp/contracts';
import type { WeightReading, WeightUnit } from './types.js';

/**
 * Software stability for protocols without a stable flag (XK3190, '=' format, A12E): the weight is
 * stable once at least N consecutive readings, spanning at least T ms, lie within ±1 division of
 * each other, read as: no two readings of the run differ by more than one division (max − min ≤ d).
 * A reading outside that band starts a new run with itself; an overload/underload reading, a
 * reading without a weight, a change of unit or a clock going backwards empties the run.
 */
export interface StabilityOptions {
  /** one display division d in the readings' unit, as a decimal string ('20' for 20 kg, '0.02' t) */
  division: string;
  /** N, the readings a run needs (default 5, as a third-party XK3190 decoder uses) */
  minReadings?: number;
  /** T, how long a run must span from its first to its latest reading, in ms (default 1000) */
  minDurationMs?: number;
}

export interface StabilityState {
  readonly count: number;
  /** timestamp of the run's first reading, ms */
  readonly sinceMs: number;
  readonly lastMs: number;
  readonly unit: WeightUnit | null;
  readonly min: ScaledDecimal | null;
  readonly max: ScaledDecimal | null;
}

export const EMPTY_STABILITY: StabilityState = Object.freeze({ count: 0, sinceMs: 0, lastMs: 0, unit: null, min: null, max: null });

/** The weight a run is judged on: the displayed one (gross or net). */
function weightOf(r: WeightReading): string | undefined {
  return r.grossKg ?? r.netKg;
}

interface ResolvedOptions {
  division: ScaledDecimal;
  minReadings: number;
  minDurationMs: number;
}

/** Checks the options; throws on a configuration error (a division that is not a positive decimal). */
function resolveStabilityOptions(options: StabilityOptions): ResolvedOptions {
  const division = parseDecimal(options.division);
  if (division === null || division.units <= 0n) throw new RangeError(`stability division must be a positive decimal, got "${options.division}"`);
  const minReadings = options.minReadings ?? 5;
  const minDurationMs = options.minDurationMs ?? 1000;
  if (!Number.isInteger(minReadings) || minReadings < 1) throw new RangeError(`stability minReadings must be an integer ≥ 1, got ${minReadings}`);
  if (!(minDurationMs >= 0)) throw new RangeError(`stability minDurationMs must be ≥ 0, got ${minDurationMs}`);
  return { division, minReadings, minDurationMs };
}

/**
 * One step of the inference, pure: the state after `reading` arrived at `timestampMs`, and whether
 * the weight is now stable. Start from EMPTY_STABILITY. Throws only on invalid options.
 */
export function nextStability(
  state: StabilityState,
  reading: WeightReading,
  timestampMs: number,
  options: StabilityOptions,
): { state: StabilityState; stable: boolean } {
  const opts = resolveStabilityOptions(options);
  const text = weightOf(reading);
  const value = text === undefined ? null : parseDecimal(text);
  if (value === null || reading.overload || reading.underload || !Number.isFinite(timestampMs)) {
    return { state: EMPTY_STABILITY, stable: false };
  }
  const fresh: StabilityState = { count: 1, sinceMs: timestampMs, lastMs: timestampMs, unit: reading.unit, min: value, max: value };
  let next = fresh;
  if (state.count > 0 && state.min && state.max && state.unit === reading.unit && timestampMs >= state.lastMs) {
    const min = compareDecimal(value, state.min) < 0 ? value : state.min;
    const max = compareDecimal(value, state.max) > 0 ? value : state.max;
    if (spreadWithin(min, max, opts.division)) next = { count: state.count + 1, sinceMs: state.sinceMs, lastMs: timestampMs, unit: reading.unit, min, max };
  }
  return { state: next, stable: next.count >= opts.minReadings && next.lastMs - next.sinceMs >= opts.minDurationMs };
}

/** nextStability with the state kept for you, for one device's stream. */
export class StabilityTracker {
  private state: StabilityState = EMPTY_STABILITY;
  private readonly opts: StabilityOptions;

  constructor(options: StabilityOptions) {
    resolveStabilityOptions(options); // fail on a bad configuration here, not on the first reading
    this.opts = { ...options };
  }

  /** Feed a reading; true when the weight is stable by the rule above. */
  update(reading: WeightReading, timestampMs: number): boolean {
    const step = nextStability(this.state, reading, timestampMs, this.opts);
    this.state = step.state;
    return step.stable;
  }

  /** The reading with `stable` inferred when the protocol sent none (a flag that was sent is kept). */
  apply(reading: WeightReading, timestampMs: number): WeightReading {
    const stable = this.update(reading, timestampMs);
    return reading.stable === null ? { ...reading, stable } : reading;
  }

  reset(): void {
    this.state = EMPTY_STABILITY;
  }
}
