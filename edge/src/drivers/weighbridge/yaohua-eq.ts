import { normalizeDecimal } from '@cjp/contracts';
import { MarkedFrameDecoder, printable, type FrameResult, type IndicatorUnitOption, type ScanStep } from './frame-decoder.js';

/**
 * The '=' continuous format of many Yaohua and generic indicators (A26 format 1, A23P format 2,
 * XK315A1; devices.md 1.2b): '=' then the 8-character display string (digits, '.', a leading '-')
 * least-significant character first, frames back to back with no terminator:
 *
 *   display 3.000 → "=000.3000"      display -1.00 → "=00.1000-"
 *
 * No check, unit, stability or overload: `stable` is null, `overload` false. A frame is decoded as
 * soon as its 8 characters are in; one that contains an '=' was cut short and is skipped.
 */
export interface YaohuaEqOptions extends IndicatorUnitOption {
  /** the display string is sent reversed (default true); A26 "format 2" sends it in reading order */
  reversed?: boolean;
}

const EQ = 0x3d;
const FRAME_BYTES = 9;

export class YaohuaEqDecoder extends MarkedFrameDecoder {
  readonly format = 'yaohua-eq' as const;
  private readonly reversed: boolean;

  constructor(options: YaohuaEqOptions = {}) {
    super(EQ, FRAME_BYTES, options);
    this.reversed = options.reversed ?? true;
  }

  protected scanAtMarker(buf: Buffer, pos: number): ScanStep {
    const end = Math.min(buf.length, pos + FRAME_BYTES);
    const cut = buf.subarray(pos + 1, end).indexOf(EQ);
    if (cut >= 0) return { kind: 'skip', bytes: cut + 1 };
    if (end - pos < FRAME_BYTES) return { kind: 'more' };
    return { kind: 'frame', bytes: FRAME_BYTES, result: this.decode(buf.subarray(pos + 1, end)) };
  }

  private decode(body: Buffer): FrameResult {
    const sent = body.toString('latin1');
    const display = this.reversed ? [...sent].reverse().join('') : sent;
    const value = /^[-0-9.]{8}$/.test(display) ? normalizeDecimal(display) : null;
    if (value === null) return { ok: false, reason: `display "${printable(Buffer.from(display, 'latin1'))}" is not a number` };
    return { ok: true, reading: { grossKg: value, unit: this.unit, negative: display.startsWith('-'), overload: false, stable: null } };
  }
}
