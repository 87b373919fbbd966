import { normalizeDecimal } from '@cjp/contracts';
import { FrameDecoder, checkByteFrom, hex2, printable, xorOf, type FrameResult, type ScanStep } from './frame-decoder.js';
import type { WeightReading, WeightUnit } from './types.js';

/**
 * Yaohua XK3190-A12(E) "W" format (devices.md 1.2c), 15 bytes:
 *
 *   'W' 'G'|'N'  7 weight chars  'k' 'g'  CHKhi CHKlo  CR LF        e.g. "WG004.139kg3D\r\n"
 *   9 spaces 'O' 'L' CHK CR LF  (over Max+9e)     9 spaces 'L' 'O' CHK CR LF  (under -20d)
 *
 * CHK = XOR of the 11 bytes before it, as two upper-case hex characters. The weight chars hold a
 * '.' (or a space when there are no decimals) and a leading '-' when negative. No stability flag:
 * `stable` is null. Frames are found by their CR LF: the 13 bytes before it are the frame, bytes
 * before those are noise, and a shorter line is a truncated frame.
 */
export interface A12eOptions {
  /**
   * The frame carries the XOR check (default true, as the A12E manual's example verifies). Set
   * false for firmware sending `wn-003.17kg` CR LF without one (third-party parsers only, [I]).
   */
  checksum?: boolean;
  /**
   * Also accept lower-case headers `ww` (gross), `wn` (net) and `wt` (tare), as some A12E firmware
   * sends per third-party parsers (unverified, [I]). Default false.
   */
  lowercaseHeaders?: boolean;
  /** the unit for the overload/underload frames, which carry none (default 'kg') */
  unit?: WeightUnit;
}

const CR = 0x0d;
const LF = 0x0a;
const OVER = '         OL';
const UNDER = '         LO';

export class A12eDecoder extends FrameDecoder {
  readonly format = 'yaohua-a12e' as const;
  readonly maxFrameBytes: number;
  private readonly bodyBytes: number;
  private readonly opts: Required<A12eOptions>;

  constructor(options: A12eOptions = {}) {
    super();
    this.opts = { checksum: options.checksum ?? true, lowercaseHeaders: options.lowercaseHeaders ?? false, unit: options.unit ?? 'kg' };
    this.bodyBytes = this.opts.checksum ? 13 : 11;
    this.maxFrameBytes = this.bodyBytes + 2;
  }

  protected scan(buf: Buffer, pos: number): ScanStep {
    const total = this.maxFrameBytes;
    const lf = buf.indexOf(LF, pos);
    if (lf < 0) {
      // Only the last total−1 bytes can still become a frame once its LF arrives.
      const excess = buf.length - pos - (total - 1);
      return excess > 0 ? { kind: 'skip', bytes: excess } : { kind: 'more' };
    }
    const line = lf + 1 - pos;
    if (line < total || buf[lf - 1] !== CR) return { kind: 'skip', bytes: line };
    if (line > total) return { kind: 'skip', bytes: line - total };
    return { kind: 'frame', bytes: total, result: this.decode(buf.subarray(pos, pos + this.bodyBytes)) };
  }

  private decode(body: Buffer): FrameResult {
    if (this.opts.checksum) {
      const want = xorOf(body, 0, 11);
      const got = checkByteFrom(body[11] ?? 0, body[12] ?? 0, false);
      const sent = printable(body.subarray(11, 13));
      if (got === null) return { ok: false, reason: `check characters "${sent}" are not hex` };
      if (got !== want) return { ok: false, reason: `XOR check "${sent}" does not match ${hex2(want)}` };
    }
    const text = body.toString('latin1', 0, 11);
    const base = { unit: this.opts.unit, stable: null };
    if (text === OVER) return { ok: true, reading: { ...base, negative: false, overload: true, underload: false } };
    // below −20 divisions, so the weight is negative
    if (text === UNDER) return { ok: true, reading: { ...base, negative: true, overload: false, underload: true } };

    const field = this.fieldOf(text.slice(0, 2));
    if (field === null) return { ok: false, reason: `header "${printable(body.subarray(0, 2))}" is not WG or WN${this.opts.lowercaseHeaders ? ' (or ww, wn, wt)' : ''}` };
    const weightText = text.slice(2, 9).replace(/^ +| +$/g, '');
    const value = normalizeDecimal(weightText);
    if (value === null) return { ok: false, reason: `weight "${printable(body.subarray(2, 9))}" is not a number` };
    const unitText = text.slice(9, 11);
    if (unitText !== 'kg' && unitText !== 'lb') return { ok: false, reason: `unit "${printable(body.subarray(9, 11))}" is not kg or lb` };
    const reading: Omit<WeightReading, 'raw'> = { unit: unitText, negative: weightText.startsWith('-'), overload: false, underload: false, stable: null };
    reading[field] = value;
    return { ok: true, reading };
  }

  private fieldOf(header: string): 'grossKg' | 'netKg' | 'tareKg' | null {
    if (header === 'WG') return 'grossKg';
    if (header === 'WN') return 'netKg';
    if (!this.opts.lowercaseHeaders) return null;
    if (header === 'ww') return 'grossKg';
    if (header === 'wn') return 'netKg';
    if (header === 'wt') return 'tareKg';
    return null;
  }
}
