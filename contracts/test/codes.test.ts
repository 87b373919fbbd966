import { describe, expect, it } from 'vitest';
import {
  checkContainerNumber,
  formatGs1ElementString,
  GS1_AIS,
  gs1Ai,
  gs1CheckDigit,
  gs1ElementSchema,
  hasValidGs1CheckDigit,
  impliedDecimal,
  isGs1Aim,
  ISO6346_LETTER_VALUES,
  iso6346CheckDigit,
  parseGs1ElementString,
  symbologyFromAim,
  upcEToUpcA,
  withGs1CheckDigit,
} from '../src/index.js';

const GS = '\u001d';

describe('GS1 check digits', () => {
  it('match the keys of the GS1 General Specifications and real packs', () => {
    expect(gs1CheckDigit('0950110153000')).toBe(3); // GTIN-14 09501101530003
    expect(gs1CheckDigit('10614141123456789')).toBe(7); // SSCC 106141411234567897
    expect(gs1CheckDigit('37610425002123456')).toBe(9); // SSCC 376104250021234569
    expect(withGs1CheckDigit('400638133393')).toBe('4006381333931'); // EAN-13
    expect(withGs1CheckDigit('9638507')).toBe('96385074'); // EAN-8
    expect(withGs1CheckDigit('03600029145')).toBe('036000291452'); // UPC-A
    expect(withGs1CheckDigit('541234500001')).toBe('5412345000013'); // GLN
    expect(withGs1CheckDigit('1061414100041')).toBe('10614141000415'); // GTIN-14 of a case
  });

  it('validate whole keys of every length and refuse what is not digits', () => {
    for (const key of ['96385074', '036000291452', '6901234567892', '09501101530003', '106141411234567897', '5412345000013']) {
      expect(hasValidGs1CheckDigit(key), key).toBe(true);
    }
    expect(hasValidGs1CheckDigit('09501101530004')).toBe(false);
    expect(hasValidGs1CheckDigit('106141411234567890')).toBe(false);
    expect(hasValidGs1CheckDigit('0950110153000X')).toBe(false);
    expect(hasValidGs1CheckDigit('7')).toBe(false);
    expect(hasValidGs1CheckDigit('')).toBe(false);
    expect(() => gs1CheckDigit('12a4')).toThrow(RangeError);
    expect(() => gs1CheckDigit('')).toThrow(RangeError);
  });

  it('expand UPC-E to the UPC-A whose check digit it carries', () => {
    expect(upcEToUpcA('01234565')).toBe('012345000065');
    expect(upcEToUpcA('04252614')).toBe('042100005264');
    expect(upcEToUpcA('01234505')).toBe('012000003455'); // last digit 0-2: manufacturer gets it
    expect(upcEToUpcA('01234535')).toBe('012300000455'); // 3
    expect(upcEToUpcA('01234545')).toBe('012340000055'); // 4
    for (const e of ['01234565', '04252614']) expect(hasValidGs1CheckDigit(upcEToUpcA(e) ?? '')).toBe(true);
    expect(upcEToUpcA('21234565')).toBeNull();
    expect(upcEToUpcA('0123456')).toBeNull();
  });
});

