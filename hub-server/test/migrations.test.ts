import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import type { ClientBase } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATION_SETS, migrate, openDb, type Db } from '../src/index.js';
import { freshPgliteDir } from '../../test-support/hub.js';

// A database made by the hub before modules had migrations of their own: the frozen legacy files,
// run by node-pg-migrate exactly as the old db/migrate.ts did, with a row in every table.
const LEGACY_DIR = fileURLToPath(new URL('../legacy/migrations', import.meta.url));

function legacyClient(db: Db): ClientBase {
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

async function legacyMigrate(db: Db, count = Infinity): Promise<void> {
  await runner({ dbClient: legacyClient(db), dir: LEGACY_DIR, migrationsTable: 'pgmigrations', direction: 'up', count, singleTransaction: true, noLock: true, log: () => undefined });
}

/** One row in each table of the old schema, as the old code wrote them. */
async function seedLegacy(db: Db): Promise<void> {
  await db.exec(`
    insert into sites (site_id, name) values ('cjp', 'Caojiapu');
    insert into tenants (tenant_id, name) values ('ent-1', 'Enterprise 1');
    insert into users (user_id, username, display_name, role, tenant_id, password_hash) values ('u1', 'ent', 'Ent', 'enterprise', 'ent-1', 'x');
    insert into sessions (token_hash, user_id, expires_at) values ('h1', 'u1', now() + interval '1 hour');
    insert into edges (edge_id, site_id, name, password_hash, acked_seq) values ('gate-1', 'cjp', 'Gate', 'x', 3);
    insert into events (edge_id, seq, site_id, device_id, kind, ts, data) values
      ('gate-1', 1, 'cjp', 'cam-1', 'plate', now(), '{"plate":"青A12345"}'),
      ('gate-1', 2, 'cjp', 'wb-1', 'weight', now(), '{"grossKg":"31000"}'),
      ('gate-1', 3, 'cjp', 'wb-1', 'weight', now(), '{"grossKg":"0"}');
    insert into dead_letters (topic, edge_id, seq, reason, payload_bytes, payload_preview) values ('t', 'gate-1', 4, 'bad', 1, 'x');
    insert into device_commands (command_id, edge_id, device_id, action, issued_by, expires_at, state) values ('c1', 'gate-1', 'barrier-1', 'open', 'gate', now(), 'queued');
    insert into gate_lanes (lane_id, name, direction, edge_id, devices) values ('in-1', 'In 1', 'in', 'gate-1', '{}');
    insert into gate_vehicles (vehicle_no, vehicle_wt) values ('青A12345', 15000);
    insert into release_notes (passport_no, tenant_id, io_typecd, passport_typecd, bind_typecd, status, created_by) values ('HF1', 'ent-1', 'I', '1', '1', 'approved', 'ent');
    insert into release_note_vehicles (passport_no, idx, vehicle_no, vehicle_wt, total_gross_wt, total_wt) values ('HF1', 0, '青A12345', 15000, 16000, 31000);
    insert into release_note_transitions (passport_no, to_status, actor) values ('HF1', 'approved', 'customs');
    insert into gate_passages (passage_id, lane_id, direction, state, open, readings, opened_at) values ('p1', 'in-1', 'in', 'released', false, '{}', now());
    insert into gate_ignored_readings (event_id, lane_id, kind, reason) values ('gate-1:3', 'in-1', 'weight', 'no passage');
    update gate_cursor set pos = 2;
    insert into gate_lease (id, holder, expires_at) values (1, 'old-hub', now() + interval '10 seconds');
  `);
}

const TABLES = [
  'sites', 'tenants', 'users', 'sessions', 'edges', 'events', 'dead_letters', 'device_commands',
  'gate_lanes', 'gate_vehicles', 'release_notes', 'release_note_vehicles', 'release_note_transitions', 'gate_passages', 'gate_ignored_readings',
];

async function counts(db: Db): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of TABLES) out[t] = (await db.query<{ n: number }>(`select count(*)::int as n from ${t}`)).rows[0]!.n;
  return out;
}

/** The schema as the catalogue sees it: columns, constraints, indexes (names and definitions). */
async function schema(db: Db): Promise<string[]> {
  const cols = await db.query<{ x: string }>(
    `select table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') || ' ' || is_identity as x
     from information_schema.columns where table_schema = 'public' order by 1`,
  );
  const cons = await db.query<{ x: string }>(
    `select conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) as x from pg_constraint where connamespace = 'public'::regnamespace order by 1`,
  );
  const idx = await db.query<{ x: string }>(`select indexdef as x from pg_indexes where schemaname = 'public' order by 1`);
  return [...cols.rows, ...cons.rows, ...idx.rows].map((r) => r.x);
}

describe('migrations: modules own theirs; a database of the old layout migrates forward', () => {
  let fresh: Db;
  let freshDir: { remove(): void };
  beforeAll(async () => {
    const d = freshPgliteDir();
    freshDir = d;
    fresh = await openDb({ dataDir: d.dir });
  });
  afterAll(async () => {
    await fresh.close();
    freshDir.remove();
  });

  it('records each migration under its module, and a second run applies nothing', async () => {
    const r = await fresh.query<{ module: string; name: string }>('select module, name from core_migrations order by module, name');
    expect(r.rows.map((x) => `${x.module}/${x.name}`)).toEqual(['core/001_core.sql', 'devices/001_devices.sql', 'gate/001_gate.sql', 'identity/001_identity.sql']);
    expect(await migrate(fresh, MIGRATION_SETS)).toEqual([]);
  });

  it('moves a database made by the old runner forward without losing a row, to the same schema as a fresh one', async () => {
    const db = await openDb({ dataDir: 'memory://' });
    try {
      await legacyMigrate(db);
      await seedLegacy(db);
      const before = await counts(db);
      const log: string[] = [];
      await migrate(db, MIGRATION_SETS, (m) => log.push(m));
      expect(log).toContain('legacy schema adopted into the module layout');
      expect(await counts(db)).toEqual(before);
      // the gate goes on reading the device events where it stood, now from its cursor in the devices feed
      const cur = await db.query<{ pos: number }>(`select pos from core_consumer_cursors where consumer = 'gate' and feed = 'devices.events'`);
      expect(cur.rows[0]?.pos).toBe(2);
      expect((await db.query(`select to_regclass('gate_cursor') as t`)).rows[0]).toEqual({ t: null });
      expect((await db.query(`select to_regclass('pgmigrations') as t`)).rows[0]).toEqual({ t: null });
      expect(await schema(db)).toEqual(await schema(fresh));
      expect(await migrate(db, MIGRATION_SETS)).toEqual([]);
    } finally {
      await db.close();
    }
  });

  it('brings a database from an earlier legacy step (before the gate) forward too', async () => {
    const db = await openDb({ dataDir: 'memory://' });
    try {
      await legacyMigrate(db, 2);
      await db.exec(`insert into sites (site_id, name) values ('cjp', 'Caojiapu'); insert into edges (edge_id, site_id, name, password_hash) values ('wh-1', 'cjp', 'WH', 'x');`);
      await migrate(db, MIGRATION_SETS);
      expect(await schema(db)).toEqual(await schema(fresh));
      expect((await db.query<{ n: number }>('select count(*)::int as n from edges')).rows[0]!.n).toBe(1);
    } finally {
      await db.close();
    }
  });
});
