-- Identity: the organisation (sites, enterprise tenants), users with their roles, sessions.
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
