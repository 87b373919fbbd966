/**
 * Check digits of the identifiers the simulators print: GS1 keys (GTIN, SSCC, GLN) and
 * ISO 6346 container numbers. The logic lives once, in @cjp/contracts (codes/); these are the
 * names the simulators and their tests have always used.
 */
import { checkContainerNumber, hasValidGs1CheckDigit } from '@cjp/contracts';

export { gs1CheckDigit, withGs1CheckDigit, ISO6346_LETTER_VALUES, iso6346CheckDigit } from '@cjp/contracts';

/** True when the last digit of a GS1 key (GTIN-8/12/13/14, SSCC, GLN) is its correct check digit. */
export function isValidGs1Key(key: string): boolean {
  return hasValidGs1CheckDigit(key);
}

/** True for an 11-character container number (no spaces) whose last digit is its ISO 6346 check digit. */
export function isValidContainerNumber(containerNumber: string): boolean {
  const checked = checkContainerNumber(containerNumber);
  return checked !== null && checked.number === containerNumber && checked.valid;
}
