import { describe, expect, it } from 'vitest';
import {
  A12eDecoder,
  ToledoDecoder,
  WEIGHT_FORMATS,
  Xk3190Decoder,
  YaohuaEqDecoder,
  createWeightDecoder,
  toledoChecksum,
  type WeightDecodeResult,
  type WeightFormat,
  type WeightFrameDecoder,
  type WeightReading,
} from '../src/drivers/weighbridge/index.js';

// ---- frame builders, written from devices.md 1.1 / 1.2 independently of the decoders ----------

const STX = 0x02;
const CR = 0x0d;
const LF = 0x0a;
const hex2 = (b: number) => b.toString(16).toUpperCase().padStart(2, '0');
const xor = (s: string) => [...Buffer.from(s, 'latin1')].reduce((a, b) => a ^ b, 0);

/** STX SWA SWB SWC weight [tare] CR [CHK] [LF]; the checksum makes the 7-bit sum ≡ 0 (mod 128). */
function toledo(swa: number, swb: number, swc: number, weight: string, tare?: string, opts: { checksum?: boolean; lf?: boolean } = {}): Buffer {
  const body = Buffer.concat([Buffer.from([STX, swa, swb, swc]), Buffer.from(weight + (tare ?? ''), 'latin1'), Buffer.from([CR])]);
  const sum = [...body].reduce((a, b) => a + (b & 0x7f), 0);
  const parts = [body];
  if (opts.checksum ?? true) parts.push(Buffer.from([(128 - (sum % 128)) % 128]));
  if (opts.lf) parts.push(Buffer.from([LF]));
  return Buffer.concat(parts);
}

/** 0x02 + body (sign, 6 digits, decimals) + XOR as "%02X" + 0x03 */
function xk(body: string, check: string = hex2(xor(body))): Buffer {
  return Buffer.concat([Buffer.from([STX]), Buffer.from(body + check, 'latin1'), Buffer.from([0x03])]);
}

/** '=' + the 8-char display string, least significant character first */
function eq(display: string, reversed = true): Buffer {
  return Buffer.from('=' + (reversed ? [...display].reverse().join('') : display), 'latin1');
}

/** 11 chars + XOR as "%02X" + CR LF */
function a12e(body: string, check: string | null = hex2(xor(body))): Buffer {
  return Buffer.from(body + (check ?? '') + '\r\n', 'latin1');
}

function decodeAll(d: WeightFrameDecoder, ...chunks: Buffer[]): WeightDecodeResult[] {
  return chunks.flatMap((c) => d.push(c));
}

function only(d: WeightFrameDecoder, frame: Buffer): WeightDecodeResult {
  const out = d.push(frame);
  expect(out).toHaveLength(1);
  return out[0]!;
}

const ok = (frame: Buffer, reading: Omit<WeightReading, 'raw'>): WeightDecodeResult => ({ ok: true, reading: { ...reading, raw: frame.toString('hex') } });
const bad = (frame: Buffer, reason: string): WeightDecodeResult => ({ ok: false, reason, raw: frame.toString('hex') });
const discarded = (n: number): WeightDecodeResult => ({ ok: false, reason: `discarded ${n} byte${n === 1 ? '' : 's'} that formed no frame (noise or a truncated frame)` });

/** Even parity in bit 7, as a 7E1 line read with 8N1 delivers it. */
function withParity(buf: Buffer): Buffer {
  return Buffer.from([...buf].map((b) => (b.toString(2).split('1').length - 1) % 2 ? b | 0x80 : b));
}

// ---- Mettler Toledo continuous -----------------------------------------------------------------

