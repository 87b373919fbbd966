import type { RfidData } from '@cjp/contracts';

/** One tag report from a reader, before dedupe. */
export interface TagSighting {
  /** uppercase hex */
  epc: string;
  tid?: string;
  antenna: number;
  rssiDbm?: number;
  at: Date;
}

export interface RfidDedupeOptions {
  /** a tag unseen on an antenna for this long is gone; seen again later, it is a new presence */
  windowMs: number;
  role: RfidData['role'];
  source: RfidData['source'];
  /**
   * `first`: emit at the first sighting of a presence (lowest latency: the gate's vehicle e-tag);
   * `window`: emit when the presence ends, with its count, strongest RSSI and last sighting (items).
   */
  emit: 'first' | 'window';
  /** largest number of tags tracked at once; beyond it the oldest presence is closed early */
  maxTags?: number;
  onRead: (data: RfidData) => void;
}

interface Presence {
  epc: string;
  tid?: string;
  antenna: number;
  first: Date;
  last: Date;
  count: number;
  rssiDbm?: number;
}

/**
 * Per (epc, antenna) dedupe: readers report a tag many times a second while it is in the field;
 * the hub wants one reading per presence. Time comes from the sightings, so tests and replays are
 * deterministic; `sweep(now)` closes presences whose window has passed.
 */
export class RfidDedupe {
  private readonly open = new Map<string, Presence>();
  private readonly maxTags: number;

  constructor(private readonly opts: RfidDedupeOptions) {
    this.maxTags = opts.maxTags ?? 10_000;
  }

  see(s: TagSighting): void {
    const key = `${s.epc}/${s.antenna}`;
    const p = this.open.get(key);
    if (p && s.at.getTime() - p.last.getTime() <= this.opts.windowMs) {
      p.count += 1;
      if (s.at > p.last) p.last = s.at;
      if (s.tid && !p.tid) p.tid = s.tid;
      if (s.rssiDbm !== undefined && (p.rssiDbm === undefined || s.rssiDbm > p.rssiDbm)) p.rssiDbm = s.rssiDbm;
      return;
    }
    if (p) this.close(key, p);
    const fresh: Presence = { epc: s.epc, antenna: s.antenna, first: s.at, last: s.at, count: 1 };
    if (s.tid) fresh.tid = s.tid;
    if (s.rssiDbm !== undefined) fresh.rssiDbm = s.rssiDbm;
    if (this.open.size >= this.maxTags) {
      const [oldestKey, oldest] = this.open.entries().next().value as [string, Presence];
      this.close(oldestKey, oldest);
    }
    this.open.set(key, fresh);
    if (this.opts.emit === 'first') this.opts.onRead(this.toData(fresh));
  }

  /** Closes presences not seen for longer than the window; call periodically. */
  sweep(now: Date): void {
    for (const [key, p] of this.open) {
      if (now.getTime() - p.last.getTime() > this.opts.windowMs) this.close(key, p);
    }
  }

  /** Closes everything (shutdown): with `emit: 'window'` the open presences are emitted, not lost. */
  flush(): void {
    for (const [key, p] of this.open) this.close(key, p);
  }

  get size(): number {
    return this.open.size;
  }

  private close(key: string, p: Presence): void {
    this.open.delete(key);
    if (this.opts.emit === 'window') this.opts.onRead(this.toData(p));
  }

  private toData(p: Presence): RfidData {
    return {
      epc: p.epc,
      ...(p.tid ? { tid: p.tid } : {}),
      antenna: p.antenna,
      ...(p.rssiDbm !== undefined ? { rssiDbm: p.rssiDbm } : {}),
      firstSeen: p.first.toISOString(),
      lastSeen: p.last.toISOString(),
      count: p.count,
      role: this.opts.role,
      source: this.opts.source,
    };
  }
}
