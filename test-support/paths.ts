import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('..', import.meta.url));
export const TMP = join(REPO, '.tmp');
const HUB_SRC = join(REPO, 'hub-server', 'src');

/** Every SQL file of the hub's modules and core (their migrations folders). */
export function migrationFiles(dir = HUB_SRC): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...migrationFiles(p));
    else if (e.name.endsWith('.sql') && dir.endsWith('migrations')) out.push(p);
  }
  return out.sort();
}

/** A migrated PGlite data folder, keyed by the migrations' content so a new migration makes a new one. */
export function templateDir(): string {
  const h = createHash('sha256');
  for (const f of migrationFiles()) h.update(relative(HUB_SRC, f)).update(readFileSync(f));
  return join(TMP, `pglite-template-${h.digest('hex').slice(0, 12)}`);
}
