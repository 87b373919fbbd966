import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/**
 * Writes bytes to a character device (the simulator's end of a pty pair, see openPtyPair) the way
 * a UART sends them: in order, each write() call as its own write(2), so split frames arrive split.
 * The device is opened non-blocking: when nobody drains the other end the line backs up, and
 * rather than queueing without bound (or blocking a libuv thread) chunks beyond `maxQueuedBytes`
 * are dropped and counted.
 */
export interface SerialLineWriter {
  readonly path: string;
  /** queues a chunk; false (and counted in `dropped`) when the line is backed up or closed */
  write(chunk: Buffer): boolean;
  /** bytes written to the device so far */
  readonly written: number;
  /** chunks dropped because the line was backed up */
  readonly dropped: number;
  /** bytes queued but not yet written */
  readonly queuedBytes: number;
  /** the error that stopped writing (e.g. EIO when the pty went away), if any */
  readonly lastError: Error | null;
  close(): Promise<void>;
}

export interface SerialLineWriterOptions {
  /** default 4096 */
  maxQueuedBytes?: number;
  /** wait between retries while the device reports EAGAIN (default 20 ms) */
  retryMs?: number;
}

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function openSerialLineWriter(path: string, opts: SerialLineWriterOptions = {}): Promise<SerialLineWriter> {
  let fh: FileHandle;
  try {
    fh = await open(path, constants.O_WRONLY | constants.O_NOCTTY | constants.O_NONBLOCK);
  } catch (err) {
    throw new Error(`cannot open ${path} for writing: ${(err as Error).message}`, { cause: err });
  }
  const maxQueued = opts.maxQueuedBytes ?? 4096;
  const retryMs = opts.retryMs ?? 20;
  const queue: Buffer[] = [];
  let queuedBytes = 0;
  let written = 0;
  let dropped = 0;
  let lastError: Error | null = null;
  let closed = false;
  let pumping: Promise<void> | null = null;

  const pump = async () => {
    while (queue.length > 0 && !closed) {
      const head = queue[0]!;
      try {
        const { bytesWritten } = await fh.write(head);
        written += bytesWritten;
        queuedBytes -= bytesWritten;
        if (bytesWritten < head.length) queue[0] = head.subarray(bytesWritten);
        else queue.shift();
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') {
          await delay(retryMs);
          continue;
        }
        lastError = err as Error;
        dropped += queue.length;
        queue.length = 0;
        queuedBytes = 0;
      }
    }
  };

  const kick = () => {
    if (pumping || closed) return;
    pumping = pump().finally(() => {
      pumping = null;
      // a chunk queued after the loop saw an empty queue, before this ran
      if (queue.length > 0) kick();
    });
  };

  return {
    path,
    get written() {
      return written;
    },
    get dropped() {
      return dropped;
    },
    get queuedBytes() {
      return queuedBytes;
    },
    get lastError() {
      return lastError;
    },
    write(chunk: Buffer): boolean {
      if (closed || lastError || queuedBytes + chunk.length > maxQueued) {
        dropped++;
        return false;
      }
      queue.push(chunk);
      queuedBytes += chunk.length;
      kick();
      return true;
    },
    async close() {
      if (closed) return;
      closed = true;
      await pumping;
      await fh.close();
    },
  };
}
