/**
 * Check digits of the identifiers the simulators print: GS1 keys (GTIN, SSCC, GLN) and
 * ISO 6346 container numbers.
 */

const DIGITS = /^[0-9]+$/;

/**
 * GS1 mod-10 check digit of the data digits of a GS1 key (without its check digit).
 * Weights 3 and 1 alternate from the rightmost data digit, whatever the key's length.
 * @example gs1CheckDigit('0950110153000') === 3 // GTIN 09501101530003
 */
export function gs1CheckDigit(dataDigits: string): number {
  if (!DIGITS.test(dataDigits)) throw new RangeError(`GS1 key data must be digits, got "${dataDigits}"`);
  let sum = 0;
  for (let i = 0; i < dataDigits.length; i++) {
    const d = dataDigits.charCodeAt(dataDigits.length - 1 - i) - 48;
    sum += i % 2 === 0 ? 3 * d : d;
  }
  return (10 - (sum % 10)) % 10;
}

/** The data digits followed by their GS1 check digit. */
export function withGs1CheckDigit(dataDigits: string): string {
  return dataDigits + String(gs1CheckDigit(dataDigits));
}

/** True when the last digit of a GS1 key (GTIN-8/12/13/14, SSCC, GLN) is its correct check digit. */
export function isValidGs1Key(key: string): boolean {
  if (key.length < 2 || !DIGITS.test(key)) return false;
  return gs1CheckDigit(key.slice(0, -1)) === Number(key.at(-1));
}

/** ISO 6346 letter values: from A = 10 upwards, skipping multiples of 11. */
export const ISO6346_LETTER_VALUES: Readonly<Record<string, number>> = (() => {
  const values: Record<string, number> = {};
  let v = 10;
  for (let c = 65; c <= 90; c++) {
    if (v % 11 === 0) v++;
    values[String.fromCharCode(c)] = v++;
  }
  return values;
})();

const CONTAINER_BODY = /^[A-Z]{3}[UJZ][0-9]{6}$/;

/**
 * ISO 6346 check digit of owner code + category + serial (10 characters, e.g. "CSQU305438").
 * Sum of value × 2^position (position 0 at the left), mod 11, mod 10.
 * @example iso6346CheckDigit('CSQU305438') === 3
 */
export function iso6346CheckDigit(body: string): number {
  if (!CONTAINER_BODY.test(body)) {
    throw new RangeError(`container number body must be 3 letters, U/J/Z and 6 digits, got "${body}"`);
  }
  let sum = 0;
  for (let i = 0; i < 10; i++) {
    const ch = body.charAt(i);
    const value = i < 4 ? (ISO6346_LETTER_VALUES[ch] ?? 0) : Number(ch);
    sum += value * 2 ** i;
  }
  return (sum % 11) % 10;
}

/** True for an 11-character container number whose last digit is its ISO 6346 check digit. */
export function isValidContainerNumber(containerNumber: string): boolean {
  if (containerNumber.length !== 11 || !CONTAINER_BODY.test(containerNumber.slice(0, 10))) return false;
  return iso6346CheckDigit(containerNumber.slice(0, 10)) === Number(containerNumber.at(10));
}
