import type { OpcuaDeviceConfig } from '../../config.js';
import type { CommandResult, DeviceContext } from '../../device.js';
import { DeviceBase } from '../../device-base.js';
import type { TransportState } from '../../transports/byte-transport.js';
import type { OpcuaChange, OpcuaConnection, OpcuaMember, OpcuaSessionOps, OpcuaWatch } from './connection.js';
import type { OpcuaSlot } from './pool.js';

/**
 * What every OPC UA device shares on top of DeviceBase: its place on the endpoint's shared session
 * (the connector, connection.ts), and commands that wait for the session but never run after their
 * expiry nor twice. Subclasses name the tags they watch and convert the values.
 */
export abstract class OpcuaDevice<C extends OpcuaDeviceConfig = OpcuaDeviceConfig> extends DeviceBase<C['driver']> implements OpcuaMember {
  readonly samplingIntervalMs: number;
  readonly queueSize: number;
  abstract readonly watches: readonly OpcuaWatch[];
  private connection: OpcuaConnection | null = null;
  private commands: Promise<unknown> = Promise.resolve();

  constructor(
    protected readonly config: C,
    ctx: DeviceContext,
    private readonly slot: OpcuaSlot,
  ) {
    super(config, ctx, { log: { driver: config.driver }, rejectWarning: 'opc ua values rejected' });
    this.samplingIntervalMs = config.endpoint.samplingIntervalMs;
    this.queueSize = config.endpoint.queueSize;
  }

  protected openConnector(): void {
    this.connection = this.slot.join(this);
  }

  protected async closeConnector(): Promise<void> {
    this.onClose();
    await this.slot.leave(this.isStarted ? this : null);
  }

  // ---- OpcuaMember -----------------------------------------------------------------------------

  onState(state: TransportState, error?: string): void {
    if (this.setState(state, error)) this.log.debug({ state, err: error }, 'opc ua device state');
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

  /** The node id behind a watch key, for reasons. */
  protected nodeOf(key: string): string {
    return this.watches.find((w) => w.key === key)?.nodeId ?? key;
  }

  /**
   * Runs a command: one at a time per device, in arrival order; waits for the session when it is
   * down, until `expiresAt` at the latest; checks the expiry again right before acting. `act` runs
   * at most once and is never retried: a command whose request was sent but not answered has an
   * unknown outcome and is reported as failed, not repeated.
   */
  protected runCommand(action: string, expiresAt: Date, act: (ops: OpcuaSessionOps) => Promise<CommandResult>): Promise<CommandResult> {
    const run = async (): Promise<CommandResult> => {
      if (this.isClosed) return { ok: false, error: 'device closed' };
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
