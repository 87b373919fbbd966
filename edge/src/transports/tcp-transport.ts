import { Socket } from 'node:net';
import { ReconnectingTransport } from './reconnecting-transport.js';

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
export class TcpTransport extends ReconnectingTransport {
  readonly description: string;
  private socket: Socket | null = null;
  private stableTimer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: TcpTransportOptions) {
    super(opts);
    this.description = `tcp://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${opts.port}`;
  }

  protected async release(): Promise<void> {
    this.clearStableTimer();
    const socket = this.socket;
    this.socket = null;
    if (socket && !socket.destroyed) {
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.destroy();
      });
    }
  }

  protected connect(): void {
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
      this.clearStableTimer();
      this.linkLost(lastError ?? new Error('connection closed by peer'));
    });
    socket.connect({ host: this.opts.host, port: this.opts.port });
  }

  private clearStableTimer(): void {
    if (this.stableTimer) clearTimeout(this.stableTimer);
    this.stableTimer = null;
  }
}
