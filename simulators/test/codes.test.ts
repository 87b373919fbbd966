import { describe, expect, it } from 'vitest';
import * as contracts from '@cjp/contracts';
import {
  gs1CheckDigit,
  ISO6346_LETTER_VALUES,
  isValidContainerNumber,
  isValidGs1Key,
  iso6346CheckDigit,
  withGs1CheckDigit,
} from '../src/codes.js';
import { parseGs1 } from './gs1-test-parser.js';

describe('GS1 mod-10 check digit', () => {
  it('matches GS1 example keys', () => {
    expect(gs1CheckDigit('0950110153000')).toBe(3);
    expect(withGs1CheckDigit('0950110153000')).toBe('09501101530003');
    expect(withGs1CheckDigit('400638133393')).toBe('4006381333931'); // EAN-13 on a Stabilo pen
    expect(withGs1CheckDigit('37610425002123456')).toBe('376104250021234569'); // SSCC, GS1 General Specifications
    expect(withGs1CheckDigit('9638507')).toBe('96385074'); // EAN-8
  });

  it('validates whole keys and rejects a wrong digit or non-digits', () => {
    expect(isValidGs1Key('09501101530003')).toBe(true);
    expect(isValidGs1Key('09501101530004')).toBe(false);
    expect(isValidGs1Key('0950110153000X')).toBe(false);
    expect(isValidGs1Key('')).toBe(false);
    expect(() => gs1CheckDigit('12a4')).toThrow(RangeError);
  });
});

describe('ISO 6346 check digit', () => {
  it('matches known container numbers', () => {
    expect(iso6346CheckDigit('CSQU305438')).toBe(3);
    expect(iso6346CheckDigit('MWCU605978')).toBe(4);
    expect(iso6346CheckDigit('CBHU320273')).toBe(2);
  });

  it('gives letter values from A=10 skipping multiples of 11', () => {
    expect(ISO6346_LETTER_VALUES).toMatchObject({ A: 10, B: 12, K: 21, L: 23, U: 32, V: 34, Z: 38 });
    expect(Object.values(ISO6346_LETTER_VALUES).filter((v) => v % 11 === 0)).toEqual([]);
  });

  it('validates whole numbers and rejects malformed ones', () => {
    expect(isValidContainerNumber('CSQU3054383')).toBe(true);
    expect(isValidContainerNumber('CSQU3054384')).toBe(false);
    expect(isValidContainerNumber('CSQX3054383')).toBe(false); // category must be U, J or Z
    expect(isValidContainerNumber('csqu3054383')).toBe(false);
    expect(() => iso6346CheckDigit('CSQU30543')).toThrow(RangeError);
  });
});

describe('one check-digit implementation', () => {
  it('is the contracts one, re-exported under the simulators’ names', () => {
    expect(gs1CheckDigit).toBe(contracts.gs1CheckDigit);
    expect(withGs1CheckDigit).toBe(contracts.withGs1CheckDigit);
    expect(iso6346CheckDigit).toBe(contracts.iso6346CheckDigit);
    expect(ISO6346_LETTER_VALUES).toBe(contracts.ISO6346_LETTER_VALUES);
  });

  it('accepts only the normalized form as a valid container number', () => {
    expect(isValidContainerNumber('CSQU 305438 3')).toBe(false);
    expect(isValidContainerNumber('CSQU0000070')).toBe(true); // remainder 10 → check digit 0
  });
});

describe('the GS1 test parser', () => {
  it('holds generated strings to the canonical form', () => {
    expect(parseGs1('010950110153000310A\u001d17260700')).toEqual([
      { ai: '01', value: '09501101530003' },
      { ai: '10', value: 'A' },
      { ai: '17', value: '260700' },
    ]);
    expect(() => parseGs1('0109501101530003\u001d10A')).toThrow(/GS separators out of place/);
    expect(() => parseGs1('010950110153000310A\u001d')).toThrow(/GS separators out of place/);
    expect(() => parseGs1('0109501101530004')).toThrow(/check digit/);
    expect(() => parseGs1('PLAIN')).toThrow(/not a GS1 element string/);
  });
});
