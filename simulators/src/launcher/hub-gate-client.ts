import type { Lane, LaneInput, NoteCreate, Passage, PassageListQuery, Vehicle } from '@cjp/contracts';
import type { GateDeclarer } from '../scenario/scenario.js';

/** A demo user (HUB_DEMO: every role exists as a user of that name, password cjp-demo). */
export interface HubUser {
  username: string;
  password: string;
}

export interface HubGateClientOptions {
  /** the hub, e.g. http://127.0.0.1:8080 */
  url: string;
  /** who registers vehicles and approves notes (default customs / cjp-demo) */
  customs?: HubUser;
  /** who declares notes, for its own tenant (default enterprise / cjp-demo) */
  enterprise?: HubUser;
  /** who configures lanes (default admin / cjp-demo) */
  admin?: HubUser;
  /**
   * A call that cannot get through (hub starting, connection refused, 502-504, the gate API not
   * there yet) is retried with capped exponential backoff for up to `maxWaitMs` (default 30 s),
   * then fails; a 500 twice at most. Delays start at `baseDelayMs` (250) and are capped at `maxDelayMs` (5000).
   */
  retry?: { maxWaitMs?: number; baseDelayMs?: number; maxDelayMs?: number };
  /** per request (default 10 s) */
  timeoutMs?: number;
  /** one line when the hub cannot be reached and when it can again (not once per retry) */
  log?: (line: string) => void;
}

/** The hub answered with an error that retrying will not fix. */
export class HubRequestError extends Error {
  override name = 'HubRequestError';
  constructor(
    what: string,
    readonly status: number,
    readonly code: string | null,
    /** the hub's own message */
    readonly hubMessage: string,
  ) {
    super(`${what}: ${status} ${hubMessage}`);
  }

  /** the hub has no such route (a 404 of the router, not of a missing record) */
  get noRoute(): boolean {
    return this.status === 404 && /^no route /.test(this.hubMessage);
  }
}

type Role = 'customs' | 'enterprise' | 'admin';
const DEMO_PASSWORD = 'cjp-demo';
const RETRYABLE_STATUS = new Set([502, 503, 504]);

/**
 * The hub's gate REST API as the simulators need it (`/api/v1/gate/…`): the paperwork of the
 * scenario's trucks (a {@link GateDeclarer}), lanes, and passages to compare decisions with.
 * Each role signs in once (POST /api/v1/auth/login) and again when its session expired. Creating a
 * note that exists already and approving one approved already count as done (a retried call).
 */
export class HubGateClient implements GateDeclarer {
  private readonly url: string;
  private readonly users: Record<Role, HubUser>;
  private readonly tokens = new Map<Role, Promise<string>>();
  private readonly abort = new AbortController();
  private failing: string | null = null;

  constructor(private readonly opts: HubGateClientOptions) {
    this.url = opts.url.replace(/\/+$/, '');
    this.users = {
      customs: opts.customs ?? { username: 'customs', password: DEMO_PASSWORD },
      enterprise: opts.enterprise ?? { username: 'enterprise', password: DEMO_PASSWORD },
      admin: opts.admin ?? { username: 'admin', password: DEMO_PASSWORD },
    };
  }

  async registerVehicle(vehicle: Vehicle): Promise<void> {
    await this.call('customs', 'PUT', '/gate/vehicles', vehicle);
  }

  async createNote(note: NoteCreate): Promise<void> {
    try {
      await this.call('enterprise', 'POST', '/gate/release-notes', note);
    } catch (err) {
      // an earlier attempt went through and only its answer was lost
      if (!(err instanceof HubRequestError && err.status === 409 && /already exists/.test(err.hubMessage))) throw err;
    }
  }

  async approveNote(passportNo: string): Promise<void> {
    try {
      await this.call('customs', 'POST', `/gate/release-notes/${encodeURIComponent(passportNo)}/approve`, {});
    } catch (err) {
      if (!(err instanceof HubRequestError && err.status === 409 && / is approved;/.test(err.hubMessage))) throw err;
    }
  }

  /** The configured lanes (as admin). */
  async lanes(): Promise<Lane[]> {
    return ((await this.call('admin', 'GET', '/gate/lanes')) as { items: Lane[] }).items;
  }

  /** Configures a lane (admin). */
  async putLane(lane: LaneInput): Promise<void> {
    await this.call('admin', 'PUT', `/gate/lanes/${encodeURIComponent(lane.id)}`, lane);
  }

