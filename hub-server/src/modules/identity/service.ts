import { createHash, randomUUID } from 'node:crypto';
import { HubError, ROLES, type Role, type UserDto } from '@cjp/contracts';
import type { Db } from '../../db/db.js';
import { hashPassword, randomSecret, verifyPassword } from './passwords.js';

export type Principal = UserDto;

export interface EdgeCredential {
  edgeId: string;
  siteId: string;
}

interface UserRow {
  user_id: string;
  username: string;
  display_name: string;
  role: Role;
  tenant_id: string | null;
  password_hash: string;
  disabled: boolean;
}

const toDto = (r: UserRow): UserDto => ({ id: r.user_id, username: r.username, displayName: r.display_name, role: r.role, tenantId: r.tenant_id });
const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

/** Password every demo user gets; printed by the launcher and the README. Demo mode only. */
export const DEMO_PASSWORD = 'cjp-demo';
export const DEMO_EDGE = { edgeId: 'wh-1', siteId: 'cjp', password: 'demo-edge-wh-1', name: 'Warehouse 1 edge' } as const;
/** The demo gate's edge (weighbridges, PLC, RFID, cameras of the customs gate lanes). */
export const DEMO_GATE_EDGE = { edgeId: 'gate-1', siteId: 'cjp', password: 'demo-edge-gate-1', name: 'Customs gate edge' } as const;
export const DEMO_TENANT = { tenantId: 'ent-demo', name: '示例跨境电商企业 Demo Cross-border Trading Co.' } as const;

const DEMO_NAMES: Record<Role, string> = {
  operator: '仓库操作员 Warehouse operator',
  gate_officer: '卡口关员 Gate officer',
  dispatcher: '调度员 Dispatcher',
  manager: '经理 Manager',
  customs: '海关监管 Customs officer',
  enterprise: '企业用户 Enterprise user',
  admin: '管理员 Administrator',
};

/**
 * Users, sessions and edge credentials. Sessions are opaque tokens; only their hash is stored,
 * and a short in-memory cache spares the database a lookup per request.
 */
export class IdentityService {
  private readonly sessionCache = new Map<string, { user: Principal; expiresAt: number; checkedAt: number }>();

  constructor(
    private readonly db: Db,
    private readonly opts: { sessionTtlS: number; now?: () => Date },
  ) {}

  private now(): Date {
    return this.opts.now ? this.opts.now() : new Date();
  }

  async createUser(input: { username: string; password: string; role: Role; displayName?: string; tenantId?: string | null }): Promise<UserDto> {
    if (!ROLES.includes(input.role)) throw new HubError('HUB_ERR_VALIDATION', `unknown role "${input.role}"`);
    const tenantId = input.tenantId ?? null;
    if ((input.role === 'enterprise') !== (tenantId !== null))
      throw new HubError('HUB_ERR_VALIDATION', `role "${input.role}" ${input.role === 'enterprise' ? 'needs' : 'cannot have'} a tenant`);
    const id = `usr_${randomUUID()}`;
    const r = await this.db.query<UserRow>(
      `insert into users (user_id, username, display_name, role, tenant_id, password_hash)
       values ($1, $2, $3, $4, $5, $6) on conflict (username) do nothing returning *`,
      [id, input.username, input.displayName ?? input.username, input.role, tenantId, await hashPassword(input.password)],
    );
    if (!r.rows[0]) throw new HubError('HUB_ERR_CONFLICT', `user "${input.username}" exists already`, { username: input.username });
    return toDto(r.rows[0]);
  }

  async login(username: string, password: string): Promise<{ token: string; expiresAt: Date; user: UserDto }> {
    const r = await this.db.query<UserRow>('select * from users where username = $1', [username]);
    const row = r.rows[0];
    // Verify against a dummy hash for unknown users too, so timing does not reveal which names exist.
    const ok = await verifyPassword(password, row?.password_hash ?? DUMMY_HASH);
    if (!row || !ok || row.disabled) throw new HubError('HUB_ERR_AUTH_INVALID_CREDENTIALS', 'wrong username or password');
    const token = randomSecret(32);
    const expiresAt = new Date(this.now().getTime() + this.opts.sessionTtlS * 1000);
    await this.db.query('insert into sessions (token_hash, user_id, expires_at) values ($1, $2, $3)', [tokenHash(token), row.user_id, expiresAt]);
    return { token, expiresAt, user: toDto(row) };
  }

