import type { WeightData } from '@cjp/contracts';
import type { DeviceReading } from '../reading.js';
import { compareDecimal, decimalFromDigits, parseDecimal, spreadWithin, type ScaledDecimal } from '@cjp/contracts';
import type { WeightReading, WeightUnit } from './weighbridge/types.js';

export type WeightEventReading = DeviceReading<'weight', WeightData>;

/** Contract limits of a weight (contracts decimalStringSchema). */
const CONTRACT_DECIMAL = /^-?\d{1,12}(\.\d{1,6})?$/;

/**
 * A decimal string in `unit` → kg, exactly: kg as is, t ×1000 and g ÷1000 as decimal shifts
 * ("31.25" t → "31250", "1230" g → "1.230"). lb has no exact kg value: null.
 */
export function toKg(value: string, unit: WeightUnit): string | null {
  if (unit === 'kg') return value;
  if (unit === 'lb') return null;
  const m = /^(-?)(\d*)(?:\.(\d*))?$/.exec(value);
  if (!m) return null;
  const [, sign = '', int = '', frac = ''] = m;
  const negative = sign === '-';
  if (unit === 'g') return decimalFromDigits(int + frac, frac.length + 3, negative);
  const decimals = frac.length - 3;
  return decimals >= 0 ? decimalFromDigits(int + frac, decimals, negative) : decimalFromDigits(int + frac + '0'.repeat(-decimals), 0, negative);
}

/** A reading in kg, ready for the emission rules. */
export interface KgReading {
  grossKg?: string;
  netKg?: string;
  tareKg?: string;
  /** the displayed weight (gross, else net), parsed */
  shown: ScaledDecimal | null;
  stable: boolean;
  overload: boolean;
  underload?: boolean;
}

/** A reading (weights in `r.unit`) in kg, or why it cannot be sent (not exact, beyond the contract's digits). */
export function readingInKg(r: WeightReading): KgReading | string {
  const out: KgReading = { shown: null, stable: r.stable === true, overload: r.overload };
  if (r.underload !== undefined) out.underload = r.underload;
  for (const field of ['grossKg', 'netKg', 'tareKg'] as const) {
    const value = r[field];
    if (value === undefined) continue;
    const kg = toKg(value, r.unit);
    if (kg === null || !CONTRACT_DECIMAL.test(kg)) return `${field} ${value} ${r.unit} is not an exact kg value within 12 digits and 6 decimals`;
    out[field] = kg;
  }
  const shown = out.grossKg ?? out.netKg;
  out.shown = shown === undefined ? null : parseDecimal(shown);
  return out;
}

const abs = (d: ScaledDecimal): ScaledDecimal => ({ units: d.units < 0n ? -d.units : d.units, scale: d.scale });

export interface WeightEmitterOptions {
  deviceId: string;
  /** `format` of the events, e.g. "toledo", "opcua" */
  format: string;
  /** who decides `stable`: the indicator's flag, or the edge's inference */
  stabilitySource: WeightData['stabilitySource'];
  /** |displayed weight| ≤ this (kg, exact decimal) counts as an empty scale */
  zeroBandKg: string;
  /** hands an event to the agent, counted in the device's health (DeviceBase.submit); true when stored */
  submit: (reading: WeightEventReading) => boolean;
}

/**
 * The weighbridge emission rules, shared by every weighing driver (serial frames, OPC UA tags):
 * one `weight` event per stable standstill and one when the scale returns to zero, never one per
 * reading.
 *
 * - `stable`: the reading is stable, not overload/underload, its displayed weight is outside the
 *   zero band, and either nothing has been emitted since the last zero event, or a motion (or
 *   out-of-range) reading came in between, or the weight differs from the last emitted one by more
 *   than one division (inferred stability) / the zero band (indicator stability).
 * - `zero`: the reading is stable and inside the zero band (or negative: drift below zero after a
 *   truck left is an empty scale, never a weighing), and a `stable` event was emitted since
 *   the last `zero` event. Nothing is emitted at start-up on an empty scale.
 * - overload/underload readings are never emitted (no `stable` while out of range); they count as
 *   motion, so the weight is emitted again once the indicator is back in range and at rest.
 * - A reading the outbox refuses is not taken as emitted: the next qualifying reading tries again.
 */
export class WeightEmitter {
  private readonly zeroBand: ScaledDecimal;
  /** the displayed weight of the last `stable` event, until the `zero` event that follows it */
  private emitted: ScaledDecimal | null = null;
  /** a motion or out-of-range reading arrived since the last `stable` event */
  private moved = false;

  constructor(private readonly opts: WeightEmitterOptions) {
    this.zeroBand = abs(parseDecimal(opts.zeroBandKg) ?? { units: 0n, scale: 0 });
  }

  /**
   * Applies the rules to one reading; returns the trigger of the event submitted, if any.
   * `divisionKg`: one display division in kg when stability is inferred (the tolerance for "the
   * same weight"), null to use the zero band.
   */
  push(kg: KgReading, ts: string, divisionKg: string | null): WeightData['trigger'] | null {
    const outOfRange = kg.overload || kg.underload === true;
    if (!kg.stable || outOfRange) {
      this.moved = true;
      return null;
    }
    if (!kg.shown) return null; // e.g. an A12E tare-only frame: nothing displayed to judge
    // A negative weight at rest is an empty scale that drifted below zero, never a weighing.
    if (kg.shown.units < 0n || compareDecimal(kg.shown, this.zeroBand) <= 0) {
      if (this.emitted && this.submit(kg, 'zero', ts)) {
        this.emitted = null;
        return 'zero';
      }
      return null;
    }
    const changed = this.emitted === null || this.moved || !this.within(this.emitted, kg.shown, divisionKg);
    if (changed && this.submit(kg, 'stable', ts)) {
      this.emitted = kg.shown;
      this.moved = false;
      return 'stable';
    }
    return null;
  }

  /** |a − b| ≤ one division (inferred stability) or the zero band (indicator stability). */
  private within(a: ScaledDecimal, b: ScaledDecimal, divisionKg: string | null): boolean {
    const limit = (divisionKg === null ? null : parseDecimal(divisionKg)) ?? this.zeroBand;
    return compareDecimal(a, b) <= 0 ? spreadWithin(a, b, limit) : spreadWithin(b, a, limit);
  }

  private submit(kg: KgReading, trigger: WeightData['trigger'], ts: string): boolean {
    const data: WeightData = {
      stable: kg.stable,
      stabilitySource: this.opts.stabilitySource,
      overload: kg.overload,
      trigger,
      format: this.opts.format,
    };
    if (kg.grossKg !== undefined) data.grossKg = kg.grossKg;
    if (kg.netKg !== undefined) data.netKg = kg.netKg;
    if (kg.tareKg !== undefined) data.tareKg = kg.tareKg;
    if (kg.underload !== undefined) data.underload = kg.underload;
    const reading: WeightEventReading = { kind: 'weight', deviceId: this.opts.deviceId, ts, data };
    return this.opts.submit(reading);
  }
}
