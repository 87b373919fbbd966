import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { openDb } from '../hub-server/src/db/db.js';
import { migrate } from '../hub-server/src/db/migrate.js';
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
  await migrate(db);
  await db.close();
  renameSync(building, dir);
}
