import mqtt, { type MqttClient } from 'mqtt';
import { pino, type Logger } from 'pino';
import { randomSeed, Rng } from '../prng.js';
import { impinjTagInventoryEvent, zebraSimpleEvent, type HexCase, type RfidFormat, type TagRead } from './reader-messages.js';

export interface RfidReaderSimulatorOptions {
  /** e.g. mqtt://127.0.0.1:1883 */
  brokerUrl: string;
  username?: string;
  password?: string;
  /** MQTT client id; `<readerName>-<random>` by default */
  clientId?: string;
  /** topic the reader publishes its tag data events to, e.g. readers/gate-in-1 */
  topic: string;
  format: RfidFormat;
  /** reader's name: the Impinj `hostname` field; also in logs and the client id */
  readerName: string;
  /** antenna ports of the reader (default [1, 2]: both sides of a gate lane) */
  antennas?: number[];
  /** reads per second while a tag is in the field (default 10) */
  readsPerSecond?: number;
  /** peak RSSI range in dBm: the edge of the field and the closest pass (default -75..-45) */
  rssi?: { min: number; max: number };
  /** PRNG seed: the same seed and the same calls give the same reads. Random when absent (see `seed`). */
  seed?: number;
  logger?: Logger;
  /** publish a JSON array of events every `batchIntervalMs` instead of one message per read (Impinj-like) */
  batch?: boolean;
  /** default 250 */
  batchIntervalMs?: number;
  /** hex case of EPC/TID in messages (default upper) */
  hexCase?: HexCase;
  /** MQTT QoS of the reader's publishes (default 0, as readers usually send tag data) */
  qos?: 0 | 1;
  /** give up starting when the broker does not accept the connection within this time (default 10 s) */
  connectTimeoutMs?: number;
}

export interface TagEntersOptions {
  /** all reads on this antenna; otherwise mostly on one random antenna, sometimes on the others */
  antenna?: number;
  /** how long the tag stays in the field */
  durationMs: number;
  /** the tag's TID, reported when given (Zebra `TID`, Impinj `tidHex`/`tid`) */
  tid?: string;
}

/** One tag's stay in the field. */
export interface TagPass {
  /** 1-based order of `tagEnters` calls */
  pass: number;
  epc: string;
  /** the reads as emitted (fewer than planned when the simulator was closed early) */
  reads: TagRead[];
}

export interface RfidReaderStats {
  passes: number;
  /** tag reads emitted (each becomes one event) */
  reads: number;
  /** MQTT messages published (a batch is one message), raw ones included */
  messages: number;
  /** messages corrupted by the `corrupt` fault */
  corrupted: number;
  /** messages lost because the reader was not connected to the broker */
  dropped: number;
  /** `publishRaw` calls */
  raw: number;
  /** connections dropped by the `disconnect` fault */
  disconnects: number;
}

export interface RfidReaderSimulator {
  readonly seed: number;
  readonly format: RfidFormat;
  readonly topic: string;
  readonly stats: RfidReaderStats;
  readonly connected: boolean;
  /** a tag enters the field: repeated reads with RSSI noise for `durationMs`; resolves when it left */
  tagEnters(epc: string, opts: TagEntersOptions): Promise<TagPass>;
  /** publishes bytes as they are (corrupt JSON, foreign shapes, …) */
  publishRaw(payload: string | Buffer): Promise<void>;
  faults: {
    /** drops the TCP connection without DISCONNECT (power or network loss); reconnects after `forMs` (default 1000). Resolves when reconnected. */
    disconnect(forMs?: number): Promise<void>;
    /** delays every publish by `delayMs` (default 1500), order kept: a congested uplink */
    slow(on: boolean, delayMs?: number): void;
    /** every message is sent as broken JSON (truncated, or a quote/colon replaced) */
    corrupt(on: boolean): void;
  };
  close(): Promise<void>;
}

// China's UHF RFID band 920.125-924.875 MHz, 250 kHz channels (20 channels).
const CHINA_CHANNELS_KHZ = Array.from({ length: 20 }, (_, i) => 920_125 + 250 * i);

const DEFAULT_RECONNECT_MS = 1000;

/**
 * A fixed UHF RFID reader (Zebra FX/ATR with IoT Connector, or Impinj R700 with the IoT Device
 * Interface) that publishes tag reads as JSON to an MQTT broker. Reads are made when a test or the
 * CLI says a tag enters the field (`tagEnters`), like a truck's windscreen tag passing the gate
 * antennas: RSSI rises as the tag approaches and falls as it leaves, with noise.
 *
 * Resolves once connected to the broker; rejects when the broker does not answer in time.
 */
export async function startRfidReaderSimulator(options: RfidReaderSimulatorOptions): Promise<RfidReaderSimulator> {
  const sim = new RfidReaderSimulatorImpl(options);
  await sim.connect();
  return sim;
}

