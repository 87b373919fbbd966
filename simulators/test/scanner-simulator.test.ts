import net from 'node:net';
import { once } from 'node:events';
import { scanDataSchema } from '@cjp/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { startScannerSimulator, type ScannerSimulator, type ScannerSimulatorOptions } from '../src/scanner/scanner-simulator.js';

const today = new Date('2026-11-27T00:00:00Z');
const sims: ScannerSimulator[] = [];
const sockets: net.Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

async function start(options: Partial<ScannerSimulatorOptions> = {}): Promise<ScannerSimulator> {
  const sim = await startScannerSimulator({ port: 0, ratePerSec: 500, seed: 7, today, ...options });
  sims.push(sim);
  return sim;
}

/** A client like an edge's TCP transport: it collects raw bytes, and the lines cut at the suffix. */
function connect(port: number, suffix = '\r\n') {
  const socket = net.connect(port, '127.0.0.1');
  sockets.push(socket);
  let raw = '';
  const lines: string[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  socket.on('data', (chunk) => {
    raw += chunk.toString('latin1');
    let from = lines.reduce((sum, l) => sum + l.length + suffix.length, 0);
    for (let i = raw.indexOf(suffix, from); i >= 0; i = raw.indexOf(suffix, from)) {
      lines.push(raw.slice(from, i));
      from = i + suffix.length;
    }
    for (const w of waiters.filter((w) => lines.length >= w.n)) w.resolve();
  });
  return {
    socket,
    lines,
    raw: () => raw,
    connected: once(socket, 'connect'),
    waitForLines: (n: number) =>
      lines.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve })),
  };
}

