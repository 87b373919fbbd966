import type { DEVICE_STATES } from '@cjp/contracts';

export type TransportState = (typeof DEVICE_STATES)[number];

export interface TransportHandlers {
  onData(chunk: Buffer): void;
  /** `error` is why the link went down or could not be opened, when known. */
  onState(state: TransportState, error?: Error): void;
}

/**
 * Brings a device's bytes (STYLE.md P8, connector side). Knows nothing about frames or barcodes;
 * reconnects by itself until closed.
 */
export interface ByteTransport {
  /** e.g. "tcp://10.0.0.5:9101", for logs and health */
  readonly description: string;
  readonly state: TransportState;
  start(handlers: TransportHandlers): void;
  close(): Promise<void>;
}
