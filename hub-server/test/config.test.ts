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

  it('says which file it could not read', () => {
    expect(() => loadHubConfig({ HUB_CONFIG_FILE: '/nonexistent/hub.yaml' })).toThrow(/HUB_CONFIG_FILE: cannot read \/nonexistent\/hub.yaml/);
  });
});
