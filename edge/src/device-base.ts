import type { DeviceHealth, LiveValues } from '@cjp/contracts';
import type { Logger } from 'pino';
import { HealthTracker, type Device, type DeviceContext } from './device.js';
import type { DeviceReading } from './reading.js';
import type { TransportState } from './transports/byte-transport.js';
import { WarnThrottle } from './warn-throttle.js';

/** Rejection warnings are logged at most this often per device, with the count since the last one. */
export const REJECT_WARN_EVERY_MS = 10_000;

export interface DeviceBaseOptions {
  /** bindings of the device's logger besides deviceId (transport, broker, path …) */
  log?: Record<string, unknown>;
  /** the message of the throttled rejection warning, e.g. "weighbridge frames rejected" */
  rejectWarning: string;
  /** live values before the first reading (set without telling the agent) */
  live?: LiveValues;
}

/**
 * What every connector repeats, once: start/close run once each (a closed device does not open
 * again), the HealthTracker, state changes → ctx.onStateChange, live values → ctx.onLive only when
 * they changed, readings → ctx.sink with the counters, and rejections counted with a throttled
 * warning. A driver implements openConnector/closeConnector and decodes what arrives.
 */
export abstract class DeviceBase<D extends string = string> implements Device {
  readonly id: string;
  readonly driver: D;
  protected readonly tracker: HealthTracker;
  protected readonly log: Logger;
  private readonly rejectWarning: string;
  private readonly rejectWarnings = new WarnThrottle(REJECT_WARN_EVERY_MS);
  private liveJson: string | null = null;
  private started = false;
  private closedFlag = false;

  constructor(
    config: { readonly id: string; readonly driver: D },
    protected readonly ctx: DeviceContext,
    options: DeviceBaseOptions,
  ) {
    this.id = config.id;
    this.driver = config.driver;
    this.tracker = new HealthTracker(config.id, config.driver);
    this.log = ctx.logger.child({ deviceId: config.id, ...options.log });
    this.rejectWarning = options.rejectWarning;
    if (options.live) {
      this.liveJson = JSON.stringify(options.live);
      this.tracker.setLive(options.live);
    }
  }

  start(): void {
    if (this.started || this.closedFlag) return;
    this.started = true;
    this.openConnector();
  }

  async close(): Promise<void> {
    if (this.closedFlag) return;
    this.closedFlag = true;
    await this.closeConnector();
  }

  health(): DeviceHealth {
    return this.tracker.snapshot();
  }

  /** Opens the transport, session or route; called once, by start(). */
  protected abstract openConnector(): void;

  /** Closes it, submitting what is still held first; called once, by close(), started or not. */
  protected abstract closeConnector(): Promise<void>;

  protected get isStarted(): boolean {
    return this.started;
  }

  /** close() was called: callbacks still arriving from the connector are ignored. */
  protected get isClosed(): boolean {
    return this.closedFlag;
  }

  /**
   * The connector's state, with why it went down when known (kept as lastError); a change is told
   * to the agent at once, so the hub hears of it. True when the state changed.
   */
  protected setState(state: TransportState, error?: string): boolean {
    if (error) this.tracker.error(error);
    const changed = this.tracker.setState(state, this.ctx.now());
    if (changed) this.ctx.onStateChange();
    return changed;
  }

  /** The live values (for screens); the agent hears about them only when they changed. */
  protected setLive(values: LiveValues): void {
    const json = JSON.stringify(values);
    if (json === this.liveJson) return;
    this.liveJson = json;
    this.tracker.setLive(values);
    this.ctx.onLive?.();
  }

  /** Hands a reading to the agent; true when stored. A refusal is counted and logged, not retried here. */
  protected submit(reading: DeviceReading, logFields: Record<string, unknown> = {}): boolean {
    const result = this.ctx.sink.submit(reading);
    if (result.ok) this.tracker.reading(reading.ts);
    else {
      this.tracker.error(`reading not stored: ${result.error}`);
      this.log.error({ kind: reading.kind, ...logFields, err: result.error }, 'reading not stored');
    }
    return result.ok;
  }

  /** A refused frame, message or value: counted by class, lastError set, a throttled warning with the count. */
  protected reject(reason: string, logFields: Record<string, unknown> = {}): void {
    this.tracker.reject(reason);
    const rejected = this.rejectWarnings.hit(this.ctx.now());
    if (rejected !== null) this.log.warn({ reason, rejected, ...logFields }, this.rejectWarning);
  }
}
