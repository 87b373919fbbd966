import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Aedes, type AedesOptions, type Client } from 'aedes';

export interface TestBroker {
  readonly port: number;
  readonly url: string;
  readonly aedes: Aedes;
  /** clients connected now, by client id */
  readonly clients: Map<string, Client>;
  /** every (clientId, topic) subscription seen */
  readonly subscriptions: { clientId: string; topic: string }[];
  close(): Promise<void>;
}

/** An in-process Aedes broker on 127.0.0.1; port 0 picks a free one. */
export async function startBroker(opts: { port?: number; authenticate?: AedesOptions['authenticate'] } = {}): Promise<TestBroker> {
  const aedes = await Aedes.createBroker(opts.authenticate ? { authenticate: opts.authenticate } : {});
  const server: Server = createServer(aedes.handle);
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const clients = new Map<string, Client>();
  const subscriptions: { clientId: string; topic: string }[] = [];
  aedes.on('clientReady', (c) => clients.set(c.id, c));
  aedes.on('clientDisconnect', (c) => {
    if (clients.get(c.id) === c) clients.delete(c.id);
  });
  aedes.on('subscribe', (subs, c) => subscriptions.push(...subs.map((s) => ({ clientId: c.id, topic: s.topic }))));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    aedes,
    clients,
    subscriptions,
    async close() {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
