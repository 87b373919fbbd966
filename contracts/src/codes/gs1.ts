import type { Gs1Element } from '../envelope.js';
import { GS1_SYNTAX_DICTIONARY } from './gs1-dictionary.js';

/** GS (0x1D): how a scanner transmits an FNC1 separator inside a GS1 element string. */
export const GS1_GS = '\u001d';

const DIGITS = /^[0-9]+$/;

// ---- check digits ---------------------------------------------------------------------------

/**
 * GS1 mod-10 check digit of the data digits of a GS1 key (without its check digit): weights 3
 * and 1 alternate from the rightmost data digit, whatever the key's length (GTIN-8/12/13/14,
 * GLN, SSCC, GSIN, GSRN …). Throws RangeError unless given at least one digit and only digits.
 * @example gs1CheckDigit('0950110153000') === 3 // GTIN 09501101530003
 */
export function gs1CheckDigit(digits: string): number {
  if (!DIGITS.test(digits)) throw new RangeError(`GS1 key data must be digits, got "${digits.slice(0, 40)}"`);
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    const d = digits.charCodeAt(digits.length - 1 - i) - 48;
    sum += i % 2 === 0 ? 3 * d : d;
  }
  return (10 - (sum % 10)) % 10;
}

/** The data digits followed by their GS1 check digit. */
export function withGs1CheckDigit(digits: string): string {
  return digits + String(gs1CheckDigit(digits));
}

/**
 * True when the last digit of a GS1 key (GTIN-8/12/13/14, SSCC-18, GLN-13 …) is its correct
 * check digit; false for anything that is not at least two digits.
 */
export function hasValidGs1CheckDigit(key: string): boolean {
  if (key.length < 2 || !DIGITS.test(key)) return false;
  return gs1CheckDigit(key.slice(0, -1)) === key.charCodeAt(key.length - 1) - 48;
}

/**
 * The 12-digit UPC-A that an 8-digit UPC-E (number system 0 or 1, six digits, check digit)
 * stands for; the UPC-E check digit is that of the UPC-A. Null when `upce` is not 8 digits
 * starting 0 or 1.
 * @example upcEToUpcA('01234565') === '012345000065'
 */
export function upcEToUpcA(upce: string): string | null {
  if (!/^[01][0-9]{7}$/.test(upce)) return null;
  const ns = upce.charAt(0);
  const d = upce.slice(1, 7);
  const check = upce.charAt(7);
  const last = d.charAt(5);
  let body: string;
  if (last <= '2') body = `${d.slice(0, 2)}${last}0000${d.slice(2, 5)}`;
  else if (last === '3') body = `${d.slice(0, 3)}00000${d.slice(3, 5)}`;
  else if (last === '4') body = `${d.slice(0, 4)}00000${d.charAt(4)}`;
  else body = `${d.slice(0, 5)}0000${last}`;
  return ns + body + check;
}

// ---- the AI table ---------------------------------------------------------------------------

export type Gs1Charset = 'N' | 'X' | 'Y' | 'Z';
export type Gs1Check = 'csum' | 'yymmd0' | 'yymmdd' | 'hhmm' | 'yymmddhh';

/** One part of an AI's data field, e.g. the N3 country code and the X..9 postal code of AI 421. */
export interface Gs1AiComponent {
  /** N digits, X GS1 character set 82, Y set 39, Z set 64 (base64url) */
  charset: Gs1Charset;
  minLength: number;
  maxLength: number;
  /** an optional last component (GDTI serial, temperature sign …) */
  optional: boolean;
  checks: readonly Gs1Check[];
}

export interface Gs1AiDefinition {
  ai: string;
  /** GS1 data title, e.g. "SSCC", "GTIN", "BATCH/LOT", "NET WEIGHT (kg)" */
  title: string;
  /** the data length when it is fixed (SSCC 18, GTIN 14, dates 6, 422 3 …); absent when variable */
  fixedLength?: number;
  minLength: number;
  maxLength: number;
  /** digits only, or any of the GS1 character sets */
  charset: 'numeric' | 'alphanumeric';
  /** the data (or, for GDTI/GCN/GRAI/ITIP, its key part) ends in a GS1 mod-10 check digit */
  checkDigit: boolean;
  /** a date YYMMDD (DD may be 00 for 11-17: "end of month") begins the data */
  date: boolean;
  /** number of implied decimal places (the last AI digit of 310n, 330n, 392n …) */
  decimals?: number;
  /**
   * GS1 "predefined length" AI (00-04, 11-20, 31-36, 41x): no FNC1 after it. False means a
   * GS must follow the data unless it ends the element string, even when the length is fixed.
   */
  predefinedLength: boolean;
  components: readonly Gs1AiComponent[];
}

