import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anyFreePort } from '@cjp/simulators';
import { waitFor } from '../../test-support/hub.js';
import { REPO, TMP } from '../../test-support/paths.js';

// The per-edge ACL that docker-compose gives Mosquitto (docker/mosquitto/acl), enforced by a real
// Mosquitto started here on an ephemeral port with a password file made by mosquitto_passwd.
describe('Mosquitto per-edge ACL', () => {
  let broker: ChildProcess;
  let url: string;
  let mosquittoLog: string[] = [];
  const dir = mkdtempSync(join(TMP, 'mosq-'));

  beforeAll(async () => {
    const port = await anyFreePort('127.0.0.1');
    const pw = join(dir, 'passwordfile');
    execFileSync('mosquitto_passwd', ['-b', '-c', pw, 'hub', 'hub-secret']);
    execFileSync('mosquitto_passwd', ['-b', pw, 'wh-1', 'wh1-secret']);
    execFileSync('mosquitto_passwd', ['-b', pw, 'gate-east', 'ge-secret']);
    // Started as root, Mosquitto drops to its own user, which must be able to read these.
    chmodSync(dir, 0o755);
    chmodSync(pw, 0o644);
    const conf = join(dir, 'mosquitto.conf');
    writeFileSync(conf, [`listener ${port} 127.0.0.1`, 'allow_anonymous false', `password_file ${pw}`, `acl_file ${join(REPO, 'docker/mosquitto/acl')}`, 'persistence false', ''].join('\n'));
    broker = spawn('mosquitto', ['-c', conf, '-v'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const log: string[] = [];
    broker.stdout!.on('data', (d: Buffer) => log.push(d.toString()));
    broker.stderr!.on('data', (d: Buffer) => log.push(d.toString()));
    broker.on('error', (e) => log.push(String(e)));
    mosquittoLog = log;
    url = `mqtt://127.0.0.1:${port}`;
    await waitFor(async () => {
      const c = await connect('hub', 'hub-secret').catch(() => null);
      c?.end(true);
      return c !== null;
    }, 'mosquitto to listen').catch((e: Error) => {
      throw new Error(`${e.message}; mosquitto said: ${mosquittoLog.join('')}`);
    });
  });
  afterAll(() => {
    broker?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  const connect = (username?: string, password?: string) =>
    new Promise<MqttClient>((resolve, reject) => {
      const c = mqtt.connect(url, { username, password, reconnectPeriod: 0, connectTimeout: 3000 });
      c.once('connect', () => resolve(c));
      c.once('error', (e) => {
        c.end(true);
        reject(e);
      });
    });

  it('refuses anonymous clients and wrong passwords', async () => {
    await expect(connect()).rejects.toThrow(/Not authorized|Bad username/i);
    await expect(connect('wh-1', 'wrong')).rejects.toThrow(/Not authorized|Bad username/i);
  });

  it('lets an edge publish only under its own id, and the hub read it', async () => {
    const hub = await connect('hub', 'hub-secret');
    const got: string[] = [];
    hub.on('message', (topic) => got.push(topic));
    await hub.subscribeAsync('cjp/v1/#', { qos: 1 });
    const gate = await connect('gate-east', 'ge-secret');
    // MQTT 3.1.1: Mosquitto acknowledges a refused publish and drops it.
    await gate.publishAsync('cjp/v1/cjp/wh-1/evt/scan/scanner-1', 'forged', { qos: 1 });
    await gate.publishAsync('cjp/v1/cjp/gate-east/ack', 'self-ack', { qos: 1 });
    await gate.publishAsync('cjp/v1/cjp/gate-east/evt/scan/scanner-1', 'genuine', { qos: 1 });
    await waitFor(() => got.includes('cjp/v1/cjp/gate-east/evt/scan/scanner-1'), 'the genuine event');
    expect(got).toEqual(['cjp/v1/cjp/gate-east/evt/scan/scanner-1']);
    hub.end();
    gate.end();
  });

  it('lets an edge read only its own acks and commands', async () => {
    const hub = await connect('hub', 'hub-secret');
    const wh1 = await connect('wh-1', 'wh1-secret');
    const got: string[] = [];
    wh1.on('message', (topic) => got.push(topic));
    await wh1.subscribeAsync(['cjp/v1/cjp/wh-1/ack', 'cjp/v1/cjp/wh-1/cmd/+'], { qos: 1 });
    // Mosquitto grants wildcard subscriptions and filters per message against the ACL.
    await wh1.subscribeAsync('cjp/v1/cjp/gate-east/#', { qos: 1 }).catch(() => undefined);
    await hub.publishAsync('cjp/v1/cjp/gate-east/ack', '{"seq":1}', { qos: 1 });
    await hub.publishAsync('cjp/v1/cjp/gate-east/cmd/barrier-1', '{}', { qos: 1 });
    await hub.publishAsync('cjp/v1/cjp/wh-1/cmd/scanner-1', '{}', { qos: 1 });
    await hub.publishAsync('cjp/v1/cjp/wh-1/ack', '{"seq":1}', { qos: 1 });
    await waitFor(() => got.includes('cjp/v1/cjp/wh-1/ack'), 'its own ack');
    expect(got.sort()).toEqual(['cjp/v1/cjp/wh-1/ack', 'cjp/v1/cjp/wh-1/cmd/scanner-1']);
    hub.end();
    wh1.end();
  });
});
