-- A database migrated by the hub before modules had migrations of their own (one folder, run by
-- node-pg-migrate, recorded in pgmigrations) is brought to the schema the module baselines
-- create. Runs once, in the migration transaction, after core's own migrations. This is the one
-- place where core touches modules' tables: a one-time move, not a way of working.

-- The gate's cursor over the events table becomes its cursor in the devices feed.
insert into core_consumer_cursors (consumer, feed, pos)
  select 'gate', 'devices.events', pos from gate_cursor where id = 1
  on conflict (consumer, feed) do nothing;
drop table gate_cursor;
-- The gate's lease becomes a named lease; a holder takes it again on its next renewal.
drop table gate_lease;
-- Foreign keys across modules go: each module checks the others' keys through their services.
alter table edges drop constraint if exists edges_site_id_fkey;
alter table gate_lanes drop constraint if exists gate_lanes_edge_id_fkey;
alter table release_notes drop constraint if exists release_notes_tenant_id_fkey;
-- core_migrations records what ran from now on.
drop table pgmigrations;
