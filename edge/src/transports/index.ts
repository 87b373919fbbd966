import type { TransportConfig } from '../config.js';
import type { ByteTransport } from './byte-transport.js';
import { SerialTransport, type SerialPortFactory } from './serial-transport.js';
import { TcpTransport } from './tcp-transport.js';

export type { ByteTransport, TransportHandlers, TransportState } from './byte-transport.js';
export { TcpTransport, type TcpTransportOptions } from './tcp-transport.js';
export { SerialTransport, type SerialPortFactory, type SerialPortLike, type SerialTransportOptions } from './serial-transport.js';

export interface TransportOptions {
  reconnectBaseMs: number;
  reconnectMaxMs: number;
  openSerialPort?: SerialPortFactory;
}

/** The transport a device's `transport:` URL names. */
export function createTransport(config: TransportConfig, opts: TransportOptions): ByteTransport {
  const { reconnectBaseMs, reconnectMaxMs } = opts;
  switch (config.kind) {
    case 'tcp':
      return new TcpTransport({ host: config.host, port: config.port, reconnectBaseMs, reconnectMaxMs });
    case 'serial':
      return new SerialTransport({
        port: config,
        reconnectBaseMs,
        reconnectMaxMs,
        ...(opts.openSerialPort ? { openPort: opts.openSerialPort } : {}),
      });
  }
}
