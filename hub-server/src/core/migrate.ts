import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db, Tx } from './db.js';

/** One module's migrations: a folder of .sql files applied in file-name order. */
export interface MigrationSet {
  module: string;
  dir: string;
}

/** core's own tables (cursors, leases, the event log). */
export const CORE_MIGRATIONS: MigrationSet = { module: 'core', dir: fileURLToPath(new URL('./migrations', import.meta.url)) };

/**
 * Before modules had migrations of their own, one folder held them all (node-pg-migrate,
 * table pgmigrations). Those files are kept, frozen, so a database at any of their steps is
 * brought forward; then adopt.sql turns that schema into the one the baselines below create.
 */
const LEGACY = fileURLToPath(new URL('../../legacy', import.meta.url));
const LEGACY_DIR = join(LEGACY, 'migrations');
const LEGACY_BASELINES: Record<string, string> = { identity: '001_identity.sql', devices: '001_devices.sql', gate: '001_gate.sql' };

const sqlFiles = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort();

/** node-pg-migrate's files keep their down part after this marker. */
const upPart = (text: string) => text.split('-- Down Migration')[0]!;

/**
 * Applies every pending migration, core's first, then each module's in the order given, in one
 * transaction (on a PostgreSQL server also under an advisory lock, for replicas starting together).
 * Records each as (module, file) in core_migrations. A no-op when the schema is current.
 */
export async function migrate(db: Db, sets: readonly MigrationSet[], log: (msg: string) => void = () => undefined): Promise<string[]> {
  const done: string[] = [];
  await db.transaction(async (tx) => {
    if (db.engine === 'postgres') await tx.query('select pg_advisory_xact_lock(7462093)');
    await tx.exec(`create table if not exists core_migrations (
      module     text not null,
      name       text not null,
      applied_at timestamptz not null default now(),
      primary key (module, name)
    )`);
    const applied = new Set((await tx.query<{ module: string; name: string }>('select module, name from core_migrations')).rows.map((r) => `${r.module}/${r.name}`));
    const legacy = applied.size === 0 && (await tx.query<{ present: boolean }>(`select to_regclass('pgmigrations') is not null as present`)).rows[0]!.present;
    if (legacy) await completeLegacy(tx, log);
    const record = (module: string, name: string) => tx.query('insert into core_migrations (module, name) values ($1, $2)', [module, name]);
    for (const set of [CORE_MIGRATIONS, ...sets.filter((s) => s.module !== 'core')]) {
      for (const file of sqlFiles(set.dir)) {
        if (applied.has(`${set.module}/${file}`)) continue;
        if (legacy && LEGACY_BASELINES[set.module] === file) {
          // the legacy migrations created this already; adopt.sql has made it the same
          await record(set.module, file);
          log(`${set.module}/${file}: adopted from the legacy migrations`);
          continue;
        }
        await tx.exec(readFileSync(join(set.dir, file), 'utf8'));
        await record(set.module, file);
        done.push(`${set.module}/${file}`);
        log(`${set.module}/${file}: applied`);
      }
      if (legacy && set.module === 'core') {
        await tx.exec(readFileSync(join(LEGACY, 'adopt.sql'), 'utf8'));
        log('legacy schema adopted into the module layout');
      }
    }
  });
  return done;
}

/** Runs the legacy migrations a database has not had yet (it may be from any of their steps). */
async function completeLegacy(tx: Tx, log: (msg: string) => void): Promise<void> {
  const ran = new Set((await tx.query<{ name: string }>('select name from pgmigrations')).rows.map((r) => r.name));
  for (const file of sqlFiles(LEGACY_DIR)) {
    const name = file.replace(/\.sql$/, '');
    if (ran.has(name)) continue;
    await tx.exec(upPart(readFileSync(join(LEGACY_DIR, file), 'utf8')));
    log(`legacy ${name}: applied`);
  }
}
