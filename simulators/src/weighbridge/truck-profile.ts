import type { IndicatorState } from './frames.js';

/** One truck crossing the scale, as the indicator displays it frame by frame. */
export interface TruckPass {
  /** stable gross weight in display units */
  gross: number;
  /** frames while the weight rises (motion) */
  riseFrames: number;
  /** frames standing still (stable) */
  stableFrames: number;
  /** frames while the weight falls (motion) */
  fallFrames: number;
  /** frames of the empty scale after the truck left */
  zeroFrames: number;
  /** the stable frames are out of range whatever the limits say, e.g. an overloaded truck */
  overload?: boolean;
  /**
   * what the empty scale shows after the truck left, in display units (default 0): a small
   * negative value is zero drift (a negative reading), one below −20 divisions is an underload
   */
  zeroDrift?: number;
}

/**
 * The indicator's range, in display units: above capacity + 9 divisions it is overloaded, below
 * −20 divisions underloaded (XK3190-A12E manual, devices.md 1.2c); both are "out of range".
 */
export interface ScaleLimits {
  capacity: number;
  division: number;
}

/** Whether a weight is out of the indicator's range. */
export function outOfRange(weight: number, limits: ScaleLimits | undefined): boolean {
  if (!limits) return false;
  return weight > limits.capacity + 9 * limits.division || weight < -20 * limits.division;
}

/**
 * The indicator states for one pass: zero, motion up (with the wobble of a truck rolling on),
 * stable at the gross weight, motion down, the empty scale again (at zero, or drifted).
 * With `limits`, every frame beyond them is out of range (an overloaded truck, an underload).
 */
export function* truckPass(p: TruckPass, decimals = 0, random: () => number = Math.random, limits?: ScaleLimits): Generator<IndicatorState> {
  const state = (weight: number, motion: boolean, forced = false): IndicatorState => ({ weight, decimals, motion, outOfRange: forced || outOfRange(weight, limits) });
  for (let i = 0; i < p.riseFrames; i++) {
    const f = (i + 1) / (p.riseFrames + 1);
    const wobble = Math.round((random() - 0.5) * p.gross * 0.05);
    yield state(Math.max(0, Math.round(p.gross * f) + wobble), true);
  }
  for (let i = 0; i < p.stableFrames; i++) yield state(p.gross, false, p.overload ?? false);
  for (let i = 0; i < p.fallFrames; i++) {
    const f = 1 - (i + 1) / (p.fallFrames + 1);
    yield state(Math.max(0, Math.round(p.gross * f)), true);
  }
  for (let i = 0; i < p.zeroFrames; i++) yield state(p.zeroDrift ?? 0, false);
}
