// Converters (STYLE.md P8): OPC UA values as the connector hands them over → our data.
// Pure functions, no node-opcua import.

import { decimalFromDigits, normalizeDecimal } from '@cjp/contracts';

/** A tag's value as the connector hands it to a driver (no node-opcua types). */
export interface OpcuaValue {
  /** the variant's value: number, string, boolean, Buffer (ByteString), Date, [high, low] for (U)Int64, null … */
  value: unknown;
  /** the variant's data type name, e.g. "Double", "Int16", "String", "ByteString", "Null" */
  dataType: string;
  /** the status code is Good */
  good: boolean;
  /** the status code's name, e.g. "Good", "BadSensorFailure", "UncertainLastUsableValue" */
  status: string;
  /** when the server (PLC) says the value was taken; null if it sent none */
  sourceTimestamp: Date | null;
}

/**
 * `ns=…;…` as is; `nsu=<uri>;<id>` → `ns=<index of uri in the server's NamespaceArray>;<id>`;
 * no namespace → ns=0.
 */
export function resolveNodeId(text: string, namespaces: readonly string[]): { ok: true; nodeId: string } | { ok: false; error: string } {
  const m = /^nsu=([^;]+);([\s\S]*)$/.exec(text);
  if (!m) return { ok: true, nodeId: text };
  const [, uri = '', rest = ''] = m;
  const index = namespaces.indexOf(uri);
  if (index < 0) return { ok: false, error: `${text}: namespace "${uri}" is not in the server's NamespaceArray [${namespaces.join(', ')}]` };
  return { ok: true, nodeId: `ns=${index};${rest}` };
}

const INTEGER_TYPES = new Set(['SByte', 'Byte', 'Int16', 'UInt16', 'Int32', 'UInt32', 'Int64', 'UInt64']);

/** A (U)Int64 as node-opcua gives it ([high, low] 32-bit words) → bigint. */
function int64(value: unknown, signed: boolean): bigint | null {
  if (!Array.isArray(value) || value.length !== 2 || !value.every((w) => typeof w === 'number' && Number.isInteger(w))) return null;
  const [high, low] = value as [number, number];
  const unsigned = (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
  return signed ? BigInt.asIntN(64, unsigned) : unsigned;
}

/**
 * A numeric tag → an exact decimal string with `decimals` places, or why not.
 * - Float/Double: rounded to `decimals` places (never printed as a binary float: 31250.499999 → "31250.5").
 * - integers: the displayed digits without the point (312505 with 1 decimal → "31250.5").
 * - a String holding a plain decimal ("31250.5") is taken as written.
 */
export function decimalFromTag(v: OpcuaValue, decimals: number): string | { error: string } {
  const { value, dataType } = v;
  if (dataType === 'Double' || dataType === 'Float') {
    if (typeof value !== 'number' || !Number.isFinite(value)) return { error: `${dataType} value ${String(value)} is not a finite number` };
    if (Math.abs(value) >= 1e15) return { error: `${dataType} value ${value} is too large` };
    const text = Math.abs(value).toFixed(decimals);
    return value < 0 && /[1-9]/.test(text) ? `-${text}` : text;
  }
  if (INTEGER_TYPES.has(dataType)) {
    let n: bigint | null;
    if (dataType === 'Int64' || dataType === 'UInt64') n = int64(value, dataType === 'Int64');
    else n = typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : null;
    if (n === null) return { error: `${dataType} value ${String(value)} is not an integer` };
    const negative = n < 0n;
    return decimalFromDigits((negative ? -n : n).toString(), decimals, negative);
  }
  if (dataType === 'String' && typeof value === 'string') {
    const d = normalizeDecimal(value.trim());
    return d ?? { error: `String value "${value.slice(0, 40)}" is not a plain decimal` };
  }
  return { error: `data type ${dataType} is not a number` };
}

/** A Boolean tag (or an integer bit: 0/1) → boolean, or null when it is neither. */
export function booleanFromTag(v: OpcuaValue): boolean | null {
  if (typeof v.value === 'boolean') return v.value;
  if (typeof v.value === 'number' && (v.value === 0 || v.value === 1)) return v.value === 1;
  return null;
}

/** An integer tag (state enums, antenna numbers) → number, or null. */
export function integerFromTag(v: OpcuaValue): number | null {
  if (typeof v.value === 'number' && Number.isSafeInteger(v.value)) return v.value;
  if (v.dataType === 'Int64' || v.dataType === 'UInt64') {
    const n = int64(v.value, v.dataType === 'Int64');
    if (n !== null && n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(n);
  }
  return null;
}

/** A numeric tag → a finite number (RSSI), or null. */
export function numberFromTag(v: OpcuaValue): number | null {
  return typeof v.value === 'number' && Number.isFinite(v.value) ? v.value : integerFromTag(v);
}

/**
 * LastScanData → an EPC as uppercase hex: a ByteString's bytes, or a String of hex digits (spaces,
 * dashes and a 0x prefix tolerated). null: no scan (empty/null value); `{error}`: not an EPC.
 */
export function epcFromTag(v: OpcuaValue): string | null | { error: string } {
  const { value } = v;
  if (value === null || value === undefined) return null;
  let hex: string;
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) hex = Buffer.from(value).toString('hex');
  else if (typeof value === 'string') hex = value.replace(/^0x/i, '').replace(/[\s:-]/g, '');
  else return { error: `scan data of type ${v.dataType} is neither a String nor a ByteString` };
  if (hex.length === 0) return null;
  hex = hex.toUpperCase();
  if (!/^[0-9A-F]{4,124}$/.test(hex) || hex.length % 2 !== 0) return { error: `scan data "${hex.slice(0, 40)}" is not an EPC (4 to 124 hex digits, whole bytes)` };
  return hex;
}