describe('toledo decoder', () => {
  const LB_STABLE_GROSS = { unit: 'lb', negative: false, overload: false, underload: false, stable: true } as const;

  it("decodes devices.md's worked example (checksum 0x36)", () => {
    const frame = Buffer.from('023120203030313233343030303030300d36', 'hex');
    expect(toledoChecksum(frame, 17)).toBe(0x36);
    expect(only(new ToledoDecoder(), frame)).toEqual(ok(frame, { ...LB_STABLE_GROSS, grossKg: '1234', tareKg: '0' }));
    // the same frame as the 17-byte variant without checksum
    const noChk = frame.subarray(0, 17);
    expect(only(new ToledoDecoder({ checksum: false }), noChk)).toEqual(ok(noChk, { ...LB_STABLE_GROSS, grossKg: '1234', tareKg: '0' }));
  });

  it('decodes net and tare in kg with the decimal point from status word A', () => {
    // SWA 0x2c: XXXX.XX, increment ×1; SWB 0x31: net, positive, in range, stable, kg
    const frame = toledo(0x2c, 0x31, 0x20, '012345', '002000');
    expect(only(new ToledoDecoder(), frame)).toEqual(
      ok(frame, { netKg: '123.45', tareKg: '20.00', unit: 'kg', negative: false, overload: false, underload: false, stable: true }),
    );
  });

  it('applies every decimal-point code of SWA bits 0-2; dummy zeros are among the digits sent', () => {
    const expected = ['123450', '123450', '123450', '12345.0', '1234.50', '123.450', '12.3450', '1.23450'];
    const d = new ToledoDecoder();
    expected.forEach((value, code) => {
      const r = only(d, toledo(0x28 | code, 0x30, 0x20, '123450', '000000'));
      expect(r.ok && r.reading.grossKg, `SWA bits 0-2 = ${code.toString(2)}`).toBe(value);
    });
    const small = only(d, toledo(0x2d, 0x30, 0x20, '000007', '000000')); // XXX.XXX
    expect(small.ok && small.reading.grossKg).toBe('0.007');
  });

  it('reads leading spaces as zeros, the sign from SWB bit 1, and motion from SWB bit 3', () => {
    const d = new ToledoDecoder();
    // SWB 0x3a: gross, negative, motion, kg
    const frame = toledo(0x2a, 0x3a, 0x20, '   125', '      ');
    expect(only(d, frame)).toEqual(ok(frame, { grossKg: '-125', tareKg: '0', unit: 'kg', negative: true, overload: false, underload: false, stable: false }));
    // negative zero keeps the flag, not a "-0"
    const zero = only(d, toledo(0x2b, 0x32, 0x20, '     0', '     0'));
    expect(zero.ok && [zero.reading.grossKg, zero.reading.negative]).toEqual(['0.0', true]);
  });

  it('splits SWB bit 2 (out of range) into overload when positive and underload when negative', () => {
    const d = new ToledoDecoder();
    const over = only(d, toledo(0x2a, 0x34, 0x20, '999999', '000000'));
    expect(over.ok && [over.reading.overload, over.reading.underload]).toEqual([true, false]);
    const under = only(d, toledo(0x2a, 0x36, 0x20, '000500', '000000'));
    expect(under.ok && [under.reading.overload, under.reading.underload, under.reading.grossKg]).toEqual([false, true, '-500']);
  });

  it('takes the unit from SWC bits 0-2 (g, t) or SWB bit 4 (lb/kg), and refuses oz', () => {
    const d = new ToledoDecoder();
    const unitOf = (swb: number, swc: number) => {
      const r = only(d, toledo(0x2a, swb, swc, '000100', '000000'));
      return r.ok ? r.reading.unit : r.reason;
    };
    expect(unitOf(0x20, 0x20)).toBe('lb');
    expect(unitOf(0x30, 0x20)).toBe('kg');
    expect(unitOf(0x20, 0x21)).toBe('g');
    expect(unitOf(0x30, 0x22)).toBe('t');
    expect(unitOf(0x20, 0x23)).toBe('unit code 011 in status word C 0x23 is not lb/kg, g or t');
  });

  it('accepts the short frame (no tare) next to full frames, with and without checksum', () => {
    const short = toledo(0x2a, 0x30, 0x20, '004560');
    expect(short).toHaveLength(12);
    const full = toledo(0x2a, 0x30, 0x20, '004560', '000100');
    const d = new ToledoDecoder();
    expect(decodeAll(d, Buffer.concat([short, full, short]))).toEqual([
      ok(short, { grossKg: '4560', unit: 'kg', negative: false, overload: false, underload: false, stable: true }),
      ok(full, { grossKg: '4560', tareKg: '100', unit: 'kg', negative: false, overload: false, underload: false, stable: true }),
      ok(short, { grossKg: '4560', unit: 'kg', negative: false, overload: false, underload: false, stable: true }),
    ]);
    const short11 = toledo(0x2a, 0x30, 0x20, '004560', undefined, { checksum: false });
    const r = only(new ToledoDecoder({ frame: 'short', checksum: false }), short11);
    expect(r.ok && r.reading.grossKg).toBe('4560');
    // a decoder set to full frames does not take a short one
    expect(decodeAll(new ToledoDecoder({ frame: 'full' }), short, full)).toEqual([
      discarded(12),
      ok(full, { grossKg: '4560', tareKg: '100', unit: 'kg', negative: false, overload: false, underload: false, stable: true }),
    ]);
  });

  it('decodes the Hengtian 9800 clone: 12 bytes ending CR LF, SWB bit 3 = 1 meaning stable', () => {
    const hengtian = { frame: 'short', checksum: false, lineFeed: true, motionBit: 'stable' } as const;
    const stable = toledo(0x22, 0x38, 0x20, '012340', undefined, { checksum: false, lf: true });
    const moving = toledo(0x22, 0x30, 0x20, '012300', undefined, { checksum: false, lf: true });
    expect(stable).toHaveLength(12);
    const [a, b] = decodeAll(new ToledoDecoder(hengtian), stable, moving);
    expect(a).toEqual(ok(stable, { grossKg: '12340', unit: 'kg', negative: false, overload: false, underload: false, stable: true }));
    expect(b?.ok && b.reading.stable).toBe(false);
    // with Mettler polarity the same bit means motion
    const mettler = only(new ToledoDecoder({ ...hengtian, motionBit: 'motion' }), stable);
    expect(mettler.ok && mettler.reading.stable).toBe(false);
  });

  it('ignores bit 7 (a parity bit on a 7E1 line read as 8N1) but reports the bytes as received', () => {
    const plain = toledo(0x2c, 0x31, 0x20, '012345', '002000');
    const parity = withParity(plain);
    expect(parity.equals(plain)).toBe(false);
    const r = only(new ToledoDecoder(), parity);
    expect(r).toEqual(ok(parity, { netKg: '123.45', tareKg: '20.00', unit: 'kg', negative: false, overload: false, underload: false, stable: true }));
  });

  it('rejects a bad checksum with the reason and the bytes, then decodes the next frame', () => {
    const good = Buffer.from('023120203030313233343030303030300d36', 'hex');
    const wrong = Buffer.from('023120203030313233343030303030300d37', 'hex');
    expect(decodeAll(new ToledoDecoder(), wrong, good)).toEqual([
      bad(wrong, 'checksum 0x37 does not match 0x36'),
      ok(good, { ...LB_STABLE_GROSS, grossKg: '1234', tareKg: '0' }),
    ]);
  });

  it('says so when a device sends no checksum but one is expected', () => {
    const frame = toledo(0x2a, 0x30, 0x20, '000100', '000000', { checksum: false });
    const [first] = decodeAll(new ToledoDecoder(), frame, frame, frame);
    expect(first?.ok === false && first.reason).toMatch(/does this device send no checksum\? set checksum: false/);
  });

  it('rejects non-digits in the weight and tare fields, and spaces after a digit', () => {
    const d = new ToledoDecoder();
    expect(only(d, toledo(0x2a, 0x30, 0x20, '0012A4', '000000'))).toMatchObject({ ok: false, reason: 'weight field "0012A4" is not 6 digits' });
    expect(only(d, toledo(0x2a, 0x30, 0x20, '001 34', '000000'))).toMatchObject({ ok: false, reason: 'weight field "001 34" is not 6 digits' });
    expect(only(d, toledo(0x2a, 0x30, 0x20, '001234', '00\x00000'))).toMatchObject({ ok: false, reason: 'tare field "00\\x00000" is not 6 digits' });
    expect(d.stats).toMatchObject({ frames: 0, rejected: 3, droppedBytes: 54 });
  });

  it('checks the fixed status bits only when asked', () => {
    const frame = toledo(0x12, 0x30, 0x20, '000100', '000000'); // SWA bit 5 = 0, bit 4 = 1
    expect(only(new ToledoDecoder(), frame).ok).toBe(true);
    expect(only(new ToledoDecoder({ checkFixedBits: true }), frame)).toMatchObject({
      ok: false,
      reason: 'status words A 0x12 / C 0x20 lack the fixed bits (A: bit5=1, bit6=0; C: bit5=1)',
    });
  });
});

