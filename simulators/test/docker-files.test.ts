import { pbkdf2Sync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { edgeConfigYaml } from '../src/launcher/edge-config.js';

// Docker cannot run here; these checks keep the compose files consistent with each other.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const read = (p: string) => readFileSync(path.join(repoRoot, p), 'utf8');

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string; target: string };
  environment?: Record<string, string>;
  command?: string[];
  volumes?: string[];
  entrypoint?: string[];
}
const compose = parse(read('docker-compose.yml')) as { services: Record<string, Service> };
const edgeConfig = parse(read('docker/edge/edge-wh-1.yaml')) as {
  broker: { url: string; username: string; password: string };
  devices: Array<{ transport: string }>;
};

/** Verifies a mosquitto_passwd `$7$` (PBKDF2-SHA512) entry. */
function passwordMatches(entry: string, password: string): boolean {
  const [, id, iterations, salt, hash] = entry.split('$');
  if (id !== '7' || !salt || !hash) return false;
  const derived = pbkdf2Sync(password, Buffer.from(salt, 'base64'), Number(iterations), 64, 'sha512');
  return derived.toString('base64') === hash;
}

describe('docker files', () => {
  it('defines the five services, built from the Dockerfile targets', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['edge', 'hub', 'mosquitto', 'postgres', 'simulators']);
    expect(compose.services.postgres?.image).toBe('postgres:16');
    expect(compose.services.postgres?.environment?.POSTGRES_DB).toBe('cjp');
    expect(compose.services.mosquitto?.image).toBe('eclipse-mosquitto:2');
    const dockerfile = read('docker/Dockerfile');
    for (const name of ['hub', 'edge', 'simulators']) {
      const build = compose.services[name]?.build;
      expect(build).toEqual({ context: '.', dockerfile: 'docker/Dockerfile', target: name });
      expect(dockerfile).toMatch(new RegExp(`^FROM runtime AS ${name}$`, 'm'));
    }
    expect(dockerfile).toMatch(/^FROM node:20-bookworm-slim AS build$/m);
    expect(dockerfile).toContain('RUN npm ci');
  });

  it('wires the hub to postgres and mosquitto and the edge to mosquitto and the simulator', () => {
    const hub = compose.services.hub?.environment ?? {};
    expect(hub.DATABASE_URL).toMatch(/^postgres:\/\/cjp:.+@postgres:5432\/cjp$/);
    expect(hub.MQTT_URL).toBe('mqtt://mosquitto:1883');
    expect(hub.MQTT_USERNAME).toBe('hub');
    expect(edgeConfig.broker.url).toBe('mqtt://mosquitto:1883');
    const sim = compose.services.simulators?.command ?? [];
    expect(edgeConfig.devices[0]?.transport).toBe(`tcp://simulators:${sim[sim.indexOf('--port') + 1]}`);
    expect(sim[sim.indexOf('--host') + 1]).toBe('0.0.0.0');
    const edge = compose.services.edge;
    const configMount = edge?.volumes?.find((v) => v.startsWith('./docker/edge/edge-wh-1.yaml:'));
    expect(configMount?.split(':')[1]).toBe(edge?.command?.[edge.command.indexOf('--config') + 1]);
  });

  it('writes the edge config in the same structure as the launcher does', () => {
    const launcherShape = parse(
      edgeConfigYaml({
        site: 'cjp',
        edgeId: 'wh-1',
        broker: { url: 'u', username: 'wh-1', password: 'p', topicPrefix: 'cjp/v1' },
        outboxPath: '/o',
        scanner: { deviceId: 'scanner-1', host: 'h', port: 1, suffix: '\r\n' },
      }),
    ) as Record<string, unknown>;
    const shape = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(shape) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)])) : typeof v;
    expect(shape(edgeConfig)).toEqual(shape(launcherShape));
    expect(edgeConfig).toMatchObject({ site: 'cjp', edgeId: 'wh-1', devices: [{ id: 'scanner-1', driver: 'scanner-line', suffix: '\r\n' }] });
  });

  it('ships hashed demo accounts that match the passwords hub and edge use', () => {
    const entries = Object.fromEntries(
      read('docker/mosquitto/passwordfile.example')
        .trim()
        .split('\n')
        .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1)]),
    );
    expect(Object.keys(entries).sort()).toEqual(['hub', 'wh-1']);
    expect(compose.services.hub?.environment?.MQTT_PASSWORD).toBe('${MQTT_HUB_PASSWORD:-demo-hub}');
    expect(passwordMatches(entries.hub ?? '', 'demo-hub')).toBe(true);
    expect(passwordMatches(entries['wh-1'] ?? '', edgeConfig.broker.password)).toBe(true);
    expect(passwordMatches(entries['wh-1'] ?? '', 'wrong')).toBe(false);
    expect(edgeConfig.broker.username).toBe('wh-1');
  });

  it('limits every edge to its own topics and lets the hub use all of cjp/v1', () => {
    const lines = read('docker/mosquitto/acl')
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('#'));
    expect(lines).toEqual([
      'user hub',
      'topic readwrite cjp/v1/#',
      'topic read $share/cjp-hub/cjp/v1/#',
      'pattern write cjp/v1/+/%u/evt/#',
      'pattern write cjp/v1/+/%u/status',
      'pattern write cjp/v1/+/%u/cmdack',
      'pattern write cjp/v1/+/%u/live',
      'pattern read cjp/v1/+/%u/ack',
      'pattern read cjp/v1/+/%u/cmd/#',
    ]);
  });

  it('points mosquitto at the files its entrypoint prepares', () => {
    const conf = read('docker/mosquitto/mosquitto.conf');
    const entrypoint = read('docker/mosquitto/entrypoint.sh');
    expect(conf).toMatch(/^allow_anonymous false$/m);
    expect(conf).toMatch(/^password_file \/mosquitto\/auth\/passwordfile$/m);
    expect(conf).toMatch(/^acl_file \/mosquitto\/auth\/acl$/m);
    expect(entrypoint).toContain('AUTH=/mosquitto/auth');
    expect(entrypoint).toContain('exec mosquitto -c "$CONFIG/mosquitto.conf"');
    expect(compose.services.mosquitto?.entrypoint).toEqual(['/bin/sh', '/mosquitto/config/entrypoint.sh']);
    expect(compose.services.mosquitto?.volumes).toContain('./docker/mosquitto:/mosquitto/config:ro');
  });
});
