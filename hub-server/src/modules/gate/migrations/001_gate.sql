-- The customs gate (智能卡口): lanes, registered vehicles, release notes (核放单, SAS121) with their
-- vehicles and every status transition, passages, and the lane readings it did not use. Its
-- cursor in the devices module's events is core's (core_consumer_cursors), its lease core's (core_leases).

create table gate_lanes (
  lane_id    text primary key,
  name       text not null,
  direction  text not null check (direction in ('in', 'out')),
  gate_no    smallint not null default 1 check (gate_no in (1, 2)),
  -- the edge is the devices module's; checked through its service, not a foreign key
  edge_id    text not null,
  devices    jsonb not null,
  enabled    boolean not null default true,
  updated_at timestamptz not null default now()
);

-- SAS131 车辆备案: plate, e-tag, tare.
create table gate_vehicles (
  vehicle_no        text primary key,
  vehicle_ic_no     text unique,
  vehicle_wt        numeric(14, 3) not null check (vehicle_wt > 0),
  vehicle_frame_wt  numeric(14, 3) check (vehicle_frame_wt >= 0),
  vehicle_frame_no  text,
  updated_at        timestamptz not null default now()
);

create table release_notes (
  passport_no      text primary key,
  seq_no           text,
  -- the enterprise is identity's (tenants); checked through its service, not a foreign key
  tenant_id        text not null,
  io_typecd        text not null check (io_typecd in ('I', 'E')),
  passport_typecd  text not null check (passport_typecd in ('1', '2', '3', '4', '5', '6')),
  bind_typecd      text not null check (bind_typecd in ('1', '2', '3')),
  rlt_tb_typecd    text check (rlt_tb_typecd in ('1', '2', '3')),
  rlt_nos          text[] not null default '{}',
  status           text not null check (status in ('applied', 'approved', 'passed', 'passed_gate1', 'passed_gate2', 'held', 'cancelled', 'deleted', 'rejected')),
  rmk              text,
  created_by       text not null,
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now()
);
create index release_notes_tenant on release_notes (tenant_id, created_at desc);
create index release_notes_rlt on release_notes using gin (rlt_nos);

-- One row per vehicle: one for 一车多票 / 一票一车, several for 一票多车.
create table release_note_vehicles (
  passport_no       text not null references release_notes (passport_no),
  idx               smallint not null check (idx >= 0),
  vehicle_no        text not null,
  vehicle_ic_no     text,
  vehicle_wt        numeric(14, 3) not null check (vehicle_wt > 0),
  vehicle_frame_wt  numeric(14, 3) not null default 0 check (vehicle_frame_wt >= 0),
  vehicle_frame_no  text,
  containers        jsonb not null default '[]',
  total_gross_wt    numeric(14, 3) not null check (total_gross_wt >= 0),
  total_wt          numeric(14, 3) not null,
  logistics_stucd   text not null default '0' check (logistics_stucd in ('0', '1')),
  pass_time         timestamptz,
  secd_pass_time    timestamptz,
  pass_collect_wt   numeric(14, 3),
  wt_error          numeric(14, 3),
  passage_id        text,
  primary key (passport_no, idx)
);
create index release_note_vehicles_plate on release_note_vehicles (vehicle_no);
create index release_note_vehicles_etag on release_note_vehicles (vehicle_ic_no) where vehicle_ic_no is not null;

create table release_note_transitions (
  id          bigint generated always as identity primary key,
  passport_no text not null references release_notes (passport_no),
  from_status text,
  to_status   text not null,
  at          timestamptz not null default now(),
  actor       text not null,
  reason      text,
  passage_id  text
);
create index release_note_transitions_note on release_note_transitions (passport_no, id);

-- A vehicle's way through one lane: the readings joined, every decision with its rules, officers' resolutions.
create table gate_passages (
  passage_id    text primary key,
  lane_id       text not null references gate_lanes (lane_id),
  direction     text not null,
  state         text not null check (state in ('collecting', 'released', 'held', 'inspection', 'turned_back')),
  open          boolean not null,
  vehicle_no    text,
  vehicle_ic_no text,
  passport_no   text,
  weighed_kg    numeric(14, 3),
  container_nos text[] not null default '{}',
  hold_reasons  text[] not null default '{}',
  readings      jsonb not null,
  decisions     jsonb not null default '[]',
  resolutions   jsonb not null default '[]',
  opened_at     timestamptz not null,
  decided_at    timestamptz,
  closed_at     timestamptz,
  close_reason  text,
  updated_at    timestamptz not null default now()
);
create index gate_passages_opened on gate_passages (opened_at desc);
create index gate_passages_open on gate_passages (lane_id) where open;
create index gate_passages_held on gate_passages (opened_at desc) where state = 'held';
create index gate_passages_plate on gate_passages (vehicle_no);
create index gate_passages_note on gate_passages (passport_no);
create index gate_passages_containers on gate_passages using gin (container_nos);

-- Lane readings the gate did not use, and why (stale, no open passage to join …).
create table gate_ignored_readings (
  event_id text primary key,
  lane_id  text,
  kind     text not null,
  reason   text not null,
  at       timestamptz not null default now()
);
