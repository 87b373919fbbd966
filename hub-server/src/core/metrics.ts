import { Registry, collectDefaultMetrics } from 'prom-client';

/** One Prometheus registry per hub instance (tests run several); modules add their metrics to it. */
export function createRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}
