import { describe, expect, it } from 'vitest';
import {
  WEIGHBRIDGE_FORMATS,
  a12eFrame,
  a12eWeightField,
  corruptFrame,
  encodeFrame,
  eqDisplay,
  mulberry32,
  outOfRange,
  toledoChecksum,
  toledoFrame,
  truckPass,
  xk3190Frame,
  yaohuaEqFrame,
  type IndicatorState,
  type WeighbridgeFormat,
} from '../src/index.js';

/** "57 47 30 …" (as devices.md writes it) → bytes */
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const st = (weight: number, decimals = 0, more: Partial<IndicatorState> = {}): IndicatorState => ({ weight, decimals, motion: false, outOfRange: false, ...more });

describe('weighbridge frames: Toledo (devices.md 1.1)', () => {
  it('computes the Toledo checksum of the worked example in devices.md', () => {
    const body = hex('02 31 20 20 30 30 31 32 33 34 30 30 30 30 30 30 0D');
    expect(toledoChecksum(body)).toBe(0x36);
  });

  it('builds an 18-byte Toledo frame whose 7-bit sum is zero', () => {
    const f = toledoFrame({ weight: 31250, decimals: 0, motion: false, outOfRange: false, tare: 12000 });
    expect(f.length).toBe(18);
    expect(f.subarray(4, 16).toString('latin1')).toBe('031250012000');
    expect([...f].reduce((s, b) => s + (b & 0x7f), 0) & 0x7f).toBe(0);
    expect(f[2]! & 0x08).toBe(0); // stable
    expect(toledoFrame({ weight: 5, decimals: 0, motion: true, outOfRange: false })[2]! & 0x08).toBe(0x08);
    expect(toledoFrame({ weight: -20, decimals: 0, motion: false, outOfRange: false })[2]! & 0x02).toBe(0x02);
  });

  it('takes the edge decoder options that change the bytes: short frame, no checksum, LF, inverted motion bit, net', () => {
    const short = toledoFrame(st(31250), { frame: 'short' });
    expect(short.length).toBe(12);
    expect(short[10]).toBe(0x0d);
    expect(toledoChecksum(short.subarray(0, 11))).toBe(short[11]);
    expect(toledoFrame(st(31250), { checksum: false }).length).toBe(17);
    const lf = toledoFrame(st(31250), { frame: 'short', checksum: false, lineFeed: true });
    expect([...lf.subarray(10)]).toEqual([0x0d, 0x0a]);
    expect(toledoFrame(st(1), { motionBit: 'stable' })[2]! & 0x08).toBe(0x08); // Hengtian: bit 3 set = stable
    expect(toledoFrame(st(1, 0, { motion: true }), { motionBit: 'stable' })[2]! & 0x08).toBe(0);
    expect(toledoFrame(st(1, 0, { net: true }))[2]! & 0x01).toBe(0x01);
    expect(toledoFrame(st(99_000, 0, { outOfRange: true }))[2]! & 0x04).toBe(0x04);
    // SWA: decimal point code 010 = none, 011 = one place …
    expect(toledoFrame(st(3125, 1))[1]! & 0x07).toBe(0b011);
  });
});

describe('weighbridge frames: Yaohua XK3190 (devices.md 1.2a)', () => {
  it('builds the example of devices.md (+000123, 2 decimals → XOR 19)', () => {
    expect(xk3190Frame(st(123, 2)).toString('latin1')).toBe('\u0002+000123219\u0003');
    expect(xk3190Frame(st(123, 2))).toEqual(hex('02 2B 30 30 30 31 32 33 32 31 39 03'));
  });

  it('sends check nibbles above 9 as A-F, or as : to ? with colonNibbles', () => {
    // "+0000100": XOR = 0x2b ^ 0x31 ^ 0x30 = 0x1a
    expect(xk3190Frame(st(10)).toString('latin1', 9, 11)).toBe('1A');
    expect(xk3190Frame(st(10), { colonNibbles: true }).toString('latin1', 9, 11)).toBe('1:');
    expect(xk3190Frame(st(-20)).toString('latin1', 1, 9)).toBe('-0000200');
  });
});

