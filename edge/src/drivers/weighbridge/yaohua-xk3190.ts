import { decimalFromDigits } from '@cjp/contracts';
import { MarkedFrameDecoder, checkByteFrom, hex2, printable, xorOf, type FrameResult, type IndicatorUnitOption, type ScanStep } from './frame-decoder.js';

/**
 * Yaohua XK3190 A9/A9+/DS1/DS3/A23P continuous output, tF=0 (devices.md 1.2a), 12 bytes:
 *
 *   0x02  '+'|'-'  6 digits  decimals '0'..'4'  XORhi XORlo  0x03
 *
 * XOR of bytes 2..9 sent as two hex characters ("%02X"). The frame has no unit, no stability and no
 * overload flag: `stable` is null (infer it with stability.ts) and `overload` is always false.
 */
export interface Xk3190Options extends IndicatorUnitOption {
  /**
   * Also accept check nibbles 10-15 sent as nibble + 0x30 (':'..'?') instead of 'A'..'F'.
   * Default false: devices.md documents "%02X"; the other form is seen only in a third-party
   * decoder, suggesting some firmware sends it (unverified, [I]).
   */
  colonNibbles?: boolean;
}

const STX = 0x02;
const ETX = 0x03;
const FRAME_BYTES = 12;

export class Xk3190Decoder extends MarkedFrameDecoder {
  readonly format = 'yaohua-xk3190' as const;
  private readonly colonNibbles: boolean;

  constructor(options: Xk3190Options = {}) {
    super(STX, FRAME_BYTES, options);
    this.colonNibbles = options.colonNibbles ?? false;
  }

  protected scanAtMarker(buf: Buffer, pos: number): ScanStep {
    if (buf.length - pos < FRAME_BYTES) return { kind: 'more' };
    if (buf[pos + FRAME_BYTES - 1] !== ETX) return { kind: 'skip', bytes: 1 };
    return { kind: 'frame', bytes: FRAME_BYTES, result: this.decode(buf.subarray(pos, pos + FRAME_BYTES)) };
  }

  private decode(frame: Buffer): FrameResult {
    const want = xorOf(frame, 1, 9);
    const got = checkByteFrom(frame[9] ?? 0, frame[10] ?? 0, this.colonNibbles);
    const sent = printable(frame.subarray(9, 11));
    if (got === null) return { ok: false, reason: `check characters "${sent}" are not hex` };
    if (got !== want) return { ok: false, reason: `XOR check "${sent}" does not match ${hex2(want)}` };
    const sign = frame[1];
    if (sign !== 0x2b && sign !== 0x2d) return { ok: false, reason: `sign "${printable(frame.subarray(1, 2))}" is not + or -` };
    const digits = frame.toString('latin1', 2, 8);
    if (!/^\d{6}$/.test(digits)) return { ok: false, reason: `weight "${printable(frame.subarray(2, 8))}" is not 6 digits` };
    const dp = (frame[8] ?? 0) - 0x30;
    if (dp < 0 || dp > 4) return { ok: false, reason: `decimal places "${printable(frame.subarray(8, 9))}" not in 0..4` };
    const negative = sign === 0x2d;
    return {
      ok: true,
      reading: { grossKg: decimalFromDigits(digits, dp, negative), unit: this.unit, negative, overload: false, stable: null },
    };
  }
}
