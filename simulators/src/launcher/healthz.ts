/** The hub did not answer 200 on its health endpoint in time. */
export class HealthzTimeoutError extends Error {
  constructor(
    readonly url: string,
    readonly timeoutMs: number,
    readonly lastProblem: string,
  ) {
    super(`${url} did not answer 200 within ${timeoutMs >= 1000 ? `${timeoutMs / 1000} s` : `${timeoutMs} ms`} (last: ${lastProblem})`);
    this.name = 'HealthzTimeoutError';
  }
}

export interface WaitForHealthzOptions {
  /** Give up after this long; 120 s by default. */
  timeoutMs?: number;
  /** Pause between attempts; 250 ms by default. */
  intervalMs?: number;
  /** Stops waiting (e.g. the process being polled died, or the user pressed Ctrl-C). */
  signal?: AbortSignal;
}

const ATTEMPT_MS = 5_000;
const NO_ANSWER = 'no answer yet';

/** Polls `url` until it answers 200. Rejects with HealthzTimeoutError, or the signal's reason. */
export async function waitForHealthz(url: string, options: WaitForHealthzOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const intervalMs = options.intervalMs ?? 250;
  const deadline = Date.now() + timeoutMs;
  let lastProblem = NO_ANSWER;
  for (;;) {
    options.signal?.throwIfAborted();
    const attemptMs = Math.max(1, Math.min(ATTEMPT_MS, deadline - Date.now()));
    const signals = [AbortSignal.timeout(attemptMs), ...(options.signal ? [options.signal] : [])];
    try {
      const res = await fetch(url, { signal: AbortSignal.any(signals) });
      await res.body?.cancel();
      if (res.status === 200) return;
      lastProblem = `HTTP ${res.status}`;
    } catch (err) {
      options.signal?.throwIfAborted();
      // An attempt cut short by the deadline says less than the answer before it.
      if (attemptMs === ATTEMPT_MS || lastProblem === NO_ANSWER) lastProblem = describe(err);
    }
    if (Date.now() >= deadline) throw new HealthzTimeoutError(url, timeoutMs, lastProblem);
    await sleep(Math.min(intervalMs, Math.max(0, deadline - Date.now())), options.signal);
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause as { code?: unknown } | undefined;
    if (cause && typeof cause.code === 'string') return cause.code;
    return err.name === 'TimeoutError' ? 'request timed out' : err.message;
  }
  return String(err);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
