import type { IncomingMessage } from 'node:http';
import type { DeviceHealth, LiveValues } from '@cjp/contracts';
import type { Logger } from 'pino';
import type { ReadingSink } from './reading.js';
import type { TransportState } from './transports/byte-transport.js';

/** What a device answers to a hub command (the edge adds the command id). */
export type CommandResult = { ok: true; result?: Record<string, unknown> } | { ok: false; error: string };

/**
 * A configured device, as the agent and createDevice see it: one connector (transport, session,
 * subscription or HTTP route) plus the decoding that turns what it receives into readings
 * (STYLE.md P8). Every driver implements exactly this; most extend DeviceBase (device-base.ts),
 * which holds what they all share. See edge/README.md "Writing a driver".
 *
 * Readings are not returned: the device hands each one to `ctx.sink.submit` (DeviceContext) as it
 * arrives, and reports state changes through `ctx.onStateChange`, live values through `ctx.onLive`.
 */
export interface Device {
  readonly id: string;
  readonly driver: string;
  /**
   * Opens the connector and keeps it open (reconnecting by itself) until close(); returns at once,
   * without waiting for the device. Idempotent; a closed device does not open again.
   */
  start(): void;
  /** Closes the connector; what the device still holds (open RFID presences) is submitted first. */
  close(): Promise<void>;
  /** State, counters, last error and live values, for the status, /healthz and /metrics. */
  health(): DeviceHealth;
  /**
   * Runs a hub command (e.g. barrier `open`, LED `show`). Absent when the device takes none.
   * `expiresAt` is passed so a driver that must wait (a session being re-established) gives up
   * rather than act late: a command is never executed after it.
   */
  command?(action: string, args: Record<string, unknown>, expiresAt: Date): Promise<CommandResult>;
}

/** A request to an HTTP route a device registered on the edge's server (cameras POST here). */
export interface EdgeHttpRequest {
  /** the raw request, for headers */
  req: IncomingMessage;
  /** the path's tail after the route prefix */
  params: Record<string, string>;
  /** the body, already size-limited by the server */
  body: Buffer;
}
export interface EdgeHttpResponse {
  status: number;
  body?: unknown;
}
export type EdgeHttpHandler = (request: EdgeHttpRequest) => Promise<EdgeHttpResponse>;

/** The edge's HTTP server as devices see it; absent when no `http:` section is configured. */
export interface EdgeHttpRoutes {
  /** registers POST `path` (exact match, e.g. "/cameras/plate-1/reads") */
  post(path: string, handler: EdgeHttpHandler): void;
}

/** What the agent gives each device it creates. */
export interface DeviceContext {
  /** where every reading goes (the agent validates it and stores it in the outbox) */
  sink: ReadingSink;
  logger: Logger;
  now: () => Date;
  /** called when the device's state changes, so the hub hears about it promptly */
  onStateChange: () => void;
  /** called when the device's live values changed; the agent throttles what it publishes */
  onLive?: () => void;
  /** the edge's HTTP server, for devices that are pushed to (cameras) */
  http?: EdgeHttpRoutes;
}

/** Counters behind a device's health; one per device. */
export class HealthTracker {
  private state: TransportState = 'disconnected';
  private lastReadingAt: string | null = null;
  private readings = 0;
  private errors = 0;
  private lastError: string | null = null;
  private connectedSince: string | null = null;
  private readonly rejects: Record<string, number> = {};
  private live: LiveValues | undefined;

  constructor(
    readonly deviceId: string,
    readonly driver: string,
  ) {}

  setState(state: TransportState, at: Date = new Date()): boolean {
    const changed = state !== this.state;
    this.state = state;
    if (changed) this.connectedSince = state === 'connected' ? at.toISOString() : null;
    return changed;
  }

  /** A frame or message the driver refused: counted under its class (see rejectClass), kept as lastError. */
  reject(reason: string): void {
    const key = rejectClass(reason);
    this.rejects[key] = (this.rejects[key] ?? 0) + 1;
    this.error(reason);
  }

  setLive(values: LiveValues): void {
    this.live = values;
  }

  reading(ts: string): void {
    this.readings += 1;
    this.lastReadingAt = ts;
  }

  error(message: string): void {
    this.errors += 1;
    this.lastError = message;
  }

  snapshot(): DeviceHealth {
    return {
      deviceId: this.deviceId,
      driver: this.driver,
      state: this.state,
      lastReadingAt: this.lastReadingAt,
      readings: this.readings,
      errors: this.errors,
      lastError: this.lastError,
      connectedSince: this.connectedSince,
      rejects: { ...this.rejects },
      ...(this.live ? { live: { ...this.live } } : {}),
    };
  }
}

/**
 * A refusal reason → a short stable class for counters and metrics labels (bounded cardinality),
 * while the full reason stays in lastError and the log.
 */
export function rejectClass(reason: string): string {
  if (/checksum|XOR check|check characters|check digit/i.test(reason)) return 'check';
  if (/formed no frame|noise/i.test(reason)) return 'noise';
  if (/longer than|too large|too long/i.test(reason)) return 'too-long';
  if (/unit/i.test(reason)) return 'unit';
  if (/token|unauthori[sz]ed|forbidden/i.test(reason)) return 'auth';
  if (/not stored|outbox/i.test(reason)) return 'outbox';
  return 'malformed';
}
