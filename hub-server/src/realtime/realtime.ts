import type { Server as HttpServer } from 'node:http';
import { Server, type Namespace, type Socket } from 'socket.io';
import {
  DEVICE_EVENTS,
  HubError,
  NAMESPACES,
  SESSION_COOKIE,
  type CommandDto,
  type DeviceLiveUpdate,
  type DevicesClientToServer,
  type DevicesServerToClient,
  type EdgeStatusUpdate,
  type EventDto,
  type GateClientToServer,
  type GateServerToClient,
  type Note,
  type Passage,
  type Role,
  GATE_EVENTS,
} from '@cjp/contracts';
import type { Logger } from '../logger.js';
import type { DevicesService } from '../modules/devices/service.js';
import type { IdentityService, Principal } from '../modules/identity/service.js';

const DEVICE_FEED_ROLES: readonly Role[] = ['operator', 'gate_officer', 'dispatcher', 'manager', 'customs', 'admin'];
const GATE_FEED_ROLES: readonly Role[] = ['operator', 'gate_officer', 'manager', 'customs', 'admin'];

function cookieToken(header: string | undefined): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === SESSION_COOKIE) return decodeURIComponent(v.join('='));
  }
  return null;
}

export interface Realtime {
  io: Server;
  publishEvents(events: EventDto[]): void;
  publishEdgeStatus(update: EdgeStatusUpdate): void;
  publishLive(update: DeviceLiveUpdate): void;
  publishCommand(command: CommandDto): void;
  publishPassage(passage: Passage): void;
  publishNote(note: Note): void;
  close(): Promise<void>;
}

/**
 * socket.io on the hub's HTTP server. Every namespace demands a session (handshake auth.token or
 * the session cookie); the device feed is for center staff only.
 */
export function createRealtime(
  http: HttpServer,
  deps: { identity: IdentityService; devices: DevicesService; currentPassages: () => Promise<Passage[]>; logger: Logger },
): Realtime {
  const io = new Server(http, { path: '/socket.io', serveClient: false });
  const authenticate = (roles: readonly Role[] | null) => async (socket: Socket, next: (err?: Error) => void) => {
    try {
      const auth = socket.handshake.auth as { token?: unknown };
      const token = typeof auth?.token === 'string' ? auth.token : cookieToken(socket.handshake.headers.cookie);
      const user = await deps.identity.authenticate(token);
      if (!user) return next(Object.assign(new Error('HUB_ERR_AUTH_REQUIRED'), { data: new HubError('HUB_ERR_AUTH_REQUIRED', 'sign in first').toBody() }));
      if (roles && !roles.includes(user.role))
        return next(Object.assign(new Error('HUB_ERR_AUTH_FORBIDDEN'), { data: new HubError('HUB_ERR_AUTH_FORBIDDEN', `role "${user.role}" may not follow this feed`).toBody() }));
      (socket.data as { user?: Principal }).user = user;
      next();
    } catch (err) {
      deps.logger.error({ err }, 'realtime: auth check failed');
      next(new Error('HUB_ERR_UNAVAILABLE'));
    }
  };
  io.use(authenticate(null));

  const devices: Namespace<DevicesClientToServer, DevicesServerToClient> = io.of(NAMESPACES.devices);
  devices.use(authenticate(DEVICE_FEED_ROLES));
  devices.on('connection', (socket) => {
    // Late joiners get every edge's last status at once (STYLE.md P12).
    deps.devices
      .listEdges()
      .then((edges) => {
        for (const e of edges)
          socket.emit(DEVICE_EVENTS.edgeStatus, { edgeId: e.edgeId, siteId: e.siteId, online: e.online, status: (e.status as EdgeStatusUpdate['status']) ?? null });
      })
      .catch((err: Error) => deps.logger.warn({ err: err.message }, 'realtime: edge snapshot failed'));
  });

  // The gate: passages name vehicles and notes of every enterprise, so center staff only.
  const gate: Namespace<GateClientToServer, GateServerToClient> = io.of(NAMESPACES.gate);
  gate.use(authenticate(GATE_FEED_ROLES));
  gate.on('connection', (socket) => {
    deps
      .currentPassages()
      .then((ps) => ps.forEach((p) => socket.emit(GATE_EVENTS.passage, p)))
      .catch((err: Error) => deps.logger.warn({ err: err.message }, 'realtime: passage snapshot failed'));
  });

  return {
    io,
    publishPassage(passage) {
      gate.emit(GATE_EVENTS.passage, passage);
    },
    publishNote(note) {
      gate.emit(GATE_EVENTS.note, note);
    },
    publishEvents(events) {
      for (const e of events) devices.emit(DEVICE_EVENTS.accepted, e);
    },
    publishEdgeStatus(update) {
      devices.emit(DEVICE_EVENTS.edgeStatus, update);
    },
    publishLive(update) {
      // volatile: a screen that missed a live frame gets the next one; never queue them
      devices.volatile.emit(DEVICE_EVENTS.live, update);
    },
    publishCommand(command) {
      devices.emit(DEVICE_EVENTS.command, command);
    },
    async close() {
      io.disconnectSockets(true);
      await new Promise<void>((resolve) => io.close(() => resolve()));
    },
  };
}
