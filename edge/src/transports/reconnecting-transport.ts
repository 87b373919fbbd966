import { Backoff } from '../backoff.js';
import type { ByteTransport, TransportHandlers, TransportState } from './byte-transport.js';

/**
 * What every byte transport shares: state reporting, the handlers, and reconnecting with capped
 * exponential backoff after the link drops, until closed. Subclasses open the link (`connect`)
 * and release it (`release`).
 */
export abstract class ReconnectingTransport implements ByteTransport {
  abstract readonly description: string;
  private currentState: TransportState = 'disconnected';
  protected handlers: TransportHandlers | null = null;
  protected closed = false;
  protected readonly backoff: Backoff;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(opts: { reconnectBaseMs: number; reconnectMaxMs: number; random?: () => number }) {
    this.backoff = new Backoff(opts.reconnectBaseMs, opts.reconnectMaxMs, opts.random);
  }

  get state(): TransportState {
    return this.currentState;
  }

  start(handlers: TransportHandlers): void {
    if (this.handlers) throw new Error(`${this.description}: already started`);
    this.handlers = handlers;
    this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    await this.release();
    this.setState('disconnected');
  }

  /** Opens the link; reports 'connected' through setState and calls linkLost when it goes. */
  protected abstract connect(): void;
  /** Closes the link for good (close()). */
  protected abstract release(): Promise<void>;

  /** The link went down or could not be opened: report why and try again after the backoff. */
  protected linkLost(err: Error): void {
    if (this.closed) return;
    this.setState('disconnected', err);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.closed) this.connect();
    }, this.backoff.next());
  }

  protected setState(state: TransportState, error?: Error): void {
    if (state === this.currentState && !error) return;
    this.currentState = state;
    this.handlers?.onState(state, error);
  }
}
