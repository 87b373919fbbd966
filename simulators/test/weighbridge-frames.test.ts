import { describe, expect, it } from 'vitest';
import { toledoChecksum, toledoFrame, truckPass, xk3190Frame } from '../src/index.js';

describe('weighbridge frames', () => {
  it('computes the Toledo checksum of the worked example in devices.md', () => {
    const body = Buffer.from([0x02, 0x31, 0x20, 0x20, 0x30, 0x30, 0x31, 0x32, 0x33, 0x34, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x0d]);
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

  it('builds the XK3190 example of devices.md (+000123, 2 decimals → XOR 19)', () => {
    expect(xk3190Frame({ weight: 123, decimals: 2, motion: false, outOfRange: false }).toString('latin1')).toBe('\u0002+000123219\u0003');
  });

  it('plays a truck: motion up, stable at the gross weight, motion down, zero', () => {
    const states = [...truckPass({ gross: 31250, riseFrames: 5, stableFrames: 4, fallFrames: 3, zeroFrames: 2 }, 0, () => 0.5)];
    expect(states.map((s) => (s.motion ? 'm' : s.weight === 0 ? '0' : 's')).join('')).toBe('mmmmmssssmmm00');
    expect(states.filter((s) => !s.motion && s.weight > 0).every((s) => s.weight === 31250)).toBe(true);
  });
});