describe('GS1 AI table', () => {
  it('covers the logistics AIs with GS1 data titles, lengths, character sets and check flags', () => {
    expect(gs1Ai('00')).toMatchObject({ title: 'SSCC', fixedLength: 18, charset: 'numeric', checkDigit: true, predefinedLength: true });
    expect(gs1Ai('01')).toMatchObject({ title: 'GTIN', fixedLength: 14, checkDigit: true, predefinedLength: true });
    expect(gs1Ai('02')).toMatchObject({ title: 'CONTENT', fixedLength: 14, checkDigit: true });
    expect(gs1Ai('10')).toMatchObject({ title: 'BATCH/LOT', minLength: 1, maxLength: 20, charset: 'alphanumeric', checkDigit: false, predefinedLength: false });
    expect(gs1Ai('10')?.fixedLength).toBeUndefined();
    for (const ai of ['11', '12', '13', '15', '16', '17']) expect(gs1Ai(ai), ai).toMatchObject({ fixedLength: 6, date: true, predefinedLength: true });
    expect(gs1Ai('20')).toMatchObject({ title: 'VARIANT', fixedLength: 2 });
    expect(gs1Ai('21')).toMatchObject({ title: 'SERIAL', maxLength: 20 });
    expect(gs1Ai('37')).toMatchObject({ title: 'COUNT', maxLength: 8, charset: 'numeric', predefinedLength: false });
    expect(gs1Ai('3103')).toMatchObject({ title: 'NET WEIGHT (kg)', fixedLength: 6, decimals: 3, predefinedLength: true });
    expect(gs1Ai('3162')).toMatchObject({ title: 'NET VOLUME (m³)', decimals: 2 });
    expect(gs1Ai('3301')).toMatchObject({ title: 'GROSS WEIGHT (kg)', decimals: 1 });
    expect(gs1Ai('3106')).toBeUndefined(); // n is 0-5
    expect(gs1Ai('400')).toMatchObject({ title: 'ORDER NUMBER', maxLength: 30 });
    for (const ai of ['410', '411', '412', '413', '414', '415']) expect(gs1Ai(ai), ai).toMatchObject({ fixedLength: 13, checkDigit: true, predefinedLength: true });
    expect(gs1Ai('420')).toMatchObject({ title: 'SHIP TO POST', maxLength: 20 });
    expect(gs1Ai('421')).toMatchObject({ minLength: 4, maxLength: 12 });
    expect(gs1Ai('421')?.components.map((c) => c.charset)).toEqual(['N', 'X']);
    expect(gs1Ai('240')).toMatchObject({ title: 'ADDITIONAL ID', maxLength: 30 });
    expect(gs1Ai('241')).toMatchObject({ title: 'CUST. PART No.' });
    expect(gs1Ai('250')).toMatchObject({ title: 'SECONDARY SERIAL' });
    expect(gs1Ai('251')).toMatchObject({ title: 'REF. TO SOURCE' });
    // fixed length but not predefined: needs a GS when something follows
    expect(gs1Ai('7003')).toMatchObject({ title: 'EXPIRY TIME', fixedLength: 10, predefinedLength: false, date: true });
    expect(gs1Ai('422')).toMatchObject({ fixedLength: 3, predefinedLength: false });
    expect(gs1Ai('8003')).toMatchObject({ title: 'GRAI', minLength: 14, maxLength: 30, checkDigit: true });
    expect(gs1Ai('92')).toMatchObject({ title: 'INTERNAL', maxLength: 90 });
  });

  it('is prefix-free, as GS1 AIs are, so the AI at a position is never ambiguous', () => {
    const ais = [...GS1_AIS.keys()];
    expect(ais.filter((a) => ais.some((b) => b !== a && b.startsWith(a)))).toEqual([]);
  });

  it('has titles and lengths that fit the scan data schema', () => {
    for (const def of GS1_AIS.values()) {
      expect(gs1ElementSchema.safeParse({ ai: def.ai, value: 'x'.repeat(def.maxLength), title: def.title }).success, def.ai).toBe(true);
      // GS1 General Specifications: the predefined-length AIs start 00-04, 11-20, 31-36 or 41
      expect(def.predefinedLength, def.ai).toBe(/^(0[0-4]|1[1-9]|20|3[1-6]|41)/.test(def.ai));
    }
  });
});

