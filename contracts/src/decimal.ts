// Exact decimals as strings (weights, money, volumes): never a binary float. Frames carry digits and
// a decimal position; the database keeps numeric; comparisons and sums are done on integers.
// The one decimal helper of the house: the edge's decoders and the hub's modules both use it.

const PLAIN_DECIMAL = /^(-?)(\d*)(?:\.(\d*))?$/;

/**
 * Six (or any number of) ASCII digits and the count of decimal places they carry → a decimal
 * string: ("000123", 2) → "1.23", ("012340", 0) → "12340", ("000003", 3) → "0.003".
 * The sign is applied only to a non-zero value.
 */
export function decimalFromDigits(digits: string, decimals: number, negative: boolean): string {
  const padded = digits.padStart(decimals + 1, '0');
  const cut = padded.length - decimals;
  const int = padded.slice(0, cut).replace(/^0+(?=\d)/, '');
  const frac = padded.slice(cut);
  const text = decimals > 0 ? `${int}.${frac}` : int;
  return negative && /[1-9]/.test(padded) ? `-${text}` : text;
}

/**
 * A display string such as "004.139", "-0001.00", "004139" or ".5" → its canonical decimal
 * ("4.139", "-1.00", "4139", "0.5"), keeping every decimal place; null if it is not a plain decimal
 * (at least one digit, at most one point, a minus only in front).
 */
export function normalizeDecimal(text: string): string | null {
  const m = PLAIN_DECIMAL.exec(text);
  if (!m) return null;
  const [, sign = '', int = '', frac] = m;
  if (int.length === 0 && !frac) return null;
  const digits = int + (frac ?? '');
  return decimalFromDigits(digits, frac?.length ?? 0, sign === '-');
}

interface Scaled {
  units: bigint;
  scale: number;
}

/** "12.34" → { units: 1234n, scale: 2 }; null if not a plain decimal. */
export function parseDecimal(text: string): Scaled | null {
  const m = PLAIN_DECIMAL.exec(text);
  if (!m) return null;
  const [, sign = '', int = '', frac = ''] = m;
  if (int.length === 0 && frac.length === 0) return null;
  const units = BigInt(int + frac || '0');
  return { units: sign === '-' ? -units : units, scale: frac.length };
}

function atScale(d: Scaled, scale: number): bigint {
  return d.units * 10n ** BigInt(scale - d.scale);
}

/** a − b, both plain decimals, compared exactly: negative, zero or positive. */
export function compareDecimal(a: Scaled, b: Scaled): number {
  const s = Math.max(a.scale, b.scale);
  const diff = atScale(a, s) - atScale(b, s);
  return diff < 0n ? -1 : diff > 0n ? 1 : 0;
}

/** max − min ≤ limit, exactly. */
export function spreadWithin(min: Scaled, max: Scaled, limit: Scaled): boolean {
  const s = Math.max(min.scale, max.scale, limit.scale);
  return atScale(max, s) - atScale(min, s) <= atScale(limit, s);
}

export type { Scaled as ScaledDecimal };

/** Micro-units (10⁻⁶): kg arithmetic for rules and sums, as integers. */
const MICRO = 1_000_000n;

/** "12.5" → 12_500_000n (decimals past the sixth are cut). */
export function toMicro(s: string): bigint {
  const neg = s.startsWith('-');
  const [i = '0', f = ''] = (neg ? s.slice(1) : s).split('.');
  const v = BigInt(i || '0') * MICRO + BigInt((f + '000000').slice(0, 6));
  return neg ? -v : v;
}

/** 12_500_000n → "12.5" (no trailing zeros). */
export function fromMicro(v: bigint): string {
  const neg = v < 0n;
  const a = neg ? -v : v;
  const frac = (a % MICRO).toString().padStart(6, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${a / MICRO}${frac ? `.${frac}` : ''}`;
}

/** a + b + … as a decimal string (null and undefined count as zero). */
export function sumDecimals(...values: Array<string | null | undefined>): string {
  return fromMicro(values.reduce<bigint>((acc, v) => acc + (v ? toMicro(v) : 0n), 0n));
}

/** pct % of a micro value's magnitude, rounded half up to the micro unit (pct itself to 1/10000 %). */
export function percentOf(valueMicro: bigint, pct: number): bigint {
  const bp = BigInt(Math.round(pct * 10_000)); // pct × 10⁴
  const n = (valueMicro < 0n ? -valueMicro : valueMicro) * bp;
  return (n + 500_000n) / 1_000_000n;
}
