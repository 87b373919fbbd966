/**
 * The request helper every feature's API calls go through. Every call sends
 * `Authorization: Bearer <token>`; every failure becomes an `ApiError` whose `message` is fit to
 * show to the user (the hub's own `error.message` when it sent one).
 */
import type { ErrorBody } from '@cjp/contracts';
import { i18n } from '../i18n';

const TOKEN_KEY = 'cjp.token';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function getToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function setToken(token: string | null): void {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    /* storage blocked: the session lasts as long as the page */
  }
}

let unauthorizedHandler: (() => void) | null = null;
/** Called when an authenticated call answers 401: the session is gone. */
export function onUnauthorized(handler: () => void): void {
  unauthorizedHandler = handler;
}

function isErrorBody(v: unknown): v is ErrorBody {
  if (typeof v !== 'object' || v === null || !('error' in v)) return false;
  const e = (v as { error: unknown }).error;
  return typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string';
}

export interface RequestOptions {
  method?: 'GET' | 'POST';
  body?: unknown;
  /** login answers 401 for wrong credentials: that is not an expired session */
  anonymous?: boolean;
  signal?: AbortSignal;
}

export async function request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const token = getToken();
  if (token && !opts.anonymous) headers.Authorization = `Bearer ${token}`;
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';

  let res: Response;
  try {
    res = await fetch(path, {
      method: opts.method ?? 'GET',
      headers,
      credentials: 'same-origin',
      ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'NETWORK', i18n.global.t('errors.network'));
  }

  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown = undefined;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }

  if (!res.ok) {
    const apiErr = isErrorBody(json)
      ? new ApiError(res.status, json.error.code, json.error.message, json.error.details)
      : new ApiError(res.status, `HTTP_${res.status}`, i18n.global.t('errors.http', { status: res.status }));
    if (res.status === 401 && !opts.anonymous) unauthorizedHandler?.();
    throw apiErr;
  }
  if (json === undefined) throw new ApiError(res.status, 'BAD_RESPONSE', i18n.global.t('errors.http', { status: res.status }));
  return json as T;
}

/** A query string from a filter: empty values are left out, so one filter always gives one URL. */
export function queryString(q: object): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined || v === null || v === '') continue;
    params.set(k, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}
