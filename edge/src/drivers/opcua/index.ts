import type { OpcuaDeviceConfig } from '../../config.js';
import { HealthTracker, type Device, type DeviceContext } from '../../device.js';

// STUB (to be completed by the OPC UA driver work).

/** Creates the device for an `opcua-*` driver; devices on one endpoint share a session. */
export function createOpcuaDevice(config: OpcuaDeviceConfig, ctx: DeviceContext): Device {
  const tracker = new HealthTracker(config.id, config.driver);
  void ctx;
  return { id: config.id, driver: config.driver, start() {}, close: async () => {}, health: () => tracker.snapshot() };
}
