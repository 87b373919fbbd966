import type { DeviceHealth } from '@cjp/contracts';
import type { Logger } from 'pino';
import type { ReadingSink } from './reading.js';
import type { TransportState } from './transports/byte-transport.js';

/** A configured device: a transport plus a driver that turns its bytes into readings. */
export interface Device {
  readonly id: string;
  readonly driver: string;
  start(): void;
  close(): Promise<void>;
  health(): DeviceHealth;
}

export interface DeviceContext {
  sink: ReadingSink;
  logger: Logger;
  now: () => Date;
  /** called when the device's state changes, so the hub hears about it promptly */
  onStateChange: () => void;
}

/** Counters behind a device's health; one per device. */
export class HealthTracker {
  private state: TransportState = 'disconnected';
  private lastReadingAt: string | null = null;
  private readings = 0;
  private errors = 0;
  private lastError: string | null = null;

  constructor(
    readonly deviceId: string,
    readonly driver: string,
  ) {}

  setState(state: TransportState): boolean {
    const changed = state !== this.state;
    this.state = state;
    return changed;
  }

  reading(ts: string): void {
    this.readings += 1;
    this.lastReadingAt = ts;
  }

  error(message: string): void {
    this.errors += 1;
    this.lastError = message;
  }

  snapshot(): DeviceHealth {
    return {
      deviceId: this.deviceId,
      driver: this.driver,
      state: this.state,
      lastReadingAt: this.lastReadingAt,
      readings: this.readings,
      errors: this.errors,
      lastError: this.lastError,
    };
  }
}
