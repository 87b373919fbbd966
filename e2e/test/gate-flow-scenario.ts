import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { io as ioClient, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { GATE_EVENTS, type CommandDto, type Decision, type Note, type Passage } from '@cjp/contracts';
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
  type GateCase,
  type GateDevices,
  type ScenarioRun,
  type SentFrame,
  type TruckEvent,
} from '@cjp/simulators';
import type { BarrierCommandEvent } from '@cjp/simulators/plc';
import { login, waitFor, type TestHub } from '../../test-support/hub.js';
import { TMP } from '../../test-support/paths.js';

const LANES = ['gate-in-1', 'gate-out-1'] as const;

/**
 * A small, repeatable day at the gate. The scenario draws each lane's trucks from the seed alone
 * (one stream per lane, whatever the clock does), so seed 205 with this mix always plays, first:
 * gate-in-1: ok, then a 一票多车 note's two trucks; gate-out-1: wrong container, ok, overweight
 * (PLANNED). At speed 10 a truck takes about 5 s of real time on its lane.
 */
const SCENARIO = {
  name: 'e2e-gate-flow',
  seed: 205,
  speed: 10,
  lanes: [
    { id: 'gate-in-1', direction: 'in' },
    { id: 'gate-out-1', direction: 'out' },
  ],
  // back to back; 2 s (real) at rest on the scale, 0.6 s driving on and off
  trucks: { every: '1s', standFor: '20s', driveFor: '6s' },
  cases: { ok: 2, overweight: 1, wrongContainer: 1, multiVehicle: 1 },
} as const;
const PLANNED: Record<(typeof LANES)[number], GateCase[]> = {
  'gate-in-1': ['ok', 'multiVehicle', 'multiVehicle'],
  'gate-out-1': ['wrongContainer', 'ok', 'overweight'],
};
/** the rule each held case fails, and nothing else */
const FAILS: Partial<Record<GateCase, string>> = { overweight: 'weight', wrongContainer: 'containers' };
const OFFICER_REASON = '复核: 超重为包装材料, 人工放行 re-checked by hand';

/**
 * The customs gate end to end, in one process and every part real: scenario trucks (paperwork
 * declared through the hub's REST API) drive onto two lanes; the simulated weighbridges (TCP),
 * e-tag readers (MQTT JSON), cameras (HTTP) and PLC (OPC UA) feed the gate edge; the edge reports
 * to the hub over MQTT; the hub decides and sends the barrier and LED commands back, which the
 * edge executes on the PLC. Checked where a user would notice it: the barrier and LED at the PLC,
 * the passage and the release note at the hub's API, the officers' screens (socket.io /gate).
 */
