import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { parseEdgeConfig, startEdgeAgent } from '@cjp/edge';
import { anyFreePort, startScannerSimulator } from '@cjp/simulators';
import { login, startTestHub, waitFor } from '../../test-support/hub.js';
import { TMP } from '../../test-support/paths.js';

// A hub whose database was reset (or replaced) meets an edge that kept numbering: the seqs the
// edge already dropped are recorded as lost, visibly, and the edge's outbox drains instead of
// growing for ever behind a watermark that can never advance.
describe('an edge meets a hub with a fresh database', () => {
  const dir = mkdtempSync(join(TMP, 'reset-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('records what it can never receive as lost and acks past it', async () => {
    const mqttPort = await anyFreePort('127.0.0.1');
    const sim = await startScannerSimulator({ ratePerSec: 50, seed: 99, garbageRatio: 0 });
    const edge = await startEdgeAgent(
      parseEdgeConfig(
        {
          site: 'cjp',
          edgeId: 'wh-1',
          broker: { url: `mqtt://127.0.0.1:${mqttPort}`, password: 'demo-edge-wh-1', reconnectMaxMs: 500 },
          outbox: { path: 'outbox.sqlite' },
          devices: [{ id: 'scanner-1', driver: 'scanner-line', transport: `tcp://127.0.0.1:${sim.port}` }],
        },
        dir,
      ),
      { logger: pino({ level: 'silent' }) },
    );
    try {
      // 1. the first hub stores and acks the first scans
      const first = await startTestHub({ mqtt: { port: mqttPort } });
      await waitFor(() => edge.health().lastSeq >= 20, '20 scans read');
      sim.pause();
      await waitFor(() => edge.outboxDepth() === 0, 'the outbox to drain into the first hub');
      const dropped = edge.health().lastSeq;
      await first.dispose();

      // 2. a hub with a fresh database takes its place; scanning goes on
      const second = await startTestHub({ mqtt: { port: mqttPort } });
      try {
        sim.resume();
        await waitFor(() => edge.health().lastSeq >= dropped + 10, '10 more scans');
        sim.pause();
        await waitFor(() => edge.outboxDepth() === 0, 'the outbox to drain into the second hub', 30_000);

        const token = await login(second, 'operator');
        const dead = (await (await fetch(`${second.url}/api/v1/dead-letters`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
          items: Array<{ reason: string; edgeId: string }>;
        };
        expect(dead.items.map((d) => d.reason)).toContainEqual(expect.stringMatching(new RegExp(`^seq 1–${dropped} never reached this hub`)));
        const events = (await (await fetch(`${second.url}/api/v1/events?limit=500`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
          items: Array<{ seq: number }>;
        };
        // everything after the reset is stored, nothing before it is invented
        expect(Math.min(...events.items.map((e) => e.seq))).toBe(dropped + 1);
        expect(events.items.length).toBe(edge.health().lastSeq - dropped);
      } finally {
        await second.dispose();
      }
    } finally {
      await edge.close();
      await sim.close();
    }
  });
});
