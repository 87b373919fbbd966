import { SerialPort } from 'serialport';
import type { SerialTransportConfig } from '../config.js';
import { ReconnectingTransport } from './reconnecting-transport.js';

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
export class SerialTransport extends ReconnectingTransport {
  readonly description: string;
  private port: SerialPortLike | null = null;

  constructor(private readonly opts: SerialTransportOptions) {
    super(opts);
    this.description = `serial://${opts.port.path}`;
  }

  protected async release(): Promise<void> {
    const port = this.port;
    this.port = null;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    port?.removeAllListeners();
  }

  protected connect(): void {
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
    this.linkLost(err);
  }
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
