/**
 * The live feed of `/devices`: accepted events and edge status. REST gives the starting point
 * (`/api/v1/events`, `/api/v1/edges`); socket.io keeps it current. After a reconnect the REST
 * lists are fetched again so that events missed while disconnected still appear.
 */
import { reactive } from 'vue';
import { io, type Socket } from 'socket.io-client';
import type {
  CommandDto,
  DeviceLiveUpdate,
  DevicesClientToServer,
  DevicesServerToClient,
  EdgeDto,
  EdgeStatusUpdate,
  EventDto,
} from '@cjp/contracts';
import { ApiError, api } from './api';
import { showError } from './notices';

export type ConnState = 'live' | 'reconnecting' | 'offline';

/** Newest events kept in the list. */
export const MAX_EVENTS = 200;
/** How long a new row stays highlighted. */
const FRESH_MS = 2500;

export const live = reactive({
  events: [] as EventDto[],
  /** ids of rows that just arrived over the socket (highlighted) */
  fresh: new Set<string>(),
  /** events received over the live feed since sign-in */
  receivedCount: 0,
  edges: [] as EdgeDto[],
  conn: 'offline' as ConnState,
  loadingEvents: false,
  loadingEdges: false,
});

type DevicesSocket = Socket<DevicesServerToClient, DevicesClientToServer>;

/** What else of the feed a store may follow (devices.ts): live values, commands, reconnects, sign-out. */
export interface FeedListener {
  /** `device:live`: devices' live values, up to ~2 Hz per edge */
  live?: (update: DeviceLiveUpdate) => void;
  /** `command:updated`: a command was sent, answered or expired */
  command?: (command: CommandDto) => void;
  /** the socket is back after an outage: fetch again what may have been missed */
  reconnected?: () => void;
  /** the feed was closed (sign-out): forget everything */
  stopped?: () => void;
}
const feedListeners = new Set<FeedListener>();

/** Follows more of the `/devices` feed; returns the function that stops it. */
export function addFeedListener(listener: FeedListener): () => void {
  feedListeners.add(listener);
  return () => feedListeners.delete(listener);
}

let socket: DevicesSocket | null = null;
let onSessionGone: () => void = () => {};
let timers: number[] = [];
let generation = 0;
let onReconnectFailed: (() => void) | null = null;

function byNewest(a: EventDto, b: EventDto): number {
  const ta = Date.parse(a.receivedAt);
  const tb = Date.parse(b.receivedAt);
  if (Number.isNaN(ta) || Number.isNaN(tb) || ta === tb) return 0;
  return tb - ta;
}

/** Adds events from a REST page, keeping those already shown; newest first, at most MAX_EVENTS. */
function mergeEvents(incoming: EventDto[]): void {
  const known = new Set(live.events.map((e) => e.id));
  const added = incoming.filter((e) => !known.has(e.id));
  if (added.length === 0) return;
  const all = [...live.events, ...added];
  all.sort(byNewest); // stable: ties keep their order
  live.events = all.slice(0, MAX_EVENTS);
}

function addLiveEvent(ev: EventDto): void {
  if (live.events.some((e) => e.id === ev.id)) return;
  live.receivedCount += 1;
  live.events.unshift(ev);
  if (live.events.length > MAX_EVENTS) live.events.splice(MAX_EVENTS);
  live.fresh.add(ev.id);
  const t = window.setTimeout(() => {
    live.fresh.delete(ev.id);
    timers = timers.filter((x) => x !== t);
  }, FRESH_MS);
  timers.push(t);
}

function sortEdges(): void {
  live.edges.sort((a, b) => a.siteId.localeCompare(b.siteId) || a.edgeId.localeCompare(b.edgeId));
}

function applyEdgeStatus(u: EdgeStatusUpdate): void {
  const edge = live.edges.find((e) => e.edgeId === u.edgeId);
  const status = u.status as Record<string, unknown> | null;
  if (edge) {
    edge.online = u.online;
    if (status) edge.status = status;
    if (u.online && u.status?.ts) edge.lastSeenAt = u.status.ts;
    return;
  }
  live.edges.push({
    edgeId: u.edgeId,
    siteId: u.siteId,
    name: u.edgeId,
    online: u.online,
    ackedSeq: 0,
    lastSeenAt: u.status?.ts ?? null,
    status,
  });
  sortEdges();
  void loadEdges(); // learn the new edge's name and acked seq
}

