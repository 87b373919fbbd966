import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The machine's services, as CI provides them; override to point elsewhere. */
export const SERVICES = {
  databaseUrl: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  mqttUrl: process.env.TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883',
};

/** A database of its own on the PostgreSQL server, dropped by remove(). */
export async function scratchDatabase(): Promise<{ url: string; remove(): Promise<void> }> {
  const name = `cjp_test_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: SERVICES.databaseUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(SERVICES.databaseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async remove() {
      const c = new pg.Client({ connectionString: SERVICES.databaseUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/** A topic prefix of its own, so runs sharing one broker never see each other's messages. */
export const scratchPrefix = () => `cjptest${randomBytes(3).toString('hex')}/v1`;
