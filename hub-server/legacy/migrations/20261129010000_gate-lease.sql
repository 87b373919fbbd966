-- Up Migration
-- One hub replica runs the gate at a time (it keeps each lane's open passages in memory): it holds
-- this lease, renews it, and checks it in every step's transaction. Another replica takes over
-- once the lease has expired, after reloading the open passages from the database.

create table gate_lease (
  id         int primary key check (id = 1),
  holder     text not null,
  expires_at timestamptz not null
);

-- Down Migration
drop table gate_lease;
