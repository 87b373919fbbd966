import type { WeighbridgeDeviceConfig } from '../config.js';
import { HealthTracker, type Device, type DeviceContext } from '../device.js';
import type { ByteTransport } from '../transports/byte-transport.js';
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

/** Rejection warnings are logged at most this often per device, with the count since the last one. */
const WARN_EVERY_MS = 10_000;

/**
 * A weighbridge indicator streaming continuous frames (serial or a TCP serial server):
 * bytes → frame decoder → (software stability) → kg → one `weight` event per stable standstill
 * and one when the scale returns to zero, never one per frame.
 *
 * Emission rules: WeightEmitter (weight-emitter.ts), shared with the OPC UA weighbridge. The live
 * value (health().live, published by the agent at a throttled rate) shows an overload.
 */
export class WeighbridgeDevice implements Device {
  readonly driver = 'weighbridge';
  readonly id: string;
  readonly format: WeightFormat;
  private readonly decoder: WeightFrameDecoder;
  private readonly stability: StabilityTracker | null;
  private readonly division: string | null;
  private readonly tracker: HealthTracker;
  private readonly emitter: WeightEmitter;
  private latest: LiveWeight = { grossKg: null, stable: null, overload: false, at: null };
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
    this.tracker = new HealthTracker(config.id, this.driver);
    this.emitter = new WeightEmitter({
      deviceId: config.id,
      format: config.format,
      stabilitySource: this.stability ? 'inferred' : 'indicator',
      zeroBandKg: config.zeroBandKg,
      sink: ctx.sink,
      tracker: this.tracker,
    });
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
    const kg = readingInKg(reading);
    if (typeof kg === 'string') {
      this.reject(kg, now, log);
      return;
    }
    const ts = now.toISOString();
    const prev = this.latest;
    this.latest = { grossKg: kg.grossKg ?? kg.netKg ?? null, stable: kg.stable, overload: kg.overload, at: ts };
    // Screens get the weight as it moves (the agent throttles what it publishes); unchanged frames cost nothing.
    if (prev.grossKg !== this.latest.grossKg || prev.stable !== this.latest.stable || prev.overload !== this.latest.overload) {
      this.tracker.setLive({ grossKg: this.latest.grossKg, stable: this.latest.stable, overload: this.latest.overload });
      this.ctx.onLive?.();
    }
    this.emitter.push(kg, ts, this.division === null ? null : toKg(this.division, raw.unit));
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