describe('weighbridge frames: Yaohua "=" reversed digits (devices.md 1.2b)', () => {
  it('builds the examples of devices.md: 3.000 → "=000.3000", -1.00 → "=00.1000-"', () => {
    expect(yaohuaEqFrame(st(3000, 3)).toString('latin1')).toBe('=000.3000');
    expect(yaohuaEqFrame(st(3000, 3))).toEqual(hex('3D 30 30 30 2E 33 30 30 30'));
    expect(yaohuaEqFrame(st(-100, 2)).toString('latin1')).toBe('=00.1000-');
    expect(yaohuaEqFrame(st(-100, 2))).toEqual(hex('3D 30 30 2E 31 30 30 30 2D'));
  });

  it('fills 8 display characters: digits, a point before the decimals, a leading minus', () => {
    expect(eqDisplay(3000, 3)).toBe('0003.000');
    expect(eqDisplay(-100, 2)).toBe('-0001.00');
    expect(eqDisplay(31250, 0)).toBe('00031250');
    expect(eqDisplay(-40, 0)).toBe('-0000040');
    expect(eqDisplay(0, 1)).toBe('000000.0');
    expect(yaohuaEqFrame(st(31250)).toString('latin1')).toBe('=05213000');
  });

  it('sends the display in reading order with reversed: false (A26 "format 2": "=0003.000")', () => {
    expect(yaohuaEqFrame(st(3000, 3), { reversed: false }).toString('latin1')).toBe('=0003.000');
  });
});

describe('weighbridge frames: Yaohua XK3190-A12E (devices.md 1.2c)', () => {
  it('builds the example of devices.md: 4.139 kg → 57 47 30 30 34 2E 31 33 39 6B 67 33 44 0D 0A', () => {
    expect(a12eFrame(st(4139, 3))).toEqual(hex('57 47 30 30 34 2E 31 33 39 6B 67 33 44 0D 0A'));
    expect(a12eFrame(st(4139, 3)).toString('latin1')).toBe('WG004.139kg3D\r\n');
  });

  it('builds the overload frame of devices.md (9 spaces "OL" "23" CR LF) and the underload frame ("LO")', () => {
    expect(a12eFrame(st(61_000, 0, { outOfRange: true }))).toEqual(hex('20 20 20 20 20 20 20 20 20 4F 4C 32 33 0D 0A'));
    expect(a12eFrame(st(-500, 0, { outOfRange: true }))).toEqual(hex('20 20 20 20 20 20 20 20 20 4C 4F 32 33 0D 0A'));
  });

  it('fills 7 weight characters: a trailing space when there are no decimals, "-" in byte 3 when negative', () => {
    expect(a12eWeightField(31250, 0)).toBe('031250 ');
    expect(a12eWeightField(-40, 0)).toBe('-00040 ');
    expect(a12eWeightField(-317, 2)).toBe('-003.17');
    expect(a12eWeightField(4139, 3)).toBe('004.139');
    const f = a12eFrame(st(31250));
    expect(f.toString('latin1', 0, 11)).toBe('WG031250 kg');
    expect(f.readUInt8(11)).toBeGreaterThan(0); // check characters follow
    const xor = [...f.subarray(0, 11)].reduce((a, b) => a ^ b, 0);
    expect(f.toString('latin1', 11, 13)).toBe(xor.toString(16).toUpperCase().padStart(2, '0'));
  });

  it('takes the edge decoder options: no check, lower-case headers, lb; WN for net', () => {
    expect(a12eFrame(st(-317, 2, { net: true }), { checksum: false, lowercaseHeaders: true }).toString('latin1')).toBe('wn-003.17kg\r\n');
    expect(a12eFrame(st(4139, 3), { lowercaseHeaders: true }).toString('latin1', 0, 2)).toBe('ww');
    expect(a12eFrame(st(4139, 3, { net: true })).toString('latin1', 0, 2)).toBe('WN');
    expect(a12eFrame(st(100), { unit: 'lb' }).toString('latin1', 9, 11)).toBe('lb');
    expect(a12eFrame(st(1, 0, { outOfRange: true }), { checksum: false }).toString('latin1')).toBe('         OL\r\n');
  });
});

