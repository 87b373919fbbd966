import { z } from 'zod';
import { decimalStringSchema } from '../envelope.js';
import { segmentIdSchema } from '../ids.js';

/*
 * The customs gate (智能卡口): lanes, vehicles, release notes (核放单, SAS121) and passages.
 * Release-note fields keep the customs names of ../shared/domain/customs.md §2.4 (PassportHead:
 * passportNo, ioTypecd, passportTypecd, bindTypecd, vehicleNo, vehicleIcNo, vehicleWt …) so a
 * record maps one to one onto the customs document. Weights are kg as exact decimal strings.
 */

/** `in` = ioTypecd `I`, `out` = ioTypecd `E`. */
export const GATE_DIRECTIONS = ['in', 'out'] as const;
export const gateDirectionSchema = z.enum(GATE_DIRECTIONS);
export type GateDirection = z.infer<typeof gateDirectionSchema>;

/** A gate lane: its direction, the edge that runs its devices, and which device plays which part. */
export const laneSchema = z
  .object({
    id: segmentIdSchema.describe('e.g. "gate-in-1"'),
    name: z.string().min(1).max(64),
    direction: gateDirectionSchema,
    /** 1 in single-gate mode; 1 or 2 where a center checks at two gates (passed gate 1 / 2) */
    gateNo: z.union([z.literal(1), z.literal(2)]).default(1),
    edgeId: segmentIdSchema,
    devices: z.object({
      /** vehicle e-tag readers (rfid events) */
      etag: z.array(segmentIdSchema).max(8).default([]),
      /** plate and container cameras (plate and container events) */
      cameras: z.array(segmentIdSchema).max(8).default([]),
      weighbridge: segmentIdSchema.nullable().default(null),
      barrier: segmentIdSchema.nullable().default(null),
      led: segmentIdSchema.nullable().default(null),
    }),
    enabled: z.boolean().default(true),
  })
  .meta({ id: 'GateLane' });
export type Lane = z.infer<typeof laneSchema>;
export type LaneInput = z.input<typeof laneSchema>;
export const laneListSchema = z.object({ items: z.array(laneSchema) }).meta({ id: 'GateLaneList' });

/** A plate as painted: Chinese province character and letters/digits, no spaces. */
export const plateSchema = z
  .string()
  .trim()
  .min(2)
  .max(16)
  .transform((s) => s.replace(/\s+/g, '').toUpperCase());

/*
 * Input schemas normalise (plates and container numbers upper-cased, spaces dropped); responses
 * use plain twins, because a transform cannot run backwards when a response is encoded.
 */

/** A vehicle registered at the center (SAS131 车辆备案): plate, e-tag, tare. */
export const vehicleInputSchema = z
  .object({
    vehicleNo: plateSchema.describe('plate (承运车牌号), e.g. "青B12345"'),
    vehicleIcNo: z.string().regex(/^[0-9A-F]{4,124}$/, 'EPC as uppercase hex').nullable().default(null).describe('vehicle e-tag EPC (电子车牌)'),
    vehicleWt: decimalStringSchema.describe('registered tractor tare (车自重), kg'),
    vehicleFrameWt: decimalStringSchema.nullable().default(null).describe('trailer tare (车架重), kg'),
    vehicleFrameNo: z.string().max(32).nullable().default(null),
  })
  .meta({ id: 'GateVehicleRegistration' });
export const vehicleSchema = z
  .object({
    vehicleNo: z.string(),
    vehicleIcNo: z.string().nullable(),
    vehicleWt: decimalStringSchema,
    vehicleFrameWt: decimalStringSchema.nullable(),
    vehicleFrameNo: z.string().nullable(),
  })
  .meta({ id: 'GateVehicle' });
export type Vehicle = z.infer<typeof vehicleSchema>;
export const vehicleListSchema = z.object({ items: z.array(vehicleSchema) }).meta({ id: 'GateVehicleList' });

/** Release-note status: `stucd` where customs has a code (§2.6), plus our `held` (inspection). */
export const NOTE_STATUSES = ['applied', 'approved', 'passed', 'passed_gate1', 'passed_gate2', 'held', 'cancelled', 'deleted', 'rejected'] as const;
export const noteStatusSchema = z.enum(NOTE_STATUSES);
export type NoteStatus = z.infer<typeof noteStatusSchema>;
/** customs.md §2.6: 0 已申请, 1 已审批, 2 已过卡, 3 已过一卡, 4 已过二卡, 5 已删除, 6 已作废. */
export const STUCD_OF: Record<NoteStatus, string | null> = {
  applied: '0',
  approved: '1',
  passed: '2',
  passed_gate1: '3',
  passed_gate2: '4',
  deleted: '5',
  cancelled: '6',
  held: null,
  rejected: null,
};

