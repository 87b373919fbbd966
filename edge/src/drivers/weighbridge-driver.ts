import type { WeighbridgeDeviceConfig } from '../config.js';
import type { DeviceContext } from '../device.js';
import type { ByteTransport } from '../transports/byte-transport.js';
import { ByteStreamDevice } from './byte-stream-device.js';
import { toKg, readingInKg, WeightEmitter } from './weight-emitter.js';
import {
  StabilityTracker,
  createWeightDecoder,
  type WeightFormat,
  type WeightFrameDecoder,
  type WeightReading,
} from './weighbridge/index.js';

export { toKg, type WeightEventReading } from './weight-emitter.js';

/** The latest weight the indicator showed, for a UI; updated on every good frame, sent nowhere. */
export interface LiveWeight {
  /** displayed weight (gross, or net when only net is sent) in kg; null before the first frame or on an overload/underload frame without a weight */
  grossKg: string | null;
  stable: boolean | null;
  overload: boolean;
  /** when that frame arrived (ISO 8601) */
  at: string | null;
}

/**
 * A weighbridge indicator streaming continuous frames (serial or a TCP serial server):
 * bytes → frame decoder → (software stability) → kg → one `weight` event per stable standstill
 * and one when the scale returns to zero, never one per frame.
 *
 * Emission rules: WeightEmitter (weight-emitter.ts), shared with the OPC UA weighbridge. The live
 * value (health().live, published by the agent at a throttled rate) shows an overload.
 */
export class WeighbridgeDevice extends ByteStreamDevice<'weighbridge'> {
  readonly format: WeightFormat;
  private readonly decoder: WeightFrameDecoder;
  private readonly stability: StabilityTracker | null;
  private readonly division: string | null;
  private readonly emitter: WeightEmitter;
  private latest: LiveWeight = { grossKg: null, stable: null, overload: false, at: null };

  constructor(config: WeighbridgeDeviceConfig, transport: ByteTransport, ctx: DeviceContext) {
    super(config, transport, ctx, { rejectWarning: 'weighbridge frames rejected' });
    this.format = config.format;
    this.decoder = decoderFor(config);
    this.stability = config.format === 'toledo' ? null : new StabilityTracker({ ...config.stability });
    this.division = config.format === 'toledo' ? null : config.stability.division;
    this.emitter = new WeightEmitter({
      deviceId: config.id,
      format: config.format,
      stabilitySource: this.stability ? 'inferred' : 'indicator',
      zeroBandKg: config.zeroBandKg,
      submit: (reading) => this.submit(reading),
    });
  }

  /** The latest weight shown, for a UI (not sent anywhere yet). */
  live(): LiveWeight {
    return { ...this.latest };
  }

  protected onBytes(chunk: Buffer): void {
    const now = this.ctx.now();
    for (const result of this.decoder.push(chunk)) {
      if (result.ok) this.onReading(result.reading, now);
      else this.reject(result.reason, { format: this.format });
    }
  }

  /** A partial frame or a stability run must not be continued across a gap in the stream. */
  protected override onGap(): void {
    this.decoder.reset();
    this.stability?.reset();
  }

  private onReading(raw: WeightReading, now: Date): void {
    if (raw.unit === 'lb') {
      this.stability?.reset();
      this.reject('unit lb refused: it has no exact kg value (set the indicator to kg or t)', { format: this.format });
      return;
    }
    const reading = this.stability ? this.stability.apply(raw, now.getTime()) : raw;
    const kg = readingInKg(reading);
    if (typeof kg === 'string') {
      this.reject(kg, { format: this.format });
      return;
    }
    const ts = now.toISOString();
    this.latest = { grossKg: kg.grossKg ?? kg.netKg ?? null, stable: kg.stable, overload: kg.overload, at: ts };
    // Screens get the weight as it moves (the agent throttles what it publishes); unchanged frames tell nobody.
    this.setLive({ grossKg: this.latest.grossKg, stable: this.latest.stable, overload: this.latest.overload });
    this.emitter.push(kg, ts, this.division === null ? null : toKg(this.division, raw.unit));
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
