/**
 * The gate monitor's state (`#/gate`): lanes, passages and the officers' queue of held passages.
 * REST gives the starting point (lanes, settings, held passages, the newest per lane); the `/gate`
 * feed keeps it current. After a reconnect everything is fetched again, and held or open passages
 * that the lists no longer name are fetched one by one, so nothing missed during the outage stays
 * missing and nothing resolved meanwhile stays in the queue.
 *
 * Passages carry `updatedAt`: an update older than the one shown is dropped (the socket's and a
 * REST answer's may cross).
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { GateSettings, Lane, Note, Passage, ResolveAction } from '@cjp/contracts';
import { ApiError } from '../../shared/api';
import { report } from '../../shared/notices';
import { currentToken, session } from '../../shared/session';
import type { ConnState } from '../../shared/socket';
import { useLiveStore } from '../live/store';
import { gateApi } from './api';
import { openGateFeed } from './feed';
import { useGateHistoryStore } from './history';
import { byNewest, isPassage, ms, normalised } from './passages';

/** Held passages fetched for the queue (the hub's list maximum is 5000). */
const HELD_LIMIT = 500;
/** Newest passages fetched across lanes. */
const RECENT_LIMIT = 50;
/** Passages kept in memory beyond the held ones and each lane's newest. */
const KEEP = 300;

