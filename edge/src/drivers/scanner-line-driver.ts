import type { ScannerLineDeviceConfig } from '../config.js';
import { HealthTracker, type Device, type DeviceContext } from '../device.js';
import type { ScanReading } from '../reading.js';
import type { ByteTransport } from '../transports/byte-transport.js';
import { describeScan, ScannerLineDecoder } from './scanner-line-decoder.js';

/** A barcode scanner that sends one line per read (serial, USB-CDC or a TCP serial server). */
export class ScannerLineDevice implements Device {
  readonly driver = 'scanner-line';
  readonly id: string;
  private readonly decoder: ScannerLineDecoder;
  private readonly tracker: HealthTracker;

  constructor(
    config: ScannerLineDeviceConfig,
    private readonly transport: ByteTransport,
    private readonly ctx: DeviceContext,
  ) {
    this.id = config.id;
    this.decoder = new ScannerLineDecoder({ suffix: config.suffix, maxLineBytes: config.maxLineBytes });
    this.tracker = new HealthTracker(config.id, this.driver);
  }

  start(): void {
    const log = this.ctx.logger.child({ deviceId: this.id, transport: this.transport.description });
    this.transport.start({
      onData: (chunk) => {
        for (const line of this.decoder.push(chunk)) {
          if (!line.ok) {
            this.tracker.reject(line.reason);
            log.warn({ reason: line.reason }, 'scanner line rejected');
            continue;
          }
          const ts = this.ctx.now().toISOString();
          const reading: ScanReading = {
            kind: 'scan',
            deviceId: this.id,
            ts,
            data: describeScan(line.code, line.aim),
          };
          const result = this.ctx.sink.submit(reading);
          if (result.ok) this.tracker.reading(ts);
          else this.tracker.error(`reading not stored: ${result.error}`);
        }
      },
      onState: (state, error) => {
        if (error) this.tracker.error(`${this.transport.description}: ${error.message}`);
        if (state === 'connected') log.info('device connected');
        else if (state === 'disconnected') log.warn({ err: error?.message }, 'device disconnected');
        if (this.tracker.setState(state, this.ctx.now())) this.ctx.onStateChange();
      },
    });
  }

  close(): Promise<void> {
    return this.transport.close();
  }

  health() {
    return this.tracker.snapshot();
  }
}