describe('parseGs1ElementString', () => {
  it('parses the SSCC of the GS1 General Specifications', () => {
    expect(parseGs1ElementString('00106141411234567897')).toEqual({ elements: [{ ai: '00', value: '106141411234567897', title: 'SSCC' }], problems: [] });
  });

  it('needs no separator after fixed-length AIs and ends variable ones at GS or the end', () => {
    expect(parseGs1ElementString(`0109501101530003172607311012AB-3${GS}21SE9`)).toEqual({
      elements: [
        { ai: '01', value: '09501101530003', title: 'GTIN' },
        { ai: '17', value: '260731', title: 'USE BY or EXPIRY' },
        { ai: '10', value: '12AB-3', title: 'BATCH/LOT' },
        { ai: '21', value: 'SE9', title: 'SERIAL' },
      ],
      problems: [],
    });
  });

  it('reads a pallet label: SSCC, content GTIN, count and gross weight', () => {
    const r = parseGs1ElementString(`00376104250021234569020950110153000337120${GS}3301004521`);
    expect(r).toEqual({
      elements: [
        { ai: '00', value: '376104250021234569', title: 'SSCC' },
        { ai: '02', value: '09501101530003', title: 'CONTENT' },
        { ai: '37', value: '120', title: 'COUNT' },
        { ai: '3301', value: '004521', title: 'GROSS WEIGHT (kg)', decimal: '452.1' },
      ],
      problems: [],
    });
  });

  it('gives implied-decimal AIs an exact decimal string', () => {
    const r = parseGs1ElementString('01095011015300033103001250');
    expect(r?.elements[1]).toEqual({ ai: '3103', value: '001250', title: 'NET WEIGHT (kg)', decimal: '1.250' });
    expect(parseGs1ElementString('01095011015300033100000450')?.elements[1]?.decimal).toBe('450');
    expect(parseGs1ElementString('01095011015300033105123456')?.elements[1]?.decimal).toBe('1.23456');
    expect(parseGs1ElementString('01095011015300033922995')?.elements[1]).toEqual({ ai: '3922', value: '995', title: 'PRICE', decimal: '9.95' });
    expect(impliedDecimal('5', 2)).toBe('0.05');
    expect(impliedDecimal('000000', 2)).toBe('0.00');
    expect(impliedDecimal('001250', 0)).toBe('1250');
    expect(() => impliedDecimal('12a', 1)).toThrow(RangeError);
  });

  it('accepts a leading GS (FNC1 passed through), a GS after a fixed-length value and a trailing GS', () => {
    const want = [
      { ai: '01', value: '09501101530003', title: 'GTIN' },
      { ai: '10', value: 'ABC', title: 'BATCH/LOT' },
    ];
    expect(parseGs1ElementString(`${GS}010950110153000310ABC`)).toEqual({ elements: want, problems: [] });
    expect(parseGs1ElementString(`0109501101530003${GS}10ABC`)).toEqual({ elements: want, problems: [] });
    expect(parseGs1ElementString(`010950110153000310ABC${GS}`)).toEqual({ elements: want, problems: [] });
  });

  it('returns null for data that does not start with a known AI', () => {
    for (const code of ['PLAIN-42', 'CSQU3054383', 'A-01-02-03', '', GS, `${GS}${GS}`, '1412345', '曹家堡']) {
      expect(parseGs1ElementString(code), JSON.stringify(code)).toBeNull();
    }
  });

  it('keeps an element whose check digit is wrong and says so', () => {
    expect(parseGs1ElementString('0109501101530004')).toEqual({
      elements: [{ ai: '01', value: '09501101530004', title: 'GTIN' }],
      problems: ['AI 01 (GTIN): check digit 4 of 09501101530004 is wrong, expected 3'],
    });
    expect(parseGs1ElementString('00106141411234567890')?.problems).toEqual(['AI 00 (SSCC): check digit 0 of 106141411234567890 is wrong, expected 7']);
    expect(parseGs1ElementString('4105412345000014')?.problems).toEqual(['AI 410 (SHIP TO LOC): check digit 4 of 5412345000014 is wrong, expected 3']);
    expect(parseGs1ElementString('4105412345000013')?.problems).toEqual([]);
  });

  it('validates dates YYMMDD, with DD = 00 allowed for 11-17', () => {
    expect(parseGs1ElementString('010950110153000317260700')?.problems).toEqual([]); // end of July 2026
    expect(parseGs1ElementString('010950110153000311280229')?.problems).toEqual([]); // 2028 is a leap year
    expect(parseGs1ElementString('010950110153000315270229')?.problems).toEqual(['AI 15 (BEST BEFORE or BEST BY): 270229 is not a date YYMMDD']);
    expect(parseGs1ElementString('010950110153000317261332')).toEqual({
      elements: [
        { ai: '01', value: '09501101530003', title: 'GTIN' },
        { ai: '17', value: '261332', title: 'USE BY or EXPIRY' },
      ],
      problems: ['AI 17 (USE BY or EXPIRY): 261332 is not a date YYMMDD'],
    });
    expect(parseGs1ElementString('010950110153000313260431')?.problems).toEqual(['AI 13 (PACK DATE): 260431 is not a date YYMMDD']);
    // 7003 is date + time, and its date may not end in 00
    expect(parseGs1ElementString(`70032612312359${GS}10A`)?.problems).toEqual([]);
    expect(parseGs1ElementString(`70032612002460${GS}10A`)?.problems).toEqual([
      'AI 7003 (EXPIRY TIME): 261200 is not a date YYMMDD',
      'AI 7003 (EXPIRY TIME): 2460 is not a time HHMM',
    ]);
  });

  it('reports characters outside the AI character set, keeping the element', () => {
    expect(parseGs1ElementString('0109501101530O03')).toEqual({
      elements: [{ ai: '01', value: '09501101530O03', title: 'GTIN' }],
      problems: ['AI 01 (GTIN): "09501101530O03" is not digits only'],
    });
    expect(parseGs1ElementString('10AB CD')?.problems).toEqual(['AI 10 (BATCH/LOT): "AB CD" is not GS1 character set 82']);
    expect(parseGs1ElementString('3712X')?.problems).toEqual(['AI 37 (COUNT): "12X" is not digits only']);
  });

  it('stops at an unknown AI, keeping what came before', () => {
    expect(parseGs1ElementString('01095011015300031412345')).toEqual({
      elements: [{ ai: '01', value: '09501101530003', title: 'GTIN' }],
      problems: ['unknown AI at character 17: "1412"'],
    });
    expect(parseGs1ElementString(`10ABC${GS}${GS}23991`)?.problems).toEqual(['unknown AI at character 8: "2399"']);
    expect(parseGs1ElementString('01095011015300033106001250')?.problems).toEqual(['unknown AI at character 17: "3106"']);
  });

  it('stops at a value of the wrong length (a missing GS, a cut-off label)', () => {
    expect(parseGs1ElementString(`010950110153000310${'A'.repeat(21)}`)).toEqual({
      elements: [{ ai: '01', value: '09501101530003', title: 'GTIN' }],
      problems: ['AI 10 (BATCH/LOT): 1 to 20 characters expected, got 21'],
    });
    expect(parseGs1ElementString('01095011015300')).toEqual({ elements: [], problems: ['AI 01 (GTIN): 14 characters expected, got 12'] });
    expect(parseGs1ElementString(`0109501101530003172607${GS}10A`)?.problems).toEqual(['AI 17 (USE BY or EXPIRY): 6 characters expected, got 4']);
    expect(parseGs1ElementString(`10${GS}21A`)).toEqual({ elements: [], problems: ['AI 10 (BATCH/LOT): 1 to 20 characters expected, got 0'] });
  });

  it('notes a missing GS after a fixed-length AI that is not of predefined length', () => {
    expect(parseGs1ElementString('4221561012')).toEqual({
      elements: [
        { ai: '422', value: '156', title: 'ORIGIN' },
        { ai: '10', value: '12', title: 'BATCH/LOT' },
      ],
      problems: ['AI 422 (ORIGIN): no FNC1 separator (GS) after the value'],
    });
    expect(parseGs1ElementString(`422156${GS}1012`)?.problems).toEqual([]);
  });

  it('reads warehouse AIs: ship-to GLN and postal code, customer PO, additional id, internal', () => {
    const r = parseGs1ElementString(`001061414112345678974105412345000013400PO-2026-77${GS}4211560810000${GS}240X9${GS}91CJP-A-01`);
    expect(r?.problems).toEqual([]);
    expect(r?.elements.map((e) => [e.ai, e.value])).toEqual([
      ['00', '106141411234567897'],
      ['410', '5412345000013'],
      ['400', 'PO-2026-77'],
      ['421', '1560810000'],
      ['240', 'X9'],
      ['91', 'CJP-A-01'],
    ]);
  });

  describe('bracketed form', () => {
    it('reads the GS1 example "(01)09501101530003(17)140704(10)AB-123"', () => {
      expect(parseGs1ElementString('(01)09501101530003(17)140704(10)AB-123')).toEqual({
        elements: [
          { ai: '01', value: '09501101530003', title: 'GTIN' },
          { ai: '17', value: '140704', title: 'USE BY or EXPIRY' },
          { ai: '10', value: 'AB-123', title: 'BATCH/LOT' },
        ],
        problems: [],
      });
    });

    it('ignores spaces around values, unescapes "\\(" and checks as the raw form does', () => {
      expect(parseGs1ElementString('(00) 106141411234567897 (3103) 001250')?.elements).toEqual([
        { ai: '00', value: '106141411234567897', title: 'SSCC' },
        { ai: '3103', value: '001250', title: 'NET WEIGHT (kg)', decimal: '1.250' },
      ]);
      expect(parseGs1ElementString('(10)A\\(1)(21)7')?.elements.map((e) => e.value)).toEqual(['A(1)', '7']);
      expect(parseGs1ElementString('(01)09501101530004(17)261332')?.problems).toEqual([
        'AI 01 (GTIN): check digit 4 of 09501101530004 is wrong, expected 3',
        'AI 17 (USE BY or EXPIRY): 261332 is not a date YYMMDD',
      ]);
    });

    it('reports an unknown AI, a wrong length and text that is not "(AI)"', () => {
      expect(parseGs1ElementString('(01)09501101530003(14)1')?.problems).toEqual(['unknown AI at character 19: "(14)"']);
      expect(parseGs1ElementString('(01)0950110153000(10)A')).toEqual({ elements: [], problems: ['AI 01 (GTIN): 14 characters expected, got 13'] });
      expect(parseGs1ElementString('(10)A((21)B')?.problems).toEqual(['"(AI)" expected at character 6: "((21)B"']);
      expect(parseGs1ElementString('(14)1')).toBeNull();
      expect(parseGs1ElementString('(CJP) pallet')).toBeNull();
    });

    it('can be switched off, for scanner data', () => {
      expect(parseGs1ElementString('(01)09501101530003', { brackets: false })).toBeNull();
    });
  });

  it('formats elements back into either form', () => {
    const code = `0109501101530003310300125010AB-1${GS}1726070021S1`;
    const parsed = parseGs1ElementString(code);
    expect(parsed?.problems).toEqual([]);
    // 10 is variable and not last: GS; 17 is predefined: none; the last gets none
    expect(formatGs1ElementString(parsed?.elements ?? [])).toBe(code);
    expect(formatGs1ElementString(parsed?.elements ?? [], 'brackets')).toBe('(01)09501101530003(3103)001250(10)AB-1(17)260700(21)S1');
    expect(parseGs1ElementString(formatGs1ElementString(parsed?.elements ?? [], 'brackets'))).toEqual(parsed);
    expect(formatGs1ElementString([{ ai: '10', value: 'A(1' }], 'brackets')).toBe('(10)A\\(1');
  });
});

