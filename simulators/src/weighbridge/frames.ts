/**
 * Weighbridge indicator frames, byte for byte as the indicators send them (devices.md 1.1, 1.2a).
 * Weights are integers in the indicator's display resolution (`digits` with `decimals` places).
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
}

const STX = 0x02;
const ETX = 0x03;
const CR = 0x0d;

const digits6 = (n: number) => String(Math.min(Math.abs(Math.trunc(n)), 999_999)).padStart(6, '0');

/** Toledo checksum: two's complement of the 7-bit sum of all preceding bytes, STX and CR included. */
export function toledoChecksum(bytes: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i++) sum += bytes[i]! & 0x7f;
  return -sum & 0x7f;
}

/**
 * Mettler Toledo continuous output: STX SWA SWB SWC weight(6) tare(6) CR [CHK] (kg, gross).
 * SWA bits 2..0 give the decimal point (010 = none, 011 = 1 place …), bits 4..3 the increment (×1),
 * bit 5 always 1. SWB: bit1 negative, bit2 out of range, bit3 motion, bit4 kg, bit5 1.
 */
export function toledoFrame(s: IndicatorState, opts: { checksum?: boolean } = {}): Buffer {
  const dp = [0b010, 0b011, 0b100, 0b101, 0b110, 0b111][s.decimals] ?? 0b010;
  const swa = 0x20 | (0b01 << 3) | dp;
  const swb = 0x20 | 0x10 | (s.weight < 0 ? 0x02 : 0) | (s.outOfRange ? 0x04 : 0) | (s.motion ? 0x08 : 0);
  const swc = 0x20;
  const body = Buffer.from([STX, swa, swb, swc, ...Buffer.from(digits6(s.weight) + digits6(s.tare ?? 0), 'latin1'), CR]);
  return opts.checksum === false ? body : Buffer.concat([body, Buffer.from([toledoChecksum(body)])]);
}

/** Yaohua XK3190 A9 continuous (tF=0): STX sign digits(6) decimals XORhi XORlo ETX. No motion flag. */
export function xk3190Frame(s: IndicatorState): Buffer {
  const body = Buffer.from(`${s.weight < 0 ? '-' : '+'}${digits6(s.weight)}${s.decimals}`, 'latin1');
  let xor = 0;
  for (const b of body) xor ^= b;
  return Buffer.concat([Buffer.from([STX]), body, Buffer.from(xor.toString(16).toUpperCase().padStart(2, '0'), 'latin1'), Buffer.from([ETX])]);
}

export const WEIGHBRIDGE_FORMATS = { toledo: toledoFrame, 'yaohua-xk3190': xk3190Frame } as const;
export type WeighbridgeFormat = keyof typeof WEIGHBRIDGE_FORMATS;
