import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DurableConsumer } from '../src/core/consumer.js';
import type { Db } from '../src/core/db.js';
import { EventLog } from '../src/core/event-log.js';
import { Lease } from '../src/core/lease.js';
import { openDb } from '../src/index.js';
import { freshPgliteDir } from '../../test-support/hub.js';

// core/ on a real PGlite: the event log, a durable consumer with its stored cursor, a named lease.

const silent = pino({ level: 'silent' });

describe('core: event log and durable consumer', () => {
  let db: Db;
  let data: { remove(): void };
  beforeAll(async () => {
    const d = freshPgliteDir();
    data = d;
    db = await openDb({ dataDir: d.dir });
    await db.exec('create table test_seen (k text primary key, n int not null)');
  });
  afterAll(async () => {
    await db.close();
    data.remove();
  });

  const append = (log: EventLog, topic: string, keys: string[]) =>
    db.transaction(async (tx) => {
      for (const k of keys) await log.append(tx, topic, { k }, k);
    });

  it('hands every event to the handler once in its transaction; a failed batch comes again; the cursor survives a restart', async () => {
    const log = new EventLog();
    const feed = log.feed<{ k: string }>('test.happened');
    let fail = true;
    const handled: string[] = [];
    const make = () =>
      new DurableConsumer(db, silent, {
        consumer: 'test-consumer',
        feed,
        batchSize: 2,
        retryMs: 20,
        pollMs: null,
        handle: async (tx, items) => {
          for (const { value } of items) {
            // idempotent on the event's key; counts how often it was applied
            await tx.query('insert into test_seen (k, n) values ($1, 1) on conflict (k) do update set n = test_seen.n + 1', [value.k]);
            if (value.k === 'c' && fail) {
              fail = false;
              throw new Error('handler failed once');
            }
            handled.push(value.k);
          }
        },
      });
    await append(log, 'test.happened', ['a', 'b', 'c', 'd', 'e']);
    await append(log, 'test.other', ['x']); // another topic: not this feed
    const c = make();
    c.start();
    await c.settled();
    await new Promise((r) => setTimeout(r, 100)); // the retry after the failure
    await c.settled();
    expect(c.lastError).toBeNull();
    const seen = (await db.query<{ k: string; n: number }>('select k, n from test_seen order by k')).rows;
    // each applied exactly once in the database (the failed batch rolled back with its cursor move)
    expect(seen).toEqual(['a', 'b', 'c', 'd', 'e'].map((k) => ({ k, n: 1 })));
    // the handler saw c's batch twice (at least once), its effects counted once
    expect(handled.filter((k) => k === 'd')).toHaveLength(1);
    await c.stop();

    // a new consumer (a restarted hub) starts where the stored cursor stands: only what is new
    await append(log, 'test.happened', ['f']);
    const again = make();
    handled.length = 0;
    again.start();
    await again.settled();
    expect(handled).toEqual(['f']);
    expect(await again.position()).toBe((await feed.head(db)));
    await again.stop();
  });

  it('a consumer that starts at the present skips what was there before it', async () => {
    const log = new EventLog();
    await append(log, 'test.late', ['old']);
    const got: string[] = [];
    const c = new DurableConsumer(db, silent, { consumer: 'late', feed: log.feed<{ k: string }>('test.late'), startAt: 'present', pollMs: null, handle: async (_tx, items) => void got.push(...items.map((i) => i.value.k)) });
    c.start();
    await c.settled();
    await append(log, 'test.late', ['new']);
    log.committed('test.late');
    await c.settled();
    expect(got).toEqual(['new']);
    await c.stop();
  });

  it('a named lease has one holder until it expires or is released', async () => {
    const a = new Lease(db, 'test.job');
    const b = new Lease(db, 'test.job');
    const other = new Lease(db, 'test.other-job');
    expect(await a.acquire(60_000)).toBe(true);
    expect(await b.acquire(60_000)).toBe(false);
    expect(await other.acquire(60_000)).toBe(true);
    expect(await db.transaction((tx) => a.stillHeld(tx))).toBe(true);
    await a.release();
    expect(await db.transaction((tx) => a.stillHeld(tx))).toBe(false);
    expect(await b.acquire(60_000)).toBe(true);
    expect((await b.current())?.holder).toBe(b.holder);
  });
});