describe('ISO 6346 container numbers', () => {
  it('computes check digits of known numbers', () => {
    expect(iso6346CheckDigit('CSQU305438')).toBe(3);
    expect(iso6346CheckDigit('MWCU605978')).toBe(4);
    expect(iso6346CheckDigit('CBHU320273')).toBe(2);
    expect(iso6346CheckDigit('BICU123456')).toBe(5); // BIC's own example
    expect(iso6346CheckDigit('MSKU907032')).toBe(3);
    expect(iso6346CheckDigit('TGHU123456')).toBe(7);
    expect(() => iso6346CheckDigit('CSQU30543')).toThrow(RangeError);
    expect(() => iso6346CheckDigit('CSQX305438')).toThrow(RangeError);
  });

  it('maps a remainder of 10 to check digit 0', () => {
    // C13 + S30·2 + Q28·4 + U32·8 + 7·2^9 = 4025 = 365·11 + 10
    expect(iso6346CheckDigit('CSQU000007')).toBe(0);
    expect(checkContainerNumber('CSQU0000070')).toMatchObject({ checkDigit: 0, expected: 0, valid: true });
  });

  it('gives letter values from A=10 skipping multiples of 11', () => {
    expect(ISO6346_LETTER_VALUES).toMatchObject({ A: 10, B: 12, C: 13, K: 21, L: 23, U: 32, V: 34, Z: 38 });
    expect(Object.values(ISO6346_LETTER_VALUES).filter((v) => v % 11 === 0)).toEqual([]);
    expect(Object.keys(ISO6346_LETTER_VALUES)).toHaveLength(26);
  });

  it('reads printed forms and reports the parts', () => {
    const csqu = { number: 'CSQU3054383', owner: 'CSQ', category: 'U', serial: '305438', checkDigit: 3, expected: 3, valid: true };
    expect(checkContainerNumber('CSQU3054383')).toEqual(csqu);
    expect(checkContainerNumber('CSQU 305438 3')).toEqual(csqu);
    expect(checkContainerNumber(' CSQU-305438-3 ')).toEqual(csqu);
    expect(checkContainerNumber('MSKU9070323')).toMatchObject({ owner: 'MSK', valid: true });
    expect(checkContainerNumber('TGHZ 123456 0')?.category).toBe('Z');
  });

  it('keeps a number with a wrong check digit, marked invalid', () => {
    expect(checkContainerNumber('CSQU3054384')).toEqual({
      number: 'CSQU3054384',
      owner: 'CSQ',
      category: 'U',
      serial: '305438',
      checkDigit: 4,
      expected: 3,
      valid: false,
    });
    expect(checkContainerNumber('TGHU 123456 1')).toMatchObject({ expected: 7, valid: false });
  });

  it('returns null for text that is not shaped like a container number', () => {
    for (const t of ['CSQX3054383', 'CSQU305438', 'CSQU30543833', 'csqu3054383', 'C5QU3054383', 'A-01-02-03', '', '6901234567892', 'CSQU 3054383 ' + 'x'.repeat(20)]) {
      expect(checkContainerNumber(t), t).toBeNull();
    }
  });
});

