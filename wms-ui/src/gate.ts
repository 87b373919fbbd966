/**
 * The gate monitor's state (`#/gate`): lanes, passages and the officers' queue of held passages.
 * REST gives the starting point (lanes, settings, held passages, the newest per lane); the `/gate`
 * socket keeps it current (`passage:updated`, `note:updated`; on join the hub sends every open and
 * held passage). After a reconnect everything is fetched again, and held or open passages that the
 * lists no longer name are fetched one by one, so nothing missed during the outage stays missing
 * and nothing resolved meanwhile stays in the queue.
 *
 * Passages carry `updatedAt`: an update older than the one shown is dropped (the socket's and a
 * REST answer's may cross).
 */
import { computed, reactive } from 'vue';
import { io, type Socket } from 'socket.io-client';
import type {
  DeviceHealth,
  GateClientToServer,
  GateServerToClient,
  GateSettings,
  Lane,
  LiveValues,
  Note,
  Passage,
  PassageState,
  ResolveAction,
  Role,
  RuleOutcome,
} from '@cjp/contracts';
import { ApiError, api, type PassageFilter } from './api';
import { deviceKey, devices, edgeView, liveValuesOf } from './devices';
import { formatTime } from './format';
import { i18n } from './i18n';
import { addFeedListener, live, type ConnState } from './live';
import { showError } from './notices';
import { currentToken, session } from './session';

/** Who may resolve a held passage. */
export const RESOLVE_ROLES: readonly Role[] = ['gate_officer', 'customs', 'admin'];
/** contracts' RESOLVE_ACTIONS, in the order the queue offers them (the UI imports contracts for types only). */
export const RESOLVE_ACTIONS = ['recollect', 'release', 'inspection', 'turn_back'] as const satisfies readonly ResolveAction[];

export function canResolve(role: Role | null | undefined): boolean {
  return !!role && RESOLVE_ROLES.includes(role);
}

/**
 * A rule's outcome in the screen's language: `gate.explain.<rule>.<code>` with the outcome's data as
 * parameters (lists joined, codes named). Records without a code, or with one this UI does not know
 * (an older UI against a newer hub), fall back to the hub's English `detail`.
 */
export function explainRule(r: RuleOutcome): string {
  const { t, te, locale } = i18n.global;
  const key = `gate.explain.${r.rule}.${r.code ?? ''}`;
  if (!r.code || !te(key)) return r.detail;
  const named = (prefix: string, v: unknown) => (typeof v === 'string' && te(`${prefix}.${v}`) ? t(`${prefix}.${v}`) : String(v ?? ''));
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.data ?? {})) {
    if (Array.isArray(v)) params[k] = v.length ? v.join(', ') : t('gate.explain.noneListed');
    else if (k === 'status') params[k] = named('gate.noteStatus', v);
    else if (k === 'ioTypecd') params[k] = named('gate.explain.io', v);
    else if (k === 'lane') params[k] = named('gate.directionTitle', v);
    else if (k === 'vehicle' && (v === 'empty' || v === 'loaded')) params[k] = t(`gate.explain.vehicleKind.${v}`);
    else if (k === 'passTime' && typeof v === 'string') params[k] = formatTime(v, locale.value);
    else params[k] = String(v ?? '');
  }
  return t(key, params);
}

/** Held passages fetched for the queue (the hub's list maximum is 5000). */
const HELD_LIMIT = 500;
/** Newest passages fetched across lanes. */
const RECENT_LIMIT = 50;
/** Passages kept in memory beyond the held ones and each lane's newest. */
const KEEP = 300;
/** A refused `/gate` socket (no gate module yet, a hub restarting) is tried again after this, ms. */
const REFUSED_RETRY_MS = 10_000;

export const gate = reactive({
  lanes: [] as Lane[],
  settings: null as GateSettings | null,
  /** passages by id: held ones, each lane's newest and the recent ones */
  passages: {} as Record<string, Passage>,
  /** release notes looked up for the explanation, by passportNo */
  notes: {} as Record<string, Note>,
  /** why a note could not be looked up, by passportNo */
  noteErrors: {} as Record<string, string>,
  /** the `/gate` socket */
  conn: 'offline' as ConnState,
  loading: false,
  /** the first load is done (lanes and passages) */
  loaded: false,
  /** the resolve action being posted, by passage id */
  resolving: {} as Record<string, ResolveAction>,
  /** the passage whose explanation is open */
  detail: null as Passage | null,
});

