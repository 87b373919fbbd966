import { iso6346CheckDigit, withGs1CheckDigit } from '../codes.js';
import { Rng } from '../prng.js';

/** GS (0x1D): the FNC1 separator after a variable-length AI that is not the last one. */
export const GS = '\u001d';

export const SCAN_KINDS = [
  'gs1-sscc',
  'gs1-pallet',
  'gs1-trade-item',
  'gs1-variable-measure',
  'ean13',
  'location',
  'container',
  'garbage',
] as const;
export type ScanKind = (typeof SCAN_KINDS)[number];

/** One scan as the scanner decodes it, before framing (AIM id in front, suffix behind). */
export interface GeneratedScan {
  kind: ScanKind;
  /** AIM symbology identifier, absent for garbage. */
  aim?: string;
  /** What an edge should report: the data without AIM id and suffix, GS kept; latin1 for garbage. */
  code: string;
  valid: boolean;
}

export interface ScanGeneratorOptions {
  seed: number;
  /** Share of garbage lines, 0..1. */
  garbageRatio: number;
  /** Bytes a garbage line must not contain, so that it still ends at the suffix. */
  forbiddenBytes: string;
  /** Day the expiry dates count from (UTC date part); fixes them for repeatable runs. */
  today: Date;
}

const VALID_KIND_WEIGHTS = {
  'gs1-sscc': 12,
  'gs1-pallet': 13,
  'gs1-trade-item': 25,
  'gs1-variable-measure': 10,
  ean13: 18,
  location: 12,
  container: 10,
} as const satisfies Partial<Record<ScanKind, number>>;

// GTIN-13s of goods seen at a cross-border e-commerce center (Chinese 69x and European prefixes);
// the first is GS1's own example. Indicator digit 0 = each, 1 = case; 9 = variable measure.
const GTIN13_DATA = ['950110153000', '690123456789', '692345000123', '400638133393', '460123400456', '800123450078', '880123456012'];
const EAN13_PREFIXES = ['690', '691', '692', '693', '694', '695', '696', '697', '400', '401', '460', '471', '489', '500', '800', '880'];
const COMPANY_PREFIXES = ['6901234', '6923450', '6971234', '4012345', '4600001'];
const CONTAINER_OWNERS = ['CSQU', 'CBHU', 'CCLU', 'MSCU', 'MSKU', 'CMAU', 'HLXU', 'EGHU', 'OOLU', 'TGHU', 'TRLU', 'SEGU'];
const ALNUM = 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789';

/**
 * A pseudo-random permutation of 0..n-1 (a small Feistel network with cycle walking), so a
 * per-kind counter gives distinct, random-looking values until n of them have been drawn.
 */
class Scatter {
  private readonly halfBits: number;
  private readonly keys: number[];

  constructor(
    private readonly n: number,
    rng: Rng,
  ) {
    let bits = Math.max(2, Math.ceil(Math.log2(n)));
    if (bits % 2) bits++;
    this.halfBits = bits / 2;
    this.keys = Array.from({ length: 4 }, () => rng.int(0, 0x7fffffff));
  }

  at(k: number): number {
    let x = this.encrypt(k % this.n);
    while (x >= this.n) x = this.encrypt(x);
    return x;
  }

  private encrypt(x: number): number {
    const mask = (1 << this.halfBits) - 1;
    let left = Math.floor(x / 2 ** this.halfBits) & mask;
    let right = x & mask;
    for (const key of this.keys) {
      let f = Math.imul(right ^ key, 0x9e3779b1);
      f ^= f >>> 15;
      f = Math.imul(f, 0x85ebca77);
      f ^= f >>> 13;
      [left, right] = [right, (left ^ f) & mask];
    }
    return left * 2 ** this.halfBits + right;
  }
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/**
 * Deterministic source of scans: the same options give the same sequence.
 * Every valid scan is distinct from every other one of the same generator: GS1 lines carry an
 * increasing serial (AI 21) or SSCC serial reference, the other kinds walk a permutation of
 * their space (10^9 EAN-13s, 10^6 container serials, 2.29 million locations).
 */
export class ScanGenerator {
  private readonly rng: Rng;
  private readonly counters: Record<ScanKind, number> = Object.fromEntries(SCAN_KINDS.map((k) => [k, 0])) as Record<ScanKind, number>;
  private readonly ssccSerials: Scatter;
  private readonly eanItems: Scatter;
  private readonly containerSerials: Scatter;
  private readonly locations: Scatter;
  private readonly serialTag: string;
  private ssccCount = 0;
  private serialCount = 0;
  private readonly garbageBytes: { control: number[]; printable: number[]; high: number[] };

  constructor(private readonly options: ScanGeneratorOptions) {
    this.rng = new Rng(options.seed);
    this.ssccSerials = new Scatter(1_000_000_000, this.rng);
    this.eanItems = new Scatter(1_000_000_000, this.rng);
    this.containerSerials = new Scatter(1_000_000, this.rng);
    this.locations = new Scatter(26 * 99 * 99 * 9, this.rng);
    this.serialTag = this.rng.pick(['CJP', 'HD', 'QH']) + this.rng.pick([...ALNUM]);
    const allowed = (from: number, to: number) => {
      const out: number[] = [];
      for (let b = from; b <= to; b++) if (!options.forbiddenBytes.includes(String.fromCharCode(b))) out.push(b);
      return out;
    };
    this.garbageBytes = { control: [...allowed(0x00, 0x1f), ...allowed(0x7f, 0x7f)], printable: allowed(0x20, 0x7e), high: allowed(0x80, 0xff) };
  }