// ---- Yaohua XK3190 02…03 -----------------------------------------------------------------------

describe('yaohua-xk3190 decoder', () => {
  const base = { unit: 'kg', negative: false, overload: false, stable: null } as const;

  it("decodes devices.md's example: +000123 with 2 decimals, XOR 0x19", () => {
    const frame = Buffer.from([0x02, ...Buffer.from('+000123219', 'latin1'), 0x03]);
    expect(frame.equals(xk('+0001232'))).toBe(true);
    expect(only(new Xk3190Decoder(), frame)).toEqual(ok(frame, { ...base, grossKg: '1.23' }));
  });

  it('decodes negatives and every decimal position 0..4, in the configured unit', () => {
    const d = new Xk3190Decoder({ unit: 't' });
    const values = ['12345', '1234.5', '123.45', '12.345', '1.2345'].map((_, dp) => {
      const r = only(d, xk(`-012345${dp}`));
      return r.ok ? [r.reading.grossKg, r.reading.negative, r.reading.unit] : r.reason;
    });
    expect(values).toEqual([
      ['-12345', true, 't'],
      ['-1234.5', true, 't'],
      ['-123.45', true, 't'],
      ['-12.345', true, 't'],
      ['-1.2345', true, 't'],
    ]);
  });

  it('accepts check nibbles sent as nibble + 0x30 only when configured', () => {
    const body = '+0012301';
    expect(hex2(xor(body))).toBe('1A');
    const colon = xk(body, '1:');
    expect(only(new Xk3190Decoder(), colon)).toEqual(bad(colon, 'check characters "1:" are not hex'));
    expect(only(new Xk3190Decoder({ colonNibbles: true }), colon)).toEqual(ok(colon, { ...base, grossKg: '123.0' }));
    expect(only(new Xk3190Decoder(), xk(body))).toEqual(ok(xk(body), { ...base, grossKg: '123.0' }));
  });

  it('rejects a bad XOR, a bad sign, bad digits and decimals out of range, then decodes on', () => {
    const good = xk('+0001232');
    const wrongXor = xk('+0001232', '18');
    const noSign = xk(' 0001232');
    const letter = xk('+00O1232');
    const dp7 = xk('+0001237');
    expect(decodeAll(new Xk3190Decoder(), wrongXor, noSign, letter, dp7, good)).toEqual([
      bad(wrongXor, 'XOR check "18" does not match 19'),
      bad(noSign, 'sign " " is not + or -'),
      bad(letter, 'weight "00O123" is not 6 digits'),
      bad(dp7, 'decimal places "7" not in 0..4'),
      ok(good, { ...base, grossKg: '1.23' }),
    ]);
  });
});

