/**
 * Who is signed in. The token lives in sessionStorage (one browser tab = one session); the hub
 * also sets an httpOnly cookie on login, which the UI does not rely on.
 */
import { reactive } from 'vue';
import type { LoginRequest, LoginResponse, UserDto } from '@cjp/contracts';
import { can, type Permission } from '@cjp/contracts/permissions';
import { ApiError, getToken, onUnauthorized, request, setToken } from './api';
import { clearNotices, showError } from './notices';

const authApi = {
  login: (body: LoginRequest) => request<LoginResponse>('/api/v1/auth/login', { method: 'POST', body, anonymous: true }),
  logout: () => request<void>('/api/v1/auth/logout', { method: 'POST' }),
  me: () => request<UserDto>('/api/v1/me'),
};

export const session = reactive({
  user: null as UserDto | null,
  /** false until the stored token was checked */
  ready: false,
  /** an i18n key shown on the login page, e.g. after the session expired */
  notice: null as string | null,
});

let markReady: () => void = () => {};
const ready = new Promise<void>((resolve) => {
  markReady = resolve;
});

/** Resolves once the stored token was checked (the router's guard waits for it). */
export function whenReady(): Promise<void> {
  return ready;
}

/** May the signed-in user do it? The one check behind routes, menus and buttons. */
export function userCan(permission: Permission): boolean {
  return can(session.user?.role, permission);
}

/** The session is gone (401 or a refused socket): back to the login page. */
export function expire(): void {
  if (!session.user) return;
  setToken(null);
  session.user = null;
  clearNotices();
  session.notice = 'errors.sessionExpired';
}

onUnauthorized(expire);

/** Resolves while the session holds (asked when the hub closed a feed); a 401 signs out on the way. */
export async function checkSession(): Promise<void> {
  await authApi.me();
}

export async function restore(): Promise<void> {
  try {
    if (!getToken()) return;
    session.user = await authApi.me();
  } catch (err) {
    setToken(null);
    session.user = null;
    if (!(err instanceof ApiError && err.status === 401)) showError(err);
  } finally {
    session.ready = true;
    markReady();
  }
}

/** Throws the ApiError to show on the login form. */
export async function login(username: string, password: string): Promise<void> {
  const res = await authApi.login({ username, password });
  setToken(res.token);
  session.notice = null;
  clearNotices();
  session.user = res.user;
}

export async function logout(): Promise<void> {
  try {
    await authApi.logout();
  } catch {
    /* signing out locally is what matters */
  }
  setToken(null);
  session.user = null;
  session.notice = null;
  clearNotices();
}

export function currentToken(): string | null {
  return getToken();
}
