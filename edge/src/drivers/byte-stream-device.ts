import type { DeviceContext } from '../device.js';
import { DeviceBase, type DeviceBaseOptions } from '../device-base.js';
import type { ByteTransport } from '../transports/byte-transport.js';

/**
 * A device whose connector is a byte stream (serial, USB-CDC or a TCP serial server): the
 * transport reconnects by itself; the driver only decodes the chunks (onBytes).
 */
export abstract class ByteStreamDevice<D extends string> extends DeviceBase<D> {
  constructor(
    config: { readonly id: string; readonly driver: D },
    protected readonly transport: ByteTransport,
    ctx: DeviceContext,
    options: Omit<DeviceBaseOptions, 'log'>,
  ) {
    super(config, ctx, { ...options, log: { transport: transport.description } });
  }

  /** Bytes as they arrived, in any chunking. */
  protected abstract onBytes(chunk: Buffer): void;

  /** The stream is not up (any more): a decoder holding a partial frame may forget it here. */
  protected onGap(): void {}

  protected openConnector(): void {
    this.transport.start({
      onData: (chunk) => this.onBytes(chunk),
      onState: (state, error) => {
        if (state === 'connected') this.log.info('device connected');
        else if (state === 'disconnected') this.log.warn({ err: error?.message }, 'device disconnected');
        if (state !== 'connected') this.onGap();
        this.setState(state, error ? `${this.transport.description}: ${error.message}` : undefined);
      },
    });
  }

  protected closeConnector(): Promise<void> {
    return this.transport.close();
  }
}