// ---- Yaohua '=' reversed -----------------------------------------------------------------------

describe('yaohua-eq decoder', () => {
  const base = { unit: 'kg', overload: false, stable: null } as const;

  it("decodes devices.md's examples: =000.3000 is 3.000 and =00.1000- is -1.00", () => {
    const a = Buffer.from('=000.3000', 'latin1');
    const b = Buffer.from('=00.1000-', 'latin1');
    expect(a.equals(eq('0003.000')) && b.equals(eq('-0001.00'))).toBe(true);
    expect(decodeAll(new YaohuaEqDecoder(), Buffer.concat([a, b]))).toEqual([
      ok(a, { ...base, grossKg: '3.000', negative: false }),
      ok(b, { ...base, grossKg: '-1.00', negative: true }),
    ]);
  });

  it('decodes integers and any decimal position, and the unreversed variant (A26 format 2)', () => {
    const d = new YaohuaEqDecoder({ unit: 't' });
    const values = ['00012345', '001234.5', '.1234567', '1234567.'].map((display) => {
      const r = only(d, eq(display));
      return r.ok ? r.reading.grossKg : r.reason;
    });
    expect(values).toEqual(['12345', '1234.5', '0.1234567', '1234567']);
    const plain = eq('0003.000', false);
    expect(plain.toString('latin1')).toBe('=0003.000');
    expect(only(new YaohuaEqDecoder({ reversed: false }), plain)).toEqual(ok(plain, { ...base, grossKg: '3.000', negative: false }));
  });

  it('rejects a display that is not a number, then decodes on', () => {
    const good = eq('0003.000');
    const letter = eq('00x3.000');
    const twoPoints = eq('00.3.000');
    const midSign = eq('000-3.00');
    expect(decodeAll(new YaohuaEqDecoder(), letter, twoPoints, midSign, good)).toEqual([
      bad(letter, 'display "00x3.000" is not a number'),
      bad(twoPoints, 'display "00.3.000" is not a number'),
      bad(midSign, 'display "000-3.00" is not a number'),
      ok(good, { ...base, grossKg: '3.000', negative: false }),
    ]);
  });
});

