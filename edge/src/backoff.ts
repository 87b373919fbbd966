/**
 * Capped exponential backoff with full jitter: the n-th retry waits a uniform random time in
 * [0, min(maxMs, baseMs·2ⁿ)), so edges that lost the same broker do not reconnect in lockstep.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly baseMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  /** Delay before the next retry, ms; each call counts one more failed attempt. */
  next(): number {
    const ceiling = Math.min(this.maxMs, this.baseMs * 2 ** Math.min(this.attempt, 40));
    this.attempt += 1;
    return Math.floor(this.random() * ceiling);
  }

  /** Failed attempts since the last reset. */
  get failures(): number {
    return this.attempt;
  }

  reset(): void {
    this.attempt = 0;
  }
}
