/**
 * The Devices screen's state, on top of the `/devices` feed of live.ts:
 * - each edge's devices from its last status (`edge:status`, REST `/api/v1/edges`), remembered
 *   while the edge is offline (its offline status lists none);
 * - the devices' newest live values: `device:live` or the status, whichever the edge made later;
 * - since when a device has been down, as far as this page saw it;
 * - the newest command per device and its answer (`command:updated`, REST `/api/v1/commands`).
 */
import { computed, reactive, ref, watch } from 'vue';
import type { CommandDto, CommandRequest, DeviceHealth, EdgeDto, LiveValues, OutboxHealth, Role } from '@cjp/contracts';
import { api, ApiError } from './api';
import { devicesOf, outboxOf } from './format';
import { addFeedListener, live } from './live';
import { showError } from './notices';
import { session } from './session';

/** Who may send commands (the hub answers 403 to everyone else): operators, gate officers, admins. */
export const COMMAND_ROLES: readonly Role[] = ['operator', 'gate_officer', 'admin'];
/** Who may read the command list (`GET /api/v1/commands`). */
const COMMAND_READER_ROLES: readonly Role[] = ['operator', 'gate_officer', 'manager', 'customs', 'admin'];
/** Commands fetched to show each device's newest one. */
const COMMAND_HISTORY = 100;

export function canCommand(role: Role | null | undefined): boolean {
  return !!role && COMMAND_ROLES.includes(role);
}

export function deviceKey(edgeId: string, deviceId: string): string {
  return `${edgeId}/${deviceId}`;
}

interface TimedValues {
  values: LiveValues;
  /** the edge's time of the values */
  ts: string;
}

/** Since when a device is not connected, as this page saw it. */
export interface DownSince {
  /** the time of the first status that showed it down */
  since: string;
  /** true when a status before that one showed it connected (else it was down when first seen) */
  exact: boolean;
}

interface KnownDevices {
  devices: DeviceHealth[];
  /** the time of the status they came from */
  ts: string | null;
  version: string | null;
}

export const devices = reactive({
  /** live values from `device:live`, by deviceKey */
  live: {} as Record<string, TimedValues>,
  /** devices not connected, by deviceKey */
  down: {} as Record<string, DownSince>,
  /** each edge's devices from its last status that listed any, by edgeId */
  known: {} as Record<string, KnownDevices>,
  /** the newest command of each device, by deviceKey */
  commands: {} as Record<string, CommandDto>,
  /** the action being posted to each device (a request in flight), by deviceKey */
  sending: {} as Record<string, string>,
  /** the command list was fetched (then it is fetched again after a reconnect) */
  commandsLoaded: false,
});

let generation = 0;
/** deviceKeys last seen connected: a later "down" then has an exact start */
const seenConnected = new Set<string>();

function statusTs(status: Record<string, unknown> | null): string | null {
  return typeof status?.ts === 'string' ? status.ts : null;
}

function observe(edge: EdgeDto): void {
  const list = devicesOf(edge.status);
  if (list.length === 0) return; // an offline edge's last will lists no devices: keep what was known
  const ts = statusTs(edge.status);
  const version = typeof edge.status?.version === 'string' ? edge.status.version : null;
  devices.known[edge.edgeId] = { devices: list, ts, version };
  for (const d of list) {
    const key = deviceKey(edge.edgeId, d.deviceId);
    if (d.state === 'connected') {
      seenConnected.add(key);
      if (devices.down[key]) delete devices.down[key];
    } else if (!devices.down[key]) {
      devices.down[key] = { since: ts ?? new Date().toISOString(), exact: seenConnected.has(key) };
      seenConnected.delete(key);
    }
  }
}

// Every status that reaches live.edges (REST list or `edge:status`) passes here.
watch(
  () => live.edges.map((e) => e.status),
  () => {
    for (const e of live.edges) observe(e);
  },
  { immediate: true },
);

function laterThan(a: string | null | undefined, b: string | null | undefined): boolean {
  const ta = a ? Date.parse(a) : NaN;
  const tb = b ? Date.parse(b) : NaN;
  if (Number.isNaN(ta)) return false;
  if (Number.isNaN(tb)) return true;
  return ta > tb;
}

/** A device's newest live values: from `device:live` or from the status at `statusAt`, whichever is later. */
export function liveValuesOf(edgeId: string, device: DeviceHealth, statusAt: string | null): LiveValues | null {
  const fed = devices.live[deviceKey(edgeId, device.deviceId)];
  if (!device.live) return fed?.values ?? null;
  if (!fed || laterThan(statusAt, fed.ts)) return device.live;
  return fed.values;
}

/** One edge as the Devices screen shows it. */
export interface EdgeView {
  edge: EdgeDto;
  devices: DeviceHealth[];
  /** the edge is offline: the devices are the last known ones */
  stale: boolean;
  /** the time of the status the devices come from */
  statusAt: string | null;
  version: string | null;
  outbox: OutboxHealth | null;
  /** the plain depth, from edges that send no outbox health */
  outboxDepth: number | null;
}