class RfidReaderSimulatorImpl implements RfidReaderSimulator {
  readonly seed: number;
  readonly format: RfidFormat;
  readonly topic: string;
  readonly stats: RfidReaderStats = { passes: 0, reads: 0, messages: 0, corrupted: 0, dropped: 0, raw: 0, disconnects: 0 };
  readonly faults: RfidReaderSimulator['faults'];
  private readonly log: Logger;
  private readonly antennas: number[];
  private readonly readsPerSecond: number;
  private readonly rssi: { min: number; max: number };
  private readonly corruptRng: Rng;
  private client!: MqttClient;
  private eventNum = 0;
  private corrupting = false;
  private slowMs = 0;
  private closed = false;
  private pending: object[] = [];
  private batchTimer: NodeJS.Timeout | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly passEnds = new Set<() => void>();

  constructor(private readonly opts: RfidReaderSimulatorOptions) {
    this.seed = (opts.seed ?? randomSeed()) >>> 0;
    this.format = opts.format;
    this.topic = opts.topic;
    this.antennas = opts.antennas ?? [1, 2];
    this.readsPerSecond = opts.readsPerSecond ?? 10;
    this.rssi = opts.rssi ?? { min: -75, max: -45 };
    if (opts.format !== 'zebra' && opts.format !== 'impinj') throw new RangeError(`format must be zebra or impinj, got "${String(opts.format)}"`);
    if (this.antennas.length === 0 || this.antennas.some((a) => !Number.isInteger(a) || a < 0 || a > 255)) throw new RangeError('antennas must be port numbers 0..255');
    if (!(this.readsPerSecond > 0)) throw new RangeError('readsPerSecond must be > 0');
    if (!(this.rssi.min < this.rssi.max)) throw new RangeError('rssi.min must be below rssi.max');
    this.log = (opts.logger ?? pino({ level: 'silent' })).child({ reader: opts.readerName, format: opts.format });
    // Its own stream, so corrupting does not change the reads.
    this.corruptRng = new Rng(this.seed ^ 0x2c1b3c6d);
    this.faults = {
      disconnect: (forMs) => this.disconnect(forMs),
      slow: (on, delayMs = 1500) => {
        this.slowMs = on ? delayMs : 0;
        this.log.info({ on, delayMs }, 'fault: slow');
      },
      corrupt: (on) => {
        this.corrupting = on;
        this.log.info({ on }, 'fault: corrupt');
      },
    };
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  async connect(): Promise<void> {
    const o = this.opts;
    this.client = mqtt.connect(o.brokerUrl, {
      clientId: o.clientId ?? `${o.readerName}-${Math.random().toString(16).slice(2, 10)}`,
      ...(o.username !== undefined ? { username: o.username } : {}),
      ...(o.password !== undefined ? { password: o.password } : {}),
      reconnectPeriod: DEFAULT_RECONNECT_MS,
      connectTimeout: o.connectTimeoutMs ?? 10_000,
      // A reader that lost its broker drops reads (counted), it does not queue them.
      queueQoSZero: false,
    });
    this.client.on('error', (err) => this.log.warn({ err: err.message }, 'mqtt error'));
    this.client.on('offline', () => this.log.warn('mqtt offline'));
    this.client.on('connect', () => this.log.info({ broker: o.brokerUrl, topic: this.topic }, 'reader connected'));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.client.end(true);
        reject(new Error(`no connection to ${o.brokerUrl} within ${o.connectTimeoutMs ?? 10_000} ms`));
      }, o.connectTimeoutMs ?? 10_000);
      this.client.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  tagEnters(epc: string, opts: TagEntersOptions): Promise<TagPass> {
    if (this.closed) return Promise.reject(new Error('simulator closed'));
    if (!/^[0-9A-Fa-f]{4,124}$/.test(epc)) return Promise.reject(new RangeError(`EPC must be hex, got "${epc}"`));
    if (!(opts.durationMs > 0)) return Promise.reject(new RangeError('durationMs must be > 0'));
    if (opts.antenna !== undefined && !this.antennas.includes(opts.antenna)) {
      return Promise.reject(new RangeError(`antenna ${opts.antenna} is not one of ${this.antennas.join(', ')}`));
    }
    const pass = ++this.stats.passes;
    // Each pass draws from its own stream, so overlapping passes stay repeatable.
    const rng = new Rng((this.seed + Math.imul(pass, 0x9e3779b9)) >>> 0);
    const plan = this.planReads(rng, opts);
    const result: TagPass = { pass, epc: epc.toUpperCase(), reads: [] };
    this.log.debug({ pass, epc, reads: plan.length, durationMs: opts.durationMs }, 'tag enters the field');
    return new Promise<TagPass>((resolve) => {
      const start = Date.now();
      let i = 0;
      const end = () => {
        this.passEnds.delete(end);
        resolve(result);
      };
      this.passEnds.add(end);
      const next = () => {
        const step = plan[i];
        if (this.closed || !step) {
          end();
          return;
        }
        const t = setTimeout(
          () => {
            this.timers.delete(t);
            if (this.closed) return end();
            const read: TagRead = {
              epc: result.epc,
              ...(opts.tid ? { tid: opts.tid.toUpperCase() } : {}),
              antenna: step.antenna,
              rssiDbm: step.rssiDbm,
              frequencyKhz: step.frequencyKhz,
              at: new Date(),
            };
            result.reads.push(read);
            this.emitRead(read);
            i++;
            next();
          },
          Math.max(0, start + step.offsetMs - Date.now()),
        );
        this.timers.add(t);
      };
      next();
    });
  }

