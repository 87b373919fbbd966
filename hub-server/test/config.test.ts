import { describe, expect, it } from 'vitest';
import { ConfigError, loadHubConfig } from '../src/config.js';

describe('hub config', () => {
  it('runs on embedded defaults with nothing set', () => {
    const c = loadHubConfig({});
    expect(c.http.port).toBe(8080);
    expect(c.db.url).toBeUndefined();
    expect(c.mqtt.url).toBeUndefined();
    expect(c.mqtt.port).toBe(1883);
    expect(c.demo).toBe(false);
    expect(Object.isFrozen(c.http)).toBe(true);
  });

  it('reads the environment', () => {
    const c = loadHubConfig({ DATABASE_URL: 'postgres://db/cjp', MQTT_URL: 'mqtt://broker:1884', HUB_HTTP_PORT: '9000', HUB_DEMO: 'true' });
    expect(c).toMatchObject({ db: { url: 'postgres://db/cjp' }, mqtt: { url: 'mqtt://broker:1884' }, http: { port: 9000 }, demo: true });
  });

  it('fails fast naming every invalid setting and its variable', () => {
    let err: unknown;
    try {
      loadHubConfig({ HUB_HTTP_PORT: 'eighty', MQTT_PORT: '70000', HUB_DEMO: 'maybe' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg).toContain('http.port (HUB_HTTP_PORT)');
    expect(msg).toContain('mqtt.port (MQTT_PORT)');
    expect(msg).toContain('demo (HUB_DEMO)');
  });

  it('reads the gate rules: tolerances, waits, plate requirement, with defaults and named errors', () => {
    expect(loadHubConfig({}).gate).toMatchObject({ tolerance: { loaded: { absKg: 500, pct: 3 }, empty: { absKg: 300, pct: 2 } }, requirePlate: false, passText: '放行 {plate}' });
    const c = loadHubConfig({
      GATE_TOLERANCE_LOADED_KG: '800',
      GATE_TOLERANCE_LOADED_PCT: '2.5',
      GATE_TOLERANCE_EMPTY_KG: '200',
      GATE_TOLERANCE_EMPTY_PCT: '1',
      GATE_CONTAINER_WAIT_MS: '1000',
      GATE_COLLECT_TIMEOUT_MS: '30000',
      GATE_LEAVE_TIMEOUT_MS: '90000',
      GATE_STALE_AFTER_MS: '60000',
      GATE_REQUIRE_PLATE: 'true',
      GATE_PASS_TEXT: '请通行 {plate}',
      GATE_LEASE_MS: '5000',
    });
    expect(c.gate).toEqual({
      tolerance: { loaded: { absKg: 800, pct: 2.5 }, empty: { absKg: 200, pct: 1 } },
      containerWaitMs: 1000,
      collectTimeoutMs: 30000,
      leaveTimeoutMs: 90000,
      staleAfterMs: 60000,
      requirePlate: true,
      passText: '请通行 {plate}',
      leaseMs: 5000,
    });
    expect(() => loadHubConfig({ GATE_TOLERANCE_LOADED_PCT: '150' })).toThrow(/gate\.tolerance\.loaded\.pct \(GATE_TOLERANCE_LOADED_PCT\)/);
  });

  it('says which file it could not read', () => {
    expect(() => loadHubConfig({ HUB_CONFIG_FILE: '/nonexistent/hub.yaml' })).toThrow(/HUB_CONFIG_FILE: cannot read \/nonexistent\/hub.yaml/);
  });
});
