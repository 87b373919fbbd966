/**
 * Weighbridge indicator frames, byte for byte as the indicators send them (devices.md 1.1, 1.2a-c).
 * Weights are integers in the indicator's display resolution (`digits` with `decimals` places).
 *
 * Each encoder takes the options of the edge's decoder for the same format that change the bytes
 * on the wire, with the same defaults (edge/src/drivers/weighbridge/*.ts), so a stream built with
 * options X decodes with a decoder configured with options X.
 */

export interface IndicatorState {
  /** displayed weight in display units, e.g. 31250 (kg) or 3125 with decimals 1 */
  weight: number;
  decimals: number;
  motion: boolean;
  /** over capacity (or under zero when negative) */
  outOfRange: boolean;
  /** tare in display units; Toledo full frames carry it */
  tare?: number;
  /** the display shows net rather than gross (Toledo SWB bit 0, A12E `WN`); default gross */
  net?: boolean;
}

const STX = 0x02;
const ETX = 0x03;
const LF = 0x0a;
const CR = 0x0d;

/** |n| as `width` digits, clamped to the largest number that fits (the display saturates). */
const digitsOf = (n: number, width: number) => String(Math.min(Math.abs(Math.trunc(n)), 10 ** width - 1)).padStart(width, '0');
const digits6 = (n: number) => digitsOf(n, 6);

/** `digits` with a '.' before the last `decimals` of them (none when decimals is 0). */
const withPoint = (digits: string, decimals: number) => (decimals > 0 ? `${digits.slice(0, digits.length - decimals)}.${digits.slice(digits.length - decimals)}` : digits);

const xorOf = (bytes: ArrayLike<number>) => {
  let x = 0;
  for (let i = 0; i < bytes.length; i++) x ^= bytes[i]!;
  return x;
};

/** A check byte as two ASCII characters, "%02X"; with colonNibbles, 10-15 as nibble + 0x30 (':'..'?'). */
function checkChars(b: number, colonNibbles = false): Buffer {
  const c = (n: number) => (n <= 9 || colonNibbles ? 0x30 + n : 0x37 + n);
  return Buffer.from([c(b >> 4), c(b & 0x0f)]);
}

// ---- 1.1 Mettler Toledo continuous output ---------------------------------------------------

/** The edge's ToledoOptions that change the bytes sent (same defaults). */
export interface ToledoFrameOptions {
  /** 'full' with the tare (default; 'auto' sends full), 'short' without */
  frame?: 'auto' | 'full' | 'short';
  /** a checksum byte after the CR (default true) */
  checksum?: boolean;
  /** an LF ends the frame (default false; Hengtian 9800 clone) */
  lineFeed?: boolean;
  /** what SWB bit 3 set means: 'motion' (Mettler; default) or 'stable' (Chinese clones) */
  motionBit?: 'motion' | 'stable';
}

/** Toledo checksum: two's complement of the 7-bit sum of all preceding bytes, STX and CR included. */
export function toledoChecksum(bytes: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i++) sum += bytes[i]! & 0x7f;
  return -sum & 0x7f;
}

/**
 * Mettler Toledo continuous output: STX SWA SWB SWC weight(6) [tare(6)] CR [CHK] [LF] (kg).
 * SWA bits 2..0 give the decimal point (010 = none, 011 = 1 place …), bits 4..3 the increment (×1),
 * bit 5 always 1. SWB: bit0 net, bit1 negative, bit2 out of range, bit3 motion, bit4 kg, bit5 1.
 */
export function toledoFrame(s: IndicatorState, opts: ToledoFrameOptions = {}): Buffer {
  const dp = [0b010, 0b011, 0b100, 0b101, 0b110, 0b111][s.decimals] ?? 0b010;
  const swa = 0x20 | (0b01 << 3) | dp;
  const bit3 = (opts.motionBit ?? 'motion') === 'motion' ? s.motion : !s.motion;
  const swb = 0x20 | 0x10 | (s.net ? 0x01 : 0) | (s.weight < 0 ? 0x02 : 0) | (s.outOfRange ? 0x04 : 0) | (bit3 ? 0x08 : 0);
  const swc = 0x20;
  const fields = opts.frame === 'short' ? digits6(s.weight) : digits6(s.weight) + digits6(s.tare ?? 0);
  const body = Buffer.from([STX, swa, swb, swc, ...Buffer.from(fields, 'latin1'), CR]);
  const trailer = [...(opts.checksum === false ? [] : [toledoChecksum(body)]), ...(opts.lineFeed ? [LF] : [])];
  return Buffer.concat([body, Buffer.from(trailer)]);
}