/** The history form as typed (kept while the user visits other screens). */
export interface HistoryForm {
  vehicleNo: string;
  containerNo: string;
  passportNo: string;
  /** `datetime-local` values, site time */
  from: string;
  to: string;
  laneId: string;
  state: PassageState | '';
}
export const emptyHistoryForm = (): HistoryForm => ({ vehicleNo: '', containerNo: '', passportNo: '', from: '', to: '', laneId: '', state: '' });

export const history = reactive({
  form: emptyHistoryForm(),
  /** the filter of the last search */
  filter: null as PassageFilter | null,
  items: [] as Passage[],
  searching: false,
  searched: false,
});

function ms(iso: string | null | undefined): number {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(t) ? 0 : t;
}

/** Newest first, by when the vehicle arrived; ids break ties so the order is stable. */
export function byNewest(a: Passage, b: Passage): number {
  return ms(b.openedAt) - ms(a.openedAt) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/** The decision in force: the latest one. */
export function latestDecision(p: Passage): Passage['decisions'][number] | null {
  let best: Passage['decisions'][number] | null = null;
  for (const d of p.decisions) if (!best || ms(d.at) >= ms(best.at)) best = d;
  return best;
}

/** Each lane's passage for its tile: the newest open one, else the newest. */
export const lanePassages = computed(() => {
  const out: Record<string, Passage> = {};
  const openSeen: Record<string, boolean> = {};
  for (const p of Object.values(gate.passages).sort(byNewest)) {
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
export const heldQueue = computed(() =>
  Object.values(gate.passages)
    .filter((p) => p.state === 'held')
    .sort(byNewest),
);

/** A lane device's newest live values (`/devices` feed or the edge's status), or null. */
export function laneDeviceValues(edgeId: string, deviceId: string | null | undefined): LiveValues | null {
  if (!deviceId) return null;
  const edge = live.edges.find((e) => e.edgeId === edgeId);
  if (edge) {
    const view = edgeView(edge);
    const health: DeviceHealth | undefined = view.devices.find((d) => d.deviceId === deviceId);
    if (health) return liveValuesOf(edgeId, health, view.statusAt);
  }
  return devices.live[deviceKey(edgeId, deviceId)]?.values ?? null;
}

function isPassage(v: unknown): v is Passage {
  if (typeof v !== 'object' || v === null) return false;
  const p = v as Partial<Passage>;
  return typeof p.id === 'string' && typeof p.laneId === 'string' && typeof p.state === 'string' && typeof p.openedAt === 'string';
}

/** Normalises arrays the hub might leave out, so the templates need no guards. */
function normalised(p: Passage): Passage {
  return {
    ...p,
    holdReasons: p.holdReasons ?? [],
    decisions: p.decisions ?? [],
    resolutions: p.resolutions ?? [],
    readings: {
      plates: p.readings?.plates ?? [],
      etags: p.readings?.etags ?? [],
      containers: p.readings?.containers ?? [],
      weights: p.readings?.weights ?? [],
    },
  };
}

/**
 * Takes a passage in. `track`: keep it in the live set (socket, the monitor's lists); else it only
 * refreshes what is already shown (history rows, the explanation).
 */
function applyPassage(raw: Passage, track: boolean): void {
  if (!isPassage(raw)) return;
  const p = normalised(raw);
  const cur = gate.passages[p.id];
  if (cur && ms(cur.updatedAt) > ms(p.updatedAt)) return; // older than what is shown
  if (cur || track) gate.passages[p.id] = p;
  const i = history.items.findIndex((x) => x.id === p.id);
  if (i >= 0 && ms(history.items[i]?.updatedAt) <= ms(p.updatedAt)) history.items[i] = p;
  if (gate.detail?.id === p.id && ms(gate.detail.updatedAt) <= ms(p.updatedAt)) gate.detail = p;
  if (track && !cur) prune();
}

/** Forgets old passages that are neither held nor a lane's tile. */
function prune(): void {
  const all = Object.values(gate.passages);
  if (all.length <= KEEP + 50) return;
  const keep = new Set(Object.values(lanePassages.value).map((p) => p.id));
  const droppable = all.filter((p) => p.state !== 'held' && !p.open && !keep.has(p.id)).sort(byNewest);
  for (const p of droppable.slice(KEEP)) delete gate.passages[p.id];
}

function report(err: unknown): void {
  if (!(err instanceof ApiError && err.status === 401)) showError(err);
}

let generation = 0;
let socket: Socket<GateServerToClient, GateClientToServer> | null = null;
let retryTimer: number | null = null;
let holders = 0;

async function loadLanes(gen: number): Promise<void> {
  // the settings only explain thresholds: the monitor works without them
  const settingsOrNull = api.gateSettings().catch((err: unknown) => {
    report(err);
    return null;
  });
  const [lanes, settings] = await Promise.all([api.gateLanes(), settingsOrNull]);
  if (gen !== generation) return;
  gate.lanes = [...lanes.items].sort((a, b) => a.id.localeCompare(b.id));
  if (settings) gate.settings = settings;
}

async function loadPassages(gen: number): Promise<void> {
  const lists = await Promise.all([
    api.passages({ state: 'held', limit: HELD_LIMIT }),
    api.passages({ limit: RECENT_LIMIT }),
    ...gate.lanes.map((l) => api.passages({ laneId: l.id, limit: 1 })),
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
  const stale = Object.values(gate.passages).filter((p) => (p.state === 'held' || p.open) && !seen.has(p.id));
  await Promise.all(
    stale.map(async (p) => {
      try {
        const fresh = await api.passage(p.id);
        if (gen === generation) applyPassage(fresh, true);
      } catch (err) {
        if (gen !== generation) return;
        if (err instanceof ApiError && err.status === 404) delete gate.passages[p.id];
        else report(err);
      }
    }),
  );
}

/** Lanes, settings and passages, fetched again after every reconnect. */
async function loadAll(gen: number): Promise<void> {
  gate.loading = true;
  try {
    await loadLanes(gen);
    await loadPassages(gen);
    if (gen === generation) gate.loaded = true;
  } catch (err) {
    if (gen === generation) report(err);
  } finally {
    if (gen === generation) gate.loading = false;
  }
}

function clearRetry(): void {
  if (retryTimer !== null) window.clearTimeout(retryTimer);
  retryTimer = null;
}

function startGate(): void {
  const token = currentToken();
  if (!token) return;
  stopGate();
  const gen = ++generation;
  gate.conn = 'reconnecting';
  const s: Socket<GateServerToClient, GateClientToServer> = io('/gate', { auth: { token } });
  socket = s;
  let connectedBefore = false;

  s.on('connect', () => {
    if (gen !== generation) return;
    gate.conn = 'live';
    // the first connect needs no refetch: the REST load below started with the socket
    if (connectedBefore) void loadAll(gen);
    connectedBefore = true;
  });
  s.on('disconnect', (reason) => {
    if (gen !== generation) return;
    if (reason === 'io client disconnect') gate.conn = 'offline';
    else if (reason === 'io server disconnect') {
      gate.conn = 'offline';
      // closed by the hub (session revoked?): a 401 from /me signs out, else try again
      api.me().then(
        () => {
          if (gen === generation) {
            gate.conn = 'reconnecting';
            s.connect();
          }
        },
        () => {},
      );
    } else gate.conn = navigator.onLine === false ? 'offline' : 'reconnecting';
  });
  s.on('connect_error', (err) => {
    if (gen !== generation) return;
    if (s.active) {
      gate.conn = navigator.onLine === false ? 'offline' : 'reconnecting'; // socket.io retries by itself
      return;
    }
    // Refused by the hub: the session is gone (then /me answers 401 and signs out), or the hub
    // has no /gate namespace (yet). Say so and try again later.
    gate.conn = 'offline';
    api.me().then(
      () => {
        if (gen !== generation) return;
        showError(new Error(i18n.global.t('gate.feedRefused', { reason: err.message })));
        clearRetry();
        retryTimer = window.setTimeout(() => {
          retryTimer = null;
          if (gen === generation && !s.connected) {
            gate.conn = 'reconnecting';
            s.connect();
          }
        }, REFUSED_RETRY_MS);
      },
      () => {},
    );
  });
  s.on('passage:updated', (p) => {
    if (gen === generation) applyPassage(p, true);
  });
  s.on('note:updated', (n) => {
    if (gen === generation && typeof n?.passportNo === 'string' && gate.notes[n.passportNo]) gate.notes[n.passportNo] = n;
  });

  void loadAll(gen);
}

function stopGate(): void {
  generation++;
  clearRetry();
  if (socket) {
    socket.removeAllListeners();
    socket.disconnect();
    socket = null;
  }
  gate.conn = 'offline';
}

function reset(): void {
  stopGate();
  gate.lanes = [];
  gate.settings = null;
  gate.passages = {};
  gate.notes = {};
  gate.noteErrors = {};
  gate.loading = false;
  gate.loaded = false;
  gate.resolving = {};
  gate.detail = null;
  history.form = emptyHistoryForm();
  history.filter = null;
  history.items = [];
  history.searching = false;
  history.searched = false;
}

/** Keeps the gate feed open while someone (the gate screen) holds it; returns the release. */
export function holdGate(): () => void {
  holders += 1;
  if (holders === 1) startGate();
  let released = false;
  return () => {
    if (released) return;
    released = true;
    holders -= 1;
    if (holders === 0) stopGate();
  };
}

/**
 * Resolves a held passage (`POST …/resolve`); the reason is required. Resolves true when the hub
 * took it; the passage then leaves the queue (from the answer, and again from the socket).
 */
export async function resolvePassage(id: string, action: ResolveAction, reason: string): Promise<boolean> {
  const text = reason.trim();
  if (!text || gate.resolving[id]) return false;
  gate.resolving[id] = action;
  const gen = generation;
  try {
    const p = await api.resolvePassage(id, { action, reason: text });
    if (gen === generation) applyPassage(p, true);
    return gen === generation;
  } catch (err) {
    if (gen !== generation) return false;
    report(err);
    // 409: no longer held (another officer, or the gate itself, was quicker): show how it is now
    if (err instanceof ApiError && err.status === 409) void refreshPassage(id);
    return false;
  } finally {
    if (gen === generation) delete gate.resolving[id];
  }
}

/** Fetches one passage again (the explanation, a 409). */
export async function refreshPassage(id: string): Promise<void> {
  const gen = generation;
  try {
    const p = await api.passage(id);
    if (gen === generation) applyPassage(p, false);
  } catch (err) {
    if (gen === generation) report(err);
  }
}

/** Opens a passage's explanation and fetches its newest state and its release note. */
export function openDetail(p: Passage): void {
  gate.detail = normalised(p);
  void refreshPassage(p.id);
  if (p.passportNo) void loadNote(p.passportNo);
}

export function closeDetail(): void {
  gate.detail = null;
}

export async function loadNote(passportNo: string): Promise<void> {
  const gen = generation;
  try {
    const n = await api.releaseNote(passportNo);
    if (gen !== generation) return;
    gate.notes[passportNo] = n;
    delete gate.noteErrors[passportNo];
  } catch (err) {
    if (gen !== generation || (err instanceof ApiError && err.status === 401)) return;
    gate.noteErrors[passportNo] = err instanceof Error ? err.message : String(err);
  }
}

let searchAbort: AbortController | null = null;

/** The history search; a newer search cancels the one still running. */
export async function searchPassages(filter: PassageFilter): Promise<void> {
  searchAbort?.abort();
  const ctrl = new AbortController();
  searchAbort = ctrl;
  history.searching = true;
  history.filter = filter;
  try {
    const res = await api.passages(filter, ctrl.signal);
    if (searchAbort !== ctrl) return;
    history.items = res.items.filter(isPassage).map(normalised);
    history.searched = true;
  } catch (err) {
    if (searchAbort === ctrl) report(err);
  } finally {
    if (searchAbort === ctrl) {
      history.searching = false;
      searchAbort = null;
    }
  }
}

// Sign-out (the /devices feed stops): forget everything, whoever held the gate.
addFeedListener({
  stopped: () => {
    if (!session.user) {
      searchAbort?.abort();
      searchAbort = null;
      reset();
    }
  },
});