const COMPONENT = /^(\[?)([NXYZ])(\.\.)?(\d+)(\]?)((?:,[a-z0-9]+)*)$/;
const KNOWN_CHECKS = new Set<string>(['csum', 'yymmd0', 'yymmdd', 'hhmm', 'yymmddhh']);

function parseComponent(spec: string, line: string): Gs1AiComponent {
  const m = COMPONENT.exec(spec);
  if (!m) throw new Error(`bad component "${spec}" in GS1 dictionary line "${line}"`);
  const max = Number(m[4]);
  const checks = (m[6] ?? '').split(',').filter(Boolean);
  for (const c of checks) if (!KNOWN_CHECKS.has(c)) throw new Error(`unknown check "${c}" in "${line}"`);
  return {
    charset: m[2] as Gs1Charset,
    minLength: m[3] ? 1 : max,
    maxLength: max,
    optional: m[1] === '[',
    checks: checks as Gs1Check[],
  };
}

function buildTable(text: string): Map<string, Gs1AiDefinition> {
  const table = new Map<string, Gs1AiDefinition>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const hash = line.indexOf('#');
    const title = line.slice(hash + 1).trim();
    const words = line.slice(0, hash).trim().split(/\s+/);
    const range = words.shift() ?? '';
    const predefinedLength = words[0] === '*';
    if (predefinedLength) words.shift();
    const hasDecimals = words[0] === 'd';
    if (hasDecimals) words.shift();
    const components = words.map((w) => parseComponent(w, line));
    const [from = '', to = from] = range.split('-');
    if (!/^\d{2,4}$/.test(from) || !/^\d{2,4}$/.test(to) || to.length !== from.length) {
      throw new Error(`bad AI range in GS1 dictionary line "${line}"`);
    }
    const minLength = components.reduce((n, c) => n + (c.optional ? 0 : c.minLength), 0);
    const maxLength = components.reduce((n, c) => n + c.maxLength, 0);
    const fixed = components.every((c) => !c.optional && c.minLength === c.maxLength);
    for (let n = Number(from); n <= Number(to); n++) {
      const ai = String(n).padStart(from.length, '0');
      table.set(ai, {
        ai,
        title,
        ...(fixed ? { fixedLength: maxLength } : {}),
        minLength,
        maxLength,
        charset: components.every((c) => c.charset === 'N') ? 'numeric' : 'alphanumeric',
        checkDigit: components.some((c) => c.checks.includes('csum')),
        date: components[0]?.checks.some((c) => c === 'yymmd0' || c === 'yymmdd' || c === 'yymmddhh') ?? false,
        ...(hasDecimals ? { decimals: n % 10 } : {}),
        predefinedLength,
        components,
      });
    }
  }
  return table;
}

/** The AIs the parser knows, by AI ("00", "3103", "7003" …). See gs1-dictionary.ts. */
export const GS1_AIS: ReadonlyMap<string, Gs1AiDefinition> = buildTable(GS1_SYNTAX_DICTIONARY);

/** The definition of an AI, or undefined when the parser does not know it. */
export function gs1Ai(ai: string): Gs1AiDefinition | undefined {
  return GS1_AIS.get(ai);
}

/** The known AI that starts `text` at `at` (GS1 AIs are prefix-free: at most one matches). */
function aiAt(text: string, at: number): Gs1AiDefinition | undefined {
  for (const n of [2, 3, 4]) {
    const candidate = text.slice(at, at + n);
    if (candidate.length === n && DIGITS.test(candidate)) {
      const def = GS1_AIS.get(candidate);
      if (def) return def;
    }
  }
  return undefined;
}

// ---- value checks -----------------------------------------------------------------------------

