import type { EventDto } from '../http/events.js';
import type { StatusMessage } from '../mqtt/messages.js';

/** socket.io namespaces, one per concern (DESIGN.md, REST). */
export const NAMESPACES = { devices: '/devices', gate: '/gate', warehouse: '/warehouse', dispatch: '/dispatch', overseas: '/overseas' } as const;

/** Event names of the `/devices` namespace. */
export const DEVICE_EVENTS = {
  /** an accepted device event, after it is stored */
  accepted: 'event:accepted',
  /** an edge's status changed (online/offline, devices' health); sent for every edge on join */
  edgeStatus: 'edge:status',
} as const;

export interface EdgeStatusUpdate {
  edgeId: string;
  siteId: string;
  online: boolean;
  status: StatusMessage | null;
}

/** Server → client events of `/devices` (socket.io generics). */
export interface DevicesServerToClient {
  'event:accepted': (event: EventDto) => void;
  'edge:status': (update: EdgeStatusUpdate) => void;
}
/** Client → server events of `/devices`: none yet. */
export type DevicesClientToServer = Record<string, never>;
