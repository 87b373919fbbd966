import { HubError, type CommandDto, type CommandRequest, type Decision, type Lane, type Note, type NotePassedEvent, type Passage } from '@cjp/contracts';
import type { Sql } from '../../core/db.js';
import { canonicalDecimal } from '../../core/quantity.js';

// What the gate's engine works with: a passage as it holds it, the hooks it calls, and rows.

export interface GateHooks {
  /** stores a device command in the decision's transaction (CommandService.queue) */
  queueCommand(tx: Sql, edgeId: string, deviceId: string, req: CommandRequest, issuedBy: string): Promise<CommandDto>;
  /** publishes queued commands after the commit (CommandService.publishQueued) */
  publishCommands(ids: readonly string[]): Promise<void>;
  onPassage(p: Passage): void;
  onNote(n: Note): void;
  /** a note's vehicle passed, inside the pass's transaction (the gate.notePassed event) */
  notePassed(tx: Sql, e: NotePassedEvent): Promise<void>;
  /** after the commit of passes */
  onNotePassed(e: NotePassedEvent): void;
}

export interface EventRow {
  pos: number;
  edge_id: string;
  seq: number;
  device_id: string;
  kind: string;
  ts: Date;
  data: Record<string, unknown>;
}

/** A passage as the engine holds it: the DTO plus what only the engine needs. */
export interface Rec {
  p: Passage;
  /** hub clock, ms: when it started (or restarted, after re-collect) collecting */
  collectingSince: number;
  /** hub clock, ms: when its stable weight arrived (container wait counts from here) */
  stableSeenAt: number | null;
  /** hub clock, ms: an officer asked to re-collect; new identity/container reads replace the old */
  recollectAt: number | null;
  /** a plate, e-tag, container or stable weight was read since the re-collect */
  freshSinceRecollect: boolean;
  replaced: Set<'plates' | 'etags' | 'containers'>;
}

export interface Pending {
  rec: Rec;
  decision: Decision;
  lane: Lane;
  commands: Array<{ deviceId: string; req: CommandRequest }>;
}

export const iso = (ms: number) => new Date(ms).toISOString();
/** The step's fencing check failed: another replica may have taken the gate over. */
export class LeaseLost extends Error {}
export const standbyError = () => new HubError('HUB_ERR_UNAVAILABLE', 'another hub replica runs the gate (this one does not hold the gate lease); try again shortly');

export const emptyReadings = (): Passage['readings'] => ({ plates: [], etags: [], containers: [], weights: [] });

export function normPlate(s: string): string {
  return s.replace(/\s+/g, '').toUpperCase();
}

export interface PassageRow {
  passage_id: string;
  lane_id: string;
  direction: Passage['direction'];
  state: Passage['state'];
  open: boolean;
  vehicle_no: string | null;
  vehicle_ic_no: string | null;
  passport_no: string | null;
  weighed_kg: string | null;
  hold_reasons: string[];
  readings: Passage['readings'];
  decisions: Passage['decisions'];
  resolutions: Passage['resolutions'];
  opened_at: Date;
  decided_at: Date | null;
  closed_at: Date | null;
  close_reason: Passage['closeReason'];
  updated_at: Date;
}

export function passageDto(r: PassageRow): Passage {
  const d = (x: Date | null) => (x ? new Date(x).toISOString() : null);
  return {
    id: r.passage_id,
    laneId: r.lane_id,
    direction: r.direction,
    state: r.state,
    open: r.open,
    vehicleNo: r.vehicle_no,
    vehicleIcNo: r.vehicle_ic_no,
    passportNo: r.passport_no,
    weighedKg: r.weighed_kg === null ? null : canonicalDecimal(r.weighed_kg),
    holdReasons: r.hold_reasons,
    readings: r.readings,
    decisions: r.decisions,
    resolutions: r.resolutions,
    openedAt: new Date(r.opened_at).toISOString(),
    decidedAt: d(r.decided_at),
    closedAt: d(r.closed_at),
    closeReason: r.close_reason,
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

