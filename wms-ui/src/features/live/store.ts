/**
 * The live feed of `/devices`: accepted events and edge status. REST gives the starting point
 * (`/api/v1/events`, `/api/v1/edges`); socket.io keeps it current. After a reconnect the REST
 * lists are fetched again so that events missed while disconnected still appear. The devices and
 * gate stores follow the rest of the feed (live values, commands, reconnects, sign-out) through
 * `addFeedListener`.
 */
import { defineStore } from 'pinia';
import { reactive, ref } from 'vue';
import type { CommandDto, DeviceLiveUpdate, EdgeDto, EdgeStatusUpdate, EventDto } from '@cjp/contracts';
import { report } from '../../shared/notices';
import type { ConnState } from '../../shared/socket';
import { liveApi } from './api';
import { openDevicesFeed, type DevicesFeed } from './feed';

/** Newest events kept in the list. */
const MAX_EVENTS = 200;
/** How long a new row stays highlighted. */
const FRESH_MS = 2500;

/** What else of the feed a store may follow: live values, commands, reconnects, sign-out. */
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

function byNewest(a: EventDto, b: EventDto): number {
  const ta = Date.parse(a.receivedAt);
  const tb = Date.parse(b.receivedAt);
  if (Number.isNaN(ta) || Number.isNaN(tb) || ta === tb) return 0;
  return tb - ta;
}

export const useLiveStore = defineStore('live', () => {
  const events = ref<EventDto[]>([]);
  /** ids of rows that just arrived over the socket (highlighted) */
  const fresh = reactive(new Set<string>());
  /** events received over the live feed since sign-in */
  const receivedCount = ref(0);
  const edges = ref<EdgeDto[]>([]);
  const conn = ref<ConnState>('offline');
  const loadingEvents = ref(false);
  const loadingEdges = ref(false);

  const listeners = new Set<FeedListener>();
  let feed: DevicesFeed | null = null;
  let timers: number[] = [];
  let generation = 0;

  /** Follows more of the `/devices` feed; returns the function that stops it. */
  function addFeedListener(listener: FeedListener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  /** Adds events from a REST page, keeping those already shown; newest first, at most MAX_EVENTS. */
  function mergeEvents(incoming: EventDto[]): void {
    const known = new Set(events.value.map((e) => e.id));
    const added = incoming.filter((e) => !known.has(e.id));
    if (added.length === 0) return;
    const all = [...events.value, ...added];
    all.sort(byNewest); // stable: ties keep their order
    events.value = all.slice(0, MAX_EVENTS);
  }

  function addLiveEvent(ev: EventDto): void {
    if (events.value.some((e) => e.id === ev.id)) return;
    receivedCount.value += 1;
    events.value.unshift(ev);
    if (events.value.length > MAX_EVENTS) events.value.splice(MAX_EVENTS);
    fresh.add(ev.id);
    const t = window.setTimeout(() => {
      fresh.delete(ev.id);
      timers = timers.filter((x) => x !== t);
    }, FRESH_MS);
    timers.push(t);
  }

  function sortEdges(): void {
    edges.value.sort((a, b) => a.siteId.localeCompare(b.siteId) || a.edgeId.localeCompare(b.edgeId));
  }

  function applyEdgeStatus(u: EdgeStatusUpdate): void {
    const edge = edges.value.find((e) => e.edgeId === u.edgeId);
    const status = u.status as Record<string, unknown> | null;
    if (edge) {
      edge.online = u.online;
      if (status) edge.status = status;
      if (u.online && u.status?.ts) edge.lastSeenAt = u.status.ts;
      return;
    }
    edges.value.push({ edgeId: u.edgeId, siteId: u.siteId, name: u.edgeId, online: u.online, ackedSeq: 0, lastSeenAt: u.status?.ts ?? null, status });
    sortEdges();
    void loadEdges(); // learn the new edge's name and acked seq
  }

  async function loadEvents(gen: number): Promise<void> {
    loadingEvents.value = true;
    try {
      const page = await liveApi.events(50);
      if (gen === generation) mergeEvents(page.items);
    } catch (err) {
      if (gen === generation) report(err);
    } finally {
      if (gen === generation) loadingEvents.value = false;
    }
  }

  async function loadEdges(gen = generation): Promise<void> {
    loadingEdges.value = true;
    try {
      const res = await liveApi.edges();
      if (gen !== generation) return;
      // the socket may have told us newer online/status meanwhile; REST wins for name and ackedSeq
      edges.value = res.items.map((e) => ({ ...e }));
      sortEdges();
    } catch (err) {
      if (gen === generation) report(err);
    } finally {
      if (gen === generation) loadingEdges.value = false;
    }
  }

  /** Opens the feed for a signed-in user. `sessionGone` is called when the hub refuses the token. */
  function start(token: string, sessionGone: () => void): void {
    stop();
    const gen = ++generation;
    const f = openDevicesFeed(token, {
      state: (s) => {
        if (gen === generation) conn.value = s;
      },
      reconnected: () => {
        // fill the gap of the outage
        void loadEvents(gen);
        void loadEdges(gen);
        for (const l of listeners) l.reconnected?.();
      },
      sessionGone,
    });
    feed = f;
    f.socket.on('event:accepted', (ev) => addLiveEvent(ev));
    f.socket.on('edge:status', (u) => applyEdgeStatus(u));
    f.socket.on('device:live', (u) => {
      for (const l of listeners) l.live?.(u);
    });
    f.socket.on('command:updated', (c) => {
      for (const l of listeners) l.command?.(c);
    });
    void loadEvents(gen);
    void loadEdges(gen);
  }

  /** Closes the feed and forgets everything (sign-out). */
  function stop(): void {
    generation++;
    feed?.close();
    feed = null;
    for (const t of timers) window.clearTimeout(t);
    timers = [];
    events.value = [];
    fresh.clear();
    receivedCount.value = 0;
    edges.value = [];
    conn.value = 'offline';
    loadingEvents.value = false;
    loadingEdges.value = false;
    for (const l of listeners) l.stopped?.();
  }

  return { events, fresh, receivedCount, edges, conn, loadingEvents, loadingEdges, addFeedListener, start, stop };
});
