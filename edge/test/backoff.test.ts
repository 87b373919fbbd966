import { describe, expect, it } from 'vitest';
import { Backoff } from '../src/backoff.js';

describe('backoff', () => {
  it('doubles the ceiling per failed attempt up to the cap, with full jitter below it', () => {
    const top = new Backoff(500, 30_000, () => 0.999_999);
    expect(Array.from({ length: 9 }, () => top.next())).toEqual([499, 999, 1999, 3999, 7999, 15_999, 29_999, 29_999, 29_999]);
    expect(top.failures).toBe(9);
    top.reset();
    expect(top.next()).toBe(499);

    const bottom = new Backoff(500, 30_000, () => 0);
    expect([bottom.next(), bottom.next()]).toEqual([0, 0]);
    const mid = new Backoff(500, 30_000, () => 0.5);
    expect([mid.next(), mid.next(), mid.next()]).toEqual([250, 500, 1000]);
  });
});
