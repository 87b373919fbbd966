import { describe, expect, it } from 'vitest';
import type { DeviceReading } from '../src/reading.js';
import { readingInKg, WeightEmitter } from '../src/drivers/weight-emitter.js';

describe('weight emission rules', () => {
  it('takes a negative weight at rest for an empty scale (zero drift), never for a weighing', () => {
    const got: DeviceReading[] = [];
    const e = new WeightEmitter({
      deviceId: 'wb-1',
      format: 'toledo',
      stabilitySource: 'indicator',
      zeroBandKg: '0',
      submit: (r) => (got.push(r), true),
    });
    const kg = (grossKg: string, stable: boolean) => {
      const r = readingInKg({ grossKg, unit: 'kg', stable, overload: false, raw: '' } as never);
      if (typeof r === 'string') throw new Error(r);
      return r;
    };
    const ts = '2026-11-28T08:00:00.000Z';
    expect(e.push(kg('-40', true), ts, null)).toBeNull(); // drift before any truck: nothing
    expect(e.push(kg('31250', true), ts, null)).toBe('stable');
    expect(e.push(kg('12000', false), ts, null)).toBeNull();
    expect(e.push(kg('-40', true), ts, null)).toBe('zero'); // the truck left; the scale drifted
    expect(e.push(kg('-60', true), ts, null)).toBeNull();
    expect(got.map((r) => [(r.data as { trigger: string }).trigger, (r.data as { grossKg: string }).grossKg])).toEqual([
      ['stable', '31250'],
      ['zero', '-40'],
    ]);
  });
});
