import type { RfidData } from '@cjp/contracts';
import type { OpcuaDeviceConfig } from '../../config.js';
import type { DeviceContext } from '../../device.js';
import type { DeviceReading } from '../../reading.js';
import { RfidDedupe } from '../rfid-dedupe.js';
import type { OpcuaChange, OpcuaWatch } from './connection.js';
import { OpcuaDevice } from './opcua-device.js';
import type { OpcuaSlot } from './pool.js';
import { epcFromTag, integerFromTag, numberFromTag } from './values.js';

type Config = Extract<OpcuaDeviceConfig, { driver: 'opcua-rfid' }>;

/** Antenna/RSSI values kept to pair with scans by source timestamp. */
const HISTORY = 32;

interface Sample {
  value: number;
  /** source timestamp, ms; null when the server sent none */
  at: number | null;
}

/**
 * An RFID reader with AutoID-like LastScan variables. Every change of LastScanData is a sighting
 * — watched with trigger StatusValueTimestamp, so the same tag read again (same value, new source
 * timestamp) counts too, and sampling interval 0, so a server that can reports every change
 * rather than the latest per sampling interval (reads faster than a sampling server's interval
 * are merged by the server: the count is then low, the presence is still right); the first value after (re)subscribing is the reader's old last scan and
 * is skipped. Antenna and RSSI come from their own tags, paired with the scan by source timestamp
 * (the latest value not newer than the scan). Sightings go through the per (epc, antenna) dedupe:
 * `first` for a vehicle reader, `window` for items; events are `rfid` with source "opcua-autoid".
 */
export class OpcuaRfidDevice extends OpcuaDevice<Config> {
  readonly watches: readonly OpcuaWatch[];
  private readonly dedupe: RfidDedupe;
  private readonly emit: 'first' | 'window';
  private readonly antennas: Sample[] = [];
  private readonly rssis: Sample[] = [];
  private sweeper: NodeJS.Timeout | null = null;
  /** scans waiting (briefly) for their antenna/RSSI samples, which may come in the next publish */
  private waiting: Array<{ epc: string; at: number | null; until: number }> = [];
  private waitTimer: NodeJS.Timeout | null = null;
  private lastEpc: string | null = null;

  constructor(config: Config, ctx: DeviceContext, slot: OpcuaSlot) {
    super(config, ctx, slot);
    // every scan counts: sampling 0 asks the server for each change rather than the latest per interval
    const watches: OpcuaWatch[] = [{ key: 'scan', nodeId: config.lastScanDataNode, trigger: 'StatusValueTimestamp', samplingIntervalMs: 0 }];
    // Sampled like the scan, so a read's three values travel in the same publish as far as the server can.
    if (config.antennaNode) watches.push({ key: 'antenna', nodeId: config.antennaNode, trigger: 'StatusValueTimestamp', samplingIntervalMs: 0 });
    if (config.rssiNode) watches.push({ key: 'rssi', nodeId: config.rssiNode, trigger: 'StatusValueTimestamp', samplingIntervalMs: 0 });
    this.watches = watches;
    this.emit = config.role === 'vehicle' ? 'first' : 'window';
    this.dedupe = new RfidDedupe({
      windowMs: config.dedupeWindowMs,
      role: config.role,
      source: 'opcua-autoid',
      emit: this.emit,
      onRead: (data) => this.submitRead(data),
    });
  }

  protected override openConnector(): void {
    super.openConnector();
    const tick = Math.min(1_000, Math.max(50, Math.floor(this.config.dedupeWindowMs / 2)));
    this.sweeper = setInterval(() => {
      this.dedupe.sweep(this.ctx.now());
      this.updateLive();
    }, tick);
    this.sweeper.unref();
  }

  protected override onClose(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    this.settle(true);
    if (this.waitTimer) clearTimeout(this.waitTimer);
    this.waitTimer = null;
    this.dedupe.flush(); // open presences are emitted (window) rather than lost
  }

