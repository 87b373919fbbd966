import type { OpcuaDeviceConfig } from '../../config.js';
import type { CommandResult } from '../../device.js';
import type { TransportState } from '../../transports/byte-transport.js';
import type { OpcuaChange, OpcuaWatch } from './connection.js';
import { OpcuaDevice } from './opcua-device.js';

type Config = Extract<OpcuaDeviceConfig, { driver: 'opcua-led' }>;

/** Longest text `show` writes (the contract's io value limit). */
export const LED_MAX_TEXT = 256;

/**
 * An LED display behind a PLC: command `show` `{ text }` writes the String tag; the tag is watched
 * so the live value `{ text }` is what the display holds, whoever wrote it.
 */
export class OpcuaLedDevice extends OpcuaDevice<Config> {
  readonly watches: readonly OpcuaWatch[] = [{ key: 'text', nodeId: this.config.textNode }];

  onChanges(changes: readonly OpcuaChange[]): void {
    for (const c of changes) {
      if (!c.value.good) {
        this.reject(`bad quality ${c.value.status} on text ${this.config.textNode}`);
        continue;
      }
      const text = c.value.value;
      if (text !== null && typeof text !== 'string') {
        this.reject(`text ${this.config.textNode}: ${c.value.dataType} is not a String`);
        continue;
      }
      this.setLive({ text: text === null ? null : text.slice(0, LED_MAX_TEXT) });
    }
  }

  /** While the PLC is unreachable the text shown is unknown. */
  protected override stateChanged(state: TransportState): void {
    if (state !== 'connected') this.setLive({ text: null });
  }

  command(action: string, args: Record<string, unknown>, expiresAt: Date): Promise<CommandResult> {
    if (action !== 'show') return Promise.resolve({ ok: false, error: `unknown action "${action}"` });
    const text = args['text'];
    if (typeof text !== 'string' || text.length > LED_MAX_TEXT) {
      return Promise.resolve({ ok: false, error: `show: args.text must be a string of at most ${LED_MAX_TEXT} characters` });
    }
    return this.runCommand(action, expiresAt, async (ops) => {
      const status = await ops.write(this.config.textNode, 'String', text);
      if (!status.startsWith('Good')) return { ok: false, error: `show: the PLC answered ${status}` };
      return { ok: true, result: { text } };
    });
  }
}