  async logout(token: string): Promise<void> {
    this.sessionCache.delete(tokenHash(token));
    await this.db.query('update sessions set revoked_at = now() where token_hash = $1 and revoked_at is null', [tokenHash(token)]);
  }

  /** The user behind a session token, or null when it is unknown, expired or revoked. */
  async authenticate(token: string | undefined | null): Promise<Principal | null> {
    if (!token) return null;
    const h = tokenHash(token);
    const now = this.now().getTime();
    const hit = this.sessionCache.get(h);
    // Re-check the database every 30 s so a logout on another replica takes effect soon.
    if (hit && hit.expiresAt > now && now - hit.checkedAt < 30_000) return hit.user;
    const r = await this.db.query<UserRow & { expires_at: Date }>(
      `select u.*, s.expires_at from sessions s join users u using (user_id)
       where s.token_hash = $1 and s.revoked_at is null and s.expires_at > $2 and not u.disabled`,
      [h, new Date(now)],
    );
    const row = r.rows[0];
    if (!row) {
      this.sessionCache.delete(h);
      return null;
    }
    const user = toDto(row);
    if (this.sessionCache.size > 10_000) this.sessionCache.clear();
    this.sessionCache.set(h, { user, expiresAt: new Date(row.expires_at).getTime(), checkedAt: now });
    return user;
  }

  async ensureSite(siteId: string, name: string): Promise<void> {
    await this.db.query('insert into sites (site_id, name) values ($1, $2) on conflict (site_id) do nothing', [siteId, name]);
  }

  /** Registers an edge and returns its MQTT password; only the hash is kept, so it is shown once. */
  async createEdge(input: { edgeId: string; siteId: string; name?: string; password?: string }): Promise<{ edgeId: string; siteId: string; password: string }> {
    const password = input.password ?? randomSecret(24);
    const site = await this.db.query('select 1 from sites where site_id = $1', [input.siteId]);
    if (!site.rows[0]) throw new HubError('HUB_ERR_NOT_FOUND', `site "${input.siteId}" does not exist`, { siteId: input.siteId });
    const r = await this.db.query(
      `insert into edges (edge_id, site_id, name, password_hash) values ($1, $2, $3, $4) on conflict (edge_id) do nothing returning edge_id`,
      [input.edgeId, input.siteId, input.name ?? input.edgeId, await hashPassword(password)],
    );
    if (!r.rows[0]) throw new HubError('HUB_ERR_CONFLICT', `edge "${input.edgeId}" exists already`, { edgeId: input.edgeId });
    return { edgeId: input.edgeId, siteId: input.siteId, password };
  }

  /** Checks an edge's MQTT credentials (username = edge id). */
  async verifyEdge(edgeId: string, password: string): Promise<EdgeCredential | null> {
    const r = await this.db.query<{ edge_id: string; site_id: string; password_hash: string }>(
      'select edge_id, site_id, password_hash from edges where edge_id = $1',
      [edgeId],
    );
    const row = r.rows[0];
    const ok = await verifyPassword(password, row?.password_hash ?? DUMMY_HASH);
    return row && ok ? { edgeId: row.edge_id, siteId: row.site_id } : null;
  }

  /** Demo mode: one user per role with DEMO_PASSWORD, the demo tenant and the demo edge. Idempotent. */
  async seedDemo(): Promise<void> {
    await this.ensureSite(DEMO_EDGE.siteId, '曹家堡保税物流中心 Caojiapu Bonded Logistics Center');
    await this.db.query('insert into tenants (tenant_id, name) values ($1, $2) on conflict do nothing', [DEMO_TENANT.tenantId, DEMO_TENANT.name]);
    for (const role of ROLES) {
      const exists = await this.db.query('select 1 from users where username = $1', [role]);
      if (exists.rows[0]) continue;
      await this.createUser({
        username: role,
        password: DEMO_PASSWORD,
        role,
        displayName: DEMO_NAMES[role],
        tenantId: role === 'enterprise' ? DEMO_TENANT.tenantId : null,
      });
    }
    for (const e of [DEMO_EDGE, DEMO_GATE_EDGE]) {
      const edge = await this.db.query('select 1 from edges where edge_id = $1', [e.edgeId]);
      if (!edge.rows[0]) await this.createEdge(e);
    }
  }
}

// A valid hash of a random password: verifying against it costs what a real check costs.
const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
