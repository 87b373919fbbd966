import { createReadStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killCliChildren, runCli } from './support/run-cli.js';
import { socatAvailable } from '../src/index.js';

const cleanups: (() => void)[] = [];

afterEach(() => {
  killCliChildren();
  for (const c of cleanups.splice(0).reverse()) c();
});


/** Collects bytes from `stream` until `done(bytes)` holds. */
function collect(stream: NodeJS.ReadableStream, done: (all: Buffer) => boolean): Promise<Buffer> {
  let all = Buffer.alloc(0);
  return new Promise((resolve) =>
    stream.on('data', (d: Buffer) => {
      all = Buffer.concat([all, d]);
      if (done(all)) resolve(all);
    }),
  );
}

describe('cjp-sim weighbridge', () => {
  it('--format yaohua-eq streams "=" frames over TCP', async () => {
    const sim = runCli(['weighbridge', '--format', 'yaohua-eq', '--port', '0', '--fps', '200']);
    const listening = await sim.logged('weighbridge simulator listening');
    expect(listening).toMatchObject({ format: 'yaohua-eq', fps: 200, capacity: 60_000, overloadEvery: 0, negative: false, corrupt: 0 });
    const socket = net.connect(listening.port as number, '127.0.0.1');
    cleanups.push(() => socket.destroy());
    const received = await collect(socket, (b) => b.length >= 9 * 20);
    for (let i = 0; i + 9 <= 9 * 20; i += 9) expect(received.toString('latin1', i, i + 9)).toMatch(/^=[0-9.]{8}$/);
    sim.child.kill('SIGTERM');
    expect(await sim.exited).toBe(0);
  });

  it('--format yaohua-a12e --overload-every 1 sends the overload frame once a truck is over capacity', async () => {
    const sim = runCli(['weighbridge', '--format', 'yaohua-a12e', '--port', '0', '--fps', '200', '--capacity', '1000', '--overload-every', '1', '--negative', '--corrupt', '0']);
    const listening = await sim.logged('weighbridge simulator listening');
    expect(listening).toMatchObject({ format: 'yaohua-a12e', capacity: 1000, overloadEvery: 1, negative: true });
    const socket = net.connect(listening.port as number, '127.0.0.1');
    cleanups.push(() => socket.destroy());
    const received = await collect(socket, (b) => b.includes('         OL23\r\n'));
    expect(received.toString('latin1')).toMatch(/^WG\d{6} kg[0-9A-F]{2}\r\n/);
    sim.child.kill('SIGTERM');
    expect(await sim.exited).toBe(0);
  });

  it('refuses bad fault flags', async () => {
    const bad = runCli(['weighbridge', '--corrupt', '2']);
    expect(await bad.exited).toBe(2);
    expect(bad.stderr()).toContain('--corrupt 2 is not valid');
    const help = runCli(['weighbridge', '--help']);
    expect(await help.exited).toBe(0);
  });

  it.skipIf(!socatAvailable())('--pty <path> writes the frames to a pty pair and logs the path the edge opens (needs socat)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cjp-sim-pty-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const link = path.join(dir, 'wb');
    const sim = runCli(['weighbridge', '--format', 'toledo', '--fps', '200', '--pty', link]);
    const listening = await sim.logged('weighbridge simulator listening');
    expect(listening).toMatchObject({ format: 'toledo', port: null, pty: link, edgeTransport: `serial://${link}-edge` });
    const stream = createReadStream(`${link}-edge`);
    stream.on('error', () => {}); // EIO once socat hangs up
    cleanups.push(() => void stream.destroy());
    const received = await collect(stream, (b) => b.length >= 18 * 20);
    // whole 18-byte frames from the start? frames written before the reader opened were queued, so find the first STX
    const start = received.indexOf(0x02);
    for (let i = start; i + 18 <= received.length && i < start + 18 * 10; i += 18) {
      const f = received.subarray(i, i + 18);
      expect(f[0]).toBe(0x02);
      expect(f[16]).toBe(0x0d);
      expect([...f].reduce((s, b) => s + (b & 0x7f), 0) & 0x7f).toBe(0);
    }
    sim.child.kill('SIGTERM');
    expect(await sim.exited).toBe(0);
    expect(existsSync(link)).toBe(false); // socat removed its links
    expect(existsSync(`${link}-edge`)).toBe(false);
  });
});
