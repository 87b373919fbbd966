import { createReadStream, lstatSync, mkdtempSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SocatMissingError, openPtyPair, openSerialLineWriter, socatAvailable, type PtyPair } from '../src/index.js';

const socat = socatAvailable();
let dir: string;
const cleanups: (() => Promise<void> | void)[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cjp-pty-'));
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  rmSync(dir, { recursive: true, force: true });
});

async function pair(): Promise<PtyPair> {
  const p = await openPtyPair(dir);
  cleanups.push(() => p.close());
  return p;
}

/** Reads `path` with a node:fs stream until `bytes` bytes arrived. */
function readBytes(path: string, bytes: number): { done: Promise<Buffer>; chunks: Buffer[] } {
  const chunks: Buffer[] = [];
  const stream = createReadStream(path, { highWaterMark: 64 });
  // pair.close() ends a read still blocked in the thread pool (socat's exit hangs up the pty)
  cleanups.push(() => void stream.destroy());
  const done = new Promise<Buffer>((resolve, reject) => {
    stream.on('error', reject);
    stream.on('data', (d) => {
      chunks.push(d as Buffer);
      const all = Buffer.concat(chunks);
      if (all.length >= bytes) resolve(all);
    });
  });
  return { done, chunks };
}

describe('openPtyPair', () => {
  it('rejects with a clear error when socat cannot be run', async () => {
    const err = await openPtyPair(dir, { socat: join(dir, 'no-such-socat') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SocatMissingError);
    expect((err as Error).message).toMatch(/socat .* is not installed or not on PATH; the pty transport needs it/);
  });

  it('refuses a link path that already exists, or that socat would misparse', async () => {
    writeFileSync(join(dir, 'a'), '');
    await expect(openPtyPair(dir)).rejects.toThrow(/already exists/);
    await expect(openPtyPair(dir, { a: 'x,y' })).rejects.toThrow(/must not contain/);
  });

  describe.skipIf(!socat)('with socat installed', () => {
    it('links two ptys and removes the links on close', async () => {
      const p = await pair();
      expect(p.a).toBe(join(dir, 'a'));
      expect(p.b).toBe(join(dir, 'b'));
      for (const link of [p.a, p.b]) {
        expect(lstatSync(link).isSymbolicLink()).toBe(true);
        expect(readlinkSync(link)).toMatch(/^\/dev\/pts\/\d+$/);
      }
      await p.close();
      await p.close(); // idempotent
      expect(() => lstatSync(p.a)).toThrow();
      expect(() => lstatSync(p.b)).toThrow();
    });

    it('carries every byte written at one end, split or not, intact to the other (fs streams)', async () => {
      const p = await pair();
      // all 256 byte values, including STX, CR, LF, XON/XOFF and DEL, which a cooked tty would eat
      const payload = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), Buffer.from('WG004.139kg3D\r\n=000.3000\x02+000123219\x03')]);
      const reader = readBytes(p.b, payload.length * 2);
      const writer = await openSerialLineWriter(p.a);
      cleanups.push(() => writer.close());
      for (let at = 0; at < payload.length; at += 7) writer.write(payload.subarray(at, at + 7));
      writer.write(payload);
      expect(await reader.done).toEqual(Buffer.concat([payload, payload]));
      expect(writer.written).toBe(payload.length * 2);
      expect(writer.dropped).toBe(0);
    });

    it('drops what does not fit while nobody drains the other end, instead of blocking', async () => {
      const p = await pair();
      const writer = await openSerialLineWriter(p.a, { maxQueuedBytes: 1024, retryMs: 5 });
      cleanups.push(() => writer.close());
      const chunk = Buffer.alloc(512, 0x30);
      let accepted = 0;
      // far more than socat and the two pty buffers hold
      for (let i = 0; i < 400; i++) {
        if (writer.write(chunk)) accepted++;
        await new Promise((r) => setTimeout(r, 1));
      }
      expect(accepted).toBeLessThan(400);
      expect(writer.dropped).toBe(400 - accepted);
    });
  });
});
