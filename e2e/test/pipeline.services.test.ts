import { afterAll } from 'vitest';
import { startTestHub } from '../../test-support/hub.js';
import { SERVICES, scratchDatabase, scratchPrefix } from '../../test-support/services.js';
import { describePipeline } from './pipeline-scenario.js';

// The same end-to-end scenario on a PostgreSQL server and Mosquitto (the machine's services).
const removers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const r of removers) await r();
});

const prefix = scratchPrefix();
describePipeline(
  'a scan travels from the device to the screen (PostgreSQL, Mosquitto)',
  async () => {
    const db = await scratchDatabase();
    removers.push(() => db.remove());
    return startTestHub({ db: { url: db.url }, mqtt: { url: SERVICES.mqttUrl, topicPrefix: prefix } });
  },
  prefix,
);
