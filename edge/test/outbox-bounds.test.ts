import { mkdtempSync, rmSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Outbox, OutboxFullError } from '../src/outbox.js';
import type { ScanReading } from '../src/reading.js';

let dir: string;
const open: Outbox[] = [];
const scan = (code: string): ScanReading => ({ kind: 'scan', deviceId: 'scanner-1', ts: '2026-11-27T08:15:02.120Z', data: { code } });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cjp-outbox-bounds-'));
});
afterEach(() => {
  for (const o of open.splice(0)) o.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('outbox bounds', () => {
  it('counts the unacked bytes, warns at 80 %, and refuses (never drops) readings at the size bound', () => {
    const now = 1_000_000;
    const o = Outbox.open(join(dir, 'o.sqlite'), 'wh-1', { maxBytes: 2000, maxAgeS: 3600 }, () => now);
    open.push(o);
    const first = o.append(scan('A'.repeat(50)));
    const size = Buffer.byteLength(JSON.stringify(first));
    expect(o.bytes).toBe(size);
    expect(o.health()).toMatchObject({ depth: 1, bytes: size, oldestAgeS: 0, level: 'ok' });

    let stored = 1;
    for (;;) {
      try {
        o.append(scan('A'.repeat(50)));
        stored += 1;
        if (o.health().level === 'warning') break;
      } catch {
        throw new Error('refused before reaching the warning level');
      }
    }
    expect(o.bytes).toBeGreaterThanOrEqual(1600);
    let refused: unknown = null;
    while (!refused) {
      try {
        o.append(scan('A'.repeat(50)));
        stored += 1;
      } catch (err) {
        refused = err;
      }
    }
    expect(refused).toBeInstanceOf(OutboxFullError);
    expect((refused as Error).message).toMatch(/outbox full/);
    expect(o.bytes).toBeLessThanOrEqual(2000);
    // Everything accepted is still there, in order; the refused reading took no seq.
    expect(o.pending(0, 1000).map((r) => r.seq)).toEqual(Array.from({ length: stored }, (_, i) => i + 1));
    expect(o.refused).toBe(1);

    // The hub acks: room again, the count follows, and it survives a reopen.
    o.ackUpTo(stored - 2);
    expect(o.bytes).toBe(o.pending(0, 10).reduce((n, r) => n + Buffer.byteLength(r.payload), 0));
    expect(o.depth()).toBe(2);
    expect(o.health().level).toBe('ok');
    o.append(scan('B'));
    o.close();
    const again = Outbox.open(join(dir, 'o.sqlite'), 'wh-1', { maxBytes: 2000, maxAgeS: 3600 }, () => now);
    open.push(again);
    expect(again.bytes).toBe(o.bytes);
    expect(again.depth()).toBe(3);
  });

  it('raises the level with the age of the oldest unacked event', () => {
    let now = 5_000_000;
    const o = Outbox.open(join(dir, 'o.sqlite'), 'wh-1', { maxBytes: 1_000_000, maxAgeS: 100 }, () => now);
    open.push(o);
    expect(o.health()).toMatchObject({ depth: 0, oldestAgeS: null, level: 'ok' });
    o.append(scan('A'));
    now += 50_000;
    o.append(scan('B'));
    expect(o.health()).toMatchObject({ oldestAgeS: 50, level: 'ok' });
    now += 31_000;
    expect(o.health()).toMatchObject({ oldestAgeS: 81, level: 'warning' });
    now += 20_000;
    expect(o.health()).toMatchObject({ oldestAgeS: 101, level: 'full' });
    // Age alone does not refuse readings (they fit): the alarm is the point.
    expect(() => o.append(scan('C'))).not.toThrow();
    o.ackUpTo(1);
    expect(o.health()).toMatchObject({ oldestAgeS: 51, level: 'ok' });
  });

  it('keeps memory flat while the hub is away: 30 000 readings live on disk, not in the heap', () => {
    const o = Outbox.open(join(dir, 'o.sqlite'), 'wh-1');
    open.push(o);
    // A real collection before each reading, so garbage not yet collected cannot pass for growth.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const heap = () => {
      gc();
      gc();
      return process.memoryUsage().heapUsed;
    };
    for (let i = 0; i < 2000; i++) o.append(scan(`WARMUP-${i}`));
    const before = heap();
    for (let i = 0; i < 30_000; i++) o.append(scan(`0109501101530003\u001d10LOT${i}`));
    const grown = heap() - before;
    expect(o.depth()).toBe(32_000);
    // ~5 MB of envelopes went to the outbox; the heap must not hold them.
    expect(o.bytes).toBeGreaterThan(5_000_000);
    expect(grown).toBeLessThan(o.bytes / 2);
  });
});
