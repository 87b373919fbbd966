-- Up Migration
-- A command decided inside another transaction (the gate's barrier open) is stored there as
-- 'queued' and published after the commit; one left queued by a crash or a broker outage is
-- published when its edge is next online, until it expires.

alter table device_commands drop constraint device_commands_state_check;
alter table device_commands add constraint device_commands_state_check check (state in ('queued', 'sent', 'ok', 'failed', 'expired'));
create index device_commands_queued on device_commands (edge_id, issued_at) where state = 'queued';

-- Down Migration
drop index device_commands_queued;
update device_commands set state = 'expired', error = coalesce(error, 'never sent') where state = 'queued';
alter table device_commands drop constraint device_commands_state_check;
alter table device_commands add constraint device_commands_state_check check (state in ('sent', 'ok', 'failed', 'expired'));
