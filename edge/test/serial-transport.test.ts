import { SerialPortMock } from 'serialport';
import { afterEach, describe, expect, it } from 'vitest';
import type { SerialTransportConfig } from '../src/config.js';
import { SerialTransport, type SerialPortFactory } from '../src/transports/serial-transport.js';
import { until } from './support/util.js';

const PORT: SerialTransportConfig = {
  kind: 'serial',
  url: 'serial:///dev/ttyCJP0',
  path: '/dev/ttyCJP0',
  baudRate: 9600,
  dataBits: 8,
  parity: 'none',
  stopBits: 1,
};

const opened: SerialPortMock[] = [];
const openMock: SerialPortFactory = (opts) => {
  const p = new SerialPortMock(opts);
  opened.push(p);
  return p;
};

afterEach(() => {
  SerialPortMock.binding.reset();
  opened.length = 0;
});

describe('serial transport', () => {
  it('keeps trying to open a missing port, then delivers its bytes once it appears', async () => {
    const states: string[] = [];
    const errors: string[] = [];
    const chunks: Buffer[] = [];
    const t = new SerialTransport({ port: PORT, reconnectBaseMs: 5, reconnectMaxMs: 20, openPort: openMock });
    t.start({
      onData: (c) => chunks.push(c),
      onState: (s, err) => {
        states.push(s);
        if (err) errors.push(err.message);
      },
    });
    await until('two failed opens', () => errors.length >= 2);
    expect(errors[0]).toMatch(/Port does not exist/);
    expect(t.state).not.toBe('connected');

    SerialPortMock.binding.createPort(PORT.path);
    await until('port open', () => t.state === 'connected');
    const port = opened.at(-1)!;
    expect(port.baudRate).toBe(9600);
    port.port?.emitData(Buffer.from(']E06901234567892\r\n'));
    await until('bytes delivered', () => Buffer.concat(chunks).toString() === ']E06901234567892\r\n');

    await t.close();
    expect(t.state).toBe('disconnected');
    expect(port.isOpen).toBe(false);
    expect(states).toContain('connecting');
  });
});
