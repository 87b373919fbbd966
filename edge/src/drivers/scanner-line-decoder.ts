import {
  checkContainerNumber,
  GS1_GS,
  gs1CheckDigit,
  hasValidGs1CheckDigit,
  isGs1Aim,
  parseGs1ElementString,
  symbologyFromAim,
  upcEToUpcA,
  type Gs1ParseResult,
  type ScanData,
} from '@cjp/contracts';

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

// ---- what the code says ---------------------------------------------------------------------

const MAX_GS1_ELEMENTS = 64; // scanDataSchema.gs1
const MAX_PROBLEMS = 16; // scanDataSchema.problems
const MAX_PROBLEM_CHARS = 200;
/** GS1 keys that may start a GS1 element string read without AIM id (SSCC, GTIN, content GTIN). */
const KEY_AIS = new Set(['00', '01', '02']);

/** Retail and case codes whose last digit is a GS1 check digit, by symbology name. */
const RETAIL: Record<string, { name: string; length: number }> = {
  'ean-13': { name: 'EAN-13', length: 13 },
  'ean-8': { name: 'EAN-8', length: 8 },
  'upc-a': { name: 'UPC-A', length: 12 },
  'upc-e': { name: 'UPC-E', length: 8 },
  'itf-14': { name: 'ITF-14', length: 14 },
};

/**
 * What the edge understands of a read (devices.md §2): the symbology named from the AIM id; the
 * GS1 elements when the AIM id says GS1 — or, without AIM id, when the code starts with GS or
 * parses cleanly as an element string starting with a valid SSCC/GTIN (plain Code 128 is not
 * taken for GS1 on less); an ISO 6346 container number, valid or not; check digits of
 * EAN/UPC/ITF-14. Whatever fails goes to `problems`; `code` is returned exactly as given.
 */
export function describeScan(code: string, aim?: string): ScanData {
  const data: ScanData = aim ? { code, aim } : { code };
  const problems: string[] = [];
  if (aim) data.symbology = symbologyFromAim(aim, code);

  let gs1: Gs1ParseResult | null = null;
  if (aim && isGs1Aim(aim)) {
    gs1 = parseGs1ElementString(code, { brackets: false });
    if (!gs1) problems.push(`${aim} says GS1, but the data does not start with a known AI`);
  } else if (!aim && code.startsWith(GS1_GS)) {
    gs1 = parseGs1ElementString(code, { brackets: false });
    if (!gs1) problems.push('starts with GS (FNC1), but the data after it does not start with a known AI');
  } else if (!aim) {
    const parsed = parseGs1ElementString(code, { brackets: false });
    if (parsed && parsed.problems.length === 0 && KEY_AIS.has(parsed.elements[0]?.ai ?? '')) gs1 = parsed;
  }
  if (gs1) {
    if (gs1.elements.length > 0) data.gs1 = gs1.elements.slice(0, MAX_GS1_ELEMENTS);
    if (gs1.elements.length > MAX_GS1_ELEMENTS) problems.push(`${gs1.elements.length} GS1 elements; only the first ${MAX_GS1_ELEMENTS} are listed`);
    problems.push(...gs1.problems);
  } else {
    const container = checkContainerNumber(code);
    if (container) {
      data.container = { number: container.number, checkDigitValid: container.valid };
      if (!container.valid) {
        problems.push(`container number ${container.number}: check digit ${container.checkDigit} is wrong, expected ${container.expected} (ISO 6346)`);
      }
    }
  }

  const retail = data.symbology ? RETAIL[data.symbology] : undefined;
  if (retail) {
    if (code.length !== retail.length || !/^\d+$/.test(code)) {
      problems.push(`${retail.name}: ${retail.length} digits expected, got ${JSON.stringify(code.slice(0, 24))}`);
    } else {
      const key = data.symbology === 'upc-e' ? upcEToUpcA(code) : code;
      if (key === null) problems.push(`UPC-E ${code}: number system must be 0 or 1`);
      else if (!hasValidGs1CheckDigit(key)) {
        problems.push(`${retail.name} ${code}: check digit ${code.at(-1)} is wrong, expected ${gs1CheckDigit(key.slice(0, -1))}`);
      }
    }
  }

  if (problems.length > 0) {
    data.problems = problems.slice(0, MAX_PROBLEMS).map((p) => (p.length > MAX_PROBLEM_CHARS ? `${p.slice(0, MAX_PROBLEM_CHARS - 1)}…` : p));
  }
  return data;
}