export const noteContainerInputSchema = z.object({
  containerNo: z.string().trim().min(4).max(16).transform((s) => s.replace(/\s+/g, '').toUpperCase()),
  containerType: z.string().max(8).nullable().default(null).describe('ISO 6346 size-type, e.g. "22G1"'),
  containerWt: decimalStringSchema.describe('container tare, kg'),
});
export const noteContainerSchema = z.object({ containerNo: z.string(), containerType: z.string().nullable(), containerWt: decimalStringSchema });

/** One vehicle of a note; a 一票多车 note (bindTypecd 3) has several, the others exactly one. */
export const noteVehicleInputSchema = z.object({
  vehicleNo: plateSchema,
  vehicleIcNo: z.string().regex(/^[0-9A-F]{4,124}$/).nullable().default(null),
  vehicleWt: decimalStringSchema.describe('车自重, kg, > 0'),
  vehicleFrameWt: decimalStringSchema.default('0').describe('车架重, kg'),
  vehicleFrameNo: z.string().max(32).nullable().default(null),
  containers: z.array(noteContainerInputSchema).max(4).default([]),
  totalGrossWt: decimalStringSchema.describe('cargo gross weight on this vehicle (货物总毛重), kg; 0 for an empty vehicle'),
});

export const noteVehicleSchema = z.object({
  vehicleNo: z.string(),
  vehicleIcNo: z.string().nullable(),
  vehicleWt: decimalStringSchema,
  vehicleFrameWt: decimalStringSchema,
  vehicleFrameNo: z.string().nullable(),
  containers: z.array(noteContainerSchema),
  totalGrossWt: decimalStringSchema,
  totalWt: decimalStringSchema.describe('vehicleWt + vehicleFrameWt + containers\' containerWt + totalGrossWt'),
  /** 一票多车: 0 未到检, 1 已待检 (arrived at the gate) */
  logisticsStucd: z.enum(['0', '1']),
  passTime: z.string().nullable(),
  passCollectWt: decimalStringSchema.nullable().describe('weighbridge reading at the pass (卡口地磅采集重量)'),
  wtError: decimalStringSchema.nullable().describe('passCollectWt − totalWt, kg (重量比对误差)'),
  passageId: z.string().nullable(),
});
export type NoteVehicle = z.infer<typeof noteVehicleSchema>;

export const noteCreateSchema = z
  .object({
    passportNo: z.string().trim().regex(/^[A-Z0-9]{6,32}$/, '6 to 32 uppercase letters or digits, e.g. "Z8601I261128000000000001"'),
    seqNo: z.string().max(18).nullable().default(null),
    tenantId: z.string().max(64).optional().describe('the declaring enterprise; an enterprise user may only give its own (or none)'),
    ioTypecd: z.enum(['I', 'E']),
    passportTypecd: z.enum(['1', '2', '3', '4', '5', '6']).describe('6 = empty vehicle (空车进出区)'),
    bindTypecd: z.enum(['1', '2', '3']).describe('1 一车多票, 2 一票一车, 3 一票多车'),
    rltTbTypecd: z.enum(['1', '2', '3']).nullable().default(null).describe('1 核注清单, 2 出入库单, 3 提运单'),
    rltNos: z.array(z.string().trim().min(1).max(64)).max(50).default([]),
    vehicles: z.array(noteVehicleInputSchema).min(1).max(50),
    rmk: z.string().max(256).nullable().default(null),
  })
  .meta({ id: 'ReleaseNoteCreate' });
export type NoteCreate = z.input<typeof noteCreateSchema>;

export const noteTransitionSchema = z.object({
  from: noteStatusSchema.nullable(),
  to: noteStatusSchema,
  at: z.string(),
  actor: z.string().describe('user name, or "gate" for the gate\'s own decisions'),
  reason: z.string().nullable(),
  passageId: z.string().nullable(),
});