  next(): GeneratedScan {
    if (this.rng.chance(this.options.garbageRatio)) return this.count(this.garbage());
    const kind = this.rng.weighted(VALID_KIND_WEIGHTS);
    switch (kind) {
      case 'gs1-sscc':
        return this.count({ kind, aim: ']C1', code: `00${this.sscc()}`, valid: true });
      case 'gs1-pallet':
        return this.count({ kind, aim: ']C1', code: this.pallet(), valid: true });
      case 'gs1-trade-item':
        return this.count({ kind, aim: ']C1', code: this.tradeItem(), valid: true });
      case 'gs1-variable-measure':
        return this.count({ kind, aim: ']C1', code: this.variableMeasure(), valid: true });
      case 'ean13':
        return this.count({ kind, aim: ']E0', code: this.ean13(), valid: true });
      case 'location':
        return this.count({ kind, aim: ']C0', code: this.location(), valid: true });
      case 'container':
        return this.count({ kind, aim: ']C0', code: this.container(), valid: true });
    }
  }

  private count(scan: GeneratedScan): GeneratedScan {
    this.counters[scan.kind]++;
    return scan;
  }

  /** SSCC: extension digit, company prefix, serial reference (unique per generator), check digit. */
  private sscc(): string {
    const serialRef = pad(this.ssccSerials.at(this.ssccCount++), 9);
    return withGs1CheckDigit(String(this.rng.int(0, 9)) + this.rng.pick(COMPANY_PREFIXES) + serialRef);
  }

  private gtin14(indicator: '0' | '1' | '9'): string {
    const data13 = this.rng.pick(GTIN13_DATA);
    return withGs1CheckDigit(indicator + data13);
  }

  private serial(): string {
    return `${this.serialTag}${pad(++this.serialCount, 8)}`;
  }

  private batch(): string {
    const yy = pad(this.options.today.getUTCFullYear() % 100, 2);
    const tail = Array.from({ length: this.rng.int(2, 5) }, () => this.rng.pick([...ALNUM])).join('');
    return this.rng.chance(0.5) ? `L${yy}${tail}` : `B${yy}${pad(this.rng.int(1, 52), 2)}-${tail}`;
  }

  /** YYMMDD between one month and about two and a half years ahead; sometimes DD=00 (end of month). */
  private expiry(): string {
    const d = new Date(this.options.today.getTime());
    d.setUTCDate(d.getUTCDate() + this.rng.int(30, 900));
    const day = this.rng.chance(0.1) ? 0 : d.getUTCDate();
    return pad(d.getUTCFullYear() % 100, 2) + pad(d.getUTCMonth() + 1, 2) + pad(day, 2);
  }

  /** Logistic label: SSCC, GTIN of the contained cases, their count (variable, so GS), gross kg. */
  private pallet(): string {
    const cases = this.rng.int(4, 120);
    const grossDeciKg = cases * this.rng.int(40, 180) + this.rng.int(150, 300);
    return `00${this.sscc()}02${this.gtin14('1')}37${cases}${GS}3301${pad(grossDeciKg, 6)}`;
  }

  /** Trade item: GTIN, batch (variable, so GS), expiry, serial last (no GS at the end). */
  private tradeItem(): string {
    return `01${this.gtin14('0')}10${this.batch()}${GS}17${this.expiry()}21${this.serial()}`;
  }

  /** Variable-measure item: GTIN with indicator 9, net kg with 2 decimals, batch, serial. */
  private variableMeasure(): string {
    const netCentiKg = this.rng.int(50, 4500);
    return `01${this.gtin14('9')}3102${pad(netCentiKg, 6)}10${this.batch()}${GS}21${this.serial()}`;
  }

  private ean13(): string {
    const item = pad(this.eanItems.at(this.counters.ean13), 9);
    return withGs1CheckDigit(this.rng.pick(EAN13_PREFIXES) + item);
  }

  /** Warehouse location zone-aisle-bay-level, e.g. "A-01-02-03". */
  private location(): string {
    let i = this.locations.at(this.counters.location);
    const level = (i % 9) + 1;
    i = Math.floor(i / 9);
    const bay = (i % 99) + 1;
    i = Math.floor(i / 99);
    const aisle = (i % 99) + 1;
    const zone = String.fromCharCode(65 + Math.floor(i / 99));
    return `${zone}-${pad(aisle, 2)}-${pad(bay, 2)}-${pad(level, 2)}`;
  }

  private container(): string {
    const body = this.rng.pick(CONTAINER_OWNERS) + pad(this.containerSerials.at(this.counters.container), 6);
    return body + String(iso6346CheckDigit(body));
  }

  /** Line noise: control bytes, printable and high bytes, never the suffix's bytes. */
  private garbage(): GeneratedScan {
    const length = this.rng.int(1, 40);
    const bytes: number[] = [];
    for (let i = 0; i < length; i++) {
      const r = this.rng.float();
      const pool = r < 0.4 ? this.garbageBytes.control : r < 0.8 ? this.garbageBytes.printable : this.garbageBytes.high;
      bytes.push(this.rng.pick(pool.length > 0 ? pool : this.garbageBytes.printable));
    }
    // Line noise corrupts bytes: at least one control byte (other than GS, which GS1 data carries),
    // so the line cannot pass for a short plain barcode such as "y".
    const noise = this.garbageBytes.control.filter((b) => b !== 0x1d);
    if (noise.length && !bytes.some((b) => noise.includes(b))) bytes[this.rng.int(0, bytes.length - 1)] = this.rng.pick(noise);
    return { kind: 'garbage', code: Buffer.from(bytes).toString('latin1'), valid: false };
  }
}
