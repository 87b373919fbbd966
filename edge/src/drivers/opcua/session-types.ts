import type { OpcuaDeviceConfig } from '../../config.js';
import type { TransportState } from '../../transports/byte-transport.js';
import type { OpcuaValue } from './values.js';

// The types a connection and its connect attempts share (its own file, so neither imports the other for them).

export type OpcuaEndpoint = OpcuaDeviceConfig['endpoint'];

/** A tag a device wants to hear about. */
export interface OpcuaWatch {
  /** the device's name for it ("gross", "state" …) */
  key: string;
  /** node id text, ns= or nsu= */
  nodeId: string;
  /** absolute deadband (numeric tags only) */
  deadband?: number;
  /** StatusValueTimestamp: also report a rewrite of the same value with a new source timestamp (scan data) */
  trigger?: 'StatusValue' | 'StatusValueTimestamp';
  /** overrides the device's sampling interval (0: every change, where the server can) */
  samplingIntervalMs?: number;
}

export interface OpcuaChange {
  key: string;
  value: OpcuaValue;
  /** the first value after the monitored item was (re)created: the tag's current value, not necessarily a change */
  initial: boolean;
}

/** A device as the connection sees it (STYLE.md P11: register/deregister). */
export interface OpcuaMember {
  readonly id: string;
  readonly watches: readonly OpcuaWatch[];
  /** monitored item settings */
  readonly samplingIntervalMs: number;
  readonly queueSize: number;
  onState(state: TransportState, error?: string): void;
  /** the changes of one publish response, in arrival order */
  onChanges(changes: readonly OpcuaChange[]): void;
  /** a tag could not be monitored (unknown node, namespace …); retried at the next reconnect */
  onWatchError(message: string): void;
}

/** What a command may do with the session; node ids as text (ns= or nsu=). */
export interface OpcuaSessionOps {
  read(nodeId: string): Promise<OpcuaValue>;
  /** the built-in data type of a variable ("Int16", "String" …) */
  dataTypeOf(nodeId: string): Promise<string>;
  /** the write's status code name */
  write(nodeId: string, dataType: string, value: unknown): Promise<string>;
  /** the call's status code name */
  call(objectId: string, methodId: string): Promise<string>;
}
