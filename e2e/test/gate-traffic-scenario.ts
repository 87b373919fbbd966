import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { Note, Passage } from '@cjp/contracts';
import { parseEdgeConfig, startEdgeAgent, type EdgeAgent } from '@cjp/edge';
import {
  anyFreePort,
  GATE_EDGE_ID,
  GATE_EDGE_PASSWORD,
  gateEdgeConfigYaml,
  HubGateClient,
  runScenario,
  scenarioSchema,
  startGateDevices,
  type GateDevices,
  type ScenarioRun,
  type TruckEvent,
} from '@cjp/simulators';
import type { BarrierCommandEvent } from '@cjp/simulators/plc';
import { login, waitFor, type TestHub } from '../../test-support/hub.js';
import { TMP } from '../../test-support/paths.js';

/**
 * The customs gate end to end, every part real: scenario trucks with their paperwork declared
 * through the hub's REST API drive onto two lanes; the simulated weighbridges (TCP), e-tag readers
 * (MQTT JSON), cameras (HTTP) and PLC (OPC UA) feed the gate edge; the hub decides; the barrier
 * opens on the PLC and the release note becomes "passed", or the truck is held with its reason on
 * the LED and an officer releases it.
 */
export function describeGateTraffic(name: string, startHub: () => Promise<TestHub>, topicPrefix = 'cjp/v1'): void {
  describe(name, () => {
    let hub: TestHub;
    let devices: GateDevices;
    let edge: EdgeAgent;
    let run: ScenarioRun;
    let client: HubGateClient;
    const tokens: Record<string, string> = {};
    const dir = mkdtempSync(join(TMP, 'e2e-gate-traffic-'));
    const barrier: BarrierCommandEvent[] = [];
    const led: Array<{ lane: string; text: string; at: number }> = [];
    const passed: TruckEvent[] = [];
    const errors: Error[] = [];

    const api = async <T>(who: string, method: string, path: string, body?: unknown): Promise<T> => {
      const r = await fetch(`${hub.url}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${tokens[who]}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
      return (await r.json()) as T;
    };
    /** the gate's passage for a truck that has left: the newest decided one of its plate on its lane */
    const passageOf = async (t: TruckEvent) =>
      (await api<{ items: Passage[] }>('gate_officer', 'GET', `/gate/passages?laneId=${t.lane}&vehicleNo=${encodeURIComponent(t.plate)}`)).items.find((p) => p.decisions.length > 0) ?? null;

    beforeAll(async () => {
      hub = await startHub();
      for (const u of ['gate_officer', 'customs']) tokens[u] = await login(hub, u);
      const scenario = scenarioSchema.parse({
        name: 'e2e-gate',
        seed: 7,
        speed: 5,
        lanes: [
          { id: 'gate-in-1', direction: 'in' },
          { id: 'gate-out-1', direction: 'out' },
        ],
        trucks: { every: '2s', standFor: '8s', driveFor: '4s' },
        cases: { ok: 3, overweight: 2, wrongContainer: 1, multiVehicle: 1 },
      });
      const edgeHttpPort = await anyFreePort('127.0.0.1');
      devices = await startGateDevices({ scenario, dataDir: dir, edgeHttpPort, logger: pino({ level: 'silent' }), barrier: { travelMs: 300, autoCloseMs: 2000 } });
      devices.plc.simulator.on('barrier-command', (c) => barrier.push(c));
      devices.plc.simulator.on('led', (l) => led.push({ ...l, at: Date.now() }));
      const yaml = gateEdgeConfigYaml({
        site: 'cjp',
        broker: { url: hub.mqttUrl, username: GATE_EDGE_ID, password: GATE_EDGE_PASSWORD, topicPrefix },
        outboxPath: join(dir, 'outbox.sqlite'),
        httpPort: edgeHttpPort,
        pkiDir: join(dir, 'edge-pki'),
        gate: devices,
      });
      edge = await startEdgeAgent(parseEdgeConfig(parseYaml(yaml), dir), { logger: pino({ level: 'silent' }) });
      await waitFor(() => edge.health().devices.every((d) => d.state === 'connected'), 'every gate device connected', 60_000);
      await waitFor(async () => {
        const e = (await api<{ items: Array<{ edgeId: string; online: boolean; status: { devices: unknown[] } | null }> }>('gate_officer', 'GET', '/edges')).items.find((x) => x.edgeId === GATE_EDGE_ID);
        return e?.online && (e.status?.devices.length ?? 0) === 10;
      }, 'gate-1 online at the hub with its devices');

      client = new HubGateClient({ url: hub.url, retry: { maxWaitMs: 10_000 } });
      run = runScenario(scenario, { lanes: devices.scenarioLanes, plc: devices.plc }, { declarer: client });
      run.on('passed', (t) => passed.push(t));
      run.on('error', (e) => errors.push(e));
      // enough traffic to have released and held trucks on both lanes
      await waitFor(
        () => passed.length >= 6 && passed.some((t) => t.expected === 'release') && passed.some((t) => t.expected === 'hold') && new Set(passed.map((t) => t.lane)).size === 2,
        'six trucks through the gate, released and held ones among them',
        150_000,
        200,
      );
      await run.stop();
    }, 240_000);

    afterAll(async () => {
      await run?.stop();
      client?.close();
      await edge?.close();
      await devices?.close();
      await hub?.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    it('decides every truck as its case expects, with the reason a customs officer would expect', async () => {
      expect(errors).toEqual([]);
      for (const t of passed) {
        const p = await waitFor(() => passageOf(t), `the passage of truck ${t.n} (${t.plate}, ${t.case})`);
        const d = p.decisions[0]!;
        expect({ truck: t.n, case: t.case, outcome: d.outcome }).toEqual({ truck: t.n, case: t.case, outcome: t.expected });
        if (t.expectedReason) expect(p.holdReasons, `truck ${t.n} (${t.case})`).toContain(t.expectedReason);
        if (t.passportNo) expect(p.passportNo).toBe(t.passportNo);
      }
    });

    it('a released truck: the barrier opened on the PLC, the LED greeted it, its note passed with the weighed weight', async () => {
      const t = passed.find((x) => x.expected === 'release' && x.case === 'ok')!;
      expect(t).toBeDefined();
      const p = (await passageOf(t))!;
      expect(p.state).toBe('released');
      expect(p.decisions[0]!.rules.filter((r) => r.result === 'fail')).toEqual([]);
      // executed on the PLC over OPC UA, after the decision
      const decidedAt = Date.parse(p.decidedAt!);
      expect(barrier.some((b) => b.lane === t.lane && b.action === 'open' && b.accepted && b.at >= decidedAt - 1000)).toBe(true);
      expect(led.some((l) => l.lane === t.lane && l.text === `放行 ${t.plate}`)).toBe(true);
      const note = await api<Note>('customs', 'GET', `/gate/release-notes/${t.passportNo}`);
      expect(note.status).toBe('passed');
      expect(note.transitions.at(-1)).toMatchObject({ from: 'approved', to: 'passed', actor: 'gate', passageId: p.id });
      expect(note.vehicles[0]!.passCollectWt).toBe(p.weighedKg);
      expect(Number(p.weighedKg)).toBe(t.grossKg);
    });

    it('a held truck: the barrier stayed shut, the LED shows the reason in Chinese; an officer releases it and the PLC opens', async () => {
      const t = passed.find((x) => x.case === 'overweight') ?? passed.find((x) => x.expected === 'hold' && x.passportNo)!;
      expect(t).toBeDefined();
      const p = (await passageOf(t))!;
      expect(p.state).toBe('held');
      const decidedAt = Date.parse(p.decidedAt!);
      const text = `请停车 ${p.holdReasons.join(' ')}`;
      expect(led.some((l) => l.lane === t.lane && l.text === text && l.at >= decidedAt - 1000)).toBe(true);
      // no open for this lane between the decision and the next truck's decision there
      const next = passed.find((x) => x.lane === t.lane && x.n > t.n);
      const nextDecided = next ? Date.parse((await passageOf(next))!.decidedAt!) : Infinity;
      expect(barrier.filter((b) => b.lane === t.lane && b.action === 'open' && b.at >= decidedAt && b.at < nextDecided - 1000)).toEqual([]);
      const note = await api<Note>('customs', 'GET', `/gate/release-notes/${t.passportNo}`);
      expect(note.status).toBe('approved');

      const opensBefore = barrier.filter((b) => b.lane === t.lane && b.action === 'open').length;
      const resolved = await api<Passage>('gate_officer', 'POST', `/gate/passages/${p.id}/resolve`, { action: 'release', reason: '复核称重无误 re-weighed by hand' });
      expect(resolved.state).toBe('released');
      await waitFor(() => barrier.filter((b) => b.lane === t.lane && b.action === 'open').length > opensBefore, 'the PLC opens the barrier for the officer');
      await waitFor(() => led.some((l) => l.lane === t.lane && l.text === '人工放行'), 'manual release on the LED');
      const after = await api<Note>('customs', 'GET', `/gate/release-notes/${t.passportNo}`);
      expect(after.status).toBe('passed');
      expect(after.transitions.at(-1)).toMatchObject({ to: 'passed', actor: 'gate_officer', reason: '复核称重无误 re-weighed by hand' });
    });
  });
}
