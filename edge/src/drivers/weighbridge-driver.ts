import type { WeightData } from '@cjp/contracts';
import type { WeighbridgeDeviceConfig } from '../config.js';
import { HealthTracker, type Device, type DeviceContext } from '../device.js';
import type { DeviceReading } from '../reading.js';
import type { ByteTransport } from '../transports/byte-transport.js';
import { compareDecimal, decimalFromDigits, parseDecimal, spreadWithin, type ScaledDecimal } from './weighbridge/decimal.js';
import {
  StabilityTracker,
  createWeightDecoder,
  type WeightFormat,
  type WeightFrameDecoder,
  type WeightReading,
  type WeightUnit,
} from './weighbridge/index.js';

export type WeightEventReading = DeviceReading<'weight', WeightData>;

/** The latest weight the indicator showed, for a UI; updated on every good frame, sent nowhere. */
export interface LiveWeight {
  /** displayed weight (gross, or net when only net is sent) in kg; null before the first frame or on an overload/underload frame without a weight */
  grossKg: string | null;
  stable: boolean | null;
  overload: boolean;
  /** when that frame arrived (ISO 8601) */
  at: string | null;
}

/** Rejection warnings are logged at most this often per device, with the count since the last one. */
const WARN_EVERY_MS = 10_000;

/** Contract limits of a weight (contracts decimalStringSchema). */
const CONTRACT_DECIMAL = /^-?\d{1,12}(\.\d{1,6})?$/;

/**
 * A frame-unit decimal string → kg, exactly: kg as is, t ×1000 and g ÷1000 as decimal shifts
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

const abs = (d: ScaledDecimal): ScaledDecimal => ({ units: d.units < 0n ? -d.units : d.units, scale: d.scale });

/** A reading in kg, ready for the emission rules. */
interface KgReading {
  grossKg?: string;
  netKg?: string;
  tareKg?: string;
  /** the displayed weight (gross, else net), parsed */
  shown: ScaledDecimal | null;
  stable: boolean;
  overload: boolean;
  underload?: boolean;
}

/**
 * A weighbridge indicator streaming continuous frames (serial or a TCP serial server):
 * bytes → frame decoder → (software stability) → kg → one `weight` event per stable standstill
 * and one when the scale returns to zero, never one per frame.
 *
 * Emission rules (per device):
 * - `stable`: the reading is stable, not overload/underload, its displayed weight is outside the
 *   zero band, and either nothing has been emitted since the last zero event, or a motion (or
 *   out-of-range) reading came in between, or the weight differs from the last emitted one by more
 *   than one division (inferred stability) / the zero band (indicator stability).
 * - `zero`: the reading is stable and inside the zero band, and a `stable` event was emitted since
 *   the last `zero` event. Nothing is emitted at start-up on an empty scale.
 * - overload/underload readings are never emitted (no `stable` while out of range); they count as
 *   motion, so the weight is emitted again once the indicator is back in range and at rest. The
 *   live value shows the overload.
 * - A reading the outbox refuses is not taken as emitted: the next qualifying frame tries again.
 */
export class WeighbridgeDevice implements Device {
  readonly driver = 'weighbridge';
  readonly id: string;
  readonly format: WeightFormat;
  private readonly decoder: WeightFrameDecoder;
  private readonly stability: StabilityTracker | null;
  private readonly division: string | null;
  private readonly zeroBand: ScaledDecimal;
  private readonly tracker: HealthTracker;
  private latest: LiveWeight = { grossKg: null, stable: null, overload: false, at: null };
  /** the displayed weight of the last `stable` event, until the `zero` event that follows it */
  private emitted: ScaledDecimal | null = null;
  /** a motion or out-of-range reading arrived since the last `stable` event */
  private moved = false;
  private lastWarnMs: number | null = null;
  private unwarned = 0;

  constructor(
    config: WeighbridgeDeviceConfig,
    private readonly transport: ByteTransport,
    private readonly ctx: DeviceContext,
  ) {
    this.id = config.id;
    this.format = config.format;
    this.decoder = decoderFor(config);
    this.stability = config.format === 'toledo' ? null : new StabilityTracker({ ...config.stability });
    this.division = config.format === 'toledo' ? null : config.stability.division;
    this.zeroBand = abs(parseDecimal(config.zeroBandKg) ?? { units: 0n, scale: 0 });
    this.tracker = new HealthTracker(config.id, this.driver);
  }

