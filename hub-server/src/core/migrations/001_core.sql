-- What every module uses, owned by core: consumers' cursors in other modules' feeds, named leases
-- (one replica runs job X), and the log of module events. (core_migrations is the runner's own.)

-- How far each consumer has read each feed; moved in the same transaction as what it did with the items.
create table core_consumer_cursors (
  consumer   text not null,
  feed       text not null,
  pos        bigint not null check (pos >= 0),
  updated_at timestamptz not null default now(),
  primary key (consumer, feed)
);

-- "Job X runs on one replica": the holder renews; another takes over after expires_at.
create table core_leases (
  name       text primary key,
  holder     text not null,
  expires_at timestamptz not null
);

-- Module events (gate.notePassed …), appended in the transaction that caused them; pos orders them.
create table core_events (
  pos     bigint generated always as identity primary key,
  topic   text not null,
  key     text,
  payload jsonb not null,
  at      timestamptz not null default now()
);
create index core_events_topic on core_events (topic, pos);
