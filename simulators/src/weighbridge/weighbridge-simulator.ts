import { EventEmitter } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { mulberry32 } from '../prng.js';
import { openSerialLineWriter, type SerialLineWriter } from '../pty/serial-line-writer.js';
import { corruptFrame, encodeFrame, type IndicatorState, type WeighbridgeFormat, type WeighbridgeFrameOptions } from './frames.js';
import { truckPass, type ScaleLimits, type TruckPass } from './truck-profile.js';

// The pty transport lives in ../pty; re-exported here so the package entry point offers it.
export { openPtyPair, socatAvailable, SocatMissingError, type PtyPair, type PtyPairOptions } from '../pty/pty-pair.js';
export { openSerialLineWriter, type SerialLineWriter, type SerialLineWriterOptions } from '../pty/serial-line-writer.js';

export interface WeighbridgeSimulatorOptions<F extends WeighbridgeFormat = WeighbridgeFormat> {
  format: F;
  /** the encoder's options, matching the edge decoder's options of the same name */
  frameOptions?: WeighbridgeFrameOptions[F];
  host?: string;
  /**
   * TCP port of the serial device server (default: any free port). When `pty` is set and no port
   * is given, no TCP server is started.
   */
  port?: number;
  /** write the frames to this device too: the simulator's end of a pty pair (see openPtyPair) */
  pty?: string;
  /** frames per second, like the indicator's update rate (Toledo ~7/s) */
  framesPerSec?: number;
  /** trucks to play in order; then zero frames for ever */
  trucks: TruckPass[];
  /** decimal places of the display (default 0): weights are in display units */
  decimals?: number;
  /** the indicator's range: frames beyond it are out of range (overload / underload) */
  limits?: ScaleLimits;
  seed?: number;
  /** share of frames followed by a burst of line noise, 0..1 */
  garbageRatio?: number;
  /** write each frame in two pieces split at a random byte */
  splitWrites?: boolean;
  /** share of frames damaged so that the decoder rejects them, 0..1 (default 0; see corrupt()) */
  corruptRatio?: number;
  /** start at about one frame per second (see slow()) */
  slow?: boolean;
}

/** A state as played; `corrupted` when its frame was sent damaged (the decoder must reject it). */
export interface SentFrame extends IndicatorState {
  corrupted?: boolean;
}

export interface WeighbridgeSimulatorStats {
  /** frames played (including those nobody received) */
  frames: number;
  corrupted: number;
  /** client connections dropped by disconnect() */
  disconnected: number;
  /** chunks the pty dropped because nobody drained its other end */
  ptyDropped: number;
}

/**
 * The first stable frame of a truck's pass has just been written to every connected client (and
 * the pty): the moment the indicator reports the truck at rest, for latency figures downstream.
 */
export interface WeighbridgeStableEvent {
  /** 1-based number of the truck pass on this simulator */
  pass: number;
  /** the stable weight shown, display units */
  gross: number;
  /** the frame was out of range (an overloaded truck) */
  outOfRange: boolean;
  /** the frame was sent damaged (corrupt fault): the decoder rejects it */
  corrupted: boolean;
  /** TCP clients the frame was written to */
  clients: number;
  /** Date.now() after the write */
  at: number;
  /** process.hrtime.bigint() after the write */
  hrtime: bigint;
}

/**
 * Events: `frame` (SentFrame) after each frame is written; `stable` (WeighbridgeStableEvent) after
 * the first stable frame of each truck pass is written; `disconnect` (clients dropped).
 */
