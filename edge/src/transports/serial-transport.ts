import { SerialPort } from 'serialport';
import { Backoff } from '../backoff.js';
import type { SerialTransportConfig } from '../config.js';
import type { ByteTransport, TransportHandlers, TransportState } from './byte-transport.js';

/** The part of serialport's stream this transport uses; SerialPort and SerialPortMock both fit. */
export interface SerialPortLike {
  readonly isOpen: boolean;
  open(callback: (err: Error | null) => void): void;
  close(callback?: (err: Error | null) => void): void;
  on(event: 'data', listener: (chunk: Buffer) => void): this;
  on(event: 'close', listener: (err?: Error | null) => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  removeAllListeners(): this;
}

export type SerialPortFactory = (opts: Omit<SerialTransportConfig, 'kind' | 'url'> & { autoOpen: false }) => SerialPortLike;

export interface SerialTransportOptions {
  port: SerialTransportConfig;
  reconnectBaseMs: number;
  reconnectMaxMs: number;
  /** defaults to the real serialport; tests pass SerialPortMock */
  openPort?: SerialPortFactory;
  random?: () => number;
}

const realPort: SerialPortFactory = (opts) => new SerialPort(opts);

/** A byte stream from a local serial port (RS-232, USB-CDC); reopens the port after errors or unplugging. */
export class SerialTransport implements ByteTransport {
  readonly description: string;
  private currentState: TransportState = 'disconnected';
  private handlers: TransportHandlers | null = null;
  private port: SerialPortLike | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly backoff: Backoff;

  constructor(private readonly opts: SerialTransportOptions) {
    this.description = `serial://${opts.port.path}`;
    this.backoff = new Backoff(opts.reconnectBaseMs, opts.reconnectMaxMs, opts.random);
  }

  get state(): TransportState {
    return this.currentState;
  }

  start(handlers: TransportHandlers): void {
    if (this.handlers) throw new Error(`${this.description}: already started`);
    this.handlers = handlers;
    this.open();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const port = this.port;
    this.port = null;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    port?.removeAllListeners();
    this.setState('disconnected');
  }

  private open(): void {
    if (this.closed) return;
    this.setState('connecting');
    const { path, baudRate, dataBits, parity, stopBits } = this.opts.port;
    let port: SerialPortLike;
    try {
      port = (this.opts.openPort ?? realPort)({ path, baudRate, dataBits, parity, stopBits, autoOpen: false });
    } catch (err) {
      this.retry(toError(err));
      return;
    }
    this.port = port;
    port.on('data', (chunk) => {
      this.backoff.reset();
      this.handlers?.onData(chunk);
    });
    // Errors after open are followed by 'close' (e.g. USB adapter unplugged); reopen there.
    port.on('error', () => {});
    port.on('close', (err) => {
      if (this.port !== port) return;
      this.retry(err ?? new Error('port closed'));
    });
    port.open((err) => {
      if (this.port !== port) return;
      if (err) this.retry(err);
      else this.setState('connected');
    });
  }

  private retry(err: Error): void {
    const port = this.port;
    this.port = null;
    port?.removeAllListeners();
    if (port?.isOpen) port.close();
    if (this.closed) return;
    this.setState('disconnected', err);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.open();
    }, this.backoff.next());
  }

  private setState(state: TransportState, error?: Error): void {
    if (state === this.currentState && !error) return;
    this.currentState = state;
    this.handlers?.onState(state, error);
  }
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