const CHARSETS: Record<Gs1Charset, { re: RegExp; name: string }> = {
  N: { re: /^[0-9]*$/, name: 'digits only' },
  X: { re: /^[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]*$/, name: 'GS1 character set 82' },
  Y: { re: /^[#\-/0-9A-Z]*$/, name: 'GS1 character set 39' },
  Z: { re: /^[\-0-9A-Z_a-z]*={0,2}$/, name: 'GS1 character set 64' },
};

// With GS1's sliding century window YY is 2000-2099 for the foreseeable future, where every
// year divisible by 4 is a leap year.
function daysIn(yy: number, mm: number): number {
  return mm === 2 ? (yy % 4 === 0 ? 29 : 28) : [4, 6, 9, 11].includes(mm) ? 30 : 31;
}

function validDate(yymmdd: string, dayZeroAllowed: boolean): boolean {
  if (!/^\d{6}$/.test(yymmdd)) return false;
  const yy = Number(yymmdd.slice(0, 2));
  const mm = Number(yymmdd.slice(2, 4));
  const dd = Number(yymmdd.slice(4, 6));
  if (mm < 1 || mm > 12) return false;
  return (dd === 0 && dayZeroAllowed) || (dd >= 1 && dd <= daysIn(yy, mm));
}

function validTime(hhmm: string): boolean {
  return /^\d{4}$/.test(hhmm) && Number(hhmm.slice(0, 2)) <= 23 && Number(hhmm.slice(2, 4)) <= 59;
}

/** Text of a value for a message: at most 24 characters, control characters escaped. */
function show(text: string): string {
  return JSON.stringify(text.length > 24 ? `${text.slice(0, 24)}…` : text);
}

function label(def: Gs1AiDefinition): string {
  return `AI ${def.ai} (${def.title})`;
}

/** Runs the component checks of one element's value; problems are added, the value is kept. */
function checkValue(def: Gs1AiDefinition, value: string, problems: string[]): void {
  let at = 0;
  for (const c of def.components) {
    const rest = value.length - at;
    if (c.optional && rest === 0) break;
    const len = c.minLength === c.maxLength ? c.maxLength : Math.min(rest, c.maxLength);
    const part = value.slice(at, at + len);
    at += len;
    const charset = CHARSETS[c.charset];
    if (!charset.re.test(part)) {
      problems.push(`${label(def)}: ${show(part)} is not ${charset.name}`);
      continue;
    }
    for (const check of c.checks) {
      if (check === 'csum' && !hasValidGs1CheckDigit(part)) {
        problems.push(`${label(def)}: check digit ${part.at(-1)} of ${part} is wrong, expected ${gs1CheckDigit(part.slice(0, -1))}`);
      } else if ((check === 'yymmd0' || check === 'yymmdd') && !validDate(part, check === 'yymmd0')) {
        problems.push(`${label(def)}: ${part} is not a date YYMMDD`);
      } else if (check === 'yymmddhh' && !(validDate(part.slice(0, 6), false) && Number(part.slice(6, 8)) <= 23)) {
        problems.push(`${label(def)}: ${part} is not a date and hour YYMMDDHH`);
      } else if (check === 'hhmm' && !validTime(part)) {
        problems.push(`${label(def)}: ${part} is not a time HHMM`);
      }
    }
  }
}

/**
 * Digits with `decimals` implied decimal places as an exact decimal string:
 * ("001250", 3) → "1.250", ("000450", 0) → "450", ("5", 2) → "0.05".
 */
export function impliedDecimal(digits: string, decimals: number): string {
  if (!DIGITS.test(digits)) throw new RangeError(`implied-decimal value must be digits, got "${digits.slice(0, 40)}"`);
  const padded = digits.padStart(decimals + 1, '0');
  const int = padded.slice(0, padded.length - decimals).replace(/^0+(?=\d)/, '');
  return decimals > 0 ? `${int}.${padded.slice(padded.length - decimals)}` : int;
}

function element(def: Gs1AiDefinition, value: string, problems: string[]): Gs1Element {
  checkValue(def, value, problems);
  const out: Gs1Element = { ai: def.ai, value, title: def.title };
  if (def.decimals !== undefined && DIGITS.test(value)) out.decimal = impliedDecimal(value, def.decimals);
  return out;
}

function lengthProblem(def: Gs1AiDefinition, got: number): string {
  const want = def.fixedLength !== undefined ? `${def.fixedLength}` : `${def.minLength} to ${def.maxLength}`;
  return `${label(def)}: ${want} characters expected, got ${got}`;
}

// ---- parsing ----------------------------------------------------------------------------------

export interface Gs1ParseResult {
  /** the elements in order; one whose value failed a check is still here (see problems) */
  elements: Gs1Element[];
  /** what failed: check digits, dates, character sets (element kept); unknown AIs and bad lengths (parsing stopped there) */
  problems: string[];
}

export interface Gs1ParseOptions {
  /** also accept the human-readable form "(01)09501101530003(10)ABC"; default true */
  brackets?: boolean;
}

/**
 * Parses a GS1 element string as a scanner sends it once the AIM symbology identifier (]C1,
 * ]d2, ]Q3, ]e0 …) is stripped: AIs and values run together, FNC1 transmitted as GS (0x1D)
 * after each variable-length value that is not the last. A leading GS (FNC1 in first position
 * passed through) and a GS after a predefined-length value are tolerated; the data title, and
 * for 310n/330n … the exact `decimal`, are filled in.
 *
 * Also accepts the bracketed human-readable form "(01)09501101530003(17)140704(10)AB-123", for
 * manual entry; there "(" inside a value is written "\(" and spaces around values are ignored.
 *
 * Returns null when the data does not begin with a known AI (so is not a GS1 element string).
 * Otherwise check-digit, date and character-set failures, and a missing GS after a fixed-length
 * AI that needs one (422, 7003 …), are listed in `problems` with the element still returned; an
 * unknown AI or a value of the wrong length (often a missing GS before it) stop parsing with a
 * problem, keeping the elements before it.
 */
export function parseGs1ElementString(code: string, options: Gs1ParseOptions = {}): Gs1ParseResult | null {
  if ((options.brackets ?? true) && code.startsWith('(')) return parseBracketed(code);
  let i = 0;
  while (code[i] === GS1_GS) i++;
  if (!aiAt(code, i)) return null;
  const elements: Gs1Element[] = [];
  const problems: string[] = [];
  while (i < code.length) {
    if (code[i] === GS1_GS) {
      i++;
      continue;
    }
    const def = aiAt(code, i);
    if (!def) {
      problems.push(`unknown AI at character ${i + 1}: ${show(code.slice(i, i + 4))}`);
      break;
    }
    const start = i + def.ai.length;
    if (def.fixedLength !== undefined) {
      const value = code.slice(start, start + def.fixedLength);
      const gs = value.indexOf(GS1_GS);
      if (gs >= 0 || value.length < def.fixedLength) {
        problems.push(lengthProblem(def, gs >= 0 ? gs : value.length));
        break;
      }
      elements.push(element(def, value, problems));
      i = start + def.fixedLength;
      if (!def.predefinedLength && i < code.length && code[i] !== GS1_GS) {
        problems.push(`${label(def)}: no FNC1 separator (GS) after the value`);
      }
    } else {
      const gs = code.indexOf(GS1_GS, start);
      const end = gs < 0 ? code.length : gs;
      const value = code.slice(start, end);
      if (value.length < def.minLength || value.length > def.maxLength) {
        problems.push(lengthProblem(def, value.length));
        break;
      }
      elements.push(element(def, value, problems));
      i = end;
    }
  }
  return { elements, problems };
}

const BRACKET_AI = /\((\d{2,4})\)/y;

function parseBracketed(code: string): Gs1ParseResult | null {
  BRACKET_AI.lastIndex = 0;
  const first = BRACKET_AI.exec(code);
  if (!first || !GS1_AIS.has(first[1] ?? '')) return null;
  const elements: Gs1Element[] = [];
  const problems: string[] = [];
  let i = 0;
  while (i < code.length) {
    BRACKET_AI.lastIndex = i;
    const m = BRACKET_AI.exec(code);
    if (!m) {
      problems.push(`"(AI)" expected at character ${i + 1}: ${show(code.slice(i, i + 6))}`);
      break;
    }
    const def = GS1_AIS.get(m[1] ?? '');
    if (!def) {
      problems.push(`unknown AI at character ${i + 1}: ${show(m[0])}`);
      break;
    }
    // the value runs to the next unescaped "(" or the end
    let j = BRACKET_AI.lastIndex;
    let value = '';
    while (j < code.length && code[j] !== '(') {
      if (code[j] === '\\' && code[j + 1] === '(') j++;
      value += code[j];
      j++;
    }
    value = value.trim();
    if (value.length < def.minLength || value.length > def.maxLength) {
      problems.push(lengthProblem(def, value.length));
      break;
    }
    elements.push(element(def, value, problems));
    i = j;
  }
  return { elements, problems };
}

/**
 * Writes elements back as an element string: with GS after every value that needs FNC1 and is
 * not the last (as a scanner transmits it, without the AIM id), or in the bracketed form.
 * An AI unknown to the table is treated as variable length.
 */
export function formatGs1ElementString(elements: readonly Pick<Gs1Element, 'ai' | 'value'>[], style: 'gs' | 'brackets' = 'gs'): string {
  if (style === 'brackets') return elements.map((e) => `(${e.ai})${e.value.replaceAll('(', '\\(')}`).join('');
  return elements
    .map((e, k) => {
      const needsGs = k < elements.length - 1 && !(GS1_AIS.get(e.ai)?.predefinedLength ?? false);
      return e.ai + e.value + (needsGs ? GS1_GS : '');
    })
    .join('');
}