export interface WeighbridgeSimulator extends EventEmitter {
  /** the TCP port, or null when only a pty is written */
  readonly port: number | null;
  /** the device written to, or null */
  readonly pty: string | null;
  /** every state sent, in order */
  readonly sent: SentFrame[];
  /** resolves when every truck has been played */
  readonly finished: Promise<void>;
  readonly framesPerSec: number;
  /**
   * Queues a truck after those still to play (a scenario drives the scale this way); resolves when
   * its last frame (of the empty scale after it) was played, or the simulator closed.
   */
  playTruck(pass: TruckPass): Promise<void>;
  /** TCP clients connected now */
  readonly clients: number;
  readonly stats: WeighbridgeSimulatorStats;
  /**
   * Fault: drops every TCP client now (the device server's link went down) and returns how many.
   * New connections are accepted again at once, or refused (closed on accept) for `forMs`; the
   * pty stays silent for `forMs` (a pulled cable). Frames keep being played meanwhile.
   */
  disconnect(opts?: { forMs?: number }): number;
  /** Fault: about one frame per second while on (a stalling link); the normal rate when off. */
  slow(on: boolean): void;
  /**
   * Fault: damage a share of frames (bit flips in a weight digit, a bad check, a non-digit where
   * there is no check) so the edge rejects them. true = the configured corruptRatio or 0.25,
   * a number = that share, false = off.
   */
  corrupt(on: boolean | number): void;
  close(): Promise<void>;
}

/** Bytes line noise must not contain, so it cannot start or end a frame and eat a real one. */
const NOISE_EXCLUDES: { [F in WeighbridgeFormat]: (b: number) => boolean } = {
  toledo: (b) => (b & 0x7f) === 0x02, // the decoder masks parity: 0x82 is an STX too
  'yaohua-xk3190': (b) => b === 0x02,
  'yaohua-eq': (b) => b === 0x3d,
  'yaohua-a12e': (b) => b === 0x0a,
};

/**
 * A weighbridge indicator behind a serial device server (every connected TCP client receives the
 * same frame stream) and/or on a serial line (a pty). Playing starts when the first client
 * connects, or at once when a pty is written.
 */
