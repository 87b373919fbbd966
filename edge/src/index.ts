export { startEdgeAgent, type EdgeAgent, type EdgeAgentOptions, type EdgeHealth } from './agent.js';
export {
  edgeConfigSchema,
  EdgeConfigError,
  loadEdgeConfig,
  parseEdgeConfig,
  type DeviceConfig,
  type EdgeConfig,
  type EdgeConfigInput,
  type ScannerLineDeviceConfig,
  type SerialTransportConfig,
  type TcpTransportConfig,
  type TransportConfig,
} from './config.js';
export { Backoff } from './backoff.js';
export type { Device, DeviceContext } from './device.js';
export { createDevice, decodeLine, ScannerLineDecoder, ScannerLineDevice, type LineResult } from './drivers/index.js';
export { MqttLink, type LinkHealth, type LinkState, type MqttLinkOptions } from './mqtt-link.js';
export { Outbox, type AdoptResult, type OutboxRow } from './outbox.js';
export type { DeviceReading, ReadingSink, ScanReading, SubmitResult } from './reading.js';
export {
  createTransport,
  SerialTransport,
  TcpTransport,
  type ByteTransport,
  type SerialPortFactory,
  type SerialPortLike,
  type TransportHandlers,
  type TransportState,
} from './transports/index.js';
export { createWeightDecoder, StabilityTracker, toledoChecksum, type WeightDecoderOptions, type WeightFrameDecoder, type WeightReading, type WeightFormat } from './drivers/weighbridge/index.js';
