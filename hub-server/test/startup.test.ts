import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freshPgliteDir, startTestHub } from '../../test-support/hub.js';
import { openDb } from '../src/core/db.js';

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

describe('embedded database folder', () => {
  it('refuses a second process on the same folder, and takes over after a crash', async () => {
    const data = freshPgliteDir();
    try {
      // a live process (this test runner's parent) holds it
      writeFileSync(join(data.dir, 'cjp-hub.pid'), String(process.ppid));
      await expect(openDb({ dataDir: data.dir })).rejects.toThrow(`in use by process ${process.ppid}; stop it, or set HUB_DATA_DIR`);
      // a dead process left its pid file behind (kill -9): taken over
      writeFileSync(join(data.dir, 'cjp-hub.pid'), '2147483646');
      const db = await openDb({ dataDir: data.dir });
      expect((await db.query<{ n: number }>('select 1::int as n')).rows[0]!.n).toBe(1);
      await expect(openDb({ dataDir: data.dir })).rejects.toThrow(`in use by process ${process.pid}`);
      await db.close();
    } finally {
      data.remove();
    }
  });
});
