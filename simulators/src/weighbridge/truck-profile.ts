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
  /** zero frames after the truck left */
  zeroFrames: number;
  /** frames over capacity while standing, e.g. an overloaded truck */
  overload?: boolean;
}

/**
 * The indicator states for one pass: zero, motion up (with the wobble of a truck rolling on),
 * stable at the gross weight, motion down, zero again.
 */
export function* truckPass(p: TruckPass, decimals = 0, random: () => number = Math.random): Generator<IndicatorState> {
  for (let i = 0; i < p.riseFrames; i++) {
    const f = (i + 1) / (p.riseFrames + 1);
    const wobble = Math.round((random() - 0.5) * p.gross * 0.05);
    yield { weight: Math.max(0, Math.round(p.gross * f) + wobble), decimals, motion: true, outOfRange: false };
  }
  for (let i = 0; i < p.stableFrames; i++) yield { weight: p.gross, decimals, motion: false, outOfRange: p.overload ?? false };
  for (let i = 0; i < p.fallFrames; i++) {
    const f = 1 - (i + 1) / (p.fallFrames + 1);
    yield { weight: Math.max(0, Math.round(p.gross * f)), decimals, motion: true, outOfRange: false };
  }
  for (let i = 0; i < p.zeroFrames; i++) yield { weight: 0, decimals, motion: false, outOfRange: false };
}