const turns = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('scanner simulator over TCP', () => {
  it('sends each emitted line byte for byte, AIM id + code + suffix, and records it as delivered', async () => {
    const sim = await start({ count: 200 });
    const client = connect(sim.port);
    await sim.finished;
    await client.waitForLines(200);
    expect(client.raw()).toBe(sim.emitted.map((e) => e.line).join(''));
    for (const [i, e] of sim.emitted.entries()) {
      expect(e.seq).toBe(i + 1);
      expect(e.delivered).toBe(true);
      expect(e.line).toBe(`${e.aim ?? ''}${e.code}\r\n`);
      expect(client.lines[i]).toBe(`${e.aim ?? ''}${e.code}`);
      if (e.valid) expect(scanDataSchema.safeParse({ code: e.code, aim: e.aim }).success).toBe(true);
    }
    expect(sim.stats).toEqual({ emitted: 200, valid: sim.emitted.filter((e) => e.valid).length, garbage: sim.emitted.filter((e) => !e.valid).length, delivered: 200 });
  });

  it('gives every valid line its own code, so a test can tell scans apart', async () => {
    const sim = await start({ count: 3000, ratePerSec: 100_000, garbageRatio: 0.1 });
    connect(sim.port);
    await sim.finished;
    const valid = sim.emitted.filter((e) => e.valid);
    expect(new Set(valid.map((e) => e.code)).size).toBe(valid.length);
    expect(sim.emitted.some((e) => !e.valid)).toBe(true);
  });

  it('gives every connected client the same stream', async () => {
    const sim = await start({ ratePerSec: 200 });
    const a = connect(sim.port);
    await a.waitForLines(1);
    const b = connect(sim.port);
    await b.connected;
    await b.waitForLines(20);
    const firstForB = sim.emitted.findIndex((e) => `${e.aim ?? ''}${e.code}` === b.lines[0]);
    expect(firstForB).toBeGreaterThan(0);
    await a.waitForLines(firstForB + 20);
    expect(b.lines.slice(0, 20)).toEqual(a.lines.slice(firstForB, firstForB + 20));
  });

  it('repeats the same lines for the same seed', async () => {
    const one = await start({ count: 100, seed: 1234 });
    const two = await start({ count: 100, seed: 1234 });
    connect(one.port);
    connect(two.port);
    await Promise.all([one.finished, two.finished]);
    expect(one.seed).toBe(1234);
    expect(two.emitted.map((e) => e.line)).toEqual(one.emitted.map((e) => e.line));
  });

  it('splits writes at random byte boundaries without changing the bytes', async () => {
    const whole = await start({ count: 150, seed: 99 });
    const split = await start({ count: 150, seed: 99, splitWrites: true });
    const a = connect(whole.port);
    const b = connect(split.port);
    const chunks: Buffer[] = [];
    b.socket.on('data', (c: Buffer) => chunks.push(c));
    await Promise.all([a.waitForLines(150), b.waitForLines(150)]);
    expect(b.raw()).toBe(a.raw());
    expect(split.emitted.map((e) => e.line)).toEqual(whole.emitted.map((e) => e.line));
    // Some chunk must end inside a line, or the decoder was never exercised.
    expect(chunks.some((c) => !c.toString('latin1').endsWith('\r\n'))).toBe(true);
  });

  it('waits for the first client before emitting', async () => {
    const sim = await start({ ratePerSec: 1000 });
    await turns(50);
    expect(sim.emitted).toEqual([]);
    const client = connect(sim.port);
    await client.waitForLines(5);
    expect(sim.emitted.length).toBeGreaterThanOrEqual(5);
  });

  it('with emitWithoutClient, records lines nobody received as not delivered', async () => {
    const sim = await start({ ratePerSec: 1000, emitWithoutClient: true });
    await new Promise<void>((resolve) => sim.on('line', (e) => e.seq === 10 && resolve()));
    const client = connect(sim.port);
    await client.waitForLines(10);
    const firstSeen = sim.emitted.findIndex((e) => `${e.aim ?? ''}${e.code}` === client.lines[0]);
    expect(firstSeen).toBeGreaterThanOrEqual(10);
    expect(sim.emitted.slice(0, firstSeen).every((e) => !e.delivered)).toBe(true);
    expect(sim.emitted.slice(firstSeen, firstSeen + 10).every((e) => e.delivered)).toBe(true);
  });

  it('marks lines emitted after the last client left as not delivered', async () => {
    const sim = await start({ ratePerSec: 1000 });
    const client = connect(sim.port);
    await client.waitForLines(3);
    const gone = new Promise<void>((resolve) => sim.on('clients', (n) => n === 0 && resolve()));
    client.socket.destroy();
    await gone;
    const after = sim.emitted.length;
    await new Promise<void>((resolve) => sim.on('line', (e) => e.seq === after + 5 && resolve()));
    expect(sim.emitted.slice(after).every((e) => !e.delivered)).toBe(true);
  });

  it('pauses and resumes', async () => {
    const sim = await start({ ratePerSec: 1000 });
    const client = connect(sim.port);
    await client.waitForLines(5);
    sim.pause();
    const atPause = sim.emitted.length;
    await turns(50);
    expect(sim.emitted.length).toBe(atPause);
    sim.resume();
    await client.waitForLines(atPause + 5);
    expect(sim.emitted.length).toBeGreaterThanOrEqual(atPause + 5);
  });

  it('emits a line event per line, and frames with a custom suffix', async () => {
    const sim = await start({ count: 300, suffix: '\r', garbageRatio: 0.2 });
    const seen: number[] = [];
    sim.on('line', (e) => seen.push(e.seq));
    const client = connect(sim.port, '\r');
    await sim.finished;
    await client.waitForLines(300);
    expect(seen).toEqual(sim.emitted.map((e) => e.seq));
    expect(client.lines).toEqual(sim.emitted.map((e) => `${e.aim ?? ''}${e.code}`));
    expect(sim.emitted.filter((e) => !e.valid).every((e) => !e.code.includes('\r'))).toBe(true);
  });

  it('closes its clients on close()', async () => {
    const sim = await start({ ratePerSec: 100 });
    const client = connect(sim.port);
    await client.waitForLines(1);
    const ended = once(client.socket, 'close');
    await sim.close();
    await ended;
    await expect(sim.finished).resolves.toBeUndefined();
  });

  it('rejects nonsense options', async () => {
    await expect(startScannerSimulator({ ratePerSec: 0 })).rejects.toThrow();
    await expect(startScannerSimulator({ ratePerSec: 1, garbageRatio: 2 })).rejects.toThrow();
    await expect(startScannerSimulator({ ratePerSec: 1, suffix: '' })).rejects.toThrow();
  });
});