// ---- Yaohua A12E W…kg --------------------------------------------------------------------------

describe('yaohua-a12e decoder', () => {
  const base = { unit: 'kg', negative: false, overload: false, underload: false, stable: null } as const;

  it("decodes devices.md's example WG004.139kg3D", () => {
    const frame = Buffer.from('5747303034 2e3133396b6733440d0a'.replace(/ /g, ''), 'hex');
    expect(frame.equals(a12e('WG004.139kg'))).toBe(true);
    expect(only(new A12eDecoder(), frame)).toEqual(ok(frame, { ...base, grossKg: '4.139' }));
  });

  it('decodes net, negative and integer weights (a space for the missing decimal point)', () => {
    const net = a12e('WN-03.170kg');
    const integer = a12e('WG004139 kg');
    expect(decodeAll(new A12eDecoder(), net, integer)).toEqual([
      ok(net, { ...base, netKg: '-3.170', negative: true }),
      ok(integer, { ...base, grossKg: '4139' }),
    ]);
  });

  it('decodes the overload (OL) and underload (LO) frames, XOR 0x23', () => {
    const over = Buffer.from('         OL23\r\n', 'latin1');
    const under = Buffer.from('         LO23\r\n', 'latin1');
    expect(over.equals(a12e('         OL'))).toBe(true);
    expect(decodeAll(new A12eDecoder({ unit: 't' }), over, under)).toEqual([
      ok(over, { unit: 't', negative: false, overload: true, underload: false, stable: null }),
      ok(under, { unit: 't', negative: true, overload: false, underload: true, stable: null }),
    ]);
  });

  it('accepts the lower-case ww/wn/wt headers and frames without check only when configured', () => {
    const net = a12e('wn-003.17kg');
    expect(only(new A12eDecoder(), net)).toEqual(bad(net, 'header "wn" is not WG or WN'));
    const lower = new A12eDecoder({ lowercaseHeaders: true });
    expect(decodeAll(lower, net, a12e('wt0001.20kg'))).toEqual([
      ok(net, { ...base, netKg: '-3.17', negative: true }),
      ok(a12e('wt0001.20kg'), { ...base, tareKg: '1.20' }),
    ]);
    const noCheck = a12e('ww000.000lb', null);
    expect(noCheck).toHaveLength(13);
    expect(only(new A12eDecoder({ lowercaseHeaders: true, checksum: false }), noCheck)).toEqual(ok(noCheck, { ...base, unit: 'lb', grossKg: '0.000' }));
  });

  it('rejects a bad check, header, weight or unit, then decodes on', () => {
    const good = a12e('WG004.139kg');
    const wrongXor = a12e('WG004.139kg', '3E');
    const header = a12e('WX004.139kg');
    const weight = a12e('WG00 4.13kg');
    const unit = a12e('WG004.139KG');
    expect(decodeAll(new A12eDecoder(), wrongXor, header, weight, unit, good)).toEqual([
      bad(wrongXor, 'XOR check "3E" does not match 3D'),
      bad(header, 'header "WX" is not WG or WN'),
      bad(weight, 'weight "00 4.13" is not a number'),
      bad(unit, 'unit "KG" is not kg or lb'),
      ok(good, { ...base, grossKg: '4.139' }),
    ]);
  });
});

