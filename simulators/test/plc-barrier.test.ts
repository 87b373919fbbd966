import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Barrier, type BarrierState } from '../src/plc/barrier.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function barrier(travelMs: number, autoCloseMs?: number) {
  const states: BarrierState[] = [];
  const b = new Barrier({ travelMs, ...(autoCloseMs !== undefined ? { autoCloseMs } : {}), onState: (s) => states.push(s) });
  return { b, states };
}

describe('gate barrier', () => {
  it('travels closed → opening → open and back through closing', () => {
    const { b, states } = barrier(1500);
    expect(b.command('open')).toBe(true);
    expect(b.state).toBe('opening');
    vi.advanceTimersByTime(1500);
    expect(b.state).toBe('open');
    b.command('open'); // already open: nothing happens
    b.command('close');
    vi.advanceTimersByTime(1500);
    expect(states).toEqual(['opening', 'open', 'closing', 'closed']);
  });

  it('reverses when told to close while it is still opening', () => {
    const { b, states } = barrier(1500);
    b.command('open');
    vi.advanceTimersByTime(700);
    b.command('close');
    vi.advanceTimersByTime(1500);
    expect(states).toEqual(['opening', 'closing', 'closed']);
  });

  it('moves at once with a travel time of 0', () => {
    const { b, states } = barrier(0);
    b.command('open');
    expect(states).toEqual(['open']);
  });

  it('closes by itself after the auto-close time', () => {
    const { b, states } = barrier(100, 5000);
    b.command('open');
    vi.advanceTimersByTime(100 + 4999);
    expect(b.state).toBe('open');
    vi.advanceTimersByTime(1 + 100);
    expect(states).toEqual(['opening', 'open', 'closing', 'closed']);
  });

  it('stops where it is on a fault, refuses commands, and reports closed once the fault is cleared', () => {
    const { b, states } = barrier(1500);
    b.command('open');
    b.setFault(true);
    vi.advanceTimersByTime(5000);
    expect(b.state).toBe('fault');
    expect(b.command('open')).toBe(false);
    b.setFault(false);
    expect(states).toEqual(['opening', 'fault', 'closed']);
  });
});