describe('weighbridge frames: registry and corruption', () => {
  it('offers all four formats to the simulator and the CLI', () => {
    expect(Object.keys(WEIGHBRIDGE_FORMATS).sort()).toEqual(['toledo', 'yaohua-a12e', 'yaohua-eq', 'yaohua-xk3190']);
    expect(encodeFrame('yaohua-a12e', st(4139, 3)).toString('latin1')).toBe('WG004.139kg3D\r\n');
  });

  const framing: Record<WeighbridgeFormat, (f: Buffer) => number[]> = {
    toledo: (f) => [f[0]!, f[16]!],
    'yaohua-xk3190': (f) => [f[0]!, f[11]!],
    'yaohua-eq': (f) => [f[0]!],
    'yaohua-a12e': (f) => [f[13]!, f[14]!],
  };

  it.each(Object.keys(WEIGHBRIDGE_FORMATS) as WeighbridgeFormat[])('%s: damages exactly one byte, never a framing byte', (format) => {
    const random = mulberry32(5);
    for (let i = 0; i < 200; i++) {
      const state = i % 10 === 0 ? st(70_000, 0, { outOfRange: true }) : st(Math.floor(random() * 60_000) - 100);
      const good = encodeFrame(format, state);
      const bad = corruptFrame(format, good, random);
      expect(bad.length).toBe(good.length);
      expect([...bad].filter((b, j) => b !== good[j]).length).toBe(1);
      expect(framing[format](bad)).toEqual(framing[format](good));
    }
  });

  it('corrupts without a check by putting a non-digit into the weight', () => {
    const bad = corruptFrame('yaohua-a12e', a12eFrame(st(4139, 3), { checksum: false }), () => 0.5, { checksum: false });
    expect(bad.toString('latin1')).toMatch(/^WG[0-9.]*\?[0-9.]*kg\r\n$/);
  });
});

describe('truck profile', () => {
  it('plays a truck: motion up, stable at the gross weight, motion down, zero', () => {
    const states = [...truckPass({ gross: 31250, riseFrames: 5, stableFrames: 4, fallFrames: 3, zeroFrames: 2 }, 0, () => 0.5)];
    expect(states.map((s) => (s.motion ? 'm' : s.weight === 0 ? '0' : 's')).join('')).toBe('mmmmmssssmmm00');
    expect(states.filter((s) => !s.motion && s.weight > 0).every((s) => s.weight === 31250)).toBe(true);
    expect(states.every((s) => !s.outOfRange)).toBe(true);
  });

  it('marks frames beyond the limits out of range: an overloaded truck, a drift below -20 divisions', () => {
    const limits = { capacity: 60_000, division: 20 };
    expect(outOfRange(60_180, limits)).toBe(false); // Max + 9e still shown
    expect(outOfRange(60_181, limits)).toBe(true);
    expect(outOfRange(-400, limits)).toBe(false);
    expect(outOfRange(-401, limits)).toBe(true);
    const over = [...truckPass({ gross: 64_000, riseFrames: 2, stableFrames: 3, fallFrames: 0, zeroFrames: 1 }, 0, () => 0.5, limits)];
    expect(over.filter((s) => !s.motion).map((s) => [s.weight, s.outOfRange])).toEqual([
      [64_000, true],
      [64_000, true],
      [64_000, true],
      [0, false],
    ]);
    const drift = [...truckPass({ gross: 20_000, riseFrames: 0, stableFrames: 1, fallFrames: 0, zeroFrames: 2, zeroDrift: -40 }, 0, () => 0.5, limits)];
    expect(drift.map((s) => [s.weight, s.outOfRange])).toEqual([
      [20_000, false],
      [-40, false],
      [-40, false],
    ]);
    const under = [...truckPass({ gross: 20_000, riseFrames: 0, stableFrames: 0, fallFrames: 0, zeroFrames: 1, zeroDrift: -500 }, 0, () => 0.5, limits)];
    expect(under).toEqual([{ weight: -500, decimals: 0, motion: false, outOfRange: true }]);
  });

  it('keeps the old meaning of overload: the stable frames are out of range', () => {
    const states = [...truckPass({ gross: 31250, riseFrames: 1, stableFrames: 2, fallFrames: 1, zeroFrames: 1, overload: true }, 0, () => 0.5)];
    expect(states.map((s) => s.outOfRange)).toEqual([false, true, true, false, false]);
  });
});
