import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startTestHub } from '../../test-support/hub.js';

describe('hub start-up', () => {
  it('names the setting to change when the embedded broker port is taken, and leaves nothing open', async () => {
    const squatter = createServer();
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', () => r()));
    const port = (squatter.address() as { port: number }).port;
    try {
      await expect(startTestHub({ mqtt: { port } })).rejects.toThrow(new RegExp(`port ${port}: it is in use.*MQTT_PORT.*MQTT_URL`));
      // The failed start released its HTTP port and database: a second hub starts fine.
      const hub = await startTestHub();
      expect((await fetch(`${hub.url}/healthz`)).status).toBe(200);
      await hub.dispose();
    } finally {
      squatter.close();
    }
  });
});
