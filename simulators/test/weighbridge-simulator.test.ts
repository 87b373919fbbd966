import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeFrame, openPtyPair, socatAvailable, startWeighbridgeSimulator, type WeighbridgeSimulator, type WeighbridgeStableEvent } from '../src/index.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const truck = { gross: 31250, riseFrames: 3, stableFrames: 5, fallFrames: 2, zeroFrames: 3 };

async function sim(opts: Partial<Parameters<typeof startWeighbridgeSimulator>[0]> = {}): Promise<WeighbridgeSimulator> {
  const s = await startWeighbridgeSimulator({ format: 'toledo', framesPerSec: 100, seed: 3, trucks: [truck], ...opts });
  cleanups.push(() => s.close());
  return s;
}

function client(port: number): { socket: Socket; bytes: () => Buffer; closed: Promise<void> } {
  const socket = connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (d: Buffer) => chunks.push(d));
  socket.on('error', () => {});
  cleanups.push(() => void socket.destroy());
  return { socket, bytes: () => Buffer.concat(chunks), closed: new Promise((r) => socket.once('close', () => r())) };
}

/** resolves once `n` frames have been played in all */
const frames = (s: WeighbridgeSimulator, n: number) =>
  new Promise<void>((resolve) => {
    const on = () => {
      if (s.stats.frames < n) return;
      s.off('frame', on);
      resolve();
    };
    s.on('frame', on);
  });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(ok: () => boolean, ms = 5000): Promise<void> {
  for (const end = Date.now() + ms; !ok(); await sleep(5)) if (Date.now() > end) throw new Error('timed out waiting');
}

