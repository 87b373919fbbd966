import type { WeightDecodeResult, WeightDecoderStats, WeightFormat, WeightFrameDecoder, WeightReading, WeightUnit } from './types.js';

/**
 * What a format's scanner says about the bytes at `pos`:
 * - `more`: they may be the start of a frame, but the frame is not complete yet;
 * - `skip`: the next `bytes` bytes (≥ 1) cannot start a frame (noise, or part of a truncated frame);
 * - `frame`: a frame of `bytes` bytes starts here; `result` is its reading or why it was rejected.
 * A scanner must decide from at most `maxFrameBytes` bytes after `pos`, so the decoder never holds
 * more than one frame and the outcome does not depend on how the stream was chunked.
 */
export type ScanStep =
  | { kind: 'more' }
  | { kind: 'skip'; bytes: number }
  | { kind: 'frame'; bytes: number; result: FrameResult };

export type FrameResult = { ok: true; reading: Omit<WeightReading, 'raw'> } | { ok: false; reason: string };

/**
 * The stream side shared by every format: the held-back partial frame, the counters, and the
 * reporting of skipped bytes. Skipped bytes are reported as one rejection per run, emitted just
 * before the next frame's result (a run still pending at the end of a stream is only counted).
 */
export abstract class FrameDecoder implements WeightFrameDecoder {
  abstract readonly format: WeightFormat;
  abstract readonly maxFrameBytes: number;
  private held: Buffer = Buffer.alloc(0);
  private skippedRun = 0;
  private readonly counters: WeightDecoderStats = { frames: 0, rejected: 0, droppedBytes: 0, lastReject: null };

  protected abstract scan(buf: Buffer, pos: number): ScanStep;

  get stats(): WeightDecoderStats {
    return { ...this.counters };
  }

  get bufferedBytes(): number {
    return this.held.length;
  }

  reset(): void {
    this.counters.droppedBytes += this.held.length;
    this.held = Buffer.alloc(0);
    this.skippedRun = 0;
  }

  push(chunk: Buffer): WeightDecodeResult[] {
    const out: WeightDecodeResult[] = [];
    const buf = this.held.length ? Buffer.concat([this.held, chunk]) : chunk;
    let pos = 0;
    while (pos < buf.length) {
      const step = this.scan(buf, pos);
      if (step.kind === 'more') break;
      const bytes = Math.min(Math.max(1, step.bytes), buf.length - pos);
      if (step.kind === 'skip') {
        this.skippedRun += bytes;
        this.counters.droppedBytes += bytes;
      } else {
        this.flushSkipped(out);
        const raw = buf.toString('hex', pos, pos + bytes);
        if (step.result.ok) {
          this.counters.frames++;
          out.push({ ok: true, reading: { ...step.result.reading, raw } });
        } else {
          this.counters.droppedBytes += bytes;
          this.reject(out, { ok: false, reason: step.result.reason, raw });
        }
      }
      pos += bytes;
    }
    // Copy, so a large chunk is not pinned by the few bytes of a partial frame.
    this.held = Buffer.from(buf.subarray(pos));
    return out;
  }

  private flushSkipped(out: WeightDecodeResult[]): void {
    if (this.skippedRun === 0) return;
    const n = this.skippedRun;
    this.skippedRun = 0;
    this.reject(out, { ok: false, reason: `discarded ${n} byte${n === 1 ? '' : 's'} that formed no frame (noise or a truncated frame)` });
  }

  private reject(out: WeightDecodeResult[], r: WeightDecodeResult & { ok: false }): void {
    this.counters.rejected++;
    this.counters.lastReject = r.reason;
    out.push(r);
  }
}

/** For formats whose frames carry no unit (XK3190, '='). */
export interface IndicatorUnitOption {
  /** the indicator's unit, which the frame does not carry (default 'kg') */
  unit?: WeightUnit;
}

/**
 * A fixed-length format whose frames start with one marker byte and carry no unit (XK3190, '='):
 * bytes before a marker are skipped here, the format judges what starts at one (scanAtMarker).
 */
export abstract class MarkedFrameDecoder extends FrameDecoder {
  readonly maxFrameBytes: number;
  protected readonly unit: WeightUnit;

  constructor(
    /** the byte every frame starts with */
    private readonly marker: number,
    frameBytes: number,
    options: IndicatorUnitOption,
  ) {
    super();
    this.maxFrameBytes = frameBytes;
    this.unit = options.unit ?? 'kg';
  }

  protected scan(buf: Buffer, pos: number): ScanStep {
    if (buf[pos] === this.marker) return this.scanAtMarker(buf, pos);
    const next = buf.indexOf(this.marker, pos + 1);
    return { kind: 'skip', bytes: (next < 0 ? buf.length : next) - pos };
  }

  /** ScanStep for the bytes at `pos`, which holds a marker. */
  protected abstract scanAtMarker(buf: Buffer, pos: number): ScanStep;
}

/** Byte → "0x1f" for reasons. */
export function hexByte(b: number): string {
  return `0x${b.toString(16).padStart(2, '0')}`;
}

/** Bytes as text for reasons, with control and non-ASCII bytes escaped. */
export function printable(buf: Buffer): string {
  let s = '';
  for (const b of buf) s += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  return s;
}

/** XOR of all bytes in [from, to). */
export function xorOf(buf: Buffer, from: number, to: number): number {
  let x = 0;
  for (let i = from; i < to; i++) x ^= buf[i] ?? 0;
  return x;
}

/**
 * Two ASCII characters → the byte they encode as hex nibbles ('0'-'9', 'A'-'F'); with
 * `colonNibbles`, 10-15 may also be sent as nibble + 0x30 (':'..'?'). null if not such characters.
 */
export function checkByteFrom(hi: number, lo: number, colonNibbles: boolean): number | null {
  const h = nibble(hi, colonNibbles);
  const l = nibble(lo, colonNibbles);
  return h === null || l === null ? null : (h << 4) | l;
}

function nibble(c: number, colonNibbles: boolean): number | null {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (colonNibbles && c >= 0x3a && c <= 0x3f) return c - 0x30;
  return null;
}

/** The byte as two upper-case hex characters, as the Yaohua frames send it. */
export function hex2(b: number): string {
  return b.toString(16).toUpperCase().padStart(2, '0');
}