describe('AIM symbology identifiers', () => {
  it('name the symbologies a warehouse scans', () => {
    const names = {
      ']C0': 'code-128',
      ']C1': 'gs1-128',
      ']C2': 'code-128',
      ']E0': 'ean-13',
      ']E4': 'ean-8',
      ']E3': 'ean-upc-addon',
      ']d1': 'datamatrix',
      ']d2': 'gs1-datamatrix',
      ']Q1': 'qr',
      ']Q3': 'gs1-qr',
      ']e0': 'gs1-databar',
      ']A0': 'code-39',
      ']I0': 'itf',
      ']I1': 'itf',
      ']L0': 'pdf417',
      ']F0': 'codabar',
      ']G0': 'code-93',
      ']z0': 'aztec',
      ']J1': 'gs1-dotcode',
      ']X0': 'unknown',
      ']K0': 'aim-K0',
      ']h1': 'aim-h1',
    };
    for (const [aim, name] of Object.entries(names)) expect(symbologyFromAim(aim), aim).toBe(name);
    expect(symbologyFromAim('C1')).toBe('unknown');
    expect(symbologyFromAim(']C10')).toBe('unknown');
  });

  it('tell UPC-A, UPC-E and ITF-14 apart by the data', () => {
    expect(symbologyFromAim(']E0', '6901234567892')).toBe('ean-13');
    expect(symbologyFromAim(']E0', '036000291452')).toBe('upc-a');
    expect(symbologyFromAim(']E0', '01234565')).toBe('upc-e');
    expect(symbologyFromAim(']I1', '10614141000415')).toBe('itf-14');
    expect(symbologyFromAim(']I0', '123456')).toBe('itf');
  });

  it('say which carry GS1 element strings', () => {
    for (const aim of [']C1', ']e0', ']d2', ']d5', ']Q3', ']Q4', ']J1']) expect(isGs1Aim(aim), aim).toBe(true);
    for (const aim of [']C0', ']C2', ']d1', ']Q1', ']E0', ']I1', ']X0', '']) expect(isGs1Aim(aim), aim).toBe(false);
  });
});