// ---- 1.2a Yaohua XK3190 A9 continuous (tF=0) --------------------------------------------------

/** The edge's Xk3190Options that change the bytes sent (same defaults). */
export interface Xk3190FrameOptions {
  /** send check nibbles 10-15 as nibble + 0x30 (':'..'?') instead of 'A'..'F' (default false) */
  colonNibbles?: boolean;
}

/**
 * Yaohua XK3190 A9 continuous (tF=0): STX sign digits(6) decimals XORhi XORlo ETX. No motion and
 * no overload flag: an out-of-range state is sent as its (clamped) weight.
 */
export function xk3190Frame(s: IndicatorState, opts: Xk3190FrameOptions = {}): Buffer {
  const body = Buffer.from(`${s.weight < 0 ? '-' : '+'}${digits6(s.weight)}${s.decimals}`, 'latin1');
  return Buffer.concat([Buffer.from([STX]), body, checkChars(xorOf(body), opts.colonNibbles), Buffer.from([ETX])]);
}

// ---- 1.2b Yaohua '=' reversed-digit continuous format -----------------------------------------

/** The edge's YaohuaEqOptions that change the bytes sent (same defaults). */
export interface YaohuaEqFrameOptions {
  /** send the display string least-significant character first (default true; A26 "format 2": false) */
  reversed?: boolean;
}

/**
 * The 8-character display string of the '=' format: a leading '-' when negative, zero-padded
 * digits, a '.' before the decimals: 3.000 → "0003.000", -1.00 → "-0001.00", 31250 → "00031250".
 */
export function eqDisplay(weight: number, decimals: number): string {
  const negative = weight < 0;
  const width = 8 - (negative ? 1 : 0) - (decimals > 0 ? 1 : 0);
  return (negative ? '-' : '') + withPoint(digitsOf(weight, width), decimals);
}

/**
 * '=' then the display string reversed (devices.md 1.2b): 3.000 → "=000.3000", -1.00 → "=00.1000-".
 * 9 bytes, no terminator, no check, no flags: an out-of-range state is sent as its (clamped) weight.
 */
export function yaohuaEqFrame(s: IndicatorState, opts: YaohuaEqFrameOptions = {}): Buffer {
  const display = eqDisplay(s.weight, s.decimals);
  return Buffer.from(`=${(opts.reversed ?? true) ? [...display].reverse().join('') : display}`, 'latin1');
}

// ---- 1.2c Yaohua XK3190-A12(E) "W" format -------------------------------------------------------

/** The edge's A12eOptions that change the bytes sent (same defaults). */
export interface A12eFrameOptions {
  /** the XOR check before CR LF (default true) */
  checksum?: boolean;
  /** lower-case headers `ww` (gross) / `wn` (net) as some firmware sends (default false: `WG` / `WN`) */
  lowercaseHeaders?: boolean;
  /** the unit characters (default 'kg') */
  unit?: 'kg' | 'lb';
}

/** 9 spaces + "OL": over Max+9e; 9 spaces + "LO": under −20d (devices.md 1.2c). */
export const A12E_OVERLOAD = '         OL';
export const A12E_UNDERLOAD = '         LO';

/**
 * The 7 weight characters of an A12E frame: a '.' when there are decimals, else a trailing space;
 * a leading '-' when negative: 4.139 → "004.139", -3.17 → "-003.17", 31250 → "031250 ".
 */
export function a12eWeightField(weight: number, decimals: number): string {
  const negative = weight < 0;
  const width = 6 - (negative ? 1 : 0);
  return (negative ? '-' : '') + (decimals > 0 ? withPoint(digitsOf(weight, width), decimals) : `${digitsOf(weight, width)} `);
}

/**
 * 'W' 'G'|'N' weight(7) unit(2) CHKhi CHKlo CR LF, CHK = XOR of the 11 bytes before it
 * ("WG004.139kg3D\r\n"); out of range: 9 spaces "OL" (positive) or "LO" (negative) + CHK CR LF.
 */
