import { EventEmitter } from 'node:events';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { randomSeed, Rng } from '../prng.js';
import { ScanGenerator, type ScanKind } from './scan-generator.js';

export const scannerSimulatorOptionsSchema = z.object({
  /** Address to listen on. */
  host: z.string().min(1).default('127.0.0.1'),
  /** TCP port; 0 picks a free one (read it back from `port`). */
  port: z.number().int().min(0).max(65535).default(0),
  /** Lines per second. */
  ratePerSec: z.number().positive(),
  /** PRNG seed; the same seed (and `today`) gives the same lines. Random when absent. */
  seed: z.number().int().optional(),
  /** Line terminator the scanner is configured with. */
  suffix: z.string().min(1).default('\r\n'),
  /** Share of garbage lines, 0..1. */
  garbageRatio: z.number().min(0).max(1).default(0.02),
  /** Write each line in several chunks cut at random byte boundaries. */
  splitWrites: z.boolean().default(false),
  /** Stop emitting after this many lines (garbage included). */
  count: z.number().int().positive().optional(),
  /** Emit from the start instead of waiting for the first client. */
  emitWithoutClient: z.boolean().default(false),
  /** Keep only the latest records in `emitted` (long runs); all by default. */
  maxEmitted: z.number().int().positive().optional(),
  /** Day expiry dates count from; today by default. */
  today: z.date().optional(),
});
export type ScannerSimulatorOptions = z.input<typeof scannerSimulatorOptionsSchema>;

/** One line the simulated scanner sent (or would have sent, with nobody listening). */
export interface EmittedScan {
  /** 1-based emission order. */
  seq: number;
  kind: ScanKind;
  /** The exact bytes on the wire as latin1 (one char per byte): AIM id, data, suffix. */
  line: string;
  /** What an edge should report: the line without AIM id and suffix, GS (0x1D) kept. */
  code: string;
  /** AIM symbology identifier, e.g. "]C1"; absent for garbage. */
  aim?: string;
  /** False for garbage lines. */
  valid: boolean;
  /** False when no client was connected, so no edge could have seen it. */
  delivered: boolean;
  /** When it was emitted (ISO 8601). */
  ts: string;
}

export interface ScannerSimulatorEvents {
  line: [scan: EmittedScan];
  /** A client connected or went away; `clients` is the number now connected. */
  clients: [clients: number];
  /** `count` lines have been emitted. */
  done: [];
}

export interface ScannerSimulatorStats {
  emitted: number;
  valid: number;
  garbage: number;
  delivered: number;
}

export interface ScannerSimulator extends EventEmitter<ScannerSimulatorEvents> {
  readonly host: string;
  readonly port: number;
  /** The seed in use, to repeat this run. */
  readonly seed: number;
  /** Lines in emission order (the latest `maxEmitted` when set). */
  readonly emitted: EmittedScan[];
  readonly stats: ScannerSimulatorStats;
  /** Clients connected now. */
  readonly clients: number;
  /** Resolves when `count` lines were emitted or the simulator was closed. */
  readonly finished: Promise<void>;
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

/**
 * Starts a barcode scanner behind a TCP serial device server: every connected client receives
 * the same byte stream. Emission starts when the first client connects (unless
 * `emitWithoutClient`); a client that connects mid-line receives from the next line on.
 */
export async function startScannerSimulator(options: ScannerSimulatorOptions): Promise<ScannerSimulator> {
  const sim = new ScannerSimulatorImpl(scannerSimulatorOptionsSchema.parse(options));
  await sim.listen();
  return sim;
}

type ParsedOptions = z.output<typeof scannerSimulatorOptionsSchema>;

interface PendingWrite {
  chunks: Buffer[];
  to: net.Socket[];
}

class ScannerSimulatorImpl extends EventEmitter<ScannerSimulatorEvents> implements ScannerSimulator {
  readonly emitted: EmittedScan[] = [];
  readonly stats: ScannerSimulatorStats = { emitted: 0, valid: 0, garbage: 0, delivered: 0 };
  readonly seed: number;
  readonly finished: Promise<void>;
  private readonly server = net.createServer((socket) => this.onClient(socket));
  private readonly sockets = new Set<net.Socket>();
  private readonly generator: ScanGenerator;
  private readonly splitRng: Rng;
  private readonly queue: PendingWrite[] = [];
  private writing = false;
  private started = false;
  private paused = false;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private periodStart = 0;
  private emittedInPeriod = 0;
  private resolveFinished!: () => void;

