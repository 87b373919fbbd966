import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HUB_MODULES } from '../src/index.js';

// Each table belongs to one module (the one whose migrations create it); a module's SQL, in its
// code and its migrations, names only its own tables. Everything else goes through the owner's
// service or its feeds. core/ owns the tables every module uses through core's API.

const SRC = fileURLToPath(new URL('../src', import.meta.url));
const CORE = join(SRC, 'core');

const files = (dir: string, ext: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p, ext) : p.endsWith(ext) ? [p] : [];
  });

const created = (dir: string) => files(dir, '.sql').flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/create table (?:if not exists )?([a-z_][a-z0-9_]*)/gi)].map((m) => m[1]!.toLowerCase()));

/** The string literals of a TypeScript file that look like SQL. */
function sqlLiterals(code: string): string[] {
  const lits = [...code.matchAll(/`(?:[^`\\]|\\.)*`|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"/g)].map((m) => m[0]);
  return lits.filter((s) => /\b(select|insert|update|delete|create|alter|drop)\b/i.test(s));
}

/** Table names an SQL text refers to (from, join, into, update, table, references …). */
export function tablesIn(sql: string): string[] {
  const text = sql.replace(/--[^\n]*/g, '');
  return [...text.matchAll(/\b(?:from|join|into|update|table|references|exists)\s+(?:only\s+|if\s+(?:not\s+)?exists\s+)?([a-z_][a-z0-9_]*)\b(?!\()/gi)].map((m) => m[1]!.toLowerCase());
}

interface Owner {
  name: string;
  dir: string;
  tables: Set<string>;
}

const owners: Owner[] = [
  // core_migrations is the runner's own; pgmigrations is read once, to adopt a legacy database
  { name: 'core', dir: CORE, tables: new Set([...created(join(CORE, 'migrations')), 'core_migrations', 'pgmigrations']) },
  ...HUB_MODULES.map((m) => ({ name: m.name, dir: dirname(m.migrations), tables: new Set(created(m.migrations)) })),
];
const ownerOf = new Map(owners.flatMap((o) => [...o.tables].map((t) => [t, o.name] as const)));

/** Every (file, table) where code of one owner names a table of another. */
function violations(): string[] {
  const out: string[] = [];
  const check = (owner: string, file: string, sqls: string[]) => {
    for (const sql of sqls)
      for (const t of tablesIn(sql)) {
        const o = ownerOf.get(t);
        if (o && o !== owner) out.push(`${relative(SRC, file)}: ${owner} names ${t}, a table of ${o}`);
      }
  };
  for (const o of owners) {
    for (const f of files(o.dir, '.ts')) check(o.name, f, sqlLiterals(readFileSync(f, 'utf8')));
    for (const f of files(o.dir, '.sql')) check(o.name, f, [readFileSync(f, 'utf8')]);
  }
  // the house around the modules (HTTP, realtime, broker, hub.ts) names no table at all
  const outside = files(SRC, '.ts').filter((f) => !owners.some((o) => f.startsWith(o.dir + '/')));
  for (const f of outside) for (const sql of sqlLiterals(readFileSync(f, 'utf8'))) for (const t of tablesIn(sql)) if (ownerOf.has(t)) out.push(`${relative(SRC, f)}: names ${t} outside any module`);
  return out;
}

describe('table ownership', () => {
  it('every table has exactly one owner', () => {
    const all = owners.flatMap((o) => [...o.tables]);
    expect(all.filter((t, i) => all.indexOf(t) !== i)).toEqual([]);
    expect(ownerOf.get('events')).toBe('devices');
    expect(ownerOf.get('gate_passages')).toBe('gate');
    expect(ownerOf.get('users')).toBe('identity');
    expect(ownerOf.get('core_consumer_cursors')).toBe('core');
  });

  it('finds a foreign table in SQL (the check itself can fail)', () => {
    expect(tablesIn(`select pos, data from events e join edges using (edge_id) where pos > $1`)).toEqual(['events', 'edges']);
    expect(tablesIn(`insert into gate_passages (a) select * from unnest($1::text[])`)).toEqual(['gate_passages']);
    expect(tablesIn(`alter table release_notes add constraint x foreign key (tenant_id) references tenants (tenant_id)`)).toEqual(['release_notes', 'tenants']);
    expect(sqlLiterals("const a = 'select 1 from tenants where tenant_id = $1'; const b = 'from here on';")).toEqual(["'select 1 from tenants where tenant_id = $1'"]);
  });

  it('no module reads or writes a table it does not own', () => {
    expect(violations()).toEqual([]);
  });

  it('every module has the same rooms', () => {
    for (const m of HUB_MODULES) {
      const dir = dirname(m.migrations);
      for (const room of ['index.ts', 'service.ts', 'routes.ts', 'README.md', 'migrations'])
        expect(existsSync(join(dir, room)), `${m.name}/${room}`).toBe(true);
    }
  });
});
