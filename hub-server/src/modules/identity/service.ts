import { createHash, randomUUID } from 'node:crypto';
import { HubError, ROLES, type Role, type UserDto } from '@cjp/contracts';
import type { Principal } from '../../api/http.js';
import type { Clock } from '../../core/clock.js';
import type { Db } from '../../core/db.js';
import { DUMMY_HASH, hashPassword, randomSecret, verifyPassword } from '../../core/secrets.js';

export type { Principal };

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
/** The center's own site, where the demo edges stand. */
export const DEMO_SITE = { siteId: 'cjp', name: '曹家堡保税物流中心 Caojiapu Bonded Logistics Center' } as const;
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
 * The organisation (sites, enterprise tenants), users and sessions. Sessions are opaque tokens;
 * only their hash is stored, and a short in-memory cache spares the database a lookup per request.
 */
export class IdentityService {
  private readonly sessionCache = new Map<string, { user: Principal; expiresAt: number; checkedAt: number }>();

  constructor(
    private readonly db: Db,
    private readonly opts: { sessionTtlS: number; clock: Clock },
  ) {}

  private now(): Date {
    return this.opts.clock.now();
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

  async siteExists(siteId: string): Promise<boolean> {
    return (await this.db.query('select 1 from sites where site_id = $1', [siteId])).rows.length === 1;
  }

  /** Is there such an enterprise? (Other modules check tenant ids here, not in the table.) */
  async tenantExists(tenantId: string): Promise<boolean> {
    return (await this.db.query('select 1 from tenants where tenant_id = $1', [tenantId])).rows.length === 1;
  }

  async ensureTenant(tenantId: string, name: string): Promise<void> {
    await this.db.query('insert into tenants (tenant_id, name) values ($1, $2) on conflict do nothing', [tenantId, name]);
  }

  /** Demo mode: the center's site, the demo tenant, one user per role with DEMO_PASSWORD. Idempotent. */
  async seedDemo(): Promise<void> {
    await this.ensureSite(DEMO_SITE.siteId, DEMO_SITE.name);
    await this.ensureTenant(DEMO_TENANT.tenantId, DEMO_TENANT.name);
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
  }
}
