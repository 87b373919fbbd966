import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import type { ClientBase } from 'pg';
import type { Db } from './db.js';

/** The SQL migrations, shared by PGlite and PostgreSQL servers. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));

/**
 * node-pg-migrate drives a pg client; this adapter lets it drive either engine. A query without
 * parameters may hold several statements (a migration file), so it goes through exec.
 */
function migrationClient(db: Db): ClientBase {
  const query = async (textOrConfig: string | { text: string; values?: unknown[] }, values?: unknown[]) => {
    const text = typeof textOrConfig === 'string' ? textOrConfig : textOrConfig.text;
    const params = typeof textOrConfig === 'string' ? values : (textOrConfig.values ?? values);
    if (params && params.length > 0) return db.query(text, params);
    if (/;\s*\S/.test(text.trim().replace(/;\s*$/, ''))) {
      await db.exec(text);
      return { rows: [], rowCount: 0 };
    }
    return db.query(text);
  };
  return { query } as unknown as ClientBase;
}

/** Applies every pending migration in one transaction; a no-op when the schema is current. */
export async function migrate(db: Db, log: (msg: string) => void = () => undefined): Promise<void> {
  await runner({
    dbClient: migrationClient(db),
    dir: MIGRATIONS_DIR,
    migrationsTable: 'pgmigrations',
    direction: 'up',
    count: Infinity,
    singleTransaction: true,
    // PGlite is one connection in one process: the advisory lock guards servers only.
    noLock: db.engine === 'pglite',
    log,
  });
}
