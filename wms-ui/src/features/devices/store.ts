/**
 * The Devices screen's state, on top of the `/devices` feed of the live store:
 * - each edge's devices from its last status (`edge:status`, REST `/api/v1/edges`), remembered
 *   while the edge is offline (its offline status lists none);
 * - the devices' newest live values: `device:live` or the status, whichever the edge made later;
 * - since when a device has been down, as far as this page saw it.
 * Commands live in commands.ts.
 */
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import type { DeviceHealth, EdgeDto, LiveValues, OutboxHealth } from '@cjp/contracts';
import { devicesOf, outboxOf, statusTs } from '../../shared/edge-status';
import type { NavAlarm } from '../../shared/routing';
import { useLiveStore } from '../live/store';
import { deviceKey, laterThan } from './health';

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

export const useDevicesStore = defineStore('devices', () => {
  const live = useLiveStore();
  /** live values from `device:live`, by deviceKey */
  const values = ref<Record<string, TimedValues>>({});
  /** devices not connected, by deviceKey */
  const down = ref<Record<string, DownSince>>({});
  /** each edge's devices from its last status that listed any, by edgeId */
  const known = ref<Record<string, KnownDevices>>({});

  /** deviceKeys last seen connected: a later "down" then has an exact start */
  const seenConnected = new Set<string>();

  function observe(edge: EdgeDto): void {
    const list = devicesOf(edge.status);
    if (list.length === 0) return; // an offline edge's last will lists no devices: keep what was known
    const ts = statusTs(edge.status);
    const version = typeof edge.status?.version === 'string' ? edge.status.version : null;
    known.value[edge.edgeId] = { devices: list, ts, version };
    for (const d of list) {
      const key = deviceKey(edge.edgeId, d.deviceId);
      if (d.state === 'connected') {
        seenConnected.add(key);
        if (down.value[key]) delete down.value[key];
      } else if (!down.value[key]) {
        down.value[key] = { since: ts ?? new Date().toISOString(), exact: seenConnected.has(key) };
        seenConnected.delete(key);
      }
    }
  }

  // Every status that reaches the live store's edges (REST list or `edge:status`) passes here.
  watch(
    () => live.edges.map((e) => e.status),
    () => {
      for (const e of live.edges) observe(e);
    },
    { immediate: true },
  );

  /** A device's newest live values: from `device:live` or from the status at `statusAt`, whichever is later. */
  function liveValuesOf(edgeId: string, device: DeviceHealth, statusAt: string | null): LiveValues | null {
    const fed = values.value[deviceKey(edgeId, device.deviceId)];
    if (!device.live) return fed?.values ?? null;
    if (!fed || laterThan(statusAt, fed.ts)) return device.live;
    return fed.values;
  }

  function edgeView(edge: EdgeDto): EdgeView {
    const listed = devicesOf(edge.status);
    const mem = known.value[edge.edgeId];
    const fromStatus = listed.length > 0 || !mem;
    const depth = edge.status?.outboxDepth;
    const version = typeof edge.status?.version === 'string' ? edge.status.version : null;
    return {
      edge,
      devices: fromStatus ? listed : mem.devices,
      stale: !edge.online,
      statusAt: fromStatus ? statusTs(edge.status) : mem.ts,
      version: version ?? mem?.version ?? null,
      outbox: edge.online ? outboxOf(edge.status) : null,
      outboxDepth: edge.online && typeof depth === 'number' ? depth : null,
    };
  }

  /** A device's newest live values by its ids (a gate lane's scale and barrier), or null. */
  function deviceValues(edgeId: string, deviceId: string | null | undefined): LiveValues | null {
    if (!deviceId) return null;
    const edge = live.edges.find((e) => e.edgeId === edgeId);
    if (edge) {
      const view = edgeView(edge);
      const health = view.devices.find((d) => d.deviceId === deviceId);
      if (health) return liveValuesOf(edgeId, health, view.statusAt);
    }
    return values.value[deviceKey(edgeId, deviceId)]?.values ?? null;
  }

  /** Edges whose outbox is at `warning` or `full`: an alarm for the operator. */
  const outboxAlarms = computed(() =>
    live.edges.flatMap((e) => {
      const o = e.online ? outboxOf(e.status) : null;
      return o && o.level !== 'ok' ? [{ edgeId: e.edgeId, name: e.name, level: o.level }] : [];
    }),
  );

  /** The alarm beside "Devices" in the menu. */
  function navAlarm(): NavAlarm | null {
    const n = outboxAlarms.value.length;
    return n ? { count: n, severe: outboxAlarms.value.some((a) => a.level === 'full'), labelKey: 'nav.devicesAlarm' } : null;
  }

  live.addFeedListener({
    live(u) {
      for (const [deviceId, v] of Object.entries(u.devices)) {
        const key = deviceKey(u.edgeId, deviceId);
        const current = values.value[key];
        if (current && laterThan(current.ts, u.ts)) continue; // an older frame, delivered late
        values.value[key] = { values: v, ts: u.ts };
      }
    },
    stopped() {
      seenConnected.clear();
      values.value = {};
      down.value = {};
      known.value = {};
    },
  });

  return { values, down, known, liveValuesOf, edgeView, deviceValues, outboxAlarms, navAlarm };
});
