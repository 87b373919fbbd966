import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('..', import.meta.url));
export const TMP = join(REPO, '.tmp');
const MIGRATIONS = join(REPO, 'hub-server', 'migrations');

/** A migrated PGlite data folder, keyed by the migrations' content so a new migration makes a new one. */
export function templateDir(): string {
  const h = createHash('sha256');
  for (const f of readdirSync(MIGRATIONS).sort()) h.update(f).update(readFileSync(join(MIGRATIONS, f)));
  return join(TMP, `pglite-template-${h.digest('hex').slice(0, 12)}`);
}
