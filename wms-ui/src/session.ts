/**
 * Who is signed in. The token lives in sessionStorage (one browser tab = one session); the hub
 * also sets an httpOnly cookie on login, which the UI does not rely on.
 */
import { reactive } from 'vue';
import type { UserDto } from '@cjp/contracts';
import { ApiError, api, getToken, onUnauthorized, setToken } from './api';
import { clearNotices, showError } from './notices';

export const session = reactive({
  user: null as UserDto | null,
  /** false until the stored token was checked */
  ready: false,
  /** an i18n key shown on the login page, e.g. after the session expired */
  notice: null as string | null,
});

/** The session is gone (401 or a refused socket): back to the login page. */
export function expire(): void {
  if (!session.user) return;
  setToken(null);
  session.user = null;
  clearNotices();
  session.notice = 'errors.sessionExpired';
}

onUnauthorized(expire);

export async function restore(): Promise<void> {
  try {
    if (!getToken()) return;
    session.user = await api.me();
  } catch (err) {
    setToken(null);
    session.user = null;
    if (!(err instanceof ApiError && err.status === 401)) showError(err);
  } finally {
    session.ready = true;
  }
}

/** Throws the ApiError to show on the login form. */
export async function login(username: string, password: string): Promise<void> {
  const res = await api.login({ username, password });
  setToken(res.token);
  session.notice = null;
  clearNotices();
  session.user = res.user;
}

export async function logout(): Promise<void> {
  try {
    await api.logout();
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