// ---- every format: streams ---------------------------------------------------------------------

interface StreamCase {
  format: WeightFormat;
  make: () => WeightFrameDecoder;
  /** three good frames with their readings */
  good: [Buffer, Omit<WeightReading, 'raw'>][];
  /** a frame-shaped sequence that fails a check, and why */
  bad: [Buffer, string];
  /** the bytes a device sends most: used for noise that looks like frames */
  alphabet: Buffer;
}

const CASES: StreamCase[] = [
  {
    format: 'toledo',
    make: () => createWeightDecoder('toledo', {}),
    good: [
      [Buffer.from('023120203030313233343030303030300d36', 'hex'), { grossKg: '1234', tareKg: '0', unit: 'lb', negative: false, overload: false, underload: false, stable: true }],
      [toledo(0x2c, 0x31, 0x20, '012345', '002000'), { netKg: '123.45', tareKg: '20.00', unit: 'kg', negative: false, overload: false, underload: false, stable: true }],
      [toledo(0x2a, 0x3a, 0x20, '   125'), { grossKg: '-125', unit: 'kg', negative: true, overload: false, underload: false, stable: false }],
    ],
    bad: [Buffer.from('023120203030313233343030303030300d37', 'hex'), 'checksum 0x37 does not match 0x36'],
    alphabet: Buffer.from('\x02\x0d\x82\x8d 0123456789\x20\x21\x22\x2a\x2c\x30\x31\x32\x34\x38\x3a', 'latin1'),
  },
  {
    format: 'yaohua-xk3190',
    make: () => createWeightDecoder('yaohua-xk3190'),
    good: [
      [xk('+0001232'), { grossKg: '1.23', unit: 'kg', negative: false, overload: false, stable: null }],
      [xk('-0123451'), { grossKg: '-1234.5', unit: 'kg', negative: true, overload: false, stable: null }],
      [xk('+0000000'), { grossKg: '0', unit: 'kg', negative: false, overload: false, stable: null }],
    ],
    bad: [xk('+0001232', '18'), 'XOR check "18" does not match 19'],
    alphabet: Buffer.from('\x02\x03+-0123456789ABCDEF', 'latin1'),
  },
  {
    format: 'yaohua-eq',
    make: () => createWeightDecoder('yaohua-eq', { reversed: true }),
    good: [
      [eq('0003.000'), { grossKg: '3.000', unit: 'kg', negative: false, overload: false, stable: null }],
      [eq('-0001.00'), { grossKg: '-1.00', unit: 'kg', negative: true, overload: false, stable: null }],
      [eq('00012345'), { grossKg: '12345', unit: 'kg', negative: false, overload: false, stable: null }],
    ],
    bad: [eq('00x3.000'), 'display "00x3.000" is not a number'],
    alphabet: Buffer.from('=-.0123456789', 'latin1'),
  },
  {
    format: 'yaohua-a12e',
    make: () => createWeightDecoder('yaohua-a12e', { unit: 'kg' }),
    good: [
      [a12e('WG004.139kg'), { grossKg: '4.139', unit: 'kg', negative: false, overload: false, underload: false, stable: null }],
      [a12e('WN-03.170kg'), { netKg: '-3.170', unit: 'kg', negative: true, overload: false, underload: false, stable: null }],
      [a12e('         OL'), { unit: 'kg', negative: false, overload: true, underload: false, stable: null }],
    ],
    bad: [a12e('WG004.139kg', '3E'), 'XOR check "3E" does not match 3D'],
    alphabet: Buffer.from('\r\n WGNkg.-0123456789ABCDEFOL', 'latin1'),
  },
];

