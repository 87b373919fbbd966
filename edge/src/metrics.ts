import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { DeviceHealth, OutboxHealth } from '@cjp/contracts';
import type { LinkHealth } from './mqtt-link.js';

export interface MetricsSource {
  edgeId: string;
  broker: () => LinkHealth;
  outbox: () => OutboxHealth;
  devices: () => DeviceHealth[];
}

const STATE_VALUE = { disconnected: 0, connecting: 1, connected: 2 } as const;
const LEVEL_VALUE = { ok: 0, warning: 1, full: 2 } as const;

/**
 * The edge's /metrics: read from the agent's health at scrape time (no second bookkeeping), one
 * registry per agent so tests can run several.
 */
export function createEdgeMetrics(src: MetricsSource) {
  const registry = new Registry();
  registry.setDefaultLabels({ edge: src.edgeId });
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const devices = () => src.devices();

  new Gauge({
    name: 'cjp_edge_broker_state',
    help: 'MQTT link to the hub: 0 disconnected, 1 connecting, 2 connected',
    registers,
    collect() {
      this.set(STATE_VALUE[src.broker().state]);
    },
  });
  new Gauge({
    name: 'cjp_edge_outbox_depth',
    help: 'events waiting for the hub ack',
    registers,
    collect() {
      this.set(src.outbox().depth);
    },
  });
  new Gauge({
    name: 'cjp_edge_outbox_bytes',
    help: 'JSON bytes of the events waiting for the hub ack',
    registers,
    collect() {
      this.set(src.outbox().bytes);
    },
  });
  new Gauge({
    name: 'cjp_edge_outbox_oldest_age_seconds',
    help: 'age of the oldest unacked event (0 when empty)',
    registers,
    collect() {
      this.set(src.outbox().oldestAgeS ?? 0);
    },
  });
  new Gauge({
    name: 'cjp_edge_outbox_level',
    help: 'outbox against its bounds: 0 ok, 1 warning (80 %), 2 full (readings refused)',
    registers,
    collect() {
      this.set(LEVEL_VALUE[src.outbox().level]);
    },
  });
  new Gauge({
    name: 'cjp_edge_device_state',
    help: 'per device: 0 disconnected, 1 connecting, 2 connected',
    labelNames: ['device', 'driver'] as const,
    registers,
    collect() {
      this.reset();
      for (const d of devices()) this.set({ device: d.deviceId, driver: d.driver }, STATE_VALUE[d.state]);
    },
  });
  new Gauge({
    name: 'cjp_edge_device_last_reading_age_seconds',
    help: 'per device: seconds since its last reading (absent before the first)',
    labelNames: ['device'] as const,
    registers,
    collect() {
      this.reset();
      const now = Date.now();
      for (const d of devices()) if (d.lastReadingAt) this.set({ device: d.deviceId }, (now - Date.parse(d.lastReadingAt)) / 1000);
    },
  });
  // Counters mirror the devices' own counts (they only grow while the agent runs).
  const perDevice = [
    { name: 'cjp_edge_device_readings_total', help: 'per device: readings handed to the outbox', count: (d: DeviceHealth) => d.readings },
    { name: 'cjp_edge_device_errors_total', help: 'per device: errors (connection failures, refused frames, readings not stored)', count: (d: DeviceHealth) => d.errors },
  ];
  for (const { name, help, count } of perDevice) {
    new Counter({
      name,
      help,
      labelNames: ['device'] as const,
      registers,
      collect() {
        this.reset();
        for (const d of devices()) this.inc({ device: d.deviceId }, count(d));
      },
    });
  }
  new Counter({
    name: 'cjp_edge_device_rejects_total',
    help: 'per device: frames or messages refused, by class (check, noise, too-long, unit, auth, outbox, malformed)',
    labelNames: ['device', 'class'] as const,
    registers,
    collect() {
      this.reset();
      for (const d of devices()) for (const [cls, n] of Object.entries(d.rejects ?? {})) this.inc({ device: d.deviceId, class: cls }, n);
    },
  });

  return {
    registry,
    async render(): Promise<{ contentType: string; body: string }> {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
