/**
 * The hub's REST API, as the UI uses it. Every call sends `Authorization: Bearer <token>`;
 * every failure becomes an `ApiError` whose `message` is fit to show to the user
 * (the hub's own `error.message` when it sent one).
 */
import type {
  CommandDto,
  CommandRequest,
  EdgeDto,
  ErrorBody,
  EventListResponse,
  GateSettings,
  Lane,
  LoginRequest,
  LoginResponse,
  Note,
  Passage,
  PassageState,
  ResolveRequest,
  UserDto,
} from '@cjp/contracts';
import { i18n } from './i18n';

const TOKEN_KEY = 'cjp.token';

export interface UiConfig {
  map: {
    center: [number, number];
    zoom: number;
    tileUrl: string | null;
    tileAttribution: string | null;
  };
}

export interface EdgeListResponse {
  items: EdgeDto[];
}

/** A filter of `GET /api/v1/gate/passages` (contracts' passageListQuerySchema); `from`/`to` are ISO datetimes. */
export interface PassageFilter {
  laneId?: string;
  state?: PassageState;
  vehicleNo?: string;
  containerNo?: string;
  passportNo?: string;
  from?: string;
  to?: string;
  limit?: number;
}

/**
 * The query string of `GET /api/v1/gate/passages` (and `.csv`): empty values are left out, so
 * the same filter gives the same URL for the list and the export.
 */
export function passageQueryString(q: PassageFilter): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined || v === null || v === '') continue;
    params.set(k, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

const GATE = '/api/v1/gate';

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

interface RequestOptions {
  method?: 'GET' | 'POST';
  body?: unknown;
  /** login answers 401 for wrong credentials: that is not an expired session */
  anonymous?: boolean;
  signal?: AbortSignal;
}

async function request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
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

export const api = {
  login: (body: LoginRequest) => request<LoginResponse>('/api/v1/auth/login', { method: 'POST', body, anonymous: true }),
  logout: () => request<void>('/api/v1/auth/logout', { method: 'POST' }),
  me: () => request<UserDto>('/api/v1/me'),
  events: (limit = 50) => request<EventListResponse>(`/api/v1/events?limit=${limit}`),
  edges: () => request<EdgeListResponse>('/api/v1/edges'),
  commands: (limit = 50) => request<{ items: CommandDto[] }>(`/api/v1/commands?limit=${limit}`),
  sendCommand: (edgeId: string, deviceId: string, body: Pick<CommandRequest, 'action' | 'args'>) =>
    request<CommandDto>(`/api/v1/edges/${encodeURIComponent(edgeId)}/devices/${encodeURIComponent(deviceId)}/commands`, { method: 'POST', body }),
  uiConfig: () => request<UiConfig>('/api/v1/ui-config'),
  gateLanes: () => request<{ items: Lane[] }>(`${GATE}/lanes`),
  gateSettings: () => request<GateSettings>(`${GATE}/settings`),
  passages: (q: PassageFilter, signal?: AbortSignal) =>
    request<{ items: Passage[] }>(`${GATE}/passages${passageQueryString(q)}`, signal ? { signal } : {}),
  passage: (id: string) => request<Passage>(`${GATE}/passages/${encodeURIComponent(id)}`),
  resolvePassage: (id: string, body: ResolveRequest) =>
    request<Passage>(`${GATE}/passages/${encodeURIComponent(id)}/resolve`, { method: 'POST', body }),
  releaseNote: (passportNo: string) => request<Note>(`${GATE}/release-notes/${encodeURIComponent(passportNo)}`),
};

/** The CSV export of the passages matching `q` (the session cookie authorises the download). */
export function passagesCsvUrl(q: PassageFilter): string {
  return `${GATE}/passages.csv${passageQueryString(q)}`;
}