  /** Passages, newest first (as customs). */
  async passages(query: PassageListQuery = {}): Promise<Passage[]> {
    const qs = new URLSearchParams(Object.entries(query).flatMap(([k, v]): Array<[string, string]> => (v === undefined ? [] : [[k, String(v)]]))).toString();
    const body = (await this.call('customs', 'GET', `/gate/passages${qs ? `?${qs}` : ''}`)) as { items: Passage[] };
    return body.items;
  }

  /** Gives up every call in flight and every retry. */
  close(): void {
    this.abort.abort(new Error('hub client closed'));
  }

  private async call(role: Role, method: string, path: string, body?: unknown): Promise<unknown> {
    const what = `${method} /api/v1${path}`;
    return this.withRetry(what, async () => {
      let r = await this.request(method, path, body, await this.token(role));
      if (r.status === 401) {
        // the session expired (or the hub restarted with a fresh database): sign in again, once
        this.tokens.delete(role);
        r = await this.request(method, path, body, await this.token(role));
      }
      if (r.status >= 300) throw errorOf(r, what);
      return r.body;
    });
  }

  private token(role: Role): Promise<string> {
    let t = this.tokens.get(role);
    if (!t) {
      const u = this.users[role];
      t = this.request('POST', '/auth/login', { username: u.username, password: u.password }, null).then((r) => {
        if (r.status !== 200) throw errorOf(r, `signing in as ${u.username}`);
        return (r.body as { token: string }).token;
      });
      t.catch(() => this.tokens.delete(role));
      this.tokens.set(role, t);
    }
    return t;
  }

  private async request(method: string, path: string, body: unknown, token: string | null): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${this.url}/api/v1${path}`, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.opts.timeoutMs ?? 10_000)]),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed };
  }

  /** Runs `attempt` until it answers, fails in a way retrying will not change, or the time is up. */
  private async withRetry<T>(what: string, attempt: () => Promise<T>): Promise<T> {
    const maxWait = this.opts.retry?.maxWaitMs ?? 30_000;
    const base = this.opts.retry?.baseDelayMs ?? 250;
    const cap = this.opts.retry?.maxDelayMs ?? 5000;
    const until = Date.now() + maxWait;
    let internalErrors = 0;
    for (let n = 1; ; n++) {
      let why: string;
      try {
        const out = await attempt();
        this.recovered();
        return out;
      } catch (err) {
        if (this.abort.signal.aborted) throw new Error(`${what}: ${(this.abort.signal.reason as Error).message}`);
        if (err instanceof HubRequestError) {
          // 404 "no route": the hub runs without the gate module (yet); 502-504: it is starting or
          // overloaded. A 500 is retried twice only: the hub may have done the work and failed to
          // answer (a note then "already exists"), or it fails every time.
          const retry = RETRYABLE_STATUS.has(err.status) || err.noRoute || (err.status >= 500 && (internalErrors += 1) <= 2);
          if (!retry) {
            this.recovered();
            throw err;
          }
          why = err.noRoute ? `the hub has no gate API (yet): ${err.hubMessage}` : `the hub answered ${err.status}: ${err.hubMessage}`;
        } else why = `the hub cannot be reached: ${networkError(err)}`;
      }
      if (Date.now() >= until) throw new Error(`${what}: gave up after ${span(maxWait)}; ${why}`);
      // (a 500's two quick retries are not worth a line: its final failure is reported by the caller)
      if (this.failing !== why && internalErrors === 0) {
        this.failing = why;
        this.opts.log?.(`${why}; retrying for up to ${span(maxWait)} per call`);
      }
      await sleep(Math.min(cap, base * 2 ** (n - 1), Math.max(0, until - Date.now())), this.abort.signal);
    }
  }

  private recovered(): void {
    if (this.failing === null) return;
    this.failing = null;
    this.opts.log?.('the hub answers again');
  }
}

const span = (ms: number) => (ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`);

function errorOf(r: { status: number; body: unknown }, what: string): HubRequestError {
  const e = (r.body as { error?: { code?: string; message?: string } } | null)?.error;
  const message = e?.message ?? (typeof r.body === 'string' && r.body ? r.body.slice(0, 200) : `HTTP ${r.status}`);
  return new HubRequestError(what, r.status, e?.code ?? null, message);
}

/** ECONNREFUSED & co. from undici's "fetch failed" (the code is on `cause`), or the error's name. */
function networkError(err: unknown): string {
  const e = err as { name?: string; message?: string; code?: string; cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.code ?? e.cause?.message ?? e.name ?? String(err);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
