/**
 * An accelerated clock for scenarios: simulated time runs `speed` times faster than the wall
 * clock from `start`. Everything a scenario schedules goes through it, so a day of gate traffic
 * can play in minutes and the same seed replays the same day.
 */
export class SimClock {
  private readonly realStart: number;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly sleepers = new Set<() => void>();
  private stopped = false;

  constructor(
    readonly speed: number,
    /** simulated time at the start, ms since the epoch */
    readonly start: number = Date.now(),
    private readonly realNow: () => number = () => performance.now(),
  ) {
    if (!(speed > 0) || !Number.isFinite(speed)) throw new RangeError(`speed must be a positive number, got ${speed}`);
    this.realStart = realNow();
  }

  /** Simulated milliseconds since the start. */
  elapsed(): number {
    return (this.realNow() - this.realStart) * this.speed;
  }

  now(): Date {
    return new Date(this.start + this.elapsed());
  }

  /** Real milliseconds that `simMs` of simulated time take. */
  real(simMs: number): number {
    return simMs / this.speed;
  }

  /** Runs `fn` once `simMs` of simulated time have passed; stop() cancels. */
  after(simMs: number, fn: () => void): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.stopped) fn();
    }, Math.max(0, this.real(simMs)));
    this.timers.add(t);
  }

  /** Resolves after `simMs` of simulated time (immediately once stopped). */
  sleep(simMs: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopped) return resolve();
      // stop() resolves sleepers too, so a scenario's loops end promptly.
      const done = () => {
        this.sleepers.delete(done);
        resolve();
      };
      this.sleepers.add(done);
      this.after(simMs, done);
    });
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const s of this.sleepers) s();
    this.sleepers.clear();
  }

  get isStopped(): boolean {
    return this.stopped;
  }
}

/** "90s", "5m", "1h30m", "250ms", or a number of seconds → milliseconds. */
export function parseDuration(value: string | number): number {
  if (typeof value === 'number') {
    if (!(value >= 0) || !Number.isFinite(value)) throw new RangeError(`invalid duration ${value}`);
    return value * 1000;
  }
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  const text = value.trim();
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    total += Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
    matched = re.lastIndex;
  }
  if (!text || matched !== text.length) throw new RangeError(`invalid duration "${value}" (e.g. "90s", "5m", "1h30m", "250ms")`);
  return total;
}