describe('weighbridge simulator', () => {
  it('sends exactly the encoded frames of the states it played (no faults by default)', async () => {
    const s = await sim({ format: 'yaohua-a12e' });
    const c = client(s.port!);
    await s.finished;
    const sent = s.sent.slice();
    await until(() => c.bytes().length >= sent.length * 15);
    expect(c.bytes().subarray(0, sent.length * 15)).toEqual(Buffer.concat(sent.map((st) => encodeFrame('yaohua-a12e', st))));
    expect(s.stats).toMatchObject({ corrupted: 0, disconnected: 0 });
  });

  it('plays overload and negative/underload states from the limits and the truck', async () => {
    const s = await sim({
      limits: { capacity: 30_000, division: 20 },
      trucks: [{ ...truck, zeroDrift: -40 }, { ...truck, gross: 18_000, zeroDrift: -600 }],
    });
    client(s.port!);
    await s.finished;
    const stable = s.sent.filter((st) => !st.motion);
    expect(stable.some((st) => st.weight === 31250 && st.outOfRange)).toBe(true); // over 30 t + 9 d
    expect(stable.some((st) => st.weight === -40 && !st.outOfRange)).toBe(true); // a negative reading
    expect(stable.some((st) => st.weight === -600 && st.outOfRange)).toBe(true); // below -20 d: underload
  });

  it('disconnect() drops the clients now and accepts again after; with forMs it refuses meanwhile', async () => {
    const s = await sim();
    const first = client(s.port!);
    await frames(s, 3);
    expect(s.clients).toBe(1);
    expect(s.disconnect()).toBe(1);
    await first.closed;
    const second = client(s.port!);
    await frames(s, s.stats.frames + 3);
    expect(s.clients).toBe(1);
    expect(second.bytes().length).toBeGreaterThan(0);

    expect(s.disconnect({ forMs: 300 })).toBe(1);
    const refused = client(s.port!);
    await refused.closed;
    expect(refused.bytes().length).toBe(0);
    await sleep(350);
    const third = client(s.port!);
    await frames(s, s.stats.frames + 3);
    expect(third.bytes().length).toBeGreaterThan(0);
    expect(s.stats.disconnected).toBe(2);
  });

  it("announces each truck's first stable frame once it is written, with a monotonic timestamp", async () => {
    const s = await sim({ trucks: [truck, { ...truck, gross: 18_000 }], splitWrites: true });
    const c = client(s.port!);
    const events: Array<WeighbridgeStableEvent & { sentIndex: number }> = [];
    s.on('stable', (e: WeighbridgeStableEvent) => events.push({ ...e, sentIndex: s.sent.length - 1 }));
    await s.finished;
    expect(events.map((e) => [e.pass, e.gross, e.outOfRange, e.corrupted])).toEqual([
      [1, 31250, false, false],
      [2, 18000, false, false],
    ]);
    const sent = s.sent.slice();
    for (const e of events) {
      // the frame announced is the pass's first frame at rest, and the one just written
      const st = sent[e.sentIndex]!;
      expect(st).toMatchObject({ weight: e.gross, motion: false });
      expect(sent[e.sentIndex - 1]!.motion).toBe(true);
      expect(e.clients).toBe(1);
      expect(typeof e.hrtime).toBe('bigint');
    }
    expect(events[1]!.hrtime).toBeGreaterThan(events[0]!.hrtime);
    // what the client received up to that frame is exactly the frames played until then
    const upTo = Buffer.concat(sent.slice(0, events[0]!.sentIndex + 1).map((st) => encodeFrame('toledo', st)));
    await until(() => c.bytes().length >= upTo.length);
    expect(c.bytes().subarray(0, upTo.length)).toEqual(upTo);
  });

  it('playTruck() resolves once the pass, empty scale included, has been played', async () => {
    const s = await sim({ trucks: [] });
    client(s.port!);
    const first = s.playTruck(truck);
    const second = s.playTruck({ ...truck, gross: 18_000 });
    await first;
    const frames = truck.riseFrames + truck.stableFrames + truck.fallFrames + truck.zeroFrames;
    const at = s.sent.length;
    expect(s.sent.filter((st) => st.weight === 31250 && !st.motion)).toHaveLength(truck.stableFrames);
    expect(s.sent.some((st) => st.weight === 18_000)).toBe(false);
    await second;
    expect(s.sent.length - at).toBeGreaterThanOrEqual(frames);
    const third = s.playTruck(truck);
    await s.close();
    await third; // closing lets a waiting caller go
  });

  it('slow(true) sends about one frame per second; slow(false) returns to the normal rate', async () => {
    const s = await sim({ trucks: [] });
    client(s.port!);
    await frames(s, 2);
    s.slow(true);
    const before = s.stats.frames;
    await sleep(1500);
    expect(s.stats.frames - before).toBeGreaterThanOrEqual(1);
    expect(s.stats.frames - before).toBeLessThanOrEqual(2);
    s.slow(false);
    const after = s.stats.frames;
    await sleep(300);
    expect(s.stats.frames - after).toBeGreaterThan(10);
  });

  it('corrupt() damages a share of frames and marks them in sent; off again with false', async () => {
    const s = await sim({ format: 'yaohua-xk3190', trucks: [] });
    const c = client(s.port!);
    await frames(s, 2);
    s.corrupt(1);
    await frames(s, s.stats.frames + 5);
    s.corrupt(false);
    const marked = s.stats.frames;
    await frames(s, marked + 5);
    const sent = s.sent.slice();
    await until(() => c.bytes().length >= sent.length * 12);
    const received = c.bytes();
    let damaged = 0;
    sent.forEach((st, i) => {
      const frame = received.subarray(i * 12, i * 12 + 12);
      if (st.corrupted) {
        damaged++;
        expect(frame).not.toEqual(encodeFrame('yaohua-xk3190', st));
      } else expect(frame).toEqual(encodeFrame('yaohua-xk3190', st));
    });
    expect(damaged).toBe(s.stats.corrupted);
    expect(damaged).toBeGreaterThanOrEqual(5);
    expect(sent.slice(marked + 1).every((st) => !st.corrupted)).toBe(true);

    s.corrupt(true); // the default share
    await frames(s, s.stats.frames + 100);
    const share = s.sent.slice(-100).filter((st) => st.corrupted).length / 100;
    expect(share).toBeGreaterThan(0.05);
    expect(share).toBeLessThan(0.6);
  });

  it.skipIf(!socatAvailable())('writes the frames to a pty: they arrive intact at the other end (needs socat)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cjp-wb-pty-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const pair = await openPtyPair(dir);
    cleanups.push(() => pair.close());
    const chunks: Buffer[] = [];
    const stream = createReadStream(pair.b);
    stream.on('data', (d) => chunks.push(d as Buffer));
    stream.on('error', () => {}); // EIO once socat hangs up at the end
    cleanups.push(() => void stream.destroy());
    const s = await sim({ format: 'yaohua-eq', pty: pair.a, splitWrites: true });
    expect(s.port).toBeNull(); // a pty and no port: no TCP server
    expect(s.pty).toBe(pair.a);
    await s.finished;
    const sent = s.sent.slice();
    await until(() => Buffer.concat(chunks).length >= sent.length * 9);
    expect(Buffer.concat(chunks).subarray(0, sent.length * 9)).toEqual(Buffer.concat(sent.map((st) => encodeFrame('yaohua-eq', st))));
  });
});