export function a12eFrame(s: IndicatorState, opts: A12eFrameOptions = {}): Buffer {
  let text: string;
  if (s.outOfRange) text = s.weight < 0 ? A12E_UNDERLOAD : A12E_OVERLOAD;
  else {
    const header = opts.lowercaseHeaders ? (s.net ? 'wn' : 'ww') : s.net ? 'WN' : 'WG';
    text = header + a12eWeightField(s.weight, s.decimals) + (opts.unit ?? 'kg');
  }
  const body = Buffer.from(text, 'latin1');
  return Buffer.concat([body, opts.checksum === false ? Buffer.alloc(0) : checkChars(xorOf(body)), Buffer.from([CR, LF])]);
}

// ---- the registry ------------------------------------------------------------------------------

export interface WeighbridgeFrameOptions {
  toledo: ToledoFrameOptions;
  'yaohua-xk3190': Xk3190FrameOptions;
  'yaohua-eq': YaohuaEqFrameOptions;
  'yaohua-a12e': A12eFrameOptions;
}
export type WeighbridgeFormat = keyof WeighbridgeFrameOptions;

export const WEIGHBRIDGE_FORMATS: { readonly [F in WeighbridgeFormat]: (s: IndicatorState, opts?: WeighbridgeFrameOptions[F]) => Buffer } = {
  toledo: toledoFrame,
  'yaohua-xk3190': xk3190Frame,
  'yaohua-eq': yaohuaEqFrame,
  'yaohua-a12e': a12eFrame,
};

/** The frame for one state in the given format. */
export function encodeFrame<F extends WeighbridgeFormat>(format: F, s: IndicatorState, opts?: WeighbridgeFrameOptions[F]): Buffer {
  const encode = WEIGHBRIDGE_FORMATS[format] as (s: IndicatorState, opts?: WeighbridgeFrameOptions[F]) => Buffer;
  return encode(s, opts);
}

/**
 * A copy of `frame` with one byte damaged the way line noise would, such that the edge's decoder
 * (configured with the same options) rejects the frame rather than reading a wrong weight: with a
 * check, a weight digit has a bit flipped or the check itself is damaged; without one (the '='
 * format, Toledo or A12E with the check off) a weight character becomes '?'. The framing bytes
 * (STX, CR, LF, '=', ETX) are never touched, so the next frame is not lost.
 */
export function corruptFrame<F extends WeighbridgeFormat>(format: F, frame: Buffer, random: () => number, opts: WeighbridgeFrameOptions[F] = {}): Buffer {
  const out = Buffer.from(frame);
  const pick = (from: number, to: number) => from + Math.floor(random() * (to - from));
  /** flip bit 0 of a digit in [from, to), if there is one; false if not */
  const flipDigit = (from: number, to: number) => {
    const digits: number[] = [];
    for (let i = from; i < to; i++) if (out[i]! >= 0x30 && out[i]! <= 0x39) digits.push(i);
    const at = digits[Math.floor(random() * digits.length)];
    if (at === undefined) return false;
    out[at] = out[at]! ^ 0x01;
    return true;
  };
  /** another hex digit in place of the check's high character */
  const damageCheck = (at: number) => {
    out[at] = out[at] === 0x30 ? 0x31 : 0x30;
  };
  switch (format) {
    case 'toledo': {
      const o = opts as ToledoFrameOptions;
      if (o.checksum === false) out[pick(4, 10)] = 0x3f;
      else if (random() < 0.5 || !flipDigit(4, 10)) {
        const crAt = o.frame === 'short' ? 10 : 16;
        out[crAt + 1] = out[crAt + 1]! ^ 0x01;
      }
      break;
    }
    case 'yaohua-xk3190':
      if (random() < 0.5 || !flipDigit(2, 8)) damageCheck(9);
      break;
    case 'yaohua-eq':
      out[pick(1, 9)] = 0x3f;
      break;
    case 'yaohua-a12e':
      if ((opts as A12eFrameOptions).checksum === false) out[pick(2, 9)] = 0x3f;
      else if (random() < 0.5 || !flipDigit(2, 9)) damageCheck(11);
      break;
  }
  return out;
}