  onChanges(changes: readonly OpcuaChange[]): void {
    const scans: { epc: string; at: number | null }[] = [];
    for (const c of changes) {
      const node = this.nodeOf(c.key);
      if (!c.value.good) {
        // the reader's old last scan, still bad: nothing to report yet
        if (!(c.key === 'scan' && c.initial)) this.reject(`bad quality ${c.value.status} on ${c.key} ${node}`);
        continue;
      }
      const at = c.value.sourceTimestamp ? c.value.sourceTimestamp.getTime() : null;
      if (c.key === 'scan') {
        if (c.initial) continue;
        const epc = epcFromTag(c.value);
        if (epc === null) continue; // scan data cleared
        if (typeof epc !== 'string') this.reject(`scan ${node}: ${epc.error}`);
        else scans.push({ epc, at });
        continue;
      }
      const value = c.key === 'antenna' ? integerFromTag(c.value) : numberFromTag(c.value);
      if (value === null) {
        this.reject(`${c.key} ${node}: ${c.value.dataType} value ${String(c.value.value)} is not a number`);
        continue;
      }
      const history = c.key === 'antenna' ? this.antennas : this.rssis;
      history.push({ value, at });
      if (history.length > HISTORY) history.shift();
    }
    const wait = 2 * this.config.endpoint.publishingIntervalMs;
    for (const s of scans) this.waiting.push({ ...s, until: Date.now() + wait });
    this.settle(false);
  }

  /**
   * Sees the waiting scans whose antenna/RSSI samples (same source timestamp) have arrived, and
   * — when `force` or after two publishing intervals — the others with the latest values known.
   */
  private settle(force: boolean): void {
    const has = (history: readonly Sample[], node: string | undefined, at: number | null) =>
      node === undefined || at === null || history.some((h) => h.at === at);
    const now = Date.now();
    const ready: Array<{ epc: string; at: number | null }> = [];
    const still: typeof this.waiting = [];
    for (const w of this.waiting) {
      if (force || now >= w.until || (has(this.antennas, this.config.antennaNode, w.at) && has(this.rssis, this.config.rssiNode, w.at))) ready.push(w);
      else still.push(w);
    }
    this.waiting = still;
    if (this.waitTimer) clearTimeout(this.waitTimer);
    this.waitTimer = still.length ? setTimeout(() => this.settle(false), Math.max(1, Math.min(...still.map((w) => w.until)) - now)) : null;
    this.see(ready);
  }

  private see(scans: ReadonlyArray<{ epc: string; at: number | null }>): void {
    for (const s of scans) {
      const antenna = pick(this.antennas, s.at) ?? this.config.antenna;
      if (!Number.isInteger(antenna) || antenna < 0 || antenna > 255) {
        this.reject(`antenna ${antenna} is outside 0..255`);
        continue;
      }
      const rssi = pick(this.rssis, s.at);
      this.lastEpc = s.epc;
      this.dedupe.see({
        epc: s.epc,
        antenna,
        ...(rssi !== null && rssi >= -150 && rssi <= 20 ? { rssiDbm: rssi } : {}),
        at: this.ctx.now(),
      });
    }
    if (scans.length) this.updateLive();
  }

  private submitRead(data: RfidData): void {
    const ts = this.emit === 'first' ? data.firstSeen : data.lastSeen;
    const reading: DeviceReading<'rfid', RfidData> = { kind: 'rfid', deviceId: this.id, ts, data };
    this.submit(reading);
  }

  private updateLive(): void {
    this.setLive({ tags: this.dedupe.size, lastEpc: this.lastEpc });
  }
}

/** The latest sample not newer than `at` (the latest of all when timestamps are missing). */
function pick(history: readonly Sample[], at: number | null): number | null {
  if (history.length === 0) return null;
  if (at === null) return history[history.length - 1]!.value;
  let best: Sample | null = null;
  for (const s of history) {
    if (s.at === null || s.at > at) continue;
    if (!best || (best.at ?? -Infinity) <= s.at) best = s;
  }
  return (best ?? history[history.length - 1]!).value;
}
