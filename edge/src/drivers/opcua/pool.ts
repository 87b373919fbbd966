import type { Logger } from 'pino';
import { OpcuaConnection, sessionKey, sessionSettings, type OpcuaEndpoint, type OpcuaMember } from './connection.js';

/** A device's place in the pool: its session is joined at start and left at close. */
export interface OpcuaSlot {
  readonly connection: () => OpcuaConnection | null;
  join(member: OpcuaMember): OpcuaConnection;
  /** idempotent; the last device out of a session closes it, the last out of the pool releases the pool */
  leave(member: OpcuaMember | null): Promise<void>;
}

interface Entry {
  endpoint: OpcuaEndpoint;
  settings: string;
  firstDeviceId: string;
  deviceIds: Set<string>;
  connection: OpcuaConnection | null;
}

/**
 * The OPC UA sessions of one agent: devices on the same endpoint (url, security mode and policy,
 * username) share one client, session and subscription (STYLE.md P11). A pool exists while it has
 * devices; it holds nothing process-wide.
 */
export class OpcuaPool {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly logger: Logger,
    /** called when the last device has left */
    private readonly onEmpty: () => void = () => {},
  ) {}

  /** Sessions open or reserved. */
  get size(): number {
    return this.entries.size;
  }

  /** The connection devices of `endpoint` share, if one is running. */
  connectionFor(endpoint: OpcuaEndpoint): OpcuaConnection | null {
    return this.entries.get(sessionKey(endpoint))?.connection ?? null;
  }

  /**
   * Reserves a device's place. Throws when another device on the same session has different
   * session-level settings (they could not both be honoured).
   */
  reserve(deviceId: string, endpoint: OpcuaEndpoint): OpcuaSlot {
    const key = sessionKey(endpoint);
    const settings = JSON.stringify(sessionSettings(endpoint));
    let entry = this.entries.get(key);
    if (entry && entry.settings !== settings) {
      const mine = sessionSettings(endpoint);
      const theirs = sessionSettings(entry.endpoint);
      const differing = Object.keys(mine).filter((k) => JSON.stringify(mine[k]) !== JSON.stringify(theirs[k]));
      throw new Error(
        `devices "${entry.firstDeviceId}" and "${deviceId}" share the OPC UA session to ${endpoint.url} but their endpoints differ in ${differing.join(', ')}: ` +
          'give them the same endpoint settings (a YAML anchor helps)',
      );
    }
    if (!entry) {
      entry = { endpoint, settings, firstDeviceId: deviceId, deviceIds: new Set(), connection: null };
      this.entries.set(key, entry);
    }
    entry.deviceIds.add(deviceId);
    const e = entry;
    let left = false;
    return {
      connection: () => e.connection,
      join: (member) => {
        if (left) throw new Error(`device ${deviceId}: already closed`);
        e.connection ??= new OpcuaConnection(e.endpoint, this.logger);
        e.connection.register(member);
        return e.connection;
      },
      leave: async (member) => {
        if (left) return;
        left = true;
        e.deviceIds.delete(deviceId);
        const connection = e.connection;
        if (e.deviceIds.size === 0 && this.entries.get(key) === e) this.entries.delete(key);
        if (connection && member) {
          // the last one out: a device joining meanwhile gets a fresh connection, not a closing one
          if (connection.memberCount <= 1 && e.connection === connection) e.connection = null;
          await connection.deregister(member);
        }
        if (this.entries.size === 0) this.onEmpty();
      },
    };
  }
}
