import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { MIGRATION_SETS, migrate, openDb } from '../hub-server/src/index.js';
import { TMP, templateDir } from './paths.js';

/**
 * PGlite needs ~6 s for initdb; a test copies this migrated folder instead (well under a second).
 */
export default async function setup(): Promise<void> {
  const dir = templateDir();
  if (existsSync(dir)) return;
  mkdirSync(TMP, { recursive: true });
  const building = `${dir}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  const db = await openDb({ dataDir: building });
  await migrate(db, MIGRATION_SETS);
  await db.close();
  renameSync(building, dir);
}
