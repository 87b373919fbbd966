import { EventEmitter } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { mulberry32 } from '../prng.js';
import { WEIGHBRIDGE_FORMATS, type IndicatorState, type WeighbridgeFormat } from './frames.js';
import { truckPass, type TruckPass } from './truck-profile.js';

export interface WeighbridgeSimulatorOptions {
  format: WeighbridgeFormat;
  host?: string;
  port?: number;
  /** frames per second, like the indicator's update rate (Toledo ~7/s) */
  framesPerSec?: number;
  /** trucks to play in order; then zero frames for ever */
  trucks: TruckPass[];
  seed?: number;
  /** share of frames followed by a burst of line noise, 0..1 */
  garbageRatio?: number;
  /** write each frame in two pieces split at a random byte */
  splitWrites?: boolean;
}

export interface WeighbridgeSimulator extends EventEmitter {
  readonly port: number;
  /** every state sent, in order */
  readonly sent: IndicatorState[];
  /** resolves when every truck has been played */
  readonly finished: Promise<void>;
  close(): Promise<void>;
}

/**
 * A weighbridge indicator behind a serial device server: every connected client receives the
 * same frame stream. Playing starts when the first client connects.
 */
export async function startWeighbridgeSimulator(opts: WeighbridgeSimulatorOptions): Promise<WeighbridgeSimulator> {
  const random = mulberry32(opts.seed ?? 1);
  const encode = WEIGHBRIDGE_FORMATS[opts.format];
  const clients = new Set<Socket>();
  const sent: IndicatorState[] = [];
  const states = (function* () {
    for (const t of opts.trucks) yield* truckPass(t, 0, random);
  })();
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  let timer: NodeJS.Timeout | null = null;
  const emitter = new EventEmitter();

  const tick = () => {
    const next = states.next();
    const state: IndicatorState = next.done ? { weight: 0, decimals: 0, motion: false, outOfRange: false } : next.value;
    if (next.done) done();
    sent.push(state);
    if (sent.length > 100_000) sent.splice(0, sent.length - 100_000);
    let bytes = encode(state);
    if (opts.garbageRatio && random() < opts.garbageRatio) {
      const noise = Buffer.from(Array.from({ length: 1 + Math.floor(random() * 12) }, () => Math.floor(random() * 256)).filter((b) => b !== 0x02));
      bytes = Buffer.concat([bytes, noise]);
    }
    const cut = opts.splitWrites ? 1 + Math.floor(random() * (bytes.length - 1)) : bytes.length;
    for (const c of clients) {
      c.write(bytes.subarray(0, cut));
      if (cut < bytes.length) c.write(bytes.subarray(cut));
    }
    emitter.emit('frame', state);
  };

  const server = createServer((socket) => {
    clients.add(socket);
    socket.on('close', () => clients.delete(socket));
    socket.on('error', () => clients.delete(socket));
    timer ??= setInterval(tick, 1000 / (opts.framesPerSec ?? 7));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return Object.assign(emitter, {
    port,
    sent,
    finished,
    async close() {
      if (timer) clearInterval(timer);
      for (const c of clients) c.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  });
}
