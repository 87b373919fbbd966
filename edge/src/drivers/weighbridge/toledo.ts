import { decimalFromDigits } from '@cjp/contracts';
import { FrameDecoder, hexByte, printable, type FrameResult, type ScanStep } from './frame-decoder.js';
import type { WeightReading, WeightUnit } from './types.js';

/**
 * Mettler Toledo continuous output and its clones (devices.md 1.1):
 *
 *   STX SWA SWB SWC  wwwwww  [tttttt]  CR  [CHK]  [LF]
 *
 * full frame 17 bytes (18 with checksum), short frame without the tare 11 (12). Bit 7 of every byte
 * may be a parity bit (7E1 read as 8N1), so bytes are decoded as `b & 0x7f`.
 */
export interface ToledoOptions {
  /**
   * 'full' (with tare), 'short' (without), or 'auto' (default): both, told apart by where the CR
   * is (byte 11 or byte 17; the other position always holds a digit or a space in a good frame).
   */
  frame?: 'auto' | 'full' | 'short';
  /**
   * A checksum byte follows the CR (default true). The protocol makes it optional and the stream
   * cannot tell reliably (the checksum may itself be 0x02), so it is configured; with the default
   * a device that sends none is loud (every frame rejected, with a hint) rather than unverified.
   */
  checksum?: boolean;
  /**
   * An LF ends the frame (after the checksum, if any). Default false. The Hengtian 9800 clone sends
   * `STX SWA SWB SWC wwwwww CR LF` (devices.md 1.1); checksum together with LF is unverified.
   */
  lineFeed?: boolean;
  /**
   * What SWB bit 3 set means: 'motion' (Mettler, Ohaus, Fairbanks; default) or 'stable'
   * (Hengtian 9800 and other Chinese clones invert it; devices.md 1.1, marked [I] for the rest).
   */
  motionBit?: 'motion' | 'stable';
  /**
   * Also reject frames whose fixed status bits are wrong: SWA bit 5 = 1 and bit 6 = 0, SWC bit 5 = 1
   * (Mettler WILDCAT, IND245). Default false: the Liden LUW2001 table shows other constant bits in
   * SWA and clones vary; the CR position, the digits and the checksum already frame the stream.
   */
  checkFixedBits?: boolean;
}

const STX = 0x02;
const CR = 0x0d;
const LF = 0x0a;

/** The Toledo checksum of frame bytes [0, end): two's complement of the 7-bit sum, 7 bits. */
export function toledoChecksum(frame: Buffer, end: number = frame.length): number {
  let sum = 0;
  for (let i = 0; i < end; i++) sum += (frame[i] ?? 0) & 0x7f;
  return -sum & 0x7f;
}

export class ToledoDecoder extends FrameDecoder {
  readonly format = 'toledo' as const;
  readonly maxFrameBytes: number;
  private readonly opts: Required<ToledoOptions>;

  constructor(options: ToledoOptions = {}) {
    super();
    this.opts = {
      frame: options.frame ?? 'auto',
      checksum: options.checksum ?? true,
      lineFeed: options.lineFeed ?? false,
      motionBit: options.motionBit ?? 'motion',
      checkFixedBits: options.checkFixedBits ?? false,
    };
    this.maxFrameBytes = (this.opts.frame === 'short' ? 11 : 17) + this.trailerBytes();
  }

  private trailerBytes(): number {
    return (this.opts.checksum ? 1 : 0) + (this.opts.lineFeed ? 1 : 0);
  }

  protected scan(buf: Buffer, pos: number): ScanStep {
    const at = (i: number) => (buf[pos + i] ?? 0) & 0x7f;
    const have = buf.length - pos;
    if (at(0) !== STX) {
      let next = pos + 1;
      while (next < buf.length && ((buf[next] ?? 0) & 0x7f) !== STX) next++;
      return { kind: 'skip', bytes: next - pos };
    }
    let crAt = -1;
    if (this.opts.frame !== 'full') {
      if (have < 11) return { kind: 'more' };
      if (at(10) === CR) crAt = 10;
    }
    if (crAt < 0 && this.opts.frame !== 'short') {
      if (have < 17) return { kind: 'more' };
      if (at(16) === CR) crAt = 16;
    }
    // an STX without a CR where one belongs: noise, or a frame cut short by a newer one
    if (crAt < 0) return { kind: 'skip', bytes: 1 };
    const total = crAt + 1 + this.trailerBytes();
    if (have < total) return { kind: 'more' };
    if (this.opts.lineFeed && at(total - 1) !== LF) return { kind: 'skip', bytes: 1 };
    return { kind: 'frame', bytes: total, result: this.decode(buf.subarray(pos, pos + total), crAt) };
  }

