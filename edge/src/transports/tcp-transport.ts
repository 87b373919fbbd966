import { Socket } from 'node:net';
import { Backoff } from '../backoff.js';
import type { ByteTransport, TransportHandlers, TransportState } from './byte-transport.js';

export interface TcpTransportOptions {
  host: string;
  port: number;
  reconnectBaseMs: number;
  reconnectMaxMs: number;
  /** a connection that stayed up this long resets the backoff, ms */
  stableAfterMs?: number;
  random?: () => number;
}

/** A byte stream from a TCP socket, e.g. a serial device server at a gate lane. */
export class TcpTransport implements ByteTransport {
  readonly description: string;
  private currentState: TransportState = 'disconnected';
  private handlers: TransportHandlers | null = null;
  private socket: Socket | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private stableTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly backoff: Backoff;

  constructor(private readonly opts: TcpTransportOptions) {
    this.description = `tcp://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${opts.port}`;
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
    this.clearTimers();
    const socket = this.socket;
    this.socket = null;
    if (socket && !socket.destroyed) {
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.destroy();
      });
    }
    this.setState('disconnected');
  }

  private connect(): void {
    if (this.closed) return;
    this.setState('connecting');
    const socket = new Socket();
    this.socket = socket;
    let lastError: Error | undefined;
    socket.setNoDelay(true);
    socket.on('connect', () => {
      // Serial device servers often vanish without a FIN; keepalive lets the kernel notice.
      socket.setKeepAlive(true, 10_000);
      this.setState('connected');
      this.stableTimer = setTimeout(() => this.backoff.reset(), this.opts.stableAfterMs ?? 10_000);
    });
    socket.on('data', (chunk: Buffer) => {
      this.backoff.reset();
      this.handlers?.onData(chunk);
    });
    socket.on('error', (err) => {
      lastError = err;
    });
    socket.on('close', () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.clearTimers();
      if (this.closed) return;
      this.setState('disconnected', lastError ?? new Error('connection closed by peer'));
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        this.connect();
      }, this.backoff.next());
    });
    socket.connect({ host: this.opts.host, port: this.opts.port });
  }

  private setState(state: TransportState, error?: Error): void {
    if (state === this.currentState && !error) return;
    this.currentState = state;
    this.handlers?.onState(state, error);
  }

  private clearTimers(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.stableTimer) clearTimeout(this.stableTimer);
    this.retryTimer = null;
    this.stableTimer = null;
  }
}
