import type { CameraHttpDeviceConfig } from '../../config.js';
import { HealthTracker, type Device, type DeviceContext } from '../../device.js';

// STUB (to be completed by the camera driver work).

/** A plate / container recognition camera that POSTs its reads to the edge's HTTP server. */
export class CameraHttpDevice implements Device {
  readonly driver = 'camera-http';
  readonly id: string;
  private readonly tracker: HealthTracker;
  constructor(config: CameraHttpDeviceConfig, ctx: DeviceContext) {
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