export function edgeView(edge: EdgeDto): EdgeView {
  const listed = devicesOf(edge.status);
  const known = devices.known[edge.edgeId];
  const fromStatus = listed.length > 0 || !known;
  const depth = edge.status?.outboxDepth;
  const version = typeof edge.status?.version === 'string' ? edge.status.version : null;
  return {
    edge,
    devices: fromStatus ? listed : known.devices,
    stale: !edge.online,
    statusAt: fromStatus ? statusTs(edge.status) : known.ts,
    version: version ?? known?.version ?? null,
    outbox: edge.online ? outboxOf(edge.status) : null,
    outboxDepth: edge.online && typeof depth === 'number' ? depth : null,
  };
}

/** Edges whose outbox is at `warning` or `full`: an alarm for the operator. */
export const outboxAlarms = computed(() =>
  live.edges.flatMap((e) => {
    const o = e.online ? outboxOf(e.status) : null;
    return o && o.level !== 'ok' ? [{ edgeId: e.edgeId, name: e.name, level: o.level }] : [];
  }),
);

/** queued → sent → an answer; the answers themselves may overturn each other (a late real answer beats "expired") */
const COMMAND_RANK: Record<CommandDto['state'], number> = { queued: 0, sent: 1, ok: 2, failed: 2, expired: 2 };

function applyCommand(c: CommandDto): void {
  const key = deviceKey(c.edgeId, c.deviceId);
  const current = devices.commands[key];
  if (current && current.id === c.id) {
    // the "queued" and "sent" echoes may arrive after the answer: a command never goes back
    if (COMMAND_RANK[c.state] < COMMAND_RANK[current.state]) return;
  } else if (current && laterThan(current.issuedAt, c.issuedAt)) {
    return; // an older command of this device
  }
  devices.commands[key] = c;
}

function isCommandDto(v: unknown): v is CommandDto {
  if (typeof v !== 'object' || v === null) return false;
  const c = v as Partial<CommandDto>;
  return typeof c.id === 'string' && typeof c.edgeId === 'string' && typeof c.deviceId === 'string' && typeof c.state === 'string';
}

function report(err: unknown): void {
  if (!(err instanceof ApiError && err.status === 401)) showError(err);
}

/** Fetches the newest commands, to show each device's last one (roles that may read them only). */
export async function loadCommands(): Promise<void> {
  const role = session.user?.role;
  if (!role || !COMMAND_READER_ROLES.includes(role)) return;
  const gen = generation;
  try {
    const res = await api.commands(COMMAND_HISTORY);
    if (gen !== generation) return;
    for (const c of [...res.items].reverse()) if (isCommandDto(c)) applyCommand(c);
    devices.commandsLoaded = true;
  } catch (err) {
    if (gen === generation) report(err);
  }
}

/**
 * Sends a command (`open`, `close`, `show` …); its answer arrives on `command:updated`.
 * Resolves true when the hub accepted it (202). One request per device at a time.
 */
export async function sendCommand(edgeId: string, deviceId: string, action: string, args: Record<string, unknown> = {}): Promise<boolean> {
  const key = deviceKey(edgeId, deviceId);
  if (devices.sending[key]) return false;
  devices.sending[key] = action;
  const gen = generation;
  const body: Pick<CommandRequest, 'action' | 'args'> = { action, args };
  try {
    const dto = await api.sendCommand(edgeId, deviceId, body);
    if (gen === generation && isCommandDto(dto)) applyCommand(dto);
    return gen === generation;
  } catch (err) {
    if (gen !== generation) return false;
    // a command stored but not published comes back in the error's details, already failed
    const failed = err instanceof ApiError ? err.details?.command : undefined;
    if (isCommandDto(failed)) applyCommand(failed);
    report(err);
    return false;
  } finally {
    if (gen === generation) delete devices.sending[key];
  }
}

/** The wall clock the screen's ages tick on: updated every second while someone holds it. */
export const clock = ref(Date.now());
let clockTimer: number | null = null;
let clockHolders = 0;

/** Starts the ticking; returns the function that releases it. */
export function holdClock(): () => void {
  clockHolders += 1;
  clock.value = Date.now();
  clockTimer ??= window.setInterval(() => {
    clock.value = Date.now();
  }, 1000);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    clockHolders -= 1;
    if (clockHolders === 0 && clockTimer !== null) {
      window.clearInterval(clockTimer);
      clockTimer = null;
    }
  };
}

function reset(): void {
  generation += 1;
  seenConnected.clear();
  devices.live = {};
  devices.down = {};
  devices.known = {};
  devices.commands = {};
  devices.sending = {};
  devices.commandsLoaded = false;
}

addFeedListener({
  live(u) {
    for (const [deviceId, values] of Object.entries(u.devices)) {
      const key = deviceKey(u.edgeId, deviceId);
      const current = devices.live[key];
      if (current && laterThan(current.ts, u.ts)) continue; // an older frame, delivered late
      devices.live[key] = { values, ts: u.ts };
    }
  },
  command(c) {
    if (isCommandDto(c)) applyCommand(c);
  },
  reconnected() {
    // answers given while the socket was away
    if (devices.commandsLoaded) void loadCommands();
  },
  stopped: reset,
});