export const useGateStore = defineStore('gate', () => {
  const history = useGateHistoryStore();
  const lanes = ref<Lane[]>([]);
  const settings = ref<GateSettings | null>(null);
  /** passages by id: held ones, each lane's newest and the recent ones */
  const passages = ref<Record<string, Passage>>({});
  /** release notes looked up for the explanation, by passportNo */
  const notes = ref<Record<string, Note>>({});
  /** why a note could not be looked up, by passportNo */
  const noteErrors = ref<Record<string, string>>({});
  /** the `/gate` socket */
  const conn = ref<ConnState>('offline');
  const loading = ref(false);
  /** the first load is done (lanes and passages) */
  const loaded = ref(false);
  /** the resolve action being posted, by passage id */
  const resolving = ref<Record<string, ResolveAction>>({});
  /** the passage whose explanation is open */
  const detail = ref<Passage | null>(null);

  let generation = 0;
  let feed: { close(): void } | null = null;
  let holders = 0;

  /** Each lane's passage for its tile: the newest open one, else the newest. */
  const lanePassages = computed(() => {
    const out: Record<string, Passage> = {};
    const openSeen: Record<string, boolean> = {};
    for (const p of Object.values(passages.value).sort(byNewest)) {
      if (p.open && !openSeen[p.laneId]) {
        out[p.laneId] = p;
        openSeen[p.laneId] = true;
      } else if (!out[p.laneId]) {
        out[p.laneId] = p;
      }
    }
    return out;
  });

  /** The officers' queue: held passages, newest first. */
  const heldQueue = computed(() =>
    Object.values(passages.value)
      .filter((p) => p.state === 'held')
      .sort(byNewest),
  );

  function laneName(id: string): string {
    return lanes.value.find((l) => l.id === id)?.name ?? id;
  }

  /**
   * Takes a passage in. `track`: keep it in the live set (socket, the monitor's lists); else it only
   * refreshes what is already shown (history rows, the explanation).
   */
  function applyPassage(raw: Passage, track: boolean): void {
    if (!isPassage(raw)) return;
    const p = normalised(raw);
    const cur = passages.value[p.id];
    if (cur && ms(cur.updatedAt) > ms(p.updatedAt)) return; // older than what is shown
    if (cur || track) passages.value[p.id] = p;
    history.refresh(p);
    if (detail.value?.id === p.id && ms(detail.value.updatedAt) <= ms(p.updatedAt)) detail.value = p;
    if (track && !cur) prune();
  }

  /** Forgets old passages that are neither held nor a lane's tile. */
  function prune(): void {
    const all = Object.values(passages.value);
    if (all.length <= KEEP + 50) return;
    const keep = new Set(Object.values(lanePassages.value).map((p) => p.id));
    const droppable = all.filter((p) => p.state !== 'held' && !p.open && !keep.has(p.id)).sort(byNewest);
    for (const p of droppable.slice(KEEP)) delete passages.value[p.id];
  }

  async function loadLanes(gen: number): Promise<void> {
    // the settings only explain thresholds: the monitor works without them
    const settingsOrNull = gateApi.settings().catch((err: unknown) => {
      report(err);
      return null;
    });
    const [list, s] = await Promise.all([gateApi.lanes(), settingsOrNull]);
    if (gen !== generation) return;
    lanes.value = [...list.items].sort((a, b) => a.id.localeCompare(b.id));
    if (s) settings.value = s;
  }

  async function loadPassages(gen: number): Promise<void> {
    const lists = await Promise.all([
      gateApi.passages({ state: 'held', limit: HELD_LIMIT }),
      gateApi.passages({ limit: RECENT_LIMIT }),
      ...lanes.value.map((l) => gateApi.passages({ laneId: l.id, limit: 1 })),
    ]);
    if (gen !== generation) return;
    const seen = new Set<string>();
    for (const list of lists) {
      for (const p of list.items) {
        seen.add(p.id);
        applyPassage(p, true);
      }
    }
    // Held or open passages the lists no longer name changed while we were away: ask for each.
    const stale = Object.values(passages.value).filter((p) => (p.state === 'held' || p.open) && !seen.has(p.id));
    await Promise.all(
      stale.map(async (p) => {
        try {
          const fresh = await gateApi.passage(p.id);
          if (gen === generation) applyPassage(fresh, true);
        } catch (err) {
          if (gen !== generation) return;
          if (err instanceof ApiError && err.status === 404) delete passages.value[p.id];
          else report(err);
        }
      }),
    );
  }

  /** Lanes, settings and passages, fetched again after every reconnect. */
  async function loadAll(gen: number): Promise<void> {
    loading.value = true;
    try {
      await loadLanes(gen);
      await loadPassages(gen);
      if (gen === generation) loaded.value = true;
    } catch (err) {
      if (gen === generation) report(err);
    } finally {
      if (gen === generation) loading.value = false;
    }
  }

  function start(): void {
    const token = currentToken();
    if (!token) return;
    stop();
    const gen = ++generation;
    feed = openGateFeed(token, {
      state: (s) => {
        if (gen === generation) conn.value = s;
      },
      reconnected: () => void loadAll(gen),
      passage: (p) => applyPassage(p, true),
      note: (n) => {
        if (typeof n?.passportNo === 'string' && notes.value[n.passportNo]) notes.value[n.passportNo] = n;
      },
    });
    void loadAll(gen);
  }

  function stop(): void {
    generation++;
    feed?.close();
    feed = null;
    conn.value = 'offline';
  }

  function reset(): void {
    stop();
    lanes.value = [];
    settings.value = null;
    passages.value = {};
    notes.value = {};
    noteErrors.value = {};
    loading.value = false;
    loaded.value = false;
    resolving.value = {};
    detail.value = null;
    history.reset();
  }

  /** Keeps the gate feed open while someone (the gate screen) holds it; returns the release. */
  function hold(): () => void {
    holders += 1;
    if (holders === 1) start();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      holders -= 1;
      if (holders === 0) stop();
    };
  }

  /**
   * Resolves a held passage (`POST …/resolve`); the reason is required. Resolves true when the hub
   * took it; the passage then leaves the queue (from the answer, and again from the socket).
   */
  async function resolvePassage(id: string, action: ResolveAction, reason: string): Promise<boolean> {
    const text = reason.trim();
    if (!text || resolving.value[id]) return false;
    resolving.value[id] = action;
    const gen = generation;
    try {
      const p = await gateApi.resolve(id, { action, reason: text });
      if (gen === generation) applyPassage(p, true);
      return gen === generation;
    } catch (err) {
      if (gen !== generation) return false;
      report(err);
      // 409: no longer held (another officer, or the gate itself, was quicker): show how it is now
      if (err instanceof ApiError && err.status === 409) void refreshPassage(id);
      return false;
    } finally {
      if (gen === generation) delete resolving.value[id];
    }
  }

  /** Fetches one passage again (the explanation, a 409). */
  async function refreshPassage(id: string): Promise<void> {
    const gen = generation;
    try {
      const p = await gateApi.passage(id);
      if (gen === generation) applyPassage(p, false);
    } catch (err) {
      if (gen === generation) report(err);
    }
  }

  async function loadNote(passportNo: string): Promise<void> {
    const gen = generation;
    try {
      const n = await gateApi.releaseNote(passportNo);
      if (gen !== generation) return;
      notes.value[passportNo] = n;
      delete noteErrors.value[passportNo];
    } catch (err) {
      if (gen !== generation || (err instanceof ApiError && err.status === 401)) return;
      noteErrors.value[passportNo] = err instanceof Error ? err.message : String(err);
    }
  }

  /** Opens a passage's explanation and fetches its newest state and its release note. */
  function openDetail(p: Passage): void {
    detail.value = normalised(p);
    void refreshPassage(p.id);
    if (p.passportNo) void loadNote(p.passportNo);
  }

  function closeDetail(): void {
    detail.value = null;
  }

  // Sign-out (the /devices feed stops): forget everything, whoever held the gate.
  useLiveStore().addFeedListener({
    stopped: () => {
      if (!session.user) reset();
    },
  });

  return {
    lanes,
    settings,
    passages,
    notes,
    noteErrors,
    conn,
    loading,
    loaded,
    resolving,
    detail,
    lanePassages,
    heldQueue,
    laneName,
    hold,
    resolvePassage,
    refreshPassage,
    openDetail,
    closeDetail,
  };
});
