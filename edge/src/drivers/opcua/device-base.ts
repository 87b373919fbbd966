import type { LiveValues } from '@cjp/contracts';
import type { Logger } from 'pino';
import type { OpcuaDeviceConfig } from '../../config.js';
import { HealthTracker, type CommandResult, type Device, type DeviceContext } from '../../device.js';
import type { DeviceReading } from '../../reading.js';
import type { TransportState } from '../../transports/byte-transport.js';
import type { OpcuaChange, OpcuaConnection, OpcuaMember, OpcuaSessionOps, OpcuaWatch } from './connection.js';
import type { OpcuaSlot } from './pool.js';

/** Rejection warnings are logged at most this often per device, with the count since the last one. */
const WARN_EVERY_MS = 10_000;

/**
 * What every OPC UA device shares: its place on the endpoint's shared session (the connector,
 * connection.ts), health, live values, and commands that wait for the session but never run
 * after their expiry nor twice. Subclasses name the tags they watch and convert the values.
 */
export abstract class OpcuaDevice implements Device, OpcuaMember {
  abstract readonly driver: string;
  readonly id: string;
  readonly samplingIntervalMs: number;
  readonly queueSize: number;
  abstract readonly watches: readonly OpcuaWatch[];
  protected readonly tracker: HealthTracker;
  protected readonly log: Logger;
  private connection: OpcuaConnection | null = null;
  private started = false;
  protected closed = false;
  private commands: Promise<unknown> = Promise.resolve();
  private liveJson: string | null = null;
  private lastWarnMs: number | null = null;
  private unwarned = 0;

  constructor(
    config: OpcuaDeviceConfig,
    protected readonly ctx: DeviceContext,
    private readonly slot: OpcuaSlot,
  ) {
    this.id = config.id;
    this.samplingIntervalMs = config.endpoint.samplingIntervalMs;
    this.queueSize = config.endpoint.queueSize;
    this.tracker = new HealthTracker(config.id, config.driver);
    this.log = ctx.logger.child({ deviceId: config.id, driver: config.driver });
  }

  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.connection = this.slot.join(this);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
    await this.slot.leave(this.started ? this : null);
  }

  health() {
    return this.tracker.snapshot();
  }

  // ---- OpcuaMember -----------------------------------------------------------------------------

  onState(state: TransportState, error?: string): void {
    if (error) this.tracker.error(error);
    if (this.tracker.setState(state, this.ctx.now())) {
      this.log.debug({ state, err: error }, 'opc ua device state');
      this.ctx.onStateChange();
    }
    this.stateChanged(state);
  }

  abstract onChanges(changes: readonly OpcuaChange[]): void;

  onWatchError(message: string): void {
    this.tracker.error(message);
    this.log.warn({ err: message }, 'opc ua tag not monitored');
  }

  // ---- for subclasses --------------------------------------------------------------------------

  /** After the shared connection changed state. */
  protected stateChanged(_state: TransportState): void {}

  /** When the device closes, before it leaves the session. */
  protected onClose(): void {}

  /** Sets the live values; the agent hears about it only when they changed. */
  protected setLive(values: LiveValues): void {
    const json = JSON.stringify(values);
    if (json === this.liveJson) return;
    this.liveJson = json;
    this.tracker.setLive(values);
    this.ctx.onLive?.();
  }

  protected submit(reading: DeviceReading): boolean {
    const result = this.ctx.sink.submit(reading);
    if (result.ok) this.tracker.reading(reading.ts);
    else {
      this.tracker.error(`reading not stored: ${result.error}`);
      this.log.error({ kind: reading.kind, err: result.error }, 'reading not stored');
    }
    return result.ok;
  }

  /** A refused value: counted, lastError set, and a warning at most every 10 s with the count. */
  protected reject(reason: string): void {
    this.tracker.reject(reason);
    this.unwarned += 1;
    const ms = this.ctx.now().getTime();
    if (this.lastWarnMs === null || ms - this.lastWarnMs >= WARN_EVERY_MS || ms < this.lastWarnMs) {
      this.log.warn({ reason, rejected: this.unwarned }, 'opc ua values rejected');
      this.lastWarnMs = ms;
      this.unwarned = 0;
    }
  }

  /**
   * Runs a command: one at a time per device, in arrival order; waits for the session when it is
   * down, until `expiresAt` at the latest; checks the expiry again right before acting. `act` runs
   * at most once and is never retried: a command whose request was sent but not answered has an
   * unknown outcome and is reported as failed, not repeated.
   */
  protected runCommand(action: string, expiresAt: Date, act: (ops: OpcuaSessionOps) => Promise<CommandResult>): Promise<CommandResult> {
    const run = async (): Promise<CommandResult> => {
      if (this.closed) return { ok: false, error: 'device closed' };
      if (!this.connection) return { ok: false, error: 'device not started' };
      if (this.ctx.now() >= expiresAt) return { ok: false, error: 'expired' };
      const ops = await this.connection.ready(expiresAt, this.ctx.now);
      if (ops === 'expired') return { ok: false, error: 'expired' };
      if (ops === 'closed') return { ok: false, error: 'device closed' };
      if (this.ctx.now() >= expiresAt) return { ok: false, error: 'expired' };
      try {
        const result = await act(ops);
        this.log.info({ action, ok: result.ok, ...(result.ok ? { result: result.result } : { err: result.error }) }, 'opc ua command');
        return result;
      } catch (err) {
        const error = `${action}: ${(err as Error).message} (not retried)`;
        this.tracker.error(error);
        this.log.warn({ action, err: error }, 'opc ua command failed');
        return { ok: false, error };
      }
    };
    const result = this.commands.then(run, run);
    this.commands = result.catch(() => {});
    return result;
  }
}
