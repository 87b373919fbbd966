import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkEnvelope } from '@cjp/contracts';
import { Outbox } from '../src/outbox.js';
import type { ScanReading } from '../src/reading.js';

let dir: string;
let file: string;
const open: Outbox[] = [];
const openOutbox = (edgeId = 'wh-1') => {
  const o = Outbox.open(file, edgeId);
  open.push(o);
  return o;
};
const scan = (code: string): ScanReading => ({ kind: 'scan', deviceId: 'scanner-1', ts: '2026-11-27T08:15:02.120Z', data: { code } });
const seqs = (o: Outbox) => o.pending(0, 1_000_000).map((r) => r.seq);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cjp-outbox-'));
  file = join(dir, 'nested', 'outbox.sqlite');
});
afterEach(() => {
  for (const o of open.splice(0)) o.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('outbox', () => {
  it('stores full, valid envelopes with seq 1, 2, 3… that keep increasing across close and reopen', () => {
    const a = openOutbox();
    const e1 = a.append(scan('A'));
    const e2 = a.append({ ...scan('B'), data: { code: 'B\u001d10LOT', aim: ']C1' } });
    expect([e1.seq, e2.seq]).toEqual([1, 2]);
    expect(e2).toMatchObject({ v: 1, edgeId: 'wh-1', seq: 2, id: 'wh-1:2', deviceId: 'scanner-1', kind: 'scan' });
    a.close();

    const b = openOutbox();
    expect(b.append(scan('C')).seq).toBe(3);
    const rows = b.pending(0, 10);
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(rows.map((r) => checkEnvelope(JSON.parse(r.payload)).ok)).toEqual([true, true, true]);
    expect(JSON.parse(rows[1]!.payload)).toEqual(e2);
    expect(b.lastSeq).toBe(3);
  });

  it('pages pending rows in seq order after a given seq', () => {
    const o = openOutbox();
    for (let i = 0; i < 10; i++) o.append(scan(`C${i}`));
    expect(o.pending(3, 4).map((r) => r.seq)).toEqual([4, 5, 6, 7]);
    expect(o.pending(9, 4).map((r) => r.seq)).toEqual([10]);
    expect(o.pending(10, 4)).toEqual([]);
  });

  it('ackUpTo trims acked rows, ignores stale acks, and the watermark survives reopen', () => {
    const o = openOutbox();
    for (let i = 0; i < 5; i++) o.append(scan(`C${i}`));
    expect(o.ackUpTo(3)).toBe(3);
    expect(seqs(o)).toEqual([4, 5]);
    expect(o.depth()).toBe(2);
    expect(o.ackUpTo(2)).toBe(0);
    expect(o.depth()).toBe(2);
    o.close();
    const again = openOutbox();
    expect(again.ackedSeq).toBe(3);
    expect(seqs(again)).toEqual([4, 5]);
  });

  it('never reuses a seq, even after every row was trimmed and the file reopened', () => {
    const o = openOutbox();
    for (let i = 0; i < 4; i++) o.append(scan(`C${i}`));
    o.ackUpTo(4);
    expect(o.depth()).toBe(0);
    o.close();
    const again = openOutbox();
    expect(again.append(scan('next')).seq).toBe(5);
  });

  it('adopts the hub watermark when a fresh outbox would reuse seqs the hub already applied', () => {
    const o = openOutbox();
    o.append(scan('new-1'));
    o.append(scan('new-2'));
    // The hub's retained ack says it applied up to 100: this outbox was lost and replaced.
    expect(o.adoptHubWatermark(100)).toEqual({ adopted: true, renumbered: 2, dropped: 0 });
    const rows = o.pending(0, 10);
    expect(rows.map((r) => r.seq)).toEqual([101, 102]);
    expect(rows.map((r) => JSON.parse(r.payload))).toMatchObject([
      { seq: 101, id: 'wh-1:101', data: { code: 'new-1' } },
      { seq: 102, id: 'wh-1:102', data: { code: 'new-2' } },
    ]);
    expect(o.append(scan('new-3')).seq).toBe(103);
    // our numbering is ahead now: nothing to adopt
    expect(o.adoptHubWatermark(50)).toEqual({ adopted: false });
    o.close();
    expect(openOutbox().append(scan('after-reopen')).seq).toBe(104);
  });

  it('a hub watermark past our numbering on an outbox that had acks drops the rows the hub already has', () => {
    const o = openOutbox();
    for (let i = 0; i < 3; i++) o.append(scan(`C${i}`));
    o.ackUpTo(1);
    // e.g. restored from an old copy: seqs 2 and 3 were applied long ago
    expect(o.ackUpTo(500)).toBe(2);
    expect(o.depth()).toBe(0);
    expect(o.append(scan('next')).seq).toBe(501);
  });

  it('refuses a file that belongs to another edge, or that another process holds', () => {
    openOutbox('wh-1').close();
    expect(() => Outbox.open(file, 'gate-east')).toThrow('belongs to edge "wh-1"');
    openOutbox('wh-1');
    expect(() => Outbox.open(file, 'wh-1')).toThrow('in use by another process');
  });

  it('keeps every committed row when the writing process is killed with SIGKILL', async () => {
    const script = fileURLToPath(new URL('./fixtures/outbox-writer.ts', import.meta.url));
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', script, file, 'wh-1'], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const committed = new Set<number>();
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      let partial = '';
      child.stdout.on('data', (c: Buffer) => {
        const lines = (partial + c.toString()).split('\n');
        partial = lines.pop() ?? '';
        for (const l of lines) if (l.startsWith('committed ')) committed.add(Number(l.slice(10)));
        // kill mid-stream, while it is still writing
        if (committed.size >= 2000 && child.exitCode === null && !child.killed) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', () => reject(new Error(`writer exited early: ${stderr}`)));
    });
    expect(await exited).toBe('SIGKILL');

    const after = openOutbox();
    const stored = new Set(seqs(after));
    const missing = [...committed].filter((s) => !stored.has(s));
    expect(missing).toEqual([]);
    expect(after.lastSeq).toBeGreaterThanOrEqual(Math.max(...committed));
    // numbering continues after the last committed row
    expect(after.append(scan('after-crash')).seq).toBe(Math.max(...stored) + 1);
  });
});