/** xorshift32: deterministic pseudo-random numbers for noise */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/** bytes in = bytes of good frames + dropped + still held */
function expectAccounted(d: WeightFrameDecoder, bytesIn: number, results: WeightDecodeResult[]): void {
  const goodBytes = results.reduce((n, r) => n + (r.ok ? r.reading.raw.length / 2 : 0), 0);
  expect(goodBytes + d.stats.droppedBytes + d.bufferedBytes).toBe(bytesIn);
}

describe.each(CASES)('$format stream', ({ format, make, good, bad: [badFrame, badReason], alphabet }) => {
  const [[a, ra], [b, rb], [c, rc]] = good as [[Buffer, Omit<WeightReading, 'raw'>], [Buffer, Omit<WeightReading, 'raw'>], [Buffer, Omit<WeightReading, 'raw'>]];
  const noise = Buffer.from('noise!', 'latin1'); // no byte of it can start or end a frame in any format
  const truncated = a.subarray(0, 5);
  // good, garbage, good, bad check, truncated frame, good, good
  const stream = Buffer.concat([a, noise, b, badFrame, truncated, c, a]);
  const expected: WeightDecodeResult[] = [ok(a, ra), discarded(noise.length), ok(b, rb), bad(badFrame, badReason), discarded(truncated.length), ok(c, rc), ok(a, ra)];

  it('the factory builds this format', () => {
    const d = make();
    expect(d.format).toBe(format);
    expect(WEIGHT_FORMATS).toContain(format);
  });

  it('decodes a stream with garbage, a bad check and a truncated frame, rejecting each with a reason', () => {
    const d = make();
    const out = d.push(stream);
    expect(out).toEqual(expected);
    expect(d.stats).toEqual({ frames: 4, rejected: 3, droppedBytes: noise.length + badFrame.length + truncated.length, lastReject: expected[4]!.ok ? null : expected[4]!.reason });
    expect(d.bufferedBytes).toBe(0);
    expectAccounted(d, stream.length, out);
  });

  it('gives the same results and counters when split at every byte boundary, and byte by byte', () => {
    const whole = make();
    const wholeOut = whole.push(stream);
    for (let cut = 0; cut <= stream.length; cut++) {
      const d = make();
      expect(decodeAll(d, stream.subarray(0, cut), stream.subarray(cut)), `split at byte ${cut}`).toEqual(wholeOut);
      expect(d.stats, `split at byte ${cut}`).toEqual(whole.stats);
    }
    const bytewise = make();
    const held: number[] = [];
    const out = [...stream].flatMap((x) => {
      const r = bytewise.push(Buffer.from([x]));
      held.push(bytewise.bufferedBytes);
      return r;
    });
    expect(out).toEqual(wholeOut);
    expect(bytewise.stats).toEqual(whole.stats);
    expect(Math.max(...held)).toBeLessThan(bytewise.maxFrameBytes);
  });

  it('holds back a partial frame until the rest arrives, and forgets it on reset', () => {
    const d = make();
    expect(d.push(a.subarray(0, a.length - 1))).toEqual([]);
    expect(d.bufferedBytes).toBe(a.length - 1);
    expect(d.push(a.subarray(a.length - 1))).toEqual([ok(a, ra)]);
    d.push(b.subarray(0, 4));
    d.reset();
    expect(d.bufferedBytes).toBe(0);
    expect(d.push(Buffer.concat([b.subarray(4), c]))).toEqual([discarded(b.length - 4), ok(c, rc)]);
    expect(d.stats.droppedBytes).toBe(b.length);
  });

  it('survives 1 MB of random bytes with a bounded buffer, then decodes good frames', () => {
    const next = rng(0x5eed0000 + format.length);
    const d = make();
    const noiseBuf = Buffer.alloc(1 << 20);
    for (let i = 0; i < noiseBuf.length; i++) noiseBuf[i] = next() & 0xff;
    let maxHeld = 0;
    const out: WeightDecodeResult[] = [];
    for (let off = 0; off < noiseBuf.length; ) {
      const size = 1 + (next() % 4096);
      expect(() => out.push(...d.push(noiseBuf.subarray(off, off + size)))).not.toThrow();
      maxHeld = Math.max(maxHeld, d.bufferedBytes);
      off += size;
    }
    expect(maxHeld).toBeLessThan(d.maxFrameBytes);
    expectAccounted(d, noiseBuf.length, out);
    const after = d.push(Buffer.concat([a, b]));
    expect(after.slice(-2)).toEqual([ok(a, ra), ok(b, rb)]);
    expectAccounted(d, noiseBuf.length + a.length + b.length, [...out, ...after]);
  });

  it('survives noise made of the protocol’s own bytes, and corrupted frames, then decodes good frames', () => {
    const next = rng(0xfeed0000 + format.length);
    const d = make();
    // 1: noise drawn from the bytes frames are made of, so frame starts, digits and ends abound
    const lookalike = Buffer.alloc(256 * 1024);
    for (let i = 0; i < lookalike.length; i++) lookalike[i] = alphabet[next() % alphabet.length]!;
    // 2: 2,000 good frames with about one byte in a hundred overwritten
    const frames = Buffer.concat(Array.from({ length: 2000 }, (_, i) => good[i % 3]![0]));
    for (let i = 0; i < frames.length; i++) if (next() % 100 === 0) frames[i] = next() & 0xff;
    const input = Buffer.concat([lookalike, frames]);
    let maxHeld = 0;
    const out: WeightDecodeResult[] = [];
    for (let off = 0; off < input.length; ) {
      const size = 1 + (next() % 64);
      expect(() => out.push(...d.push(input.subarray(off, off + size)))).not.toThrow();
      maxHeld = Math.max(maxHeld, d.bufferedBytes);
      off += size;
    }
    expect(maxHeld).toBeLessThan(d.maxFrameBytes);
    expectAccounted(d, input.length, out);
    expect(d.stats.frames).toBe(out.filter((r) => r.ok).length);
    expect(d.stats.rejected).toBe(out.filter((r) => !r.ok).length);
    expect(d.push(Buffer.concat([a, b, c])).slice(-3)).toEqual([ok(a, ra), ok(b, rb), ok(c, rc)]);
  });
});

describe('createWeightDecoder', () => {
  it('builds one decoder per format and refuses an unknown format', () => {
    expect(WEIGHT_FORMATS.map((f) => createWeightDecoder(f).format)).toEqual([...WEIGHT_FORMATS]);
    expect(createWeightDecoder('toledo', { checksum: false })).toBeInstanceOf(ToledoDecoder);
    // an option present but undefined (as a parsed config may give) keeps its default
    const frame = toledo(0x2a, 0x30, 0x20, '000100', '000000');
    expect(only(createWeightDecoder('toledo', { checksum: undefined, frame: undefined }), frame).ok).toBe(true);
    expect(only(createWeightDecoder('yaohua-a12e', { checksum: undefined, unit: undefined }), a12e('         OL'))).toMatchObject({ ok: true, reading: { unit: 'kg' } });
    expect(() => createWeightDecoder('keli-d2008' as WeightFormat)).toThrow(new RangeError('unknown weighbridge frame format "keli-d2008"'));
  });
});
