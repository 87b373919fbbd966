/**
 * Quantities: exact decimals as strings, never binary floats (DESIGN.md, Conventions). The
 * arithmetic lives in contracts (the edge's decoders use it too); here are the hub's habits.
 */
import { fromMicro, percentOf, sumDecimals, toMicro } from '@cjp/contracts';

export { fromMicro, percentOf, sumDecimals, toMicro };

/** numeric(14,3) comes back as "15000.000": the shortest exact decimal, "15000". */
export function canonicalDecimal(v: string): string {
  return fromMicro(toMicro(v));
}
