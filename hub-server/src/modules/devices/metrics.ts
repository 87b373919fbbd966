import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The devices module's Prometheus metrics (ingest), on the hub's registry. */
export function createIngestMetrics(registry: Registry) {
  return {
    ingested: new Counter({
      name: 'cjp_ingest_messages_total',
      help: 'MQTT messages taken from the broker by ingest, by outcome',
      labelNames: ['outcome'] as const, // accepted | duplicate | dead_letter | status | cmdack
      registers: [registry],
    }),
    deadLetters: new Counter({
      name: 'cjp_dead_letters_total',
      help: 'payloads stored in the dead-letter table, by cause',
      labelNames: ['cause'] as const,
      registers: [registry],
    }),
    queueDepth: new Gauge({ name: 'cjp_ingest_queue_depth', help: 'messages received and not yet stored', registers: [registry] }),
    ackLag: new Gauge({
      name: 'cjp_ingest_ack_lag',
      help: 'per edge: highest seq received minus highest contiguous seq acked',
      labelNames: ['edge'] as const,
      registers: [registry],
    }),
    batchSeconds: new Histogram({
      name: 'cjp_ingest_batch_seconds',
      help: 'time to store one ingest batch (one transaction)',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    liveRejected: new Counter({ name: 'cjp_live_rejected_total', help: 'live-value messages from edges that were not valid (dropped: screens only)', registers: [registry] }),
    batchErrors: new Counter({ name: 'cjp_ingest_batch_errors_total', help: 'ingest transactions that failed and were retried', registers: [registry] }),
  };
}
export type IngestMetrics = ReturnType<typeof createIngestMetrics>;
