import type { Server as HttpServer } from 'node:http';
import { Server, type Namespace, type Socket } from 'socket.io';
import { HubError, SESSION_COOKIE, can, type UserDto } from '@cjp/contracts';
import { socketError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Channel, ChannelSpec, RealtimePort } from '../core/module.js';

function cookieToken(header: string | undefined): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === SESSION_COOKIE) return decodeURIComponent(v.join('='));
  }
  return null;
}

type Authenticate = (token: string | null) => Promise<UserDto | null>;

/**
 * socket.io for the modules: each declares its namespaces (with the permission to join) while it
 * is created, and emits on them; the hub attaches the server once HTTP is up. Every namespace
 * demands a session (handshake auth.token or the session cookie).
 */
export class RealtimeHub implements RealtimePort {
  private io: Server | null = null;
  private readonly specs: Array<ChannelSpec<unknown>> = [];
  private readonly namespaces = new Map<string, Namespace>();

  constructor(private readonly logger: Logger) {}

  channel<Events>(spec: ChannelSpec<Events>): Channel<Events> {
    if (this.specs.some((s) => s.namespace === spec.namespace)) throw new Error(`realtime: namespace ${spec.namespace} is declared twice`);
    this.specs.push(spec as ChannelSpec<unknown>);
    const ns = () => this.namespaces.get(spec.namespace);
    return {
      emit: (event, ...args) => void ns()?.emit(event, ...(args as unknown[])),
      volatile: (event, ...args) => void ns()?.volatile.emit(event, ...(args as unknown[])),
    };
  }

  attach(http: HttpServer, authenticate: Authenticate): void {
    const io = new Server(http, { path: '/socket.io', serveClient: false });
    this.io = io;
    const auth = (spec: ChannelSpec<unknown> | null) => async (socket: Socket, next: (err?: Error) => void) => {
      try {
        const a = socket.handshake.auth as { token?: unknown };
        const token = typeof a?.token === 'string' ? a.token : cookieToken(socket.handshake.headers.cookie);
        const user = await authenticate(token);
        if (!user) return next(socketError(new HubError('HUB_ERR_AUTH_REQUIRED', 'sign in first')));
        if (spec && !can(user.role, spec.permission))
          return next(socketError(new HubError('HUB_ERR_AUTH_FORBIDDEN', `role "${user.role}" may not follow this feed (needs ${spec.permission})`)));
        (socket.data as { user?: UserDto }).user = user;
        next();
      } catch (err) {
        this.logger.error({ err }, 'realtime: auth check failed');
        next(new Error('HUB_ERR_UNAVAILABLE'));
      }
    };
    io.use(auth(null));
    for (const spec of this.specs) {
      const ns = io.of(spec.namespace);
      ns.use(auth(spec));
      if (spec.onJoin)
        ns.on('connection', (socket) => {
          // Late joiners get the current state at once (STYLE.md P12).
          spec.onJoin!(socket as never).catch((err: Error) => this.logger.warn({ err: err.message, namespace: spec.namespace }, 'realtime: snapshot for a joining socket failed'));
        });
      this.namespaces.set(spec.namespace, ns);
    }
  }

  async close(): Promise<void> {
    const io = this.io;
    if (!io) return;
    io.disconnectSockets(true);
    await new Promise<void>((resolve) => io.close(() => resolve()));
  }
}
