import type { Logger } from 'pino';
import type { ClientMonitoredItemBase } from 'node-opcua-client';
import { Backoff } from '../../backoff.js';
import type { TransportState } from '../../transports/byte-transport.js';
import { Attempt } from './attempt.js';
import { routeOpcuaLogs } from './library.js';
import { pkiDirOf } from './pki.js';

export type { OpcuaChange, OpcuaEndpoint, OpcuaMember, OpcuaSessionOps, OpcuaWatch } from './session-types.js';
import type { OpcuaChange, OpcuaEndpoint, OpcuaMember, OpcuaSessionOps } from './session-types.js';

/** Session-level settings: devices on one session must agree on them. */
export function sessionKey(e: OpcuaEndpoint): string {
  return JSON.stringify([e.url, e.securityMode, e.securityPolicy, e.username ?? null]);
}
export function sessionSettings(e: OpcuaEndpoint): Record<string, unknown> {
  return {
    pkiDir: pkiDirOf(e),
    trustUnknownServer: e.trustUnknownServer,
    password: e.password ?? null,
    publishingIntervalMs: e.publishingIntervalMs,
    reconnectBaseMs: e.reconnectBaseMs,
    reconnectMaxMs: e.reconnectMaxMs,
    connectTimeoutMs: e.connectTimeoutMs,
  };
}

/** A connection that lasted this long resets the reconnect backoff. */
const STABLE_AFTER_MS = 10_000;
/** A repeated failure reason is logged again after this long. */
const RELOG_MS = 60_000;

/**
 * One client, session and subscription for every device on an endpoint (STYLE.md P11). Connects
 * when the first device registers, reconnects with our backoff until the last one leaves.
 *
 * Any sign of trouble (connection lost or closed, session closed, keep-alive failure, subscription
 * terminated, no publish response for a while) tears the client down completely and starts
 * again from scratch: a new client, session, subscription and monitored items. node-opcua's own
 * reconnection is off (maxRetry 0): a restarted PLC is a new server whose old session is gone,
 * and a half-repaired client is harder to reason about than a fresh one.
 */
export class OpcuaConnection {
  readonly description: string;
  private readonly members = new Set<OpcuaMember>();
  private readonly backoff: Backoff;
  private readonly log: Logger;
  private state: TransportState = 'disconnected';
  private current: Attempt | null = null;
  private live: Attempt | null = null;
  private running: Promise<void> | null = null;
  private closed = false;
  private wake: (() => void) | null = null;
  private readonly waiters = new Set<() => void>();
  private unrouteLogs: (() => void) | null = null;
  private lastLogged: { reason: string; at: number } | null = null;
  private readonly pending = new Map<OpcuaMember, OpcuaChange[]>();
  private flushScheduled = false;

  constructor(
    readonly endpoint: OpcuaEndpoint,
    private readonly logger: Logger,
  ) {
    this.description = endpoint.securityMode === 'None' ? endpoint.url : `${endpoint.url} (${endpoint.securityMode}/${endpoint.securityPolicy})`;
    this.log = logger.child({ opcua: endpoint.url });
    this.backoff = new Backoff(endpoint.reconnectBaseMs, endpoint.reconnectMaxMs);
  }

  get memberCount(): number {
    return this.members.size;
  }

  register(member: OpcuaMember): void {
    if (this.closed) throw new Error(`${this.description}: connection closed`);
    this.members.add(member);
    member.onState(this.state, undefined);
    if (this.live) void this.monitor(this.live, member);
    if (!this.running) {
      this.unrouteLogs = routeOpcuaLogs(this.logger);
      this.running = this.run();
    }
  }

  /** Removes a device; the last one out closes the session. */
  async deregister(member: OpcuaMember): Promise<void> {
    if (!this.members.delete(member)) return;
    const items = this.live?.items.get(member);
    this.live?.items.delete(member);
    if (this.members.size === 0) {
      await this.close();
      return;
    }
    if (items) await Promise.all(items.map((i) => i.terminate().catch(() => {})));
  }

