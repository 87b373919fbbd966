/**
 * "Warn at most every `everyMs`, with how many happened since the last warning": a noisy device
 * or a full outbox must not flood the log, yet the count says how bad it is.
 */
export class WarnThrottle {
  private lastMs: number | null = null;
  private unwarned = 0;

  constructor(private readonly everyMs: number) {}

  /**
   * Counts one occurrence at `now`; returns the count to log when a warning is due (the first one
   * always is, and so is one after the clock went back), else null.
   */
  hit(now: Date | number): number | null {
    this.unwarned += 1;
    const ms = typeof now === 'number' ? now : now.getTime();
    if (this.lastMs !== null && ms - this.lastMs < this.everyMs && ms >= this.lastMs) return null;
    const count = this.unwarned;
    this.lastMs = ms;
    this.unwarned = 0;
    return count;
  }
}
