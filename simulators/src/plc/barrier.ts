/** What the gate barrier is doing, as the PLC reports it (Barrier.State codes in {@link BARRIER_STATE_CODES}). */
export type BarrierState = 'closed' | 'opening' | 'open' | 'closing' | 'fault';

/** Barrier.State as an Int16 on the wire. */
export const BARRIER_STATE_CODES: Readonly<Record<BarrierState, number>> = { closed: 0, opening: 1, open: 2, closing: 3, fault: 4 };

export type BarrierAction = 'open' | 'close';

export interface BarrierOptions {
  /** time the boom takes to travel between closed and open, ms; 0 = at once */
  travelMs: number;
  /** close by itself this long after reaching open, ms; undefined = never */
  autoCloseMs?: number;
  onState(state: BarrierState): void;
}

/**
 * The barrier's little state machine: closed → opening → open → closing → closed, fault from
 * anywhere. A command in the direction the boom is already going (or has arrived) changes
 * nothing; a command against it reverses the travel, as a real boom controller does.
 */
export class Barrier {
  #state: BarrierState = 'closed';
  #timer: NodeJS.Timeout | null = null;
  readonly #opts: BarrierOptions;

  constructor(opts: BarrierOptions) {
    this.#opts = opts;
  }

  get state(): BarrierState {
    return this.#state;
  }

  /** false when the barrier is in fault and ignores commands */
  command(action: BarrierAction): boolean {
    if (this.#state === 'fault') return false;
    if (action === 'open') {
      if (this.#state === 'closed' || this.#state === 'closing') this.#travel('opening', 'open');
    } else if (this.#state === 'open' || this.#state === 'opening') {
      this.#travel('closing', 'closed');
    }
    return true;
  }

  /** A fault stops the boom where it is; clearing it reports the barrier closed (the controller's safe position). */
  setFault(on: boolean): void {
    if (on === (this.#state === 'fault')) return;
    this.#clearTimer();
    this.#set(on ? 'fault' : 'closed');
  }

  dispose(): void {
    this.#clearTimer();
  }

  #travel(moving: 'opening' | 'closing', end: 'open' | 'closed'): void {
    this.#clearTimer();
    if (this.#opts.travelMs > 0) {
      this.#set(moving);
      this.#timer = this.#schedule(() => this.#arrive(end), this.#opts.travelMs);
    } else {
      this.#arrive(end);
    }
  }

  #arrive(end: 'open' | 'closed'): void {
    this.#timer = null;
    this.#set(end);
    if (end === 'open' && this.#opts.autoCloseMs !== undefined) {
      this.#timer = this.#schedule(() => {
        this.#timer = null;
        this.command('close');
      }, this.#opts.autoCloseMs);
    }
  }

  #schedule(fn: () => void, ms: number): NodeJS.Timeout {
    // The boom's motion must not keep a process alive on its own (a test that stops the PLC mid-travel).
    return setTimeout(fn, ms).unref();
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #set(state: BarrierState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.#opts.onState(state);
  }
}