  start(): void {
    const log = this.ctx.logger.child({ deviceId: this.id, transport: this.transport.description });
    this.transport.start({
      onData: (chunk) => {
        const now = this.ctx.now();
        for (const result of this.decoder.push(chunk)) {
          if (result.ok) this.onReading(result.reading, now, log);
          else this.reject(result.reason, now, log);
        }
      },
      onState: (state, error) => {
        if (error) this.tracker.error(`${this.transport.description}: ${error.message}`);
        if (state === 'connected') log.info('device connected');
        else if (state === 'disconnected') log.warn({ err: error?.message }, 'device disconnected');
        if (state !== 'connected') {
          // a partial frame or a stability run must not be continued across a gap in the stream
          this.decoder.reset();
          this.stability?.reset();
        }
        if (this.tracker.setState(state)) this.ctx.onStateChange();
      },
    });
  }

  close(): Promise<void> {
    return this.transport.close();
  }

  health() {
    return this.tracker.snapshot();
  }

  /** The latest weight shown, for a UI (not sent anywhere yet). */
  live(): LiveWeight {
    return { ...this.latest };
  }

  private onReading(raw: WeightReading, now: Date, log: DeviceContext['logger']): void {
    if (raw.unit === 'lb') {
      this.stability?.reset();
      this.reject('unit lb refused: it has no exact kg value (set the indicator to kg or t)', now, log);
      return;
    }
    const reading = this.stability ? this.stability.apply(raw, now.getTime()) : raw;
    const kg = this.inKg(reading);
    if (typeof kg === 'string') {
      this.reject(kg, now, log);
      return;
    }
    const ts = now.toISOString();
    this.latest = { grossKg: kg.grossKg ?? kg.netKg ?? null, stable: kg.stable, overload: kg.overload, at: ts };

    const outOfRange = kg.overload || kg.underload === true;
    if (!kg.stable || outOfRange) {
      this.moved = true;
      return;
    }
    if (!kg.shown) return; // e.g. an A12E tare-only frame: nothing displayed to judge
    if (compareDecimal(abs(kg.shown), this.zeroBand) <= 0) {
      if (this.emitted && this.submit(kg, 'zero', ts)) this.emitted = null;
      return;
    }
    const changed = this.emitted === null || this.moved || !this.within(this.emitted, kg.shown, raw.unit);
    if (changed && this.submit(kg, 'stable', ts)) {
      this.emitted = kg.shown;
      this.moved = false;
    }
  }

  /** |a − b| ≤ one division (inferred stability) or the zero band (indicator stability). */
  private within(a: ScaledDecimal, b: ScaledDecimal, unit: WeightUnit): boolean {
    const limitText = this.division === null ? null : toKg(this.division, unit);
    const limit = (limitText === null ? null : parseDecimal(limitText)) ?? this.zeroBand;
    return compareDecimal(a, b) <= 0 ? spreadWithin(a, b, limit) : spreadWithin(b, a, limit);
  }

  /** The reading in kg, or why it cannot be sent. */
  private inKg(r: WeightReading): KgReading | string {
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

  private submit(kg: KgReading, trigger: WeightData['trigger'], ts: string): boolean {
    const data: WeightData = {
      stable: kg.stable,
      stabilitySource: this.stability ? 'inferred' : 'indicator',
      overload: kg.overload,
      trigger,
      format: this.format,
    };
    if (kg.grossKg !== undefined) data.grossKg = kg.grossKg;
    if (kg.netKg !== undefined) data.netKg = kg.netKg;
    if (kg.tareKg !== undefined) data.tareKg = kg.tareKg;
    if (kg.underload !== undefined) data.underload = kg.underload;
    const reading: WeightEventReading = { kind: 'weight', deviceId: this.id, ts, data };
    const result = this.ctx.sink.submit(reading);
    if (result.ok) this.tracker.reading(ts);
    else this.tracker.error(`reading not stored: ${result.error}`);
    return result.ok;
  }

  /** A rejected frame: counted, lastError set, and a warning at most every 10 s with the count. */
  private reject(reason: string, now: Date, log: DeviceContext['logger']): void {
    this.tracker.reject(reason);
    this.unwarned += 1;
    const ms = now.getTime();
    if (this.lastWarnMs === null || ms - this.lastWarnMs >= WARN_EVERY_MS || ms < this.lastWarnMs) {
      log.warn({ reason, rejected: this.unwarned, format: this.format }, 'weighbridge frames rejected');
      this.lastWarnMs = ms;
      this.unwarned = 0;
    }
  }
}

function decoderFor(config: WeighbridgeDeviceConfig): WeightFrameDecoder {
  switch (config.format) {
    case 'toledo':
      return createWeightDecoder('toledo', { ...config.options });
    case 'yaohua-xk3190':
      return createWeightDecoder('yaohua-xk3190', { ...config.options });
    case 'yaohua-eq':
      return createWeightDecoder('yaohua-eq', { ...config.options });
    case 'yaohua-a12e':
      return createWeightDecoder('yaohua-a12e', { ...config.options });
  }
}
