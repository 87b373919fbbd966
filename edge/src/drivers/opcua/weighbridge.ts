import type { OpcuaDeviceConfig } from '../../config.js';
import type { DeviceContext } from '../../device.js';
import type { TransportState } from '../../transports/byte-transport.js';
import { readingInKg, toKg, WeightEmitter } from '../weight-emitter.js';
import { StabilityTracker, type WeightReading } from '../weighbridge/index.js';
import type { OpcuaChange, OpcuaWatch } from './connection.js';
import { OpcuaDevice } from './opcua-device.js';
import type { OpcuaSlot } from './pool.js';
import { booleanFromTag, decimalFromTag } from './values.js';

type Config = Extract<OpcuaDeviceConfig, { driver: 'opcua-weighbridge' }>;

/**
 * A weighbridge read through a PLC's tags: gross weight (Float/Double or a scaled integer),
 * the indicator's stable and overload flags. The weight becomes an exact decimal in kg and goes
 * through the same emission rules as the serial weighbridge (WeightEmitter): one `weight` event
 * (`format: "opcua"`) when the scale comes to rest on a weight, one when it is back at zero.
 *
 * The changes of one publish response are applied together before judging, so a gross weight and
 * the stable flag that arrive in the same response are never paired with each other's old value.
 * Without a stable tag, stability is inferred (StabilityTracker): a tag that does not change sends
 * nothing, so while connected the current weight is re-judged every sampling interval — "held
 * within one division for N readings and T ms".
 */
export class OpcuaWeighbridgeDevice extends OpcuaDevice<Config> {
  readonly watches: readonly OpcuaWatch[];
  private readonly emitter: WeightEmitter;
  private readonly stability: StabilityTracker | null;
  private readonly division: string | null;
  /** the gross weight as an exact decimal in the tag's unit; null when unknown (bad quality, not yet read) */
  private gross: string | null = null;
  private stableFlag: boolean | null = null;
  private overloadFlag = false;
  private ticker: NodeJS.Timeout | null = null;

  constructor(config: Config, ctx: DeviceContext, slot: OpcuaSlot) {
    super(config, ctx, slot);
    const watches: OpcuaWatch[] = [{ key: 'gross', nodeId: config.gross, ...(config.endpoint.deadband !== undefined ? { deadband: config.endpoint.deadband } : {}) }];
    if (config.stable) watches.push({ key: 'stable', nodeId: config.stable });
    if (config.overload) watches.push({ key: 'overload', nodeId: config.overload });
    this.watches = watches;
    this.stability = config.stable === undefined && config.stability ? new StabilityTracker({ ...config.stability }) : null;
    this.division = this.stability && config.stability ? config.stability.division : null;
    this.emitter = new WeightEmitter({
      deviceId: config.id,
      format: 'opcua',
      stabilitySource: this.stability ? 'inferred' : 'indicator',
      zeroBandKg: config.zeroBandKg,
      submit: (reading) => this.submit(reading),
    });
  }

  onChanges(changes: readonly OpcuaChange[]): void {
    for (const c of changes) {
      const node = this.nodeOf(c.key);
      if (!c.value.good) {
        this.reject(`bad quality ${c.value.status} on ${c.key} ${node}`);
        if (c.key === 'gross') this.gross = null;
        else if (c.key === 'stable') this.stableFlag = null;
        continue;
      }
      if (c.key === 'gross') {
        const d = decimalFromTag(c.value, this.config.decimals);
        if (typeof d === 'string') this.gross = d;
        else {
          this.gross = null;
          this.reject(`gross ${node}: ${d.error}`);
        }
      } else {
        const flag = booleanFromTag(c.value);
        if (flag === null) this.reject(`${c.key} ${node}: ${c.value.dataType} value ${String(c.value.value)} is not a Boolean`);
        if (c.key === 'stable') this.stableFlag = flag;
        else this.overloadFlag = flag === true;
      }
    }
    this.judge();
  }

  protected override stateChanged(state: TransportState): void {
    if (state === 'connected') {
      if (this.stability && !this.ticker) {
        this.ticker = setInterval(() => this.judge(), Math.max(20, this.samplingIntervalMs));
        this.ticker.unref();
      }
      return;
    }
    // a stability run must not continue across a gap, and a stale weight is no weight
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
    this.stability?.reset();
    this.gross = null;
    this.setLive({ grossKg: null, stable: false, overload: false });
  }

  protected override onClose(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
  }

  /** The current tag values → live value and, per the emission rules, an event. */
  private judge(): void {
    const now = this.ctx.now();
    const ts = now.toISOString();
    if (this.gross === null) {
      // unknown (bad quality, link down): nothing to judge; like a gap in a serial stream, it is
      // not taken as motion, so a truck still at rest afterwards is not weighed twice
      this.stability?.reset();
      this.setLive({ grossKg: null, stable: false, overload: this.overloadFlag });
      return;
    }
    const raw: WeightReading = {
      grossKg: this.gross,
      unit: this.config.unit,
      negative: this.gross.startsWith('-'),
      overload: this.overloadFlag,
      stable: this.stability ? null : this.stableFlag === true,
      raw: '',
    };
    const reading = this.stability ? this.stability.apply(raw, now.getTime()) : raw;
    const kg = readingInKg(reading);
    if (typeof kg === 'string') {
      this.reject(kg);
      this.gross = null;
      return;
    }
    this.setLive({ grossKg: kg.grossKg ?? null, stable: kg.stable, overload: kg.overload });
    this.emitter.push(kg, ts, this.division === null ? null : toKg(this.division, this.config.unit));
  }
}
