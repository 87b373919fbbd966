import type { RfidMqttDeviceConfig } from '../../config.js';
import { HealthTracker, type Device, type DeviceContext } from '../../device.js';

// STUB (to be completed by the RFID driver work).

/** An RFID reader that publishes tag reads as JSON to an MQTT broker. */
export class RfidMqttDevice implements Device {
  readonly driver = 'rfid-mqtt';
  readonly id: string;
  private readonly tracker: HealthTracker;
  constructor(config: RfidMqttDeviceConfig, ctx: DeviceContext) {
    this.id = config.id;
    this.tracker = new HealthTracker(config.id, this.driver);
    void ctx;
  }
  start(): void {}
  close(): Promise<void> {
    return Promise.resolve();
  }
  health() {
    return this.tracker.snapshot();
  }
}
