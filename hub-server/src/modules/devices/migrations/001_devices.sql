-- Devices: edge agents (their MQTT credentials, ack watermark, last status), every accepted device
-- event exactly once, the payloads ingest could not apply, and commands to devices.

-- Edge agents and their MQTT credentials. acked_seq is the highest contiguous seq durably applied.
create table edges (
  edge_id       text primary key,
  -- the site is identity's (sites); checked through its service, not a foreign key
  site_id       text not null,
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

-- Commands the hub sent to devices through their edge, with the edge's answer.

create table device_commands (
  command_id  text primary key,
  edge_id     text not null references edges (edge_id),
  device_id   text not null,
  action      text not null,
  args        jsonb not null default '{}',
  -- queued: stored in another transaction (the gate's decision), published after its commit, or
  -- when the edge is next online; sent: published, no answer yet; ok/failed: the edge's answer;
  -- expired: too late to run
  state       text not null default 'sent' check (state in ('queued', 'sent', 'ok', 'failed', 'expired')),
  issued_at   timestamptz not null default now(),
  issued_by   text not null,
  expires_at  timestamptz not null,
  answered_at timestamptz,
  error       text,
  result      jsonb
);
create index device_commands_device on device_commands (edge_id, device_id, issued_at desc);
create index device_commands_open on device_commands (expires_at) where state = 'sent';
create index device_commands_queued on device_commands (edge_id, issued_at) where state = 'queued';
