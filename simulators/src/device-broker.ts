import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Aedes } from 'aedes';

/**
 * The site's device broker: the MQTT broker RFID readers publish their tag reads to and the edge
 * subscribes to (at a real center a Mosquitto on the gate network). Separate from the hub's
 * broker on purpose: readers have no business on the hub's topics.
 */
export interface DeviceBroker {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

export async function startDeviceBroker(opts: { host?: string; port?: number } = {}): Promise<DeviceBroker> {
  const aedes = await Aedes.createBroker();
  const server: Server = createServer(aedes.handle);
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `mqtt://${host}:${port}`,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
    },
  };
}
