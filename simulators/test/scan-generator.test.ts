import { describe, expect, it } from 'vitest';
import { isValidContainerNumber, isValidGs1Key } from '../src/codes.js';
import { GS, ScanGenerator, type GeneratedScan } from '../src/scanner/scan-generator.js';
import { parseGs1 } from './gs1-test-parser.js';

const today = new Date('2026-11-27T00:00:00Z');
const generate = (n: number, seed = 42, garbageRatio = 0.02, forbiddenBytes = '\r\n'): GeneratedScan[] => {
  const gen = new ScanGenerator({ seed, garbageRatio, forbiddenBytes, today });
  return Array.from({ length: n }, () => gen.next());
};

describe('scan generator', () => {
  const scans = generate(20_000);
  const valid = scans.filter((s) => s.valid);

  it('repeats exactly for the same seed and differs for another', () => {
    expect(generate(500)).toEqual(scans.slice(0, 500));
    expect(generate(500, 43).map((s) => s.code)).not.toEqual(scans.slice(0, 500).map((s) => s.code));
  });

  it('never repeats a valid code', () => {
    expect(new Set(valid.map((s) => s.code)).size).toBe(valid.length);
  });

  it('emits every kind, and garbage at about the configured ratio', () => {
    const kinds = new Set(scans.map((s) => s.kind));
    expect([...kinds].sort()).toEqual(
      ['container', 'ean13', 'garbage', 'gs1-pallet', 'gs1-sscc', 'gs1-trade-item', 'gs1-variable-measure', 'location'].sort(),
    );
    const garbage = scans.length - valid.length;
    expect(garbage).toBeGreaterThan(20_000 * 0.01);
    expect(garbage).toBeLessThan(20_000 * 0.03);
    expect(generate(2_000, 1, 0).every((s) => s.valid)).toBe(true);
  });

  it('builds GS1-128 (]C1) element strings with correct check digits and GS only after non-final variable AIs', () => {
    const gs1 = valid.filter((s) => s.aim === ']C1');
    expect(gs1.length).toBeGreaterThan(1000);
    const seenAis = new Set<string>();
    for (const scan of gs1) {
      const elements = parseGs1(scan.code);
      for (const { ai, value } of elements) {
        seenAis.add(ai);
        if (ai === '00' || ai === '01' || ai === '02') expect(isValidGs1Key(value), `${ai} ${value}`).toBe(true);
        if (ai === '17') expect(Number(value.slice(2, 4))).toBeGreaterThanOrEqual(1);
      }
      expect(scan.code.endsWith(GS)).toBe(false);
    }
    expect([...seenAis].sort()).toEqual(['00', '01', '02', '10', '17', '21', '3102', '3301', '37']);
    const trade = gs1.find((s) => s.kind === 'gs1-trade-item');
    expect(trade?.code).toMatch(/^01\d{14}10[^\u001d]{1,20}\u001d17\d{6}21[A-Z0-9]+$/);
  });

  it('builds EAN-13 (]E0) with a correct check digit', () => {
    const ean = valid.filter((s) => s.aim === ']E0');
    expect(ean.length).toBeGreaterThan(1000);
    for (const scan of ean) {
      expect(scan.code).toMatch(/^\d{13}$/);
      expect(isValidGs1Key(scan.code)).toBe(true);
    }
  });

  it('builds Code 128 (]C0) locations and ISO 6346 container numbers', () => {
    const c0 = valid.filter((s) => s.aim === ']C0');
    const locations = c0.filter((s) => s.kind === 'location');
    const containers = c0.filter((s) => s.kind === 'container');
    expect(locations.length + containers.length).toBe(c0.length);
    for (const scan of locations) expect(scan.code).toMatch(/^[A-Z]-\d{2}-\d{2}-\d{2}$/);
    for (const scan of containers) expect(isValidContainerNumber(scan.code), scan.code).toBe(true);
  });

  it('makes garbage of control bytes and noise that never contains the suffix bytes', () => {
    const garbage = generate(5_000, 9, 0.5, '\r');
    const noise = garbage.filter((s) => !s.valid);
    expect(noise.length).toBeGreaterThan(1000);
    for (const scan of noise) {
      expect(scan.aim).toBeUndefined();
      expect(scan.code.length).toBeGreaterThan(0);
      expect(scan.code.includes('\r')).toBe(false);
    }
    expect(noise.some((s) => /[\u0000-\u001f]/.test(s.code))).toBe(true);
    expect(noise.some((s) => s.code.includes('\n'))).toBe(true); // only the suffix's bytes are avoided
  });
});
