/** Pure helpers over passages: order, the decision in force, and reading the hub's answers defensively. */
import type { Passage, PassageState, ResolveAction } from '@cjp/contracts';

/** contracts' RESOLVE_ACTIONS, in the order the queue offers them (the UI imports contracts for types only). */
export const RESOLVE_ACTIONS = ['recollect', 'release', 'inspection', 'turn_back'] as const satisfies readonly ResolveAction[];
/** contracts' PASSAGE_STATES, as the history's filter offers them. */
export const PASSAGE_STATES = ['collecting', 'released', 'held', 'inspection', 'turned_back'] as const satisfies readonly PassageState[];

/** An ISO time in ms; 0 when missing or unparsable (sorts first). */
export function ms(iso: string | null | undefined): number {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(t) ? 0 : t;
}

/** Newest first, by when the vehicle arrived; ids break ties so the order is stable. */
export function byNewest(a: Passage, b: Passage): number {
  return ms(b.openedAt) - ms(a.openedAt) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/** The decision in force: the latest one. */
export function latestDecision(p: Passage): Passage['decisions'][number] | null {
  let best: Passage['decisions'][number] | null = null;
  for (const d of p.decisions) if (!best || ms(d.at) >= ms(best.at)) best = d;
  return best;
}

export function isPassage(v: unknown): v is Passage {
  if (typeof v !== 'object' || v === null) return false;
  const p = v as Partial<Passage>;
  return typeof p.id === 'string' && typeof p.laneId === 'string' && typeof p.state === 'string' && typeof p.openedAt === 'string';
}

/** Normalises arrays the hub might leave out, so the templates need no guards. */
export function normalised(p: Passage): Passage {
  return {
    ...p,
    holdReasons: p.holdReasons ?? [],
    decisions: p.decisions ?? [],
    resolutions: p.resolutions ?? [],
    readings: {
      plates: p.readings?.plates ?? [],
      etags: p.readings?.etags ?? [],
      containers: p.readings?.containers ?? [],
      weights: p.readings?.weights ?? [],
    },
  };
}