export async function startWeighbridgeSimulator<F extends WeighbridgeFormat>(opts: WeighbridgeSimulatorOptions<F>): Promise<WeighbridgeSimulator> {
  const random = mulberry32(opts.seed ?? 1);
  // Faults draw from their own sequence, so switching them on does not change the trucks.
  const faultRandom = mulberry32((opts.seed ?? 1) ^ 0x5eed_f00d);
  const decimals = opts.decimals ?? 0;
  const fps = opts.framesPerSec ?? 7;
  const excluded = NOISE_EXCLUDES[opts.format];
  const clients = new Set<Socket>();
  const sent: SentFrame[] = [];
  const stats: WeighbridgeSimulatorStats = { frames: 0, corrupted: 0, disconnected: 0, ptyDropped: 0 };
  // Trucks to play: the listed ones, then whatever playTruck() adds (a scenario drives it).
  const queue: Array<{ plan: TruckPass; played?: () => void }> = opts.trucks.map((plan) => ({ plan }));
  let current: Generator<IndicatorState> | null = null;
  // The pass being played: its number, its plan, how many of its frames were played, who waits for it.
  let pass: { n: number; plan: TruckPass | null; frame: number; played?: (() => void) | undefined } = { n: 0, plan: null, frame: 0 };
  /** the next state, and whether it is the first stable frame of a pass */
  const nextState = (): { state: IndicatorState; firstStable: boolean } | null => {
    for (;;) {
      if (current) {
        const n = current.next();
        if (!n.done) {
          const i = pass.frame++;
          return { state: n.value, firstStable: pass.plan !== null && pass.plan.stableFrames > 0 && i === pass.plan.riseFrames };
        }
        current = null;
        pass.played?.();
      }
      const t = queue.shift();
      if (!t) return null;
      pass = { n: pass.n + 1, plan: t.plan, frame: 0, played: t.played };
      current = truckPass(t.plan, decimals, random, opts.limits);
    }
  };
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  let timer: NodeJS.Timeout | null = null;
  let slow = opts.slow ?? false;
  let corruptRatio = opts.corruptRatio ?? 0;
  let refuseUntil = 0;
  let closed = false;
  let line: SerialLineWriter | null = null;
  const emitter = new EventEmitter();

  const tick = () => {
    const next = nextState();
    const state: SentFrame = next === null ? { weight: 0, decimals, motion: false, outOfRange: false } : { ...next.state };
    if (next === null) done();
    let bytes = encodeFrame(opts.format, state, opts.frameOptions);
    if (corruptRatio > 0 && faultRandom() < corruptRatio) {
      bytes = corruptFrame(opts.format, bytes, faultRandom, opts.frameOptions);
      state.corrupted = true;
      stats.corrupted++;
    }
    sent.push(state);
    stats.frames++;
    if (sent.length > 100_000) sent.splice(0, sent.length - 100_000);
    if (opts.garbageRatio && random() < opts.garbageRatio) {
      const noise = Buffer.from(Array.from({ length: 1 + Math.floor(random() * 12) }, () => Math.floor(random() * 256)).filter((b) => !excluded(b)));
      bytes = Buffer.concat([bytes, noise]);
    }
    const cut = opts.splitWrites ? 1 + Math.floor(random() * (bytes.length - 1)) : bytes.length;
    const pieces = cut < bytes.length ? [bytes.subarray(0, cut), bytes.subarray(cut)] : [bytes];
    for (const c of clients) for (const p of pieces) c.write(p);
    if (line && Date.now() >= refuseUntil) {
      // a tick's pieces go together or not at all, so a backed-up line drops whole frames
      if (line.queuedBytes + bytes.length <= 4096) for (const p of pieces) line.write(p);
      else stats.ptyDropped++;
    }
    // Stamped right after the write, before any listener runs.
    const stable: WeighbridgeStableEvent | null = next?.firstStable
      ? { pass: pass.n, gross: state.weight, outOfRange: state.outOfRange, corrupted: state.corrupted === true, clients: clients.size, at: Date.now(), hrtime: process.hrtime.bigint() }
      : null;
    emitter.emit('frame', state);
    if (stable) emitter.emit('stable', stable);
  };

  const schedule = () => {
    if (closed) return;
    if (timer) clearInterval(timer);
    timer = setInterval(tick, slow ? Math.max(1000, 1000 / fps) : 1000 / fps);
  };

  let server: Server | null = null;
  let port: number | null = null;
  if (opts.pty === undefined || opts.port !== undefined) {
    const srv = createServer((socket) => {
      if (Date.now() < refuseUntil) {
        socket.destroy();
        return;
      }
      clients.add(socket);
      socket.on('close', () => clients.delete(socket));
      socket.on('error', () => clients.delete(socket));
      if (!timer) schedule();
    });
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
    });
    server = srv;
    port = (srv.address() as { port: number }).port;
  }
  if (opts.pty !== undefined) {
    try {
      line = await openSerialLineWriter(opts.pty);
    } catch (err) {
      await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
      throw err;
    }
    schedule();
  }

  const api = {
    port,
    pty: opts.pty ?? null,
    sent,
    finished,
    framesPerSec: fps,
    playTruck(plan: TruckPass) {
      if (closed) return Promise.resolve();
      return new Promise<void>((played) => queue.push({ plan, played }));
    },
    get clients() {
      return clients.size;
    },
    get stats() {
      return { ...stats, ptyDropped: stats.ptyDropped + (line?.dropped ?? 0) };
    },
    disconnect(o: { forMs?: number } = {}) {
      refuseUntil = Date.now() + (o.forMs ?? 0);
      const n = clients.size;
      for (const c of clients) c.destroy();
      clients.clear();
      stats.disconnected += n;
      emitter.emit('disconnect', n);
      return n;
    },
    slow(on: boolean) {
      if (on === slow) return;
      slow = on;
      if (timer) schedule();
    },
    corrupt(on: boolean | number) {
      corruptRatio = typeof on === 'number' ? Math.min(1, Math.max(0, on)) : on ? opts.corruptRatio || 0.25 : 0;
    },
    async close() {
      closed = true;
      if (timer) clearInterval(timer);
      pass.played?.();
      for (const q of queue.splice(0)) q.played?.();
      for (const c of clients) c.destroy();
      await Promise.all([server ? new Promise<void>((r) => server.close(() => r())) : undefined, line?.close()]);
    },
  };
  // (defineProperties, not Object.assign, which would freeze the getters' current values)
  return Object.defineProperties(emitter, Object.getOwnPropertyDescriptors(api)) as EventEmitter & typeof api;
}