export function describeGateFlow(name: string, startHub: () => Promise<TestHub>, topicPrefix = 'cjp/v1'): void {
  describe(name, () => {
    let hub: TestHub;
    let devices: GateDevices;
    let edge: EdgeAgent;
    let run: ScenarioRun;
    let client: HubGateClient;
    let screen: Socket;
    const tokens: Record<string, string> = {};
    const dir = mkdtempSync(join(TMP, 'e2e-gate-flow-'));
    /** what the PLC itself took over OPC UA */
    const barrier: BarrierCommandEvent[] = [];
    const led: Array<{ lane: string; text: string; at: number }> = [];
    /** what the officers' screens were sent */
    const screenPassages: Passage[] = [];
    const screenNotes: Note[] = [];
    const passed: TruckEvent[] = [];
    /** real time (Date.now) each truck arrived at its lane, by truck number */
    const arrivedAt = new Map<number, number>();
    const arrived: TruckEvent[] = [];
    const errors: Error[] = [];
    /** per lane, Date.now() of the last frame with a load on the scale */
    const lastLoad = new Map<string, number>();

    const api = async <T>(who: string, method: string, path: string, body?: unknown): Promise<T> => {
      const r = await fetch(`${hub.url}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${tokens[who]}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
      return (await r.json()) as T;
    };
    const noteOf = (passportNo: string) => api<Note>('customs', 'GET', `/gate/release-notes/${encodeURIComponent(passportNo)}`);
    /** a truck's passage: its plate's decided one on its lane, opened after the truck came */
    const passageOf = (t: TruckEvent) =>
      waitFor(
        async () =>
          (await api<{ items: Passage[] }>('gate_officer', 'GET', `/gate/passages?laneId=${t.lane}&vehicleNo=${encodeURIComponent(t.plate)}`)).items.find(
            (p) => p.decisions.length > 0 && Date.parse(p.openedAt) >= arrivedAt.get(t.n)!,
          ),
        `the passage of truck ${t.n} (${t.plate}, ${t.case}) on ${t.lane}`,
      );
    const gateDecision = (p: Passage) => p.decisions.find((d) => d.by === 'gate')!;
    /** the device commands a decision sent, once the edge answered each */
    const commandsOf = async (d: Decision) => {
      expect(d.commandIds.filter((id) => id.startsWith('not-sent')), 'commands the hub could not send').toEqual([]);
      return Promise.all(
        d.commandIds.map((id) =>
          waitFor(async () => {
            const c = await api<CommandDto>('gate_officer', 'GET', `/commands/${encodeURIComponent(id)}`);
            return c.state === 'sent' ? null : c;
          }, `the edge's answer to command ${id}`),
        ),
      );
    };
    /** the real time the next truck came to this truck's lane (what happens after is not this truck's) */
    const nextArrival = (t: TruckEvent) => arrivedAt.get(arrived.find((x) => x.lane === t.lane && x.n > t.n)?.n ?? -1) ?? Infinity;
    const opensAt = (lane: string, from: number, to = Infinity) => barrier.filter((b) => b.lane === lane && b.action === 'open' && b.at >= from && b.at < to);
    const vehicleOn = (note: Note, plate: string) => note.vehicles.find((v) => v.vehicleNo === plate)!;

    beforeAll(async () => {
      hub = await startHub();
      for (const u of ['gate_officer', 'customs']) tokens[u] = await login(hub, u);
      screen = ioClient(`${hub.url}/gate`, { auth: { token: tokens.gate_officer }, transports: ['websocket'] });
      screen.on(GATE_EVENTS.passage, (p: Passage) => screenPassages.push(p));
      screen.on(GATE_EVENTS.note, (n: Note) => screenNotes.push(n));
      await new Promise<void>((resolve, reject) => {
        screen.once('connect', () => resolve());
        screen.once('connect_error', reject);
      });

      const scenario = scenarioSchema.parse(SCENARIO);
      const edgeHttpPort = await anyFreePort('127.0.0.1');
      devices = await startGateDevices({ scenario, dataDir: dir, edgeHttpPort, logger: pino({ level: 'silent' }), barrier: { travelMs: 300, autoCloseMs: 2000 } });
      devices.plc.simulator.on('barrier-command', (c) => barrier.push(c));
      devices.plc.simulator.on('led', (l) => led.push({ ...l, at: Date.now() }));
      for (const l of devices.lanes)
        l.weighbridge.on('frame', (f: SentFrame) => {
          if (f.weight !== 0) lastLoad.set(l.id, Date.now());
        });
      const yaml = gateEdgeConfigYaml({
        site: 'cjp',
        broker: { url: hub.mqttUrl, username: GATE_EDGE_ID, password: GATE_EDGE_PASSWORD, topicPrefix },
        outboxPath: join(dir, 'outbox.sqlite'),
        httpPort: edgeHttpPort,
        pkiDir: join(dir, 'edge-pki'),
        gate: devices,
      });
      edge = await startEdgeAgent(parseEdgeConfig(parseYaml(yaml), dir), { logger: pino({ level: 'silent' }) });
      await waitFor(() => edge.health().devices.every((d) => d.state === 'connected'), 'every gate device connected to the edge', 60_000);
      // the hub must see the edge online before it can command the barriers
      await waitFor(async () => {
        const e = (await api<{ items: Array<{ edgeId: string; online: boolean; status: { devices: unknown[] } | null }> }>('gate_officer', 'GET', '/edges')).items.find(
          (x) => x.edgeId === GATE_EDGE_ID,
        );
        return e?.online && (e.status?.devices.length ?? 0) === LANES.length * 5;
      }, 'gate-1 online at the hub with its devices');

      client = new HubGateClient({ url: hub.url, retry: { maxWaitMs: 10_000 } });
      run = runScenario(scenario, { lanes: devices.scenarioLanes, plc: devices.plc }, { declarer: client });
      run.on('truck', (t) => {
        arrivedAt.set(t.n, Date.now());
        arrived.push(t);
      });
      run.on('passed', (t) => passed.push(t));
      run.on('error', (e) => errors.push(e));
      const has = (c: GateCase, lane?: string) => passed.some((t) => t.case === c && (!lane || t.lane === lane));
      await waitFor(
        () =>
          LANES.every((l) => has('ok', l)) &&
          has('overweight') &&
          has('wrongContainer') &&
          passed.some((t) => t.case === 'multiVehicle' && t.noteVehicle?.index === t.noteVehicle?.of),
        'an ok truck on each lane, an overweight one, a wrong container and both trucks of a 一票多车 note through the gate',
        120_000,
        100,
      );
      await run.stop();
      // A truck already on a lane when the run stopped still drives over its scale: let it finish
      // and the gate decide it, so nothing moves the barriers behind the tests' backs.
      await waitFor(() => devices.lanes.every((l) => Date.now() - (lastLoad.get(l.id) ?? 0) > 2500), 'both scales empty', 30_000, 100);
      await waitFor(
        async () =>
          (await api<{ items: Passage[] }>('gate_officer', 'GET', '/gate/passages?state=collecting')).items.every((p) => !p.readings.weights.some((w) => w.trigger === 'stable' && !w.late)),
        'every weighed truck decided',
      );
    }, 180_000);

    afterAll(async () => {
      screen?.close();
      await run?.stop();
      client?.close();
      await edge?.close();
      await devices?.close();
      await hub?.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    it('plays the same trucks for the same seed, their paperwork declared without errors', () => {
      expect(errors).toEqual([]);
      for (const lane of LANES) expect({ lane, cases: passed.filter((t) => t.lane === lane).slice(0, PLANNED[lane].length).map((t) => t.case) }).toEqual({ lane, cases: PLANNED[lane] });
    });

    it('decides every truck as its case expects, from what the lane\'s devices read', async () => {
      expect(passed.length).toBeGreaterThanOrEqual(6);
      for (const t of passed) {
        const p = await passageOf(t);
        const d = gateDecision(p);
        const who = `truck ${t.n} (${t.plate}, ${t.case}) on ${t.lane}`;
        expect({ truck: who, outcome: d.outcome, reasons: d.rules.filter((r) => r.result === 'fail').map((r) => r.reasonZh) }).toEqual({
          truck: who,
          outcome: t.expected,
          reasons: t.expectedReason ? [t.expectedReason] : [],
        });
        expect(p.holdReasons, who).toEqual(t.expectedReason ? [t.expectedReason] : []);
        expect(p.passportNo, who).toBe(t.passportNo);
        expect(p.vehicleNo, who).toBe(t.plate);
        // the readings came from this lane's devices, through the edge
        expect(p.readings.plates.map((x) => [x.plate, x.deviceId]), who).toContainEqual([t.plate, `cam-${t.lane}`]);
        expect(p.readings.etags.map((x) => [x.epc, x.deviceId]), who).toContainEqual([t.epc, `rfid-${t.lane}`]);
        expect(p.readings.containers.map((x) => x.number), who).toEqual(expect.arrayContaining(t.containers.map((c) => c.number)));
        expect(p.readings.weights.filter((w) => w.trigger === 'stable').map((w) => [Number(w.grossKg), w.deviceId]), who).toContainEqual([t.grossKg, `wb-${t.lane}`]);
        expect(Number(p.weighedKg), who).toBe(t.grossKg);
      }
    });

    it('a released truck on each lane: the PLC opened the barrier, the LED greeted it, its note passed with the weighed weight', async () => {
      for (const lane of LANES) {
        const t = passed.find((x) => x.lane === lane && x.case === 'ok')!;
        const who = `truck ${t.n} (${t.plate}) on ${lane}`;
        const p = await passageOf(t);
        const d = gateDecision(p);
        expect(p.state, who).toBe('released');
        expect(d.rules.filter((r) => r.result !== 'pass' && r.result !== 'skip'), who).toEqual([]);
        expect(d.rules.filter((r) => r.result === 'pass').map((r) => r.rule), who).toEqual(expect.arrayContaining(['vehicle', 'note', 'note_status', 'direction', 'weight_stable', 'weight']));

        // the barrier: the hub's command, executed by the edge on the PLC over OPC UA
        const decidedAt = Date.parse(p.decidedAt!);
        const cmds = await commandsOf(d);
        expect(cmds.find((c) => c.deviceId === `barrier-${lane}`), who).toMatchObject({ edgeId: GATE_EDGE_ID, action: 'open', issuedBy: 'gate', state: 'ok' });
        const opens = opensAt(lane, arrivedAt.get(t.n)!, nextArrival(t));
        expect(opens, who).toHaveLength(1);
        expect(opens[0], who).toMatchObject({ via: 'method', accepted: true });
        expect(opens[0]!.at, who).toBeGreaterThanOrEqual(decidedAt);

        // the LED: the pass text with the plate
        expect(d.ledText, who).toContain(t.plate);
        expect(cmds.find((c) => c.deviceId === `led-${lane}`), who).toMatchObject({ action: 'show', args: { text: d.ledText }, state: 'ok' });
        expect(led.filter((l) => l.lane === lane && l.at >= decidedAt && l.at < nextArrival(t)).map((l) => l.text), who).toContain(d.ledText);

        // the note: passed by the gate, with what the weighbridge showed
        const note = await noteOf(t.passportNo!);
        expect(note.status, who).toBe('passed');
        expect(note.transitions.at(-1), who).toMatchObject({ from: 'approved', to: 'passed', actor: 'gate', passageId: p.id });
        const v = vehicleOn(note, t.plate);
        expect(v, who).toMatchObject({ passageId: p.id, passCollectWt: p.weighedKg });
        expect(v.passTime, who).not.toBeNull();
        expect(Number(v.passCollectWt), who).toBe(t.grossKg);
        expect(Number(v.wtError), who).toBe(t.grossKg - Number(v.totalWt));

        // and the officers' screens were told
        expect(screenPassages.some((x) => x.id === p.id && x.state === 'released'), who).toBe(true);
        expect(screenNotes.some((n) => n.passportNo === t.passportNo && n.status === 'passed'), who).toBe(true);
      }
    });

    it('一票多车: both trucks of one note released through the same lane; the note passed after the second', async () => {
      const trucks = passed.filter((t) => t.case === 'multiVehicle').slice(0, 2);
      expect(trucks.map((t) => t.noteVehicle)).toEqual([
        { index: 1, of: 2 },
        { index: 2, of: 2 },
      ]);
      const [first, second] = trucks as [TruckEvent, TruckEvent];
      expect(second.passportNo).toBe(first.passportNo);
      expect(second.lane).toBe(first.lane);
      expect(second.plate).not.toBe(first.plate);
      const passages = [await passageOf(first), await passageOf(second)];
      for (const [i, t] of trucks.entries()) {
        const p = passages[i]!;
        expect(p.state).toBe('released');
        const opens = opensAt(t.lane, arrivedAt.get(t.n)!, nextArrival(t));
        expect(opens, `truck ${t.n}`).toHaveLength(1);
        expect(opens[0]!.at).toBeGreaterThanOrEqual(Date.parse(p.decidedAt!));
      }
      // after the first truck the note still waited for the second (the screens saw it so)
      const between = screenNotes.filter((n) => n.passportNo === first.passportNo && n.vehicles.some((v) => v.passTime));
      expect(between[0]).toMatchObject({ status: 'approved' });
      expect(between[0]!.vehicles.filter((v) => v.passTime).map((v) => v.vehicleNo)).toEqual([first.plate]);

      const note = await noteOf(first.passportNo!);
      expect(note).toMatchObject({ bindTypecd: '3', status: 'passed' });
      expect(note.transitions.filter((x) => x.to === 'passed')).toEqual([expect.objectContaining({ from: 'approved', actor: 'gate', passageId: passages[1]!.id })]);
      for (const [i, t] of trucks.entries()) {
        const v = vehicleOn(note, t.plate);
        expect(v).toMatchObject({ passageId: passages[i]!.id, passCollectWt: passages[i]!.weighedKg });
        expect(Number(v.passCollectWt)).toBe(t.grossKg);
      }
    });

    it('a held truck: the barrier stayed shut, the LED shows its reason in Chinese, the note stays approved', async () => {
      const held = passed.filter((t) => t.expected === 'hold');
      expect(held.map((t) => t.case).sort()).toEqual(expect.arrayContaining(['overweight', 'wrongContainer']));
      for (const t of held) {
        const who = `truck ${t.n} (${t.plate}, ${t.case}) on ${t.lane}`;
        const p = await passageOf(t);
        const d = gateDecision(p);
        expect(p.state, who).toBe('held');
        expect(p.holdReasons, who).toEqual([t.expectedReason]);
        if (FAILS[t.case]) expect(d.rules.filter((r) => r.result === 'fail').map((r) => r.rule), who).toEqual([FAILS[t.case]]);

        // no barrier command for it, none taken by the PLC on its lane while it was there (until the next truck came)
        const decidedAt = Date.parse(p.decidedAt!);
        const cmds = await commandsOf(d);
        expect(cmds.map((c) => c.deviceId), who).toEqual([`led-${t.lane}`]);
        expect(opensAt(t.lane, arrivedAt.get(t.n)!, nextArrival(t)), who).toEqual([]);

        // the reason on the LED, in Chinese
        expect(d.ledText, who).toContain(t.expectedReason);
        expect(cmds[0], who).toMatchObject({ action: 'show', args: { text: d.ledText }, state: 'ok' });
        expect(led.filter((l) => l.lane === t.lane && l.at >= decidedAt && l.at < nextArrival(t)).map((l) => l.text), who).toContain(d.ledText);

        const note = await noteOf(t.passportNo!);
        expect(note.status, who).toBe('approved');
        expect(note.transitions.some((x) => x.to === 'passed'), who).toBe(false);
        expect(vehicleOn(note, t.plate), who).toMatchObject({ passTime: null, passCollectWt: null });
        expect(screenPassages.some((x) => x.id === p.id && x.state === 'held'), who).toBe(true);
      }
    });

    it('an officer releases the held overweight truck: the PLC opens its barrier and the note passes', async () => {
      const t = passed.find((x) => x.case === 'overweight')!;
      const p = await passageOf(t);
      expect(p.state).toBe('held');
      const since = Date.now();
      const resolved = await api<Passage>('gate_officer', 'POST', `/gate/passages/${p.id}/resolve`, { action: 'release', reason: OFFICER_REASON });
      expect(resolved).toMatchObject({ id: p.id, state: 'released', holdReasons: [] });
      expect(resolved.resolutions.at(-1)).toMatchObject({ action: 'release', by: 'gate_officer', reason: OFFICER_REASON });

      // the open reaches the PLC over OPC UA
      const open = await waitFor(() => opensAt(t.lane, since)[0], `the PLC opening ${t.lane}'s barrier for the officer`);
      expect(open).toMatchObject({ via: 'method', accepted: true });
      await waitFor(() => led.some((l) => l.lane === t.lane && l.at >= since && l.text === '人工放行'), 'manual release on the LED');
      const after = await waitFor(async () => {
        const x = await api<Passage>('gate_officer', 'GET', `/gate/passages/${p.id}`);
        return x.decisions.at(-1)!.commandIds.length ? x : null;
      }, 'the officer decision\'s commands recorded');
      const d = after.decisions.at(-1)!;
      expect(d).toMatchObject({ by: 'gate_officer', outcome: 'release', trigger: 'officer' });
      expect((await commandsOf(d)).find((c) => c.deviceId === `barrier-${t.lane}`)).toMatchObject({ action: 'open', issuedBy: 'gate_officer', state: 'ok' });

      const note = await noteOf(t.passportNo!);
      expect(note.status).toBe('passed');
      expect(note.transitions.at(-1)).toMatchObject({ from: 'approved', to: 'passed', actor: 'gate_officer', reason: OFFICER_REASON, passageId: p.id });
      const v = vehicleOn(note, t.plate);
      expect(v).toMatchObject({ passageId: p.id, passCollectWt: p.weighedKg });
      expect(Number(v.passCollectWt)).toBe(t.grossKg);
      expect(Number(v.wtError)).toBeGreaterThan(0);
      await waitFor(() => screenNotes.some((n) => n.passportNo === t.passportNo && n.status === 'passed'), 'the screens told the note passed');
    });
  });
}
