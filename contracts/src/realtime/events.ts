import type { CommandDto } from '../http/commands.js';
import type { EventDto } from '../http/events.js';
import type { Note, Passage } from '../http/gate.js';
import type { LiveValues, StatusMessage } from '../mqtt/messages.js';

/** socket.io namespaces, one per concern (DESIGN.md, REST). */
export const NAMESPACES = { devices: '/devices', gate: '/gate', warehouse: '/warehouse', dispatch: '/dispatch', overseas: '/overseas' } as const;

/** Event names of the `/devices` namespace. */
export const DEVICE_EVENTS = {
  /** an accepted device event, after it is stored */
  accepted: 'event:accepted',
  /** an edge's status changed (online/offline, devices' health); sent for every edge on join */
  edgeStatus: 'edge:status',
  /** devices' live values (weight on a scale, barrier state, LED text …), throttled by the edge */
  live: 'device:live',
  /** a command was sent, answered, or expired */
  command: 'command:updated',
} as const;

export interface DeviceLiveUpdate {
  edgeId: string;
  siteId: string;
  ts: string;
  devices: Record<string, LiveValues>;
}

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
  'device:live': (update: DeviceLiveUpdate) => void;
  'command:updated': (command: CommandDto) => void;
}
/** Client → server events of `/devices`: none yet. */
export type DevicesClientToServer = Record<string, never>;

/** Event names of the `/gate` namespace (center staff: operator, gate officer, manager, customs, admin). */
export const GATE_EVENTS = {
  /** a passage opened, gained a reading, was decided, resolved or closed; sent for every open and held passage on join */
  passage: 'passage:updated',
  /** a release note changed status (approved, passed, held, cancelled …) */
  note: 'note:updated',
} as const;

export interface GateServerToClient {
  'passage:updated': (passage: Passage) => void;
  'note:updated': (note: Note) => void;
}
export type GateClientToServer = Record<string, never>;
