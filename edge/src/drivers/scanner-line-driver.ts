import type { ScannerLineDeviceConfig } from '../config.js';
import type { DeviceContext } from '../device.js';
import type { ScanReading } from '../reading.js';
import type { ByteTransport } from '../transports/byte-transport.js';
import { ByteStreamDevice } from './byte-stream-device.js';
import { describeScan, ScannerLineDecoder } from './scanner-line-decoder.js';

/** A barcode scanner that sends one line per read (serial, USB-CDC or a TCP serial server). */
export class ScannerLineDevice extends ByteStreamDevice<'scanner-line'> {
  private readonly decoder: ScannerLineDecoder;

  constructor(config: ScannerLineDeviceConfig, transport: ByteTransport, ctx: DeviceContext) {
    super(config, transport, ctx, { rejectWarning: 'scanner line rejected' });
    this.decoder = new ScannerLineDecoder({ suffix: config.suffix, maxLineBytes: config.maxLineBytes });
  }

  protected onBytes(chunk: Buffer): void {
    for (const line of this.decoder.push(chunk)) {
      if (!line.ok) {
        this.reject(line.reason);
        continue;
      }
      const reading: ScanReading = { kind: 'scan', deviceId: this.id, ts: this.ctx.now().toISOString(), data: describeScan(line.code, line.aim) };
      this.submit(reading);
    }
  }
}