  /** When each read happens, on which antenna, how strong. */
  private planReads(rng: Rng, opts: TagEntersOptions): Array<{ offsetMs: number; antenna: number; rssiDbm: number; frequencyKhz: number }> {
    const count = Math.max(1, Math.round((opts.durationMs * this.readsPerSecond) / 1000));
    const interval = opts.durationMs / count;
    const { min, max } = this.rssi;
    const primary = opts.antenna ?? rng.pick(this.antennas);
    const others = this.antennas.filter((a) => a !== primary);
    const plan = [];
    for (let k = 0; k < count; k++) {
      // Reads jitter around their slot (Gen2 anti-collision is not a metronome).
      const offsetMs = Math.round(k * interval + rng.float() * interval * 0.6);
      // Approach, pass, leave: strongest mid-way; noise of about ±3 dB (sum of uniforms ~ bell).
      const x = (k + 0.5) / count;
      const noise = (rng.float() + rng.float() + rng.float() - 1.5) * 2;
      let antenna = primary;
      let rssiDbm = min + (max - min) * Math.sin(Math.PI * x) + noise;
      if (opts.antenna === undefined && others.length > 0 && rng.chance(0.2)) {
        antenna = rng.pick(others);
        rssiDbm -= rng.int(3, 8);
      }
      rssiDbm = Math.round(Math.min(max, Math.max(min, rssiDbm)) * 2) / 2;
      plan.push({ offsetMs, antenna, rssiDbm, frequencyKhz: rng.pick(CHINA_CHANNELS_KHZ) });
    }
    return plan;
  }

  private emitRead(read: TagRead): void {
    this.stats.reads++;
    const hexCase = this.opts.hexCase ?? 'upper';
    const event =
      this.format === 'zebra'
        ? zebraSimpleEvent(read, { eventNum: ++this.eventNum, hexCase })
        : impinjTagInventoryEvent(read, { hostname: this.opts.readerName, hexCase });
    if (!this.opts.batch) {
      this.send(JSON.stringify(event));
      return;
    }
    this.pending.push(event);
    this.batchTimer ??= setTimeout(() => this.flushBatch(), this.opts.batchIntervalMs ?? 250);
  }

  private flushBatch(): void {
    clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
    if (this.pending.length === 0) return;
    const events = this.pending;
    this.pending = [];
    this.send(JSON.stringify(events));
  }

  private send(payload: string): void {
    if (this.corrupting) {
      payload = this.corruptPayload(payload);
      this.stats.corrupted++;
    }
    if (this.slowMs > 0) {
      const t = setTimeout(() => {
        this.timers.delete(t);
        void this.publish(payload);
      }, this.slowMs);
      this.timers.add(t);
    } else {
      void this.publish(payload);
    }
  }

  /** Always invalid JSON: any proper prefix of a JSON object or array is, and so is a lost quote or key colon. */
  private corruptPayload(payload: string): string {
    if (this.corruptRng.chance(0.5)) return payload.slice(0, this.corruptRng.int(1, payload.length - 1));
    // Quotes, and the colons after a key (a colon inside a timestamp would leave valid JSON).
    const positions: number[] = [];
    for (let i = 0; i < payload.length; i++) {
      const c = payload.charAt(i);
      if (c === '"' || (c === ':' && payload.charAt(i - 1) === '"')) positions.push(i);
    }
    const at = this.corruptRng.pick(positions);
    return payload.slice(0, at) + '#' + payload.slice(at + 1);
  }

  private publish(payload: string | Buffer): Promise<void> {
    if (!this.client.connected) {
      this.stats.dropped++;
      this.log.debug({ bytes: payload.length }, 'not connected: message dropped');
      return Promise.resolve();
    }
    this.stats.messages++;
    return this.client.publishAsync(this.topic, payload, { qos: this.opts.qos ?? 0 }).then(
      () => undefined,
      (err: Error) => {
        this.stats.dropped++;
        this.log.warn({ err: err.message }, 'publish failed');
      },
    );
  }

  publishRaw(payload: string | Buffer): Promise<void> {
    this.stats.raw++;
    return this.publish(payload);
  }

  private disconnect(forMs = DEFAULT_RECONNECT_MS): Promise<void> {
    if (this.closed) return Promise.reject(new Error('simulator closed'));
    this.stats.disconnects++;
    this.log.info({ forMs }, 'fault: disconnect');
    const reconnected = new Promise<void>((resolve) =>
      this.client.once('connect', () => {
        this.client.options.reconnectPeriod = DEFAULT_RECONNECT_MS;
        resolve();
      }),
    );
    // mqtt.js reads reconnectPeriod when it arms the reconnect timer after the stream closes.
    this.client.options.reconnectPeriod = Math.max(1, forMs);
    this.client.stream.destroy();
    return reconnected;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flushBatch();
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const end of [...this.passEnds]) end();
    await this.client.endAsync();
    this.log.info({ ...this.stats }, 'reader closed');
  }
}
