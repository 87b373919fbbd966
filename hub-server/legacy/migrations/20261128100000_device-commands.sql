-- Up Migration
-- Commands the hub sent to devices through their edge, with the edge's answer.

create table device_commands (
  command_id  text primary key,
  edge_id     text not null references edges (edge_id),
  device_id   text not null,
  action      text not null,
  args        jsonb not null default '{}',
  -- sent: published, no answer yet; ok/failed: the edge's answer; expired: too late to run
  state       text not null default 'sent' check (state in ('sent', 'ok', 'failed', 'expired')),
  issued_at   timestamptz not null default now(),
  issued_by   text not null,
  expires_at  timestamptz not null,
  answered_at timestamptz,
  error       text,
  result      jsonb
);
create index device_commands_device on device_commands (edge_id, device_id, issued_at desc);
create index device_commands_open on device_commands (expires_at) where state = 'sent';

-- Down Migration
drop table device_commands;
