import type { DeviceConfig } from '../config.js';
import type { Device, DeviceContext } from '../device.js';
import { createTransport, type TransportOptions } from '../transports/index.js';
import { ScannerLineDevice } from './scanner-line-driver.js';
import { WeighbridgeDevice } from './weighbridge-driver.js';

export { ScannerLineDecoder, decodeLine, type LineResult, type ScannerLineDecoderOptions } from './scanner-line-decoder.js';
export { ScannerLineDevice } from './scanner-line-driver.js';
export { WeighbridgeDevice, toKg, type LiveWeight, type WeightEventReading } from './weighbridge-driver.js';

export type DeviceFactoryOptions = Pick<TransportOptions, 'openSerialPort'>;

/** Driver registry: the config's `driver` names the class (STYLE.md P8). */
export function createDevice(config: DeviceConfig, ctx: DeviceContext, opts: DeviceFactoryOptions = {}): Device {
  const transport = createTransport(config.transport, {
    reconnectBaseMs: config.reconnectBaseMs,
    reconnectMaxMs: config.reconnectMaxMs,
    ...(opts.openSerialPort ? { openSerialPort: opts.openSerialPort } : {}),
  });
  switch (config.driver) {
    case 'scanner-line':
      return new ScannerLineDevice(config, transport, ctx);
    case 'weighbridge':
      return new WeighbridgeDevice(config, transport, ctx);
  }
}
