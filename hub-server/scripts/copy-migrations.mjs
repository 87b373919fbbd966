// tsc compiles the TypeScript only: the modules' SQL migrations are copied beside the compiled
// code, so the hub finds them the same way from src/ (tests) and dist/ (npm start).
import { cpSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'src');
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (!statSync(p).isDirectory()) continue;
    if (name === 'migrations') cpSync(p, join(root, 'dist', relative(src, p)), { recursive: true });
    else walk(p);
  }
};
walk(src);
