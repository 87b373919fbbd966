import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { EventDto } from '@cjp/contracts';
import { anyFreePort, startScannerSimulator, type ScannerSimulator } from '@cjp/simulators';
import { spawnTs, type Child } from '../../test-support/child.js';
import { freshPgliteDir, login, waitFor } from '../../test-support/hub.js';
import { TMP } from '../../test-support/paths.js';

// Nothing is lost, nothing is doubled: hub and edge are killed with SIGKILL mid-stream and
// restarted; every scan the edge received is stored exactly once, with seqs 1..N.
describe('loss and duplicates across crashes', () => {
  const cleanup: Array<() => Promise<unknown> | void> = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  it('stores every scan once when the hub and the edge are killed mid-stream', async () => {
    const data = freshPgliteDir();
    cleanup.push(() => data.remove());
    const dir = mkdtempSync(join(TMP, 'crash-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const [httpPort, mqttPort] = [await anyFreePort('127.0.0.1'), await anyFreePort('127.0.0.1')];
    const hubUrl = `http://127.0.0.1:${httpPort}`;

    const children = new Set<Child>();
    cleanup.push(async () => {
      for (const c of children) await c.kill9();
    });
    const startHub = async () => {
      const hub = spawnTs('hub-server/src/main.ts', [], {
        HUB_HTTP_HOST: '127.0.0.1',
        HUB_HTTP_PORT: String(httpPort),
        MQTT_HOST: '127.0.0.1',
        MQTT_PORT: String(mqttPort),
        HUB_DATA_DIR: data.dir,
        HUB_DEMO: 'true',
        HUB_UI_DIR: '/nonexistent',
        LOG_LEVEL: 'info',
      });
      children.add(hub);
      await hub.waitForLog('hub ready');
      return hub;
    };

    const sim: ScannerSimulator = await startScannerSimulator({ ratePerSec: 80, seed: 4242, garbageRatio: 0.05 });
    cleanup.push(() => sim.close());
    const edgeYaml = join(dir, 'edge.yaml');
    writeFileSync(
      edgeYaml,
      stringify({
        site: 'cjp',
        edgeId: 'wh-1',
        broker: { url: `mqtt://127.0.0.1:${mqttPort}`, password: 'demo-edge-wh-1', reconnectMaxMs: 1000 },
        outbox: { path: join(dir, 'outbox.sqlite'), resendAfterMs: 1500 },
        devices: [{ id: 'scanner-1', driver: 'scanner-line', transport: `tcp://127.0.0.1:${sim.port}`, reconnectMaxMs: 500 }],
      }),
    );
    const startEdge = async () => {
      const edge = spawnTs('edge/src/cli.ts', ['--config', edgeYaml], {});
      children.add(edge);
      await edge.waitForLog('edge agent started');
      return edge;
    };
    const emittedAtLeast = (n: number) => waitFor(() => sim.emitted.length >= n, `${n} lines emitted`, 60_000);

    // 1. hub, edge and scanner running
    let hub = await startHub();
    let edge = await startEdge();
    await emittedAtLeast(100);

    // 2. the hub dies mid-stream; the edge keeps reading into its outbox
    await hub.kill9();
    await emittedAtLeast(sim.emitted.length + 60);

    // 3. the edge dies with unacked events in its outbox (the scanner is paused first so every
    //    byte it sent was read; a line on the wire to a dead process is gone in real life too)
    sim.pause();
    await new Promise((r) => setTimeout(r, 300));
    await edge.kill9();

    // 4. the edge comes back while the hub is still down, and reads on
    edge = await startEdge();
    await waitFor(() => sim.clients > 0, 'the edge to reconnect to the scanner');
    sim.resume();
    await emittedAtLeast(sim.emitted.length + 40);

    // 5. the hub comes back; the edge replays
    hub = await startHub();
    await emittedAtLeast(sim.emitted.length + 100);

    // 6. the hub dies again mid-stream and comes straight back (acks lost in flight → duplicates)
    await hub.kill9();
    hub = await startHub();
    await emittedAtLeast(sim.emitted.length + 100);
    sim.pause();

    // 7. everything the edge received is stored, exactly once
    const expected = sim.emitted.filter((s) => s.valid && s.delivered).map((s) => s.code);
    expect(sim.emitted.filter((s) => !s.delivered)).toEqual([]);
    const token = await login({ url: hubUrl }, 'operator');
    const all = async () => {
      const out: EventDto[] = [];
      let before: number | null = null;
      for (;;) {
        const r = await fetch(`${hubUrl}/api/v1/events?limit=500${before ? `&beforeId=${before}` : ''}`, { headers: { authorization: `Bearer ${token}` } });
        const page = (await r.json()) as { items: EventDto[]; nextBeforeId: number | null };
        out.push(...page.items);
        if (page.nextBeforeId === null) return out.reverse();
        before = page.nextBeforeId;
      }
    };
    const stored = await waitFor(async () => {
      const s = await all();
      return s.length >= expected.length ? s : null;
    }, `${expected.length} stored events`, 60_000);

    const seqs = stored.map((e) => e.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(expected.map((_, i) => i + 1));
    expect(stored.map((e) => e.data.code).sort()).toEqual([...expected].sort());
    // in seq order, the codes are in the order the scanner sent them
    expect([...stored].sort((a, b) => a.seq - b.seq).map((e) => e.data.code)).toEqual(expected);

    // 8. graceful stop of both
    expect(await edge.stop()).toBe(0);
    expect(await hub.stop()).toBe(0);
  }, 240_000);
});
