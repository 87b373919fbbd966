/**
 * Exact kg arithmetic for the gate's weight rule: decimal strings with up to 6 decimals as
 * integers of micro-kilograms, so no comparison is ever decided by a binary float.
 */
const SCALE = 1_000_000n;

export function toMicro(s: string): bigint {
  const neg = s.startsWith('-');
  const [i = '0', f = ''] = (neg ? s.slice(1) : s).split('.');
  const v = BigInt(i || '0') * SCALE + BigInt((f + '000000').slice(0, 6));
  return neg ? -v : v;
}

export function fromMicro(v: bigint): string {
  const neg = v < 0n;
  const a = neg ? -v : v;
  const frac = (a % SCALE).toString().padStart(6, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${a / SCALE}${frac ? `.${frac}` : ''}`;
}

/** a + b + … as a decimal string */
export function sumKg(...values: Array<string | null | undefined>): string {
  return fromMicro(values.reduce<bigint>((acc, v) => acc + (v ? toMicro(v) : 0n), 0n));
}

/** pct % of a decimal, rounded half up to the micro-kg (pct itself given to 1/10000 %). */
export function percentOf(valueMicro: bigint, pct: number): bigint {
  const bp = BigInt(Math.round(pct * 10_000)); // pct × 10⁴
  const n = (valueMicro < 0n ? -valueMicro : valueMicro) * bp;
  return (n + 500_000n) / 1_000_000n;
}
