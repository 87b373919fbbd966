/**
 * ISO 6346 freight container numbers: owner code (3 letters) + equipment category (U freight
 * container, J detachable equipment, Z trailer/chassis) + 6-digit serial + check digit,
 * printed e.g. "CSQU 305438 3".
 */

/** ISO 6346 letter values: from A = 10 upwards, skipping multiples of 11 (A10 B12 … K21 L23 … Z38). */
export const ISO6346_LETTER_VALUES: Readonly<Record<string, number>> = (() => {
  const values: Record<string, number> = {};
  let v = 10;
  for (let c = 65; c <= 90; c++) {
    if (v % 11 === 0) v++;
    values[String.fromCharCode(c)] = v++;
  }
  return values;
})();

const BODY = /^[A-Z]{3}[UJZ][0-9]{6}$/;

/**
 * Check digit of owner code + category + serial (10 characters, e.g. "CSQU305438"): the sum of
 * value × 2^position (position 0 at the left), mod 11, mod 10. A remainder of 10 therefore
 * gives check digit 0 — the standard maps it so and advises owners not to issue such serials,
 * but they exist. Throws RangeError unless given 3 letters, U/J/Z and 6 digits.
 * @example iso6346CheckDigit('CSQU305438') === 3
 */
export function iso6346CheckDigit(first10: string): number {
  if (!BODY.test(first10)) {
    throw new RangeError(`container number body must be 3 letters, U/J/Z and 6 digits, got "${first10.slice(0, 40)}"`);
  }
  let sum = 0;
  for (let i = 0; i < 10; i++) {
    const ch = first10.charAt(i);
    const value = i < 4 ? (ISO6346_LETTER_VALUES[ch] ?? 0) : ch.charCodeAt(0) - 48;
    sum += value * 2 ** i;
  }
  return (sum % 11) % 10;
}

export interface ContainerNumberCheck {
  /** normalized: 11 characters, no spaces, e.g. "CSQU3054383" */
  number: string;
  /** the 3-letter owner code, e.g. "CSQ" (with the category letter it is the BIC prefix "CSQU") */
  owner: string;
  category: 'U' | 'J' | 'Z';
  /** 6 digits */
  serial: string;
  /** the check digit in the text */
  checkDigit: number;
  /** the check digit computed from the first 10 characters */
  expected: number;
  valid: boolean;
}

const CONTAINER = /^([A-Z]{3})([UJZ])([0-9]{6})([0-9])$/;

/**
 * Reads a container number, tolerating the spaces and dashes it is printed with
 * ("CSQU 305438 3", "CSQU-305438-3"). Null when the text does not have the shape of one
 * (upper-case letters only: callers taking manual entry upper-case it first); otherwise the
 * parts and whether the check digit is right — a wrong one is for review, not a reason to drop.
 */
export function checkContainerNumber(text: string): ContainerNumberCheck | null {
  if (text.length > 24) return null;
  const number = text.trim().replace(/[ \t-]/g, '');
  const m = CONTAINER.exec(number);
  if (!m) return null;
  const checkDigit = Number(m[4]);
  const expected = iso6346CheckDigit(number.slice(0, 10));
  return {
    number,
    owner: m[1] ?? '',
    category: m[2] as ContainerNumberCheck['category'],
    serial: m[3] ?? '',
    checkDigit,
    expected,
    valid: checkDigit === expected,
  };
}
