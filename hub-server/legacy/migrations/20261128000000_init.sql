-- Up Migration
-- Identity, edges and device events: the walking skeleton's schema.

create table sites (
  site_id    text primary key,
  name       text not null,
  timezone   text not null default 'Asia/Shanghai',
  lat        numeric(9, 6),
  lng        numeric(9, 6),
  created_at timestamptz not null default now()
);

-- Enterprises renting space in the center; an enterprise user sees only its own tenant's goods.
create table tenants (
  tenant_id  text primary key,
  name       text not null,
  created_at timestamptz not null default now()
);

create table users (
  user_id       text primary key,
  username      text not null unique,
  display_name  text not null,
  role          text not null check (role in ('operator', 'gate_officer', 'dispatcher', 'manager', 'customs', 'enterprise', 'admin')),
  tenant_id     text references tenants (tenant_id),
  password_hash text not null,
  disabled      boolean not null default false,
  created_at    timestamptz not null default now(),
  -- an enterprise user acts for exactly one tenant; center staff for none
  constraint users_tenant_role check ((role = 'enterprise') = (tenant_id is not null))
);

-- Only a hash of the token is stored, so a leaked table opens no session.
create table sessions (
  token_hash text primary key,
  user_id    text not null references users (user_id),
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  revoked_at timestamptz
);
create index sessions_user on sessions (user_id);

-- Edge agents and their MQTT credentials. acked_seq is the highest contiguous seq durably applied.
create table edges (
  edge_id       text primary key,
  site_id       text not null references sites (site_id),
  name          text not null,
  password_hash text not null,
  acked_seq     bigint not null default 0 check (acked_seq >= 0),
  online        boolean not null default false,
  last_seen_at  timestamptz,
  status        jsonb,
  created_at    timestamptz not null default now()
);

-- Every accepted device event, exactly once per (edge_id, seq). pos orders them as stored.
create table events (
  pos         bigint generated always as identity unique,
  edge_id     text not null references edges (edge_id),
  seq         bigint not null check (seq > 0),
  site_id     text not null,
  device_id   text not null,
  kind        text not null,
  ts          timestamptz not null,
  received_at timestamptz not null default now(),
  data        jsonb not null,
  primary key (edge_id, seq)
);
create index events_device on events (edge_id, device_id, pos desc);

-- Payloads that could not be applied, with the reason. Never deleted by ingest.
create table dead_letters (
  id              bigint generated always as identity primary key,
  received_at     timestamptz not null default now(),
  topic           text not null,
  edge_id         text,
  seq             bigint,
  reason          text not null,
  payload_bytes   integer not null,
  payload_preview text not null
);
-- A replayed bad event is recorded once: its seq still counts as applied for the ack.
create unique index dead_letters_edge_seq on dead_letters (edge_id, seq) where edge_id is not null and seq is not null;

-- Down Migration
drop table if exists dead_letters;
drop table if exists events;
drop table if exists edges;
drop table if exists sessions;
drop table if exists users;
drop table if exists tenants;
drop table if exists sites;
