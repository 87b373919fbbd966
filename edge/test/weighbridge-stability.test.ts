import { describe, expect, it } from 'vitest';
import {
  EMPTY_STABILITY,
  StabilityTracker,
  nextStability,
  type StabilityOptions,
  type StabilityState,
  type WeightReading,
} from '../src/drivers/weighbridge/index.js';

const kg = (grossKg: string, extra: Partial<WeightReading> = {}): WeightReading => ({
  grossKg,
  unit: 'kg',
  negative: grossKg.startsWith('-'),
  overload: false,
  stable: null,
  raw: '',
  ...extra,
});

/** Runs readings [value, ms] through a fresh state; the stable flag after each. */
function run(options: StabilityOptions, steps: [WeightReading | string, number][]): boolean[] {
  let state: StabilityState = EMPTY_STABILITY;
  return steps.map(([r, ms]) => {
    const step = nextStability(state, typeof r === 'string' ? kg(r) : r, ms, options);
    state = step.state;
    return step.stable;
  });
}

/** one reading every 200 ms, as an indicator streaming at 5 Hz */
const every200 = (values: (WeightReading | string)[], start = 0): [WeightReading | string, number][] => values.map((v, i) => [v, start + i * 200]);

const D20 = { division: '20', minReadings: 5, minDurationMs: 1000 };

describe('software stability', () => {
  it('settles once N readings within one division span T', () => {
    // motion, then 5 readings within 20 kg of each other spanning 800 ms, then 1000 ms
    expect(run(D20, every200(['12000', '15000', '18020', '18000', '18020', '18000', '18020', '18000', '18020']))).toEqual([
      false, false, false, false, false, false, false, true, true,
    ]);
  });

  it('needs both conditions: N readings fast are not enough, nor is T with fewer than N readings', () => {
    // 10 readings within 90 ms: count reached, time not
    expect(run(D20, Array.from({ length: 10 }, (_, i): [string, number] => ['18000', i * 10])).at(-1)).toBe(false);
    // 3 readings over 2 s: time reached, count not; the 5th reading makes it
    expect(run(D20, [['18000', 0], ['18000', 1000], ['18000', 2000], ['18000', 2001], ['18000', 2002]])).toEqual([false, false, false, false, true]);
  });

  it('never settles while the truck keeps moving, even creeping one division at a time', () => {
    const rising = Array.from({ length: 30 }, (_, i) => String(10000 + i * 500));
    expect(run(D20, every200(rising)).some(Boolean)).toBe(false);
    const creeping = Array.from({ length: 30 }, (_, i) => String(18000 + i * 20));
    expect(run(D20, every200(creeping)).some(Boolean)).toBe(false);
  });

  it('one outlier resets the run: stable again only after N readings and T from the outlier on', () => {
    const steady = Array(6).fill('18000');
    const flags = run(D20, every200([...steady, '18200', ...Array(6).fill('18000')]));
    expect(flags.slice(0, 6)).toEqual([false, false, false, false, false, true]);
    expect(flags[6]).toBe(false); // the outlier
    // after it, the run restarts at the first 18000 (a new run of its own): 5 readings and 1 s later
    expect(flags.slice(7)).toEqual([false, false, false, false, false, true]);
  });

  it('treats ±1 division as "no two readings further apart than one division", exactly', () => {
    expect(run(D20, every200(['18000', '18020', '18000', '18020', '18000', '18020'])).at(-1)).toBe(true);
    expect(run(D20, every200(['18000', '18020', '18000', '17980', '18000', '18020'])).at(-1)).toBe(false);
    // decimal strings compared exactly: 1.1 − 0.9 is 0.2 (in floating point it is 0.20000000000000007)
    const t = { division: '0.2', minReadings: 3, minDurationMs: 0 };
    const ton = (v: string) => kg(v, { unit: 't' });
    expect(run(t, every200([ton('0.9'), ton('1.1'), ton('1.0')])).at(-1)).toBe(true);
    expect(run(t, every200([ton('0.9'), ton('1.10'), ton('1.100')])).at(-1)).toBe(true);
    expect(run(t, every200([ton('0.9'), ton('1.11'), ton('1.0')])).at(-1)).toBe(false);
  });

  it('uses the net weight when that is what is displayed, and negative weights', () => {
    const net = (v: string) => kg('', { grossKg: undefined, netKg: v });
    expect(run(D20, every200(Array(6).fill(net('-40')))).at(-1)).toBe(true);
  });

  it('empties the run on overload, underload, a missing weight, a unit change or a clock going back', () => {
    const settled = every200(Array(6).fill('18000'));
    const after = (breaker: WeightReading, ms = 1200) => run(D20, [...settled, [breaker, ms], ['18000', ms + 200]]).slice(-2);
    expect(run(D20, settled).at(-1)).toBe(true);
    expect(after(kg('18000', { overload: true }))).toEqual([false, false]);
    expect(after(kg('18000', { underload: true }))).toEqual([false, false]);
    expect(after({ unit: 'kg', negative: false, overload: true, stable: null, raw: '' })).toEqual([false, false]);
    expect(after(kg('18.000', { unit: 't' }))).toEqual([false, false]);
    expect(after(kg('18000'), 500)).toEqual([false, false]);
  });

  it('is a pure function: the state passed in is not changed and the same inputs give the same output', () => {
    const s1 = nextStability(EMPTY_STABILITY, kg('18000'), 0, D20).state;
    const snapshot = JSON.stringify(s1, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    const a = nextStability(s1, kg('18020'), 200, D20);
    const b = nextStability(s1, kg('18020'), 200, D20);
    expect(a).toEqual(b);
    expect(JSON.stringify(s1, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))).toBe(snapshot);
    expect(Object.isFrozen(EMPTY_STABILITY)).toBe(true);
  });

  it('defaults to N = 5 and T = 1000 ms', () => {
    expect(run({ division: '20' }, every200(Array(6).fill('18000')))).toEqual([false, false, false, false, false, true]);
  });

  it('refuses a division that is not a positive decimal, and bad N or T', () => {
    expect(() => new StabilityTracker({ division: '0' })).toThrow(RangeError);
    expect(() => new StabilityTracker({ division: '20kg' })).toThrow('stability division must be a positive decimal, got "20kg"');
    expect(() => new StabilityTracker({ division: '20', minReadings: 0 })).toThrow(RangeError);
    expect(() => new StabilityTracker({ division: '20', minDurationMs: Number.NaN })).toThrow(RangeError);
  });

  it('StabilityTracker fills in stable only where the protocol sent none', () => {
    const tracker = new StabilityTracker({ division: '20', minReadings: 2, minDurationMs: 200 });
    expect(tracker.apply(kg('18000'), 0).stable).toBe(false);
    expect(tracker.apply(kg('18000'), 200).stable).toBe(true);
    // a Toledo reading carries its own flag, which is kept
    expect(tracker.apply(kg('18000', { stable: false }), 400).stable).toBe(false);
    tracker.reset();
    expect(tracker.update(kg('18000'), 600)).toBe(false);
  });
});
