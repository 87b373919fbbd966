export type LineResult = { ok: true; code: string; aim?: string } | { ok: false; reason: string };

export interface ScannerLineDecoderOptions {
  suffix: string;
  maxLineBytes: number;
}

const GS = 0x1d;
// `]` + symbology char + modifier, e.g. ]C1 (GS1-128), ]E0 (EAN-13), ]d2 (GS1 DataMatrix), ]Q3 (GS1 QR).
const AIM = /^\][A-Za-z0-9][0-9A-Za-z]/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Splits a scanner's byte stream into barcode lines (STYLE.md P8, converter side). The buffer is
 * bounded: a line that grows past `maxLineBytes` without a suffix is discarded (reported once),
 * and decoding resumes after the next suffix.
 */
export class ScannerLineDecoder {
  private readonly suffix: Buffer;
  private readonly maxLineBytes: number;
  private buf: Buffer = Buffer.alloc(0);
  private discarding = false;

  constructor(opts: ScannerLineDecoderOptions) {
    this.suffix = Buffer.from(opts.suffix, 'latin1');
    if (this.suffix.length === 0) throw new Error('line suffix must not be empty');
    this.maxLineBytes = opts.maxLineBytes;
  }

  /** Bytes held while waiting for a suffix; never more than maxLineBytes + suffix length − 1. */
  get bufferedBytes(): number {
    return this.buf.length;
  }

  push(chunk: Buffer): LineResult[] {
    const out: LineResult[] = [];
    const buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    let start = 0;
    for (let end = buf.indexOf(this.suffix, start); end >= 0; end = buf.indexOf(this.suffix, start)) {
      const line = buf.subarray(start, end);
      if (this.discarding) this.discarding = false; // tail of a line already reported as too long
      else if (line.length > this.maxLineBytes) out.push(this.tooLong());
      else out.push(decodeLine(line));
      start = end + this.suffix.length;
    }
    let rest = buf.subarray(start);
    // Keep what could be the first bytes of a suffix split across chunks.
    const keep = this.suffix.length - 1;
    if (!this.discarding && rest.length > this.maxLineBytes + keep) {
      out.push(this.tooLong());
      this.discarding = true;
    }
    if (this.discarding) rest = rest.subarray(Math.max(0, rest.length - keep));
    // Copy so a large input chunk is not pinned by a small remainder.
    this.buf = Buffer.from(rest);
    return out;
  }

  private tooLong(): LineResult {
    return { ok: false, reason: `line longer than ${this.maxLineBytes} bytes without a suffix; discarded` };
  }
}

/** One line without its suffix → a code (GS kept) and the AIM id, or why it is not a barcode. */
export function decodeLine(line: Buffer): LineResult {
  if (line.length === 0) return { ok: false, reason: 'empty line' };
  for (let i = 0; i < line.length; i++) {
    const b = line[i]!;
    if ((b < 0x20 && b !== GS) || b === 0x7f) {
      return { ok: false, reason: `control character 0x${b.toString(16).padStart(2, '0')} at byte ${i}` };
    }
  }
  let text: string;
  try {
    text = utf8.decode(line);
  } catch {
    return { ok: false, reason: 'not valid UTF-8' };
  }
  const aim = AIM.exec(text)?.[0];
  if (!aim) return { ok: true, code: text };
  const code = text.slice(aim.length);
  if (!code) return { ok: false, reason: `no data after AIM identifier ${aim}` };
  return { ok: true, code, aim };
}