async function loadEvents(gen: number): Promise<void> {
  live.loadingEvents = true;
  try {
    const page = await api.events(50);
    if (gen === generation) mergeEvents(page.items);
  } catch (err) {
    if (gen === generation && !(err instanceof ApiError && err.status === 401)) showError(err);
  } finally {
    if (gen === generation) live.loadingEvents = false;
  }
}

async function loadEdges(gen = generation): Promise<void> {
  live.loadingEdges = true;
  try {
    const res = await api.edges();
    if (gen !== generation) return;
    // the socket may have told us newer online/status meanwhile; REST wins for name and ackedSeq
    live.edges = res.items.map((e) => ({ ...e }));
    sortEdges();
  } catch (err) {
    if (gen === generation && !(err instanceof ApiError && err.status === 401)) showError(err);
  } finally {
    if (gen === generation) live.loadingEdges = false;
  }
}

function onBrowserOffline(): void {
  live.conn = 'offline';
}
function onBrowserOnline(): void {
  if (socket && !socket.connected) {
    live.conn = 'reconnecting';
    socket.connect();
  }
}

/** Opens the feed for a signed-in user. `sessionGone` is called when the hub refuses the token. */
export function startLive(token: string, sessionGone: () => void): void {
  stopLive();
  const gen = ++generation;
  onSessionGone = sessionGone;
  live.conn = 'reconnecting';

  const s: DevicesSocket = io('/devices', { auth: { token } });
  socket = s;
  let connectedBefore = false;

  s.on('connect', () => {
    live.conn = 'live';
    if (connectedBefore) {
      // fill the gap of the outage
      void loadEvents(gen);
      void loadEdges(gen);
      for (const l of feedListeners) l.reconnected?.();
    }
    connectedBefore = true;
  });
  s.on('disconnect', (reason) => {
    if (gen !== generation) return;
    if (reason === 'io client disconnect') {
      live.conn = 'offline';
    } else if (reason === 'io server disconnect') {
      // the hub closed us (token revoked?) — ask it; a 401 there signs out
      live.conn = 'offline';
      api.me().then(
        () => {
          if (gen === generation) {
            live.conn = 'reconnecting';
            s.connect();
          }
        },
        () => {},
      );
    } else {
      live.conn = navigator.onLine === false ? 'offline' : 'reconnecting';
    }
  });
  s.on('connect_error', (err) => {
    if (gen !== generation) return;
    if (!s.active) {
      live.conn = 'offline';
      // refused by the hub's middleware: a role without the device feed (an enterprise user)
      // stays signed in; anything else means the session is gone
      if (err.message !== 'HUB_ERR_AUTH_FORBIDDEN') onSessionGone();
    } else {
      // transport failure: socket.io retries by itself
      live.conn = navigator.onLine === false ? 'offline' : 'reconnecting';
    }
  });
  onReconnectFailed = () => {
    if (gen === generation) live.conn = 'offline';
  };
  s.io.on('reconnect_failed', onReconnectFailed);
  s.on('event:accepted', (ev) => {
    if (gen === generation) addLiveEvent(ev);
  });
  s.on('edge:status', (u) => {
    if (gen === generation) applyEdgeStatus(u);
  });
  s.on('device:live', (u) => {
    if (gen === generation) for (const l of feedListeners) l.live?.(u);
  });
  s.on('command:updated', (c) => {
    if (gen === generation) for (const l of feedListeners) l.command?.(c);
  });

  window.addEventListener('offline', onBrowserOffline);
  window.addEventListener('online', onBrowserOnline);

  void loadEvents(gen);
  void loadEdges(gen);
}

/** Closes the feed and forgets everything (sign-out). */
export function stopLive(): void {
  generation++;
  if (socket) {
    socket.removeAllListeners();
    if (onReconnectFailed) socket.io.off('reconnect_failed', onReconnectFailed);
    onReconnectFailed = null;
    socket.disconnect();
    socket = null;
  }
  window.removeEventListener('offline', onBrowserOffline);
  window.removeEventListener('online', onBrowserOnline);
  for (const t of timers) window.clearTimeout(t);
  timers = [];
  live.events = [];
  live.fresh.clear();
  live.receivedCount = 0;
  live.edges = [];
  live.conn = 'offline';
  live.loadingEvents = false;
  live.loadingEdges = false;
  for (const l of feedListeners) l.stopped?.();
}
