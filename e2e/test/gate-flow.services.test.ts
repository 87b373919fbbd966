import { afterAll } from 'vitest';
import { startTestHub } from '../../test-support/hub.js';
import { SERVICES, scratchDatabase, scratchPrefix } from '../../test-support/services.js';
import { describeGateFlow } from './gate-flow-scenario.js';

// The same gate flow on a PostgreSQL server and Mosquitto (the machine's services).
const removers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const r of removers) await r();
});

const prefix = scratchPrefix();
describeGateFlow(
  'customs gate flow: scenario trucks → edge → hub decision → PLC barrier → note passed (PostgreSQL, Mosquitto)',
  async () => {
    const db = await scratchDatabase();
    removers.push(() => db.remove());
    return startTestHub({ db: { url: db.url }, mqtt: { url: SERVICES.mqttUrl, topicPrefix: prefix } });
  },
  prefix,
);