  constructor(private readonly opts: ParsedOptions) {
    super();
    this.seed = (opts.seed ?? randomSeed()) >>> 0;
    this.generator = new ScanGenerator({
      seed: this.seed,
      garbageRatio: opts.garbageRatio,
      forbiddenBytes: opts.suffix,
      today: opts.today ?? new Date(),
    });
    // A separate stream, so the lines do not depend on whether writes are split.
    this.splitRng = new Rng(this.seed ^ 0x5bd1e995);
    this.finished = new Promise((resolve) => (this.resolveFinished = resolve));
  }

  get host(): string {
    return this.opts.host;
  }

  get port(): number {
    const address = this.server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  get clients(): number {
    return this.sockets.size;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port, this.opts.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    if (this.opts.emitWithoutClient) this.start();
  }

  pause(): void {
    this.paused = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (this.started) this.restartPeriod();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.queue.length = 0;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
    this.resolveFinished();
  }

  private onClient(socket: net.Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    // Scanners may receive configuration commands; this one ignores them.
    socket.resume();
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      if (this.sockets.delete(socket)) this.emit('clients', this.sockets.size);
    });
    this.sockets.add(socket);
    this.emit('clients', this.sockets.size);
    this.start();
  }

  private start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    if (!this.paused) this.restartPeriod();
  }

  private restartPeriod(): void {
    this.periodStart = performance.now();
    this.emittedInPeriod = 0;
    this.tick();
  }

  /** Emits every line due since the period started, so a late timer catches up instead of drifting. */
  private tick(): void {
    this.timer = undefined;
    if (this.paused || this.closed || this.isDone()) return;
    const intervalMs = 1000 / this.opts.ratePerSec;
    const due = Math.floor((performance.now() - this.periodStart) / intervalMs) + 1;
    // Bounded burst, so a stalled event loop does not flood the socket in one go.
    const burst = Math.min(due - this.emittedInPeriod, 1000);
    for (let i = 0; i < burst && !this.isDone(); i++) {
      this.emitOne();
      this.emittedInPeriod++;
    }
    if (this.isDone()) {
      this.emit('done');
      this.resolveFinished();
      return;
    }
    const nextAt = this.periodStart + this.emittedInPeriod * intervalMs;
    this.timer = setTimeout(() => this.tick(), Math.max(0, nextAt - performance.now()));
  }

  private isDone(): boolean {
    return this.opts.count !== undefined && this.stats.emitted >= this.opts.count;
  }

  private emitOne(): void {
    const scan = this.generator.next();
    const line = (scan.aim ?? '') + scan.code + this.opts.suffix;
    const recipients = [...this.sockets].filter((s) => s.writable);
    const record: EmittedScan = {
      seq: this.stats.emitted + 1,
      kind: scan.kind,
      line,
      code: scan.code,
      ...(scan.aim ? { aim: scan.aim } : {}),
      valid: scan.valid,
      delivered: recipients.length > 0,
      ts: new Date().toISOString(),
    };
    this.stats.emitted++;
    if (scan.valid) this.stats.valid++;
    else this.stats.garbage++;
    if (record.delivered) this.stats.delivered++;
    this.remember(record);
    if (recipients.length > 0) this.write(Buffer.from(line, 'latin1'), recipients);
    this.emit('line', record);
  }

  private remember(record: EmittedScan): void {
    this.emitted.push(record);
    const max = this.opts.maxEmitted;
    if (max !== undefined && this.emitted.length > 2 * max) this.emitted.splice(0, this.emitted.length - max);
  }

  private write(bytes: Buffer, to: net.Socket[]): void {
    if (!this.opts.splitWrites) {
      for (const socket of to) socket.write(bytes);
      return;
    }
    this.queue.push({ chunks: this.split(bytes), to });
    if (!this.writing) void this.drain();
  }

  private split(bytes: Buffer): Buffer[] {
    const cuts = new Set<number>();
    const wanted = this.splitRng.int(1, Math.min(4, bytes.length - 1));
    for (let i = 0; i < wanted && bytes.length > 1; i++) cuts.add(this.splitRng.int(1, bytes.length - 1));
    const sorted = [...cuts].sort((a, b) => a - b);
    const chunks: Buffer[] = [];
    let from = 0;
    for (const cut of sorted) {
      chunks.push(bytes.subarray(from, cut));
      from = cut;
    }
    chunks.push(bytes.subarray(from));
    return chunks;
  }

  /** Writes queued chunks one event-loop turn apart, so they leave as separate TCP segments. */
  private async drain(): Promise<void> {
    this.writing = true;
    try {
      for (let item = this.queue.shift(); item; item = this.queue.shift()) {
        for (const [i, chunk] of item.chunks.entries()) {
          if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
          if (this.closed) return;
          for (const socket of item.to) if (socket.writable) socket.write(chunk);
        }
      }
    } finally {
      this.writing = false;
    }
  }
}
