import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Registry } from 'prom-client';
import type { z } from 'zod';
import type { CommandMessage, Permission } from '@cjp/contracts';
import type { Clock } from './clock.js';
import type { ConsumerOptions, CursorOptions, DurableConsumer, FeedCursor } from './consumer.js';
import type { Db } from './db.js';
import type { EventLog } from './event-log.js';
import type { Lease } from './lease.js';
import type { Logger } from './logger.js';

/** A socket.io namespace as a module sees it: emit to everyone allowed in. No-op until the hub serves. */
export interface Channel<Events> {
  emit<E extends keyof Events & string>(event: E, ...args: Events[E] extends (...a: infer A) => void ? A : never): void;
  /** the same, dropped for a client that is not keeping up (live values: the next one replaces it) */
  volatile<E extends keyof Events & string>(event: E, ...args: Events[E] extends (...a: infer A) => void ? A : never): void;
}

/** A socket that just joined: what it may be sent at once (the current state, for late joiners). */
export interface JoiningSocket<Events> {
  emit<E extends keyof Events & string>(event: E, ...args: Events[E] extends (...a: infer A) => void ? A : never): void;
}

export interface ChannelSpec<Events> {
  /** "/gate", from contracts' NAMESPACES */
  namespace: string;
  /** who may join; checked on the handshake against the session */
  permission: Permission;
  /** sends a joining socket the current state (every edge's status, every open passage …) */
  onJoin?(socket: JoiningSocket<Events>): Promise<void>;
}

/** socket.io as modules see it: declare a namespace, get a channel to emit on. */
export interface RealtimePort {
  channel<Events>(spec: ChannelSpec<Events>): Channel<Events>;
}

/** What the hub hands every module: the parts of core/, named for the module. */
export interface ModuleContext {
  db: Db;
  logger: Logger;
  clock: Clock;
  /** demo mode: seed demo data (never in production) */
  demo: boolean;
  /** MQTT topic prefix of the center ("cjp/v1") */
  topicPrefix: string;
  /** the hub's Prometheus registry: a module registers its own metrics here */
  metrics: Registry;
  /** the log of module events, appended inside the publisher's transaction */
  events: EventLog;
  realtime: RealtimePort;
  /** a named lease: "this job runs on one replica"; the name is prefixed with the module's */
  lease(job: string): Lease;
  /** a stored cursor in another module's feed, read inside this module's own transactions */
  cursor<T>(opts: Omit<CursorOptions<T>, 'consumer'> & { consumer?: string }): FeedCursor<T>;
  /** a durable consumer of another module's feed: its own cursor, a batch per transaction */
  consumer<T>(opts: Omit<ConsumerOptions<T>, 'consumer'> & { consumer?: string }): DurableConsumer<T>;
}

/**
 * The hub's side of the MQTT link to the edges, for the one module that speaks the edge protocol
 * (devices): it checks edges' credentials, takes what they publish, and publishes to them.
 */
export interface EdgeLinkHooks {
  verifyEdge(username: string, password: string): Promise<{ edgeId: string; siteId: string } | null>;
  /** a publish the broker's ACL refused (recorded, never silently dropped) */
  onDenied(info: { edgeId: string; topic: string; payload: Buffer; reason: string }): void;
  /** every message from edges; a returned promise holds back the next one (backpressure) */
  onMessage(topic: string, payload: Buffer): Promise<void> | void;
  /** the link is up: the module may publish from now on */
  bind(link: EdgeLink): Promise<void>;
  /** stop taking messages and store what was received (shutdown, before the link closes) */
  drain(): Promise<void>;
}

/** Publishing to edges (acks, commands). */
export interface EdgeLink {
  connected(): boolean;
  publishAck(siteId: string, edgeId: string, seq: number): void;
  publishCommand(siteId: string, edgeId: string, deviceId: string, message: CommandMessage): Promise<void>;
}

export interface ModuleDefinition<Name extends string, Config, Service, Deps> {
  name: Name;
  /** what the module owns, publishes and consumes, in a line each (also in its README) */
  summary: string;
  /** its settings (a part of the hub's configuration, under its name) */
  config?: z.ZodType<Config>;
  /** folder of its SQL migrations, applied in file-name order; it owns the tables they create */
  migrations: string;
  /** feeds and realtime events it publishes for others */
  publishes?: readonly string[];
  /** feeds of other modules it follows */
  consumes?: readonly string[];
  /** modules whose services it calls (they are created before it) */
  uses?: ReadonlyArray<keyof Deps & string>;
  /** builds the service; nothing runs yet (no timers, no consumers) */
  create(ctx: ModuleContext, config: Config, deps: Deps): Promise<Service> | Service;
  /** its REST routes, mounted under /api/v1 */
  routes?(service: Service): FastifyPluginAsyncZod;
  /** the edge protocol's hub side (one module provides it) */
  edgeLink?(service: Service): EdgeLinkHooks;
  /** starts timers, consumers, leases (after the HTTP server and the broker link are up) */
  start?(service: Service): Promise<void>;
  /** stops them; the database is still open */
  stop?(service: Service): Promise<void>;
  /** checks for /healthz, by name: "ok", "failing: …", "standby: …" */
  health?(service: Service): Record<string, string>;
}

export type HubModule = ModuleDefinition<string, unknown, unknown, Record<string, unknown>>;

/** Declares a module; the value goes into the hub's module list (modules/index.ts). */
export function defineModule<Name extends string, Config, Service, Deps extends Record<string, unknown> = Record<string, never>>(
  m: ModuleDefinition<Name, Config, Service, Deps>,
): ModuleDefinition<Name, Config, Service, Deps> {
  return m;
}
