import type { ByteStreamDeviceConfig, DeviceConfig } from '../config.js';
import { CameraHttpDevice } from './camera-http/camera-http-driver.js';
import { createOpcuaDevice } from './opcua/index.js';
import { RfidMqttDevice } from './rfid-mqtt/rfid-mqtt-driver.js';
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
  switch (config.driver) {
    case 'scanner-line':
      return new ScannerLineDevice(config, byteTransport(config, opts), ctx);
    case 'weighbridge':
      return new WeighbridgeDevice(config, byteTransport(config, opts), ctx);
    case 'opcua-weighbridge':
    case 'opcua-barrier':
    case 'opcua-led':
    case 'opcua-rfid':
      return createOpcuaDevice(config, ctx);
    case 'rfid-mqtt':
      return new RfidMqttDevice(config, ctx);
    case 'camera-http':
      return new CameraHttpDevice(config, ctx);
  }
}

function byteTransport(config: ByteStreamDeviceConfig, opts: DeviceFactoryOptions) {
  return createTransport(config.transport, {
    reconnectBaseMs: config.reconnectBaseMs,
    reconnectMaxMs: config.reconnectMaxMs,
    ...(opts.openSerialPort ? { openSerialPort: opts.openSerialPort } : {}),
  });
}