  /**
   * The session once connected, or 'expired' when `deadline` passes first (by `now`), or 'closed'.
   */
  async ready(deadline: Date, now: () => Date): Promise<OpcuaSessionOps | 'expired' | 'closed'> {
    for (;;) {
      if (this.closed) return 'closed';
      const remaining = deadline.getTime() - now().getTime();
      if (remaining <= 0) return 'expired';
      if (this.live && this.state === 'connected') return this.live.ops;
      await new Promise<void>((resolveWait) => {
        const done = () => {
          clearTimeout(timer);
          this.waiters.delete(done);
          resolveWait();
        };
        const timer = setTimeout(done, remaining);
        this.waiters.add(done);
      });
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.current?.fail('closing');
    this.wake?.();
    for (const w of [...this.waiters]) w();
    await this.running;
    this.unrouteLogs?.();
    this.unrouteLogs = null;
  }

  private setState(state: TransportState, error?: string): void {
    this.state = state;
    for (const m of this.members) m.onState(state, error);
    for (const w of [...this.waiters]) w();
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      this.setState('connecting');
      const attempt = new Attempt(this.endpoint, this.log);
      this.current = attempt;
      let reason: string;
      let stableTimer: NodeJS.Timeout | null = null;
      try {
        await attempt.open();
        this.live = attempt;
        for (const m of [...this.members]) await this.monitor(attempt, m);
        if (!attempt.failed) {
          this.log.info({ endpoint: this.description, devices: [...this.members].map((m) => m.id), namespaces: attempt.namespaces }, 'opc ua session established');
          this.lastLogged = null;
          this.setState('connected');
          stableTimer = setTimeout(() => this.backoff.reset(), STABLE_AFTER_MS);
        }
        reason = await attempt.lost;
      } catch (err) {
        attempt.fail('connect failed');
        reason = attempt.explain(err);
      } finally {
        if (stableTimer) clearTimeout(stableTimer);
        this.live = null;
      }
      // say so before the teardown, which may wait for a link that is already dead
      const delay = this.backoff.next();
      if (!this.closed) {
        this.logFailure(reason, delay);
        this.setState('disconnected', `${this.description}: ${reason}`);
      }
      await attempt.teardown();
      this.current = null;
      if (this.closed) break;
      await new Promise<void>((resolveSleep) => {
        const timer = setTimeout(() => {
          this.wake = null;
          resolveSleep();
        }, delay);
        this.wake = () => {
          clearTimeout(timer);
          this.wake = null;
          resolveSleep();
        };
      });
    }
    this.setState('disconnected');
  }

  private logFailure(reason: string, delayMs: number): void {
    const now = Date.now();
    const repeated = this.lastLogged?.reason === reason && now - this.lastLogged.at < RELOG_MS;
    const fields = { endpoint: this.description, reason, retryInMs: delayMs, failures: this.backoff.failures };
    if (repeated) {
      this.log.debug(fields, 'opc ua connection down');
      return;
    }
    this.lastLogged = { reason, at: now };
    this.log.warn(fields, 'opc ua connection down');
  }

  /** Creates the member's monitored items on the attempt's subscription. */
  private async monitor(attempt: Attempt, member: OpcuaMember): Promise<void> {
    if (attempt.items.has(member)) return;
    const items: ClientMonitoredItemBase[] = [];
    attempt.items.set(member, items);
    for (const watch of member.watches) {
      if (attempt.failed) return;
      const error = await attempt.watch(member, watch, items, (change) => this.enqueue(member, change));
      if (!this.members.has(member)) {
        // it left meanwhile: deregister saw only the items made before
        await Promise.all(items.map((i) => i.terminate().catch(() => {})));
        return;
      }
      if (error && !attempt.failed) member.onWatchError(error);
    }
  }

  /** Changes of one publish response are handed over together, after all of them arrived. */
  private enqueue(member: OpcuaMember, change: OpcuaChange): void {
    if (!this.members.has(member)) return;
    const list = this.pending.get(member);
    if (list) list.push(change);
    else this.pending.set(member, [change]);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      const batches = [...this.pending];
      this.pending.clear();
      for (const [m, changes] of batches) {
        if (!this.members.has(m)) continue;
        try {
          m.onChanges(changes);
        } catch (err) {
          this.log.error({ deviceId: m.id, err: (err as Error).message }, 'opc ua device failed on a change');
        }
      }
    });
  }
}
