import type { IoData } from '@cjp/contracts';
import type { OpcuaDeviceConfig } from '../../config.js';
import type { CommandResult } from '../../device.js';
import type { DeviceReading } from '../../reading.js';
import type { TransportState } from '../../transports/byte-transport.js';
import type { OpcuaChange, OpcuaSessionOps, OpcuaWatch } from './connection.js';
import { OpcuaDevice } from './opcua-device.js';
import { integerFromTag, type OpcuaValue } from './values.js';

type Config = Extract<OpcuaDeviceConfig, { driver: 'opcua-barrier' }>;

const ACTIONS = ['open', 'close'] as const;
type Action = (typeof ACTIONS)[number];

/**
 * A barrier behind a PLC. Its integer state tag becomes a name by the configured map (default
 * 0 closed, 1 opening, 2 open, 3 closing, 4 fault): an `io` event `{ signal: "barrier", value }` on
 * every change (and on the first value, so the hub learns the state; after a reconnect only if it
 * changed meanwhile), and the live value `{ barrier }`.
 *
 * Commands `open` and `close`: a method call (objectId + openMethod/closeMethod) or a value
 * written to the command tag; the result carries the state read right after the PLC accepted it.
 */
export class OpcuaBarrierDevice extends OpcuaDevice<Config> {
  readonly watches: readonly OpcuaWatch[] = [{ key: 'state', nodeId: this.config.state }];
  private readonly names = new Map(Object.entries(this.config.states).map(([name, value]) => [value, name]));
  private lastEmitted: string | null = null;
  private commandType: string | null = null;

  onChanges(changes: readonly OpcuaChange[]): void {
    for (const c of changes) {
      const name = this.stateName(c.value);
      if (typeof name !== 'string') {
        this.reject(name.error);
        this.setLive({ barrier: null });
        continue;
      }
      this.setLive({ barrier: name });
      if (name === this.lastEmitted) continue;
      const now = this.ctx.now().toISOString();
      const reading: DeviceReading<'io', IoData> = { kind: 'io', deviceId: this.id, ts: now, data: { signal: 'barrier', value: name } };
      if (this.submit(reading)) this.lastEmitted = name;
    }
  }

  /** While the PLC is unreachable the barrier's state is unknown, not what it last was. */
  protected override stateChanged(state: TransportState): void {
    if (state !== 'connected') this.setLive({ barrier: null });
  }

  command(action: string, _args: Record<string, unknown>, expiresAt: Date): Promise<CommandResult> {
    if (!(ACTIONS as readonly string[]).includes(action)) return Promise.resolve({ ok: false, error: `unknown action "${action}"` });
    return this.runCommand(action, expiresAt, (ops) => this.act(action as Action, ops));
  }

  private async act(action: Action, ops: OpcuaSessionOps): Promise<CommandResult> {
    const c = this.config;
    let status: string;
    if (c.commandNode !== undefined) {
      this.commandType ??= await ops.dataTypeOf(c.commandNode);
      status = await ops.write(c.commandNode, this.commandType, c.commandValues[action]);
    } else {
      const method = action === 'open' ? c.openMethod : c.closeMethod;
      if (c.objectId === undefined || method === undefined) return { ok: false, error: `${action}: no method configured` };
      status = await ops.call(c.objectId, method);
    }
    if (!status.startsWith('Good')) return { ok: false, error: `${action}: the PLC answered ${status}` };
    // The PLC took the command: whatever happens now, it must not be reported as failed (the hub
    // could send it again). The state read back is best effort.
    let barrier: string | null = null;
    try {
      const name = this.stateName(await ops.read(c.state));
      barrier = typeof name === 'string' ? name : null;
    } catch (err) {
      this.log.warn({ action, err: (err as Error).message }, 'barrier state not read back after the command');
    }
    return { ok: true, result: { barrier } };
  }

  private stateName(v: OpcuaValue): string | { error: string } {
    if (!v.good) return { error: `bad quality ${v.status} on state ${this.config.state}` };
    const n = integerFromTag(v);
    if (n === null) return { error: `state ${this.config.state}: ${v.dataType} value ${String(v.value)} is not an integer` };
    return this.names.get(n) ?? { error: `state ${this.config.state}: value ${n} is not in the state map` };
  }
}