export const noteSchema = z
  .object({
    passportNo: z.string(),
    seqNo: z.string().nullable(),
    tenantId: z.string(),
    ioTypecd: z.enum(['I', 'E']),
    passportTypecd: z.enum(['1', '2', '3', '4', '5', '6']),
    bindTypecd: z.enum(['1', '2', '3']),
    rltTbTypecd: z.enum(['1', '2', '3']).nullable(),
    rltNos: z.array(z.string()),
    status: noteStatusSchema,
    stucd: z.string().nullable(),
    vehicles: z.array(noteVehicleSchema),
    totalGrossWt: decimalStringSchema,
    totalWt: decimalStringSchema,
    rmk: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    transitions: z.array(noteTransitionSchema),
  })
  .meta({ id: 'ReleaseNote' });
export type Note = z.infer<typeof noteSchema>;
export const noteListQuerySchema = z.object({
  status: noteStatusSchema.optional(),
  vehicleNo: z.string().max(16).optional(),
  rltNo: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export const noteListSchema = z.object({ items: z.array(noteSchema) }).meta({ id: 'ReleaseNoteList' });
export const noteActionSchema = z.object({ reason: z.string().trim().max(256).nullable().default(null) });

/** A release note's check list after a pass (issue 4 §7): the account book module listens to this. */
export interface NotePassedEvent {
  passportNo: string;
  tenantId: string;
  ioTypecd: 'I' | 'E';
  rltTbTypecd: '1' | '2' | '3' | null;
  rltNos: string[];
  vehicleNo: string;
  passTime: string;
  /** every vehicle of the note has passed */
  complete: boolean;
  passageId: string;
}

export const checklistGateStateSchema = z
  .object({
    rltNo: z.string(),
    notes: z.array(z.object({ passportNo: z.string(), status: noteStatusSchema, vehicles: z.number().int(), passed: z.number().int() })),
    allPassed: z.boolean().describe('every vehicle of every note bound to this document has passed the gate'),
  })
  .meta({ id: 'ChecklistGateState' });
export type ChecklistGateState = z.infer<typeof checklistGateStateSchema>;

/** Hold when |weighed − declared| > max(absKg, pct % × declared); loaded and empty vehicles apart. */
export const weightToleranceSchema = z.object({ absKg: z.number().nonnegative(), pct: z.number().nonnegative().max(100) });
export const gateSettingsSchema = z
  .object({
    tolerance: z.object({ loaded: weightToleranceSchema, empty: weightToleranceSchema }),
    /** a decision waits this long after the stable weight for missing container reads, ms */
    containerWaitMs: z.number().int().nonnegative(),
    /** a passage that cannot be decided within this time from its first reading is decided with what it has, ms */
    collectTimeoutMs: z.number().int().positive(),
    /** a released passage whose scale never returned to zero is closed after this, ms */
    leaveTimeoutMs: z.number().int().positive(),
    /** readings older than this (device time vs hub clock) are kept but never open or decide a passage, ms */
    staleAfterMs: z.number().int().positive(),
    /** a plate read is required to release (else the e-tag alone identifies a registered vehicle) */
    requirePlate: z.boolean(),
    /** LED text on release; {plate} is replaced */
    passText: z.string().max(64),
  })
  .meta({ id: 'GateSettings' });
export type GateSettings = z.infer<typeof gateSettingsSchema>;

// ---------------------------------------------------------------------------------------------
// Passages

/** A rule the decision applied; `fail` holds the vehicle, `reasonZh` goes to the LED and the queue. */
export const GATE_RULES = ['vehicle', 'etag_plate', 'note', 'direction', 'note_status', 'container_check_digit', 'containers', 'weight_stable', 'weight'] as const;
export const gateRuleSchema = z.enum(GATE_RULES);
export type GateRule = z.infer<typeof gateRuleSchema>;

export const ruleOutcomeSchema = z.object({
  rule: gateRuleSchema,
  /** which case of the rule, e.g. weight "over"; with `data`, a screen explains it in its language (absent in old records) */
  code: z.string().optional(),
  result: z.enum(['pass', 'fail', 'skip']),
  /** English, for the log and the UI's explanation */
  detail: z.string(),
  /** Chinese hold reason (LED, officers' queue); null when the rule passed */
  reasonZh: z.string().nullable(),
  data: z.record(z.string(), z.unknown()).default({}),
});
export type RuleOutcome = z.infer<typeof ruleOutcomeSchema>;

export const plateReadSchema = z.object({ plate: z.string(), deviceId: z.string(), eventId: z.string(), ts: z.string(), confidence: z.number().nullable(), late: z.boolean().default(false) });
export const etagReadSchema = z.object({ epc: z.string(), deviceId: z.string(), eventId: z.string(), ts: z.string(), late: z.boolean().default(false) });
export const containerReadSchema = z.object({
  number: z.string(),
  checkDigitValid: z.boolean(),
  position: z.string().nullable(),
  deviceId: z.string(),
  eventId: z.string(),
  ts: z.string(),
  late: z.boolean().default(false),
});
export const weightReadSchema = z.object({
  grossKg: z.string().nullable(),
  stable: z.boolean(),
  overload: z.boolean(),
  trigger: z.enum(['stable', 'zero']),
  deviceId: z.string(),
  eventId: z.string(),
  ts: z.string(),
  late: z.boolean().default(false),
});
export const passageReadingsSchema = z.object({
  plates: z.array(plateReadSchema),
  etags: z.array(etagReadSchema),
  containers: z.array(containerReadSchema),
  weights: z.array(weightReadSchema),
});
export type PassageReadings = z.infer<typeof passageReadingsSchema>;

export const decisionSchema = z.object({
  id: z.string(),
  at: z.string(),
  /** "gate" for the automatic decision, else the officer's user name */
  by: z.string(),
  outcome: z.enum(['release', 'hold']),
  /** why the decision was taken now: all readings in, container wait over, collect timeout, officer */
  trigger: z.enum(['complete', 'container_wait', 'timeout', 'officer']),
  rules: z.array(ruleOutcomeSchema),
  /** what the rules saw: identity, note, weights, containers */
  inputs: z.record(z.string(), z.unknown()),
  thresholds: z.record(z.string(), z.unknown()),
  ledText: z.string().nullable(),
  /** barrier/LED command ids sent for this decision */
  commandIds: z.array(z.string()),
});
export type Decision = z.infer<typeof decisionSchema>;

/**
 * collecting: joining readings; released: barrier opened (automatically or by an officer);
 * held: in the officers' queue; inspection: sent to the inspection area; turned_back: sent back.
 */
export const PASSAGE_STATES = ['collecting', 'released', 'held', 'inspection', 'turned_back'] as const;
export const passageStateSchema = z.enum(PASSAGE_STATES);
export type PassageState = z.infer<typeof passageStateSchema>;
export const RESOLVE_ACTIONS = ['recollect', 'release', 'inspection', 'turn_back'] as const;
export const resolveActionSchema = z.enum(RESOLVE_ACTIONS);
export type ResolveAction = z.infer<typeof resolveActionSchema>;

export const passageSchema = z
  .object({
    id: z.string(),
    laneId: z.string(),
    direction: gateDirectionSchema,
    state: passageStateSchema,
    /** still on the lane (readings still join it); false once the vehicle left or the passage timed out */
    open: z.boolean(),
    vehicleNo: z.string().nullable().describe('the plate the passage is known by (read, or from the e-tag)'),
    vehicleIcNo: z.string().nullable(),
    passportNo: z.string().nullable(),
    weighedKg: z.string().nullable().describe('the stable weight used'),
    holdReasons: z.array(z.string()).describe('Chinese, from the latest decision'),
    readings: passageReadingsSchema,
    decisions: z.array(decisionSchema),
    resolutions: z.array(z.object({ action: resolveActionSchema, by: z.string(), at: z.string(), reason: z.string() })),
    openedAt: z.string(),
    decidedAt: z.string().nullable(),
    closedAt: z.string().nullable(),
    closeReason: z.enum(['left', 'next_vehicle', 'timeout', 'resolved']).nullable(),
    updatedAt: z.string(),
  })
  .meta({ id: 'GatePassage' });
export type Passage = z.infer<typeof passageSchema>;

export const passageListQuerySchema = z.object({
  laneId: z.string().max(64).optional(),
  state: passageStateSchema.optional(),
  vehicleNo: z.string().max(16).optional(),
  containerNo: z.string().max(16).optional(),
  passportNo: z.string().max(32).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(5000).default(100),
});
export type PassageListQuery = z.input<typeof passageListQuerySchema>;
export const passageListSchema = z.object({ items: z.array(passageSchema).describe('newest first') }).meta({ id: 'GatePassageList' });

export const resolveRequestSchema = z
  .object({
    action: resolveActionSchema,
    reason: z.string().trim().min(1, 'an officer gives a reason').max(256),
  })
  .meta({ id: 'GateResolve' });
export type ResolveRequest = z.infer<typeof resolveRequestSchema>;

/** A reading the gate did not use, with why (stale, no lane, duplicate …): visible, never silent. */
export const ignoredReadingSchema = z.object({ eventId: z.string(), laneId: z.string().nullable(), kind: z.string(), reason: z.string(), at: z.string() });
