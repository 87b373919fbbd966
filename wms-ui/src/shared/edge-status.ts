/** An edge's last status message (`edge:status`, REST `/api/v1/edges`), read defensively: it is free-form JSON. */
import type { DeviceHealth, OutboxHealth } from '@cjp/contracts';

/** The device health list inside an edge's last status message, read defensively. */
export function devicesOf(status: Record<string, unknown> | null | undefined): DeviceHealth[] {
  const list = status?.devices;
  if (!Array.isArray(list)) return [];
  return list.filter(
    (d): d is DeviceHealth => typeof d === 'object' && d !== null && typeof (d as { deviceId?: unknown }).deviceId === 'string',
  );
}

/** The outbox health inside an edge's last status message, read defensively. */
export function outboxOf(status: Record<string, unknown> | null | undefined): OutboxHealth | null {
  const o = status?.outbox;
  if (typeof o !== 'object' || o === null) return null;
  const v = o as Partial<OutboxHealth>;
  if (typeof v.depth !== 'number' || (v.level !== 'ok' && v.level !== 'warning' && v.level !== 'full')) return null;
  return {
    depth: v.depth,
    bytes: typeof v.bytes === 'number' ? v.bytes : 0,
    oldestAgeS: typeof v.oldestAgeS === 'number' ? v.oldestAgeS : null,
    maxBytes: typeof v.maxBytes === 'number' ? v.maxBytes : 0,
    maxAgeS: typeof v.maxAgeS === 'number' ? v.maxAgeS : 0,
    level: v.level,
  };
}

/** The edge's time of the status, when it says. */
export function statusTs(status: Record<string, unknown> | null | undefined): string | null {
  return typeof status?.ts === 'string' ? status.ts : null;
}
