import net from 'node:net';

/**
 * True when nothing listens on `port`. Without a host the probe binds every interface, which
 * on Linux also collides with a listener bound to a single address (e.g. 127.0.0.1:1883).
 */
export async function isPortFree(port: number, host?: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE' || err.code === 'EACCES') resolve(false);
      else reject(err);
    });
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/** A port the system has just reported free (it may be taken again before use; rarely is). */
export async function anyFreePort(host?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen({ port: 0, host, exclusive: true }, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** `preferred` when it is free, else any free port. */
export async function findFreePort(preferred?: number, host?: string): Promise<number> {
  if (preferred !== undefined && preferred > 0 && (await isPortFree(preferred, host))) return preferred;
  return anyFreePort(host);
}