  private decode(frame: Buffer, crAt: number): FrameResult {
    const at = (i: number) => (frame[i] ?? 0) & 0x7f;
    if (this.opts.checksum) {
      const want = toledoChecksum(frame, crAt + 1);
      const got = at(crAt + 1);
      if (got !== want) {
        const hint = got === STX ? ' (the byte after CR is STX: does this device send no checksum? set checksum: false)' : '';
        return { ok: false, reason: `checksum ${hexByte(got)} does not match ${hexByte(want)}${hint}` };
      }
    }
    const swa = at(1);
    const swb = at(2);
    const swc = at(3);
    if (this.opts.checkFixedBits && ((swa & 0x60) !== 0x20 || (swc & 0x20) === 0)) {
      return { ok: false, reason: `status words A ${hexByte(swa)} / C ${hexByte(swc)} lack the fixed bits (A: bit5=1, bit6=0; C: bit5=1)` };
    }
    const weight = digitField(frame, 4);
    if (weight === null) return { ok: false, reason: `weight field "${printable(frame.subarray(4, 10))}" is not 6 digits` };
    const tare = crAt === 16 ? digitField(frame, 10) : undefined;
    if (tare === null) return { ok: false, reason: `tare field "${printable(frame.subarray(10, 16))}" is not 6 digits` };
    const unit = unitOf(swb, swc);
    if (unit === null) return { ok: false, reason: `unit code ${(swc & 7).toString(2).padStart(3, '0')} in status word C ${hexByte(swc)} is not lb/kg, g or t` };

    // SWA bits 2-0: 000 = XXXX00, 001 = XXXXX0, 010 = XXXXXX, then 1..5 decimals. The dummy zeros
    // are among the six digits sent (the indicator right-aligns its display string without the
    // point; Mettler IND245 ContOut.c), so codes 000-010 all mean "integer as sent".
    const dp = swa & 0x07;
    const decimals = dp <= 2 ? 0 : dp - 2;
    const negative = (swb & 0x02) !== 0;
    // SWB bit 2 is "out of range: over capacity or under zero"; the sign tells which. [I]
    const outOfRange = (swb & 0x04) !== 0;
    const bit3 = (swb & 0x08) !== 0;
    const value = decimalFromDigits(weight, decimals, negative);
    const reading: Omit<WeightReading, 'raw'> = {
      unit,
      negative,
      overload: outOfRange && !negative,
      underload: outOfRange && negative,
      stable: this.opts.motionBit === 'motion' ? !bit3 : bit3,
    };
    if (swb & 0x01) reading.netKg = value;
    else reading.grossKg = value;
    if (tare !== undefined) reading.tareKg = decimalFromDigits(tare, decimals, false);
    return { ok: true, reading };
  }
}

/** Six digits, MSD first; leading non-significant zeros may be sent as spaces. null if not so. */
function digitField(frame: Buffer, from: number): string | null {
  let digits = '';
  let leading = true;
  for (let i = from; i < from + 6; i++) {
    const c = (frame[i] ?? 0) & 0x7f;
    if (c === 0x20 && leading) digits += '0';
    else if (c >= 0x30 && c <= 0x39) {
      digits += String.fromCharCode(c);
      leading = false;
    } else return null;
  }
  return digits;
}

/** SWC bits 2-0: 000 = lb or kg by SWB bit 4, 001 = g, 010 = t; oz, ton and custom units are refused. */
function unitOf(swb: number, swc: number): WeightUnit | null {
  switch (swc & 0x07) {
    case 0:
      return swb & 0x10 ? 'kg' : 'lb';
    case 1:
      return 'g';
    case 2:
      return 't';
    default:
      return null;
  }
}
