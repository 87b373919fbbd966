import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite, types as pgliteTypes } from '@electric-sql/pglite';
import pg from 'pg';

export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

/** What repositories need: parameterised queries. Both engines speak the same SQL. */
export interface Sql {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<QueryResult<R>>;
}

/** A transaction: queries, and scripts of several statements (migrations). */
export interface Tx extends Sql {
  exec(script: string): Promise<void>;
}

export interface Db extends Sql {
  readonly engine: 'pglite' | 'postgres';
  /** Runs fn in one transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Runs a script of several statements (migrations). */
  exec(script: string): Promise<void>;
  close(): Promise<void>;
}

// int8 (seq, ids) as number: the schemas bound them to safe integers. numeric stays a string so
// money and weights remain exact decimals.
const INT8 = 20;
const NUMERIC = 1700;
pg.types.setTypeParser(INT8, (v) => Number(v));
pg.types.setTypeParser(NUMERIC, (v) => v);

/**
 * PGlite has no lock of its own: two processes on one data folder would corrupt it. A pid file
 * refuses the second one; a file left by a dead process (kill -9) is taken over.
 */
function lockDataDir(dir: string): () => void {
  const file = join(dir, 'cjp-hub.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(file, 'utf8'));
      if (pid && isAlive(pid))
        throw new Error(`the database folder ${dir} is in use by process ${pid}; stop it, or set HUB_DATA_DIR to another folder`);
      rmSync(file, { force: true });
    }
  }
  throw new Error(`cannot lock the database folder ${dir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

class PgliteDb implements Db {
  readonly engine = 'pglite' as const;
  constructor(
    private readonly pgl: PGlite,
    private readonly unlock: () => void = () => undefined,
  ) {}
  async query<R>(text: string, params?: unknown[]): Promise<QueryResult<R>> {
    const r = await this.pgl.query<R>(text, params as unknown[] | undefined);
    return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
  }
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.pgl.transaction(async (tx) =>
      fn({
        query: async <R>(text: string, params?: unknown[]) => {
          const r = await tx.query<R>(text, params as unknown[] | undefined);
          return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
        },
        exec: async (script: string) => void (await tx.exec(script)),
      }),
    );
  }
  async exec(script: string): Promise<void> {
    await this.pgl.exec(script);
  }
  async close(): Promise<void> {
    if (!this.pgl.closed) await this.pgl.close();
    this.unlock();
  }
}

class PostgresDb implements Db {
  readonly engine = 'postgres' as const;
  constructor(private readonly pool: pg.Pool) {}
  async query<R>(text: string, params?: unknown[]): Promise<QueryResult<R>> {
    const r = await this.pool.query(text, params);
    return { rows: r.rows as R[], rowCount: r.rowCount ?? r.rows.length };
  }
  async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('begin');
      const out = await fn({
        query: async <R>(text: string, params?: unknown[]) => {
          const r = await client.query(text, params);
          return { rows: r.rows as R[], rowCount: r.rowCount ?? r.rows.length };
        },
        exec: async (script: string) => void (await client.query(script)),
      });
      await client.query('commit');
      return out;
    } catch (e) {
      await client.query('rollback').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }
  async exec(script: string): Promise<void> {
    await this.pool.query(script);
  }
  async close(): Promise<void> {
    await this.pool.end();
  }
}

export interface OpenDbOptions {
  /** postgres://… ; when unset, PGlite */
  url?: string | undefined;
  /** PGlite data folder, or "memory://" */
  dataDir: string;
  poolSize?: number;
}

/** Opens PostgreSQL: a server when a URL is given, otherwise embedded PGlite. */
export async function openDb(opts: OpenDbOptions): Promise<Db> {
  if (opts.url) {
    const pool = new pg.Pool({ connectionString: opts.url, max: opts.poolSize ?? 10 });
    pool.on('error', () => undefined); // idle-client errors surface on the next query
    await pool.query('select 1');
    return new PostgresDb(pool);
  }
  const inMemory = opts.dataDir.startsWith('memory://');
  if (!inMemory) mkdirSync(opts.dataDir, { recursive: true });
  const unlock = inMemory ? () => undefined : lockDataDir(opts.dataDir);
  try {
    const pgl = new PGlite(opts.dataDir, {
      parsers: { [INT8]: (v: string) => Number(v), [NUMERIC]: (v: string) => v },
    });
    await pgl.waitReady;
    return new PgliteDb(pgl, unlock);
  } catch (e) {
    unlock();
    throw e;
  }
}

export { pgliteTypes };
