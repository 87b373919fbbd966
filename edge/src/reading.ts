import type { EventKind, ScanData } from '@cjp/contracts';

/** What a driver hands to the agent; the agent gives it a seq and an envelope in the outbox. */
export interface DeviceReading<K extends EventKind = EventKind, D = unknown> {
  kind: K;
  deviceId: string;
  /** when the device produced the reading (ISO 8601, UTC) */
  ts: string;
  data: D;
}

export type ScanReading = DeviceReading<'scan', ScanData>;

export type SubmitResult = { ok: true; seq: number } | { ok: false; error: string };

/** The agent as drivers see it (STYLE.md P8): drivers only submit, never touch the outbox or MQTT. */
export interface ReadingSink {
  submit(reading: DeviceReading): SubmitResult;
}
