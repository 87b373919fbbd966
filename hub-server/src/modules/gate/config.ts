import { z } from 'zod';
import { gateSettingsSchema, type GateSettings } from '@cjp/contracts';
import { settingsSchema } from '../../core/settings.js';

/**
 * The customs gate's rules: the settings the API shows (GateSettings, in contracts) and the lease.
 * No official weight tolerance is known (customs.md §3.3: ask Xining Customs for the value used
 * at Caojiapu); these defaults are a starting point, not a regulation.
 */
export const GATE_DEFAULTS = {
  tolerance: { loaded: { absKg: 500, pct: 3 }, empty: { absKg: 300, pct: 2 } },
  containerWaitMs: 3000,
  collectTimeoutMs: 60_000,
  leaveTimeoutMs: 180_000,
  staleAfterMs: 120_000,
  requirePlate: false,
  passText: '放行 {plate}',
  /** one hub replica runs the gate; another takes over this long after it stopped renewing, ms */
  leaseMs: 15_000,
} satisfies GateSettings & { leaseMs: number };

export const gateConfigSchema = settingsSchema(gateSettingsSchema.extend({ leaseMs: z.number().int().min(1000) }), GATE_DEFAULTS);
export type GateConfig = z.infer<typeof gateConfigSchema>;

/** environment variable → setting under "gate." */
export const GATE_ENV = {
  GATE_TOLERANCE_LOADED_KG: 'tolerance.loaded.absKg',
  GATE_TOLERANCE_LOADED_PCT: 'tolerance.loaded.pct',
  GATE_TOLERANCE_EMPTY_KG: 'tolerance.empty.absKg',
  GATE_TOLERANCE_EMPTY_PCT: 'tolerance.empty.pct',
  GATE_CONTAINER_WAIT_MS: 'containerWaitMs',
  GATE_COLLECT_TIMEOUT_MS: 'collectTimeoutMs',
  GATE_REQUIRE_PLATE: 'requirePlate',
  GATE_STALE_AFTER_MS: 'staleAfterMs',
  GATE_LEAVE_TIMEOUT_MS: 'leaveTimeoutMs',
  GATE_PASS_TEXT: 'passText',
  GATE_LEASE_MS: 'leaseMs',
} as const;
