import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';

/** Polls until `check` returns true; fails with `what` after a generous deadline (not a timing assertion). */
export async function until(what: string, check: () => boolean, deadlineMs = 20_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export type LogLine = { level: number; msg: string; [k: string]: unknown };

/** A pino logger whose JSON lines land in `lines`. */
export function captureLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as LogLine);
      cb();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

/** A TCP server playing a barcode scanner behind a serial device server. */
export interface FakeScanner {
  readonly port: number;
  readonly connected: boolean;
  send(data: string | Buffer): void;
  close(): Promise<void>;
}

export async function startScanner(): Promise<FakeScanner> {
  let socket: Socket | null = null;
  const server: Server = createServer((s) => {
    socket = s;
    s.on('close', () => {
      if (socket === s) socket = null;
    });
    s.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    get connected() {
      return socket !== null;
    },
    send(data) {
      if (!socket) throw new Error('no scanner connection');
      socket.write(data);
    },
    async close() {
      const s: Socket | null = socket;
      s?.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
