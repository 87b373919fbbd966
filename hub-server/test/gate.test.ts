import mqtt, { type MqttClient } from 'mqtt';
import { io as ioClient, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { iso6346CheckDigit, topics, type CommandMessage, type EventKind, type Note, type NoteCreate, type Passage, type StatusMessage } from '@cjp/contracts';
import { openDb, parseHubConfig, startHub, type Hub } from '@cjp/hub-server';
import { pino } from 'pino';
import { freshPgliteDir, login, startTestHub, waitFor, type TestHub } from '../../test-support/hub.js';

// The customs gate in a real hub (PGlite, embedded broker); a raw MQTT client plays edge gate-1
// and its lanes' devices (demo lanes gate-in-1 and gate-out-1), and records the commands it gets.

const T = topics('cjp/v1');
const EDGE = 'gate-1';
const IN = 'gate-in-1';
const OUT = 'gate-out-1';
const box = (ten: string) => `${ten}${iso6346CheckDigit(ten)}`;
const GATE_SETTINGS = { containerWaitMs: 400, collectTimeoutMs: 4000 };

const status = (): StatusMessage => ({
  edgeId: EDGE,
  state: 'online',
  ts: new Date().toISOString(),
  devices: [IN, OUT].flatMap((l) => [
    { deviceId: `barrier-${l}`, driver: 'opcua-barrier', state: 'connected' as const, lastReadingAt: null, readings: 0, errors: 0, lastError: null },
    { deviceId: `led-${l}`, driver: 'opcua-led', state: 'connected' as const, lastReadingAt: null, readings: 0, errors: 0, lastError: null },
  ]),
});

interface Received extends CommandMessage {
  device: string;
}

/** The edge's side: publishes readings with its own seq, and collects the commands it is sent. */
class FakeEdge {
  seq = 0;
  readonly commands: Received[] = [];
  private constructor(readonly client: MqttClient) {}

  static async connect(hub: Hub): Promise<FakeEdge> {
    const client = await mqtt.connectAsync(hub.mqttUrl, { username: EDGE, password: 'demo-edge-gate-1', reconnectPeriod: 0, clientId: `${EDGE}-${Math.random().toString(16).slice(2, 8)}` });
    const edge = new FakeEdge(client);
    client.on('message', (topic, payload) => {
      const m = /\/cmd\/([^/]+)$/.exec(topic);
      if (m) edge.commands.push({ ...(JSON.parse(payload.toString()) as CommandMessage), device: decodeURIComponent(m[1]!) });
    });
    await client.subscribeAsync(`${T.edgeRoot('cjp', EDGE)}/cmd/+`, { qos: 1 });
    await client.publishAsync(T.status('cjp', EDGE), JSON.stringify(status()), { qos: 1, retain: true });
    return edge;
  }

  /** One reading; returns its envelope so a test can send it again (a duplicate). */
  async publish(kind: EventKind, deviceId: string, data: Record<string, unknown>, opts: { ts?: Date; seq?: number } = {}): Promise<{ seq: number }> {
    const seq = opts.seq ?? ++this.seq;
    const envelope = { v: 1, edgeId: EDGE, seq, id: `${EDGE}:${seq}`, deviceId, kind, ts: (opts.ts ?? new Date()).toISOString(), data };
    await this.client.publishAsync(T.evt('cjp', EDGE, kind, deviceId), JSON.stringify(envelope), { qos: 1 });
    return { seq };
  }

  plate = (lane: string, plate: string, ts?: Date) => this.publish('plate', `cam-${lane}`, { plate, confidence: 0.96 }, ts ? { ts } : {});
  etag = (lane: string, epc: string) => {
    const now = new Date().toISOString();
    return this.publish('rfid', `rfid-${lane}`, { epc, antenna: 1, rssiDbm: -55, firstSeen: now, lastSeen: now, count: 3, role: 'vehicle', source: 'zebra' });
  };
  container = (lane: string, number: string, position = 'rear') => this.publish('container', `cam-${lane}`, { number, checkDigitValid: number.length === 11 && Number(number[10]) === iso6346CheckDigit(number.slice(0, 10)), position });
  weight = (lane: string, grossKg: string, ts?: Date) =>
    this.publish('weight', `wb-${lane}`, { grossKg, stable: true, stabilitySource: 'indicator', overload: false, trigger: 'stable', format: 'toledo' }, ts ? { ts } : {});
  zero = (lane: string) => this.publish('weight', `wb-${lane}`, { grossKg: '0', stable: true, stabilitySource: 'indicator', overload: false, trigger: 'zero', format: 'toledo' });

  commandsFor = (device: string) => this.commands.filter((c) => c.device === device);
}

describe('customs gate (hub, PGlite, embedded broker)', () => {
  let hub: TestHub;
  let edge: FakeEdge;
  let tokens: Record<'enterprise' | 'customs' | 'gate_officer' | 'admin' | 'operator', string>;
  let feed: Socket;
  const live: Passage[] = [];
  const liveNotes: Note[] = [];
  let plateNo = 0;
  let noteNo = 0;

  async function api<T = unknown>(who: keyof typeof tokens | string, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const token = who in tokens ? tokens[who as keyof typeof tokens] : who;
    const r = await fetch(`${hub.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await r.text();
    return { status: r.status, body: (text && r.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as T };
  }

  /** A fresh plate and e-tag, registered (车辆备案) with a 15 t tractor and 5 t trailer. */
  async function vehicle(): Promise<{ plate: string; epc: string }> {
    plateNo += 1;
    const plate = `青B${String(10000 + plateNo)}`;
    const epc = `E2801160600002080000${String(plateNo).padStart(4, '0')}`;
    const r = await api('customs', 'PUT', '/gate/vehicles', { vehicleNo: plate, vehicleIcNo: epc, vehicleWt: '15000', vehicleFrameWt: '5000' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return { plate, epc };
  }

  /** Declares (as the enterprise) and, unless told otherwise, approves (as customs) a note. */
  async function note(
    vehicles: Array<{ plate: string; epc?: string | null; containers?: string[]; grossKg?: string }>,
    over: Partial<NoteCreate> & { approve?: boolean } = {},
  ): Promise<Note> {
    noteNo += 1;
    const { approve = true, ...rest } = over;
    const body: NoteCreate = {
      passportNo: `Z8601I2611280000${String(noteNo).padStart(8, '0')}`,
      ioTypecd: 'I',
      passportTypecd: '2',
      bindTypecd: vehicles.length > 1 ? '3' : '2',
      vehicles: vehicles.map((v) => ({
        vehicleNo: v.plate,
        vehicleIcNo: v.epc ?? null,
        vehicleWt: '15000',
        vehicleFrameWt: '5000',
        containers: (v.containers ?? []).map((c) => ({ containerNo: c, containerWt: '2200' })),
        totalGrossWt: v.grossKg ?? '18000',
      })),
      ...rest,
    };
    const created = await api<Note>('enterprise', 'POST', '/gate/release-notes', body);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    if (!approve) return created.body;
    const approved = await api<Note>('customs', 'POST', `/gate/release-notes/${body.passportNo}/approve`, {});
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    return approved.body;
  }

  const getNote = async (passportNo: string) => (await api<Note>('customs', 'GET', `/gate/release-notes/${passportNo}`)).body;
  const passages = async (q: string) => (await api<{ items: Passage[] }>('gate_officer', 'GET', `/gate/passages?${q}`)).body.items;
  /** The decided passage of a plate (newest first), once it has its first decision. */
  const decided = (plate: string, state?: Passage['state']) =>
    waitFor(async () => (await passages(`vehicleNo=${encodeURIComponent(plate)}`)).find((p) => p.decisions.length > 0 && (!state || p.state === state)), `a decided passage for ${plate}`);

  beforeAll(async () => {
    hub = await startTestHub({ gate: GATE_SETTINGS });
    const names = ['enterprise', 'customs', 'gate_officer', 'admin', 'operator'] as const;
    tokens = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await login(hub, n)]))) as typeof tokens;
    edge = await FakeEdge.connect(hub);
    feed = ioClient(`${hub.url}/gate`, { auth: { token: tokens.gate_officer }, transports: ['websocket'] });
    feed.on('passage:updated', (p: Passage) => live.push(p));
    feed.on('note:updated', (n: Note) => liveNotes.push(n));
    await new Promise<void>((resolve, reject) => {
      feed.once('connect', () => resolve());
      feed.once('connect_error', reject);
    });
    // the hub knows the edge's devices before any command is due
    await waitFor(async () => (await api<{ items: Array<{ edgeId: string; online: boolean; status: unknown }> }>('operator', 'GET', '/edges')).body.items.some((e) => e.edgeId === EDGE && e.online && e.status), 'edge online');
  });
  afterAll(async () => {
    feed?.close();
    await edge?.client.endAsync();
    await hub?.dispose();
  });

  it('releases a truck whose e-tag, plate, container and weight agree with its approved note: barrier open, pass text, note passed', async () => {
    const v = await vehicle();
    const c = box('CSQU305438');
    const n = await note([{ ...v, containers: [c] }], { rltTbTypecd: '1', rltNos: ['QD8601261128000001'] });
    expect(n.status).toBe('approved');
    expect(n.vehicles[0]!.totalWt).toBe('40200');

    await edge.etag(IN, v.epc);
    await edge.plate(IN, v.plate);
    await edge.container(IN, c);
    await edge.weight(IN, '40350');

    const p = await decided(v.plate);
    expect(p).toMatchObject({ laneId: IN, state: 'released', passportNo: n.passportNo, vehicleIcNo: v.epc, weighedKg: '40350', holdReasons: [] });
    const d = p.decisions[0]!;
    expect(d).toMatchObject({ outcome: 'release', by: 'gate', trigger: 'complete', ledText: `放行 ${v.plate}` });
    expect(d.rules.every((r) => r.result !== 'fail')).toBe(true);
    expect(d.thresholds).toMatchObject({ tolerance: { loaded: { absKg: 500, pct: 3 } } });

    // the barrier opens and the LED shows the pass text, each command once
    await waitFor(() => edge.commandsFor(`barrier-${IN}`).length === 1 && edge.commandsFor(`led-${IN}`).length === 1, 'barrier and LED commands');
    expect(edge.commandsFor(`barrier-${IN}`)[0]).toMatchObject({ action: 'open' });
    expect(edge.commandsFor(`led-${IN}`)[0]).toMatchObject({ action: 'show', args: { text: `放行 ${v.plate}` } });
    await waitFor(async () => (await api<Passage>('gate_officer', 'GET', `/gate/passages/${p.id}`)).body.decisions[0]!.commandIds.length === 2, 'command ids on the decision');
    expect(edge.commandsFor(`barrier-${OUT}`)).toEqual([]);

    // the note passed, with the weighbridge figure and the error, and the transition says who
    const after = await getNote(n.passportNo);
    expect(after).toMatchObject({ status: 'passed', stucd: '2' });
    expect(after.vehicles[0]).toMatchObject({ passCollectWt: '40350', wtError: '150', passageId: p.id, logisticsStucd: '1' });
    expect(after.vehicles[0]!.passTime).not.toBeNull();
    expect(after.transitions.at(-1)).toMatchObject({ from: 'approved', to: 'passed', actor: 'gate', passageId: p.id });
    const state = await api<{ allPassed: boolean; notes: Array<{ passportNo: string; passed: number; vehicles: number }> }>('customs', 'GET', '/gate/checklists/QD8601261128000001/gate-state');
    expect(state.body).toMatchObject({ allPassed: true, notes: [{ passportNo: n.passportNo, passed: 1, vehicles: 1 }] });
    await waitFor(() => live.some((x) => x.id === p.id && x.state === 'released') && liveNotes.some((x) => x.passportNo === n.passportNo && x.status === 'passed'), 'live passage and note');

    // the truck drives off: the scale returns to zero and the passage closes
    await edge.zero(IN);
    await waitFor(async () => (await api<Passage>('gate_officer', 'GET', `/gate/passages/${p.id}`)).body.closeReason === 'left', 'passage closed when the scale is empty');
  });

  it('decides two lanes with overlapping trucks independently: one released, one held for weight', async () => {
    const a = await vehicle();
    const b = await vehicle();
    const na = await note([{ ...a }]);
    const nb = await note([{ ...b }], { ioTypecd: 'E' });
    const barrierOut = edge.commandsFor(`barrier-${OUT}`).length;
    // interleaved: both lanes busy at once
    await edge.plate(IN, a.plate);
    await edge.plate(OUT, b.plate);
    await edge.etag(OUT, b.epc);
    await edge.etag(IN, a.epc);
    await edge.weight(OUT, '45000'); // declared 38000: 7000 over, tolerance 1140
    await edge.weight(IN, '37900');

    const pa = await decided(a.plate);
    const pb = await decided(b.plate);
    expect(pa).toMatchObject({ laneId: IN, state: 'released', passportNo: na.passportNo });
    expect(pb).toMatchObject({ laneId: OUT, state: 'held', passportNo: nb.passportNo, holdReasons: ['重量超差'] });
    const w = pb.decisions[0]!.rules.find((r) => r.rule === 'weight')!;
    expect(w).toMatchObject({ result: 'fail', data: { declaredKg: '38000', weighedKg: '45000', diffKg: '7000', toleranceKg: '1140' } });
    expect(w.detail).toContain('beyond ±1140 kg');
    // the held lane's LED shows the reason in Chinese; its barrier stays shut
    await waitFor(() => edge.commandsFor(`led-${OUT}`).some((c) => c.args.text === '请停车 重量超差'), 'hold text on the out lane');
    expect(edge.commandsFor(`barrier-${OUT}`).length).toBe(barrierOut);
    expect((await getNote(nb.passportNo)).status).toBe('approved');
    expect((await getNote(na.passportNo)).status).toBe('passed');
    await edge.zero(IN);
    await edge.zero(OUT);
  });

  it("a nearby truck's e-tag caught during a passage: the truck on the scale is released, the neighbour gets its own passage", async () => {
    const a = await vehicle();
    const b = await vehicle();
    const na = await note([{ ...a }]);
    const nb = await note([{ ...b }]);
    await edge.etag(IN, a.epc);
    await edge.plate(IN, a.plate);
    await edge.etag(IN, b.epc); // b waits behind a, in the long-range reader's field
    await edge.weight(IN, '38000');
    const pa = await decided(a.plate);
    expect(pa).toMatchObject({ state: 'released', passportNo: na.passportNo, vehicleIcNo: a.epc, holdReasons: [] });
    expect(pa.decisions[0]!.rules.find((r) => r.rule === 'etag_plate')).toMatchObject({ result: 'pass', code: 'agreeNearby', data: { nearby: [b.plate] } });

    // b's tag again while a is still on the scale: b's passage, not a late read of a's
    await edge.etag(IN, b.epc);
    await edge.zero(IN);
    await edge.plate(IN, b.plate);
    await edge.weight(IN, '38000');
    const pb = await decided(b.plate);
    expect(pb.id).not.toBe(pa.id);
    expect(pb).toMatchObject({ state: 'released', passportNo: nb.passportNo, vehicleIcNo: b.epc });
    expect(pb.decisions[0]!.rules.find((r) => r.rule === 'etag_plate')).toMatchObject({ result: 'pass', code: 'agree' });
    const closedA = (await api<Passage>('gate_officer', 'GET', `/gate/passages/${pa.id}`)).body;
    expect(closedA).toMatchObject({ open: false, closeReason: 'left' });
    expect(closedA.readings.plates.map((x) => x.plate)).toEqual([a.plate]);
    await edge.zero(IN);
  });

  it('applies a duplicate reading once and keeps a late one without deciding again', async () => {
    const v = await vehicle();
    const n = await note([{ ...v }]);
    const sent = await edge.plate(IN, v.plate);
    // the edge resends (its ack was lost): same seq, same id
    await edge.publish('plate', `cam-${IN}`, { plate: v.plate, confidence: 0.96 }, { seq: sent.seq });
    await edge.weight(IN, '38000');
    const p = await decided(v.plate);
    expect(p.state).toBe('released');
    // a second camera read of the same truck after the decision: kept as late, no second decision
    await edge.plate(IN, v.plate);
    await waitFor(async () => (await api<Passage>('gate_officer', 'GET', `/gate/passages/${p.id}`)).body.readings.plates.length === 2, 'late read attached');
    const again = (await api<Passage>('gate_officer', 'GET', `/gate/passages/${p.id}`)).body;
    expect(again.readings.plates.map((x) => x.late)).toEqual([false, true]);
    expect(again.decisions).toHaveLength(1);
    expect((await passages(`vehicleNo=${encodeURIComponent(v.plate)}`)).length).toBe(1);
    expect((await getNote(n.passportNo)).transitions.filter((t) => t.to === 'passed')).toHaveLength(1);
    await edge.zero(IN);
  });

  it('never opens a passage on a stale reading, and says why it was ignored', async () => {
    const v = await vehicle();
    await note([{ ...v }]);
    const long = new Date(Date.now() - 10 * 60_000);
    const { seq } = await edge.plate(IN, v.plate, long);
    await waitFor(async () => {
      const r = await hub.db.query<{ reason: string }>('select reason from gate_ignored_readings where event_id = $1', [`${EDGE}:${seq}`]);
      return r.rows[0]?.reason.startsWith('stale');
    }, 'stale reading recorded as ignored');
    expect(await passages(`vehicleNo=${encodeURIComponent(v.plate)}`)).toEqual([]);
  });

  it('starts a new passage for the next truck on the lane, closing the held one that was moved off', async () => {
    const a = await vehicle();
    const b = await vehicle();
    await note([{ ...a }]);
    await note([{ ...b }]);
    await edge.plate(IN, a.plate);
    await edge.weight(IN, '60000'); // far over: held
    const pa = await decided(a.plate, 'held');
    // the held truck is waved aside; the next drives on without the scale going to zero first
    await edge.plate(IN, b.plate);
    await edge.weight(IN, '38100');
    const pb = await decided(b.plate);
    expect(pb.state).toBe('released');
    expect(pb.id).not.toBe(pa.id);
    expect(pb.readings.plates.map((x) => x.plate)).toEqual([b.plate]);
    const closedA = (await api<Passage>('gate_officer', 'GET', `/gate/passages/${pa.id}`)).body;
    expect(closedA).toMatchObject({ state: 'held', open: false, closeReason: 'next_vehicle' });
    await edge.zero(IN);
  });

  describe('bad input gives clear hold reasons', () => {
    it('unknown plate: 无核放单', async () => {
      await edge.plate(IN, '青Z99999');
      await edge.weight(IN, '30000');
      const p = await decided('青Z99999');
      expect(p).toMatchObject({ state: 'held', holdReasons: ['无核放单'], passportNo: null });
      expect(p.decisions[0]!.rules.find((r) => r.rule === 'note')!.detail).toContain('青Z99999');
      await edge.zero(IN);
    });

    it('a note for the other direction: 进出方向不符', async () => {
      const v = await vehicle();
      await note([{ ...v }], { ioTypecd: 'E' });
      await edge.plate(IN, v.plate);
      await edge.weight(IN, '38000');
      expect(await decided(v.plate)).toMatchObject({ state: 'held', holdReasons: ['进出方向不符'] });
      await edge.zero(IN);
    });

    it('a cancelled note: 核放单已作废; a note not yet approved: 核放单未审批', async () => {
      const v = await vehicle();
      const n = await note([{ ...v }]);
      expect((await api<Note>('customs', 'POST', `/gate/release-notes/${n.passportNo}/cancel`, { reason: 'declared twice' })).body.status).toBe('cancelled');
      await edge.plate(IN, v.plate);
      await edge.weight(IN, '38000');
      expect(await decided(v.plate)).toMatchObject({ state: 'held', holdReasons: ['核放单已作废'] });
      await edge.zero(IN);

      const w = await vehicle();
      await note([{ ...w }], { approve: false });
      await edge.plate(IN, w.plate);
      await edge.weight(IN, '38000');
      expect(await decided(w.plate)).toMatchObject({ state: 'held', holdReasons: ['核放单未审批'] });
      await edge.zero(IN);
    });

    it('a malformed container number: 箱号校验错误, and the reading is kept', async () => {
      const v = await vehicle();
      const good = box('TGHU765432');
      await note([{ ...v, containers: [good] }]);
      const wrong = `${good.slice(0, 10)}${(Number(good[10]) + 1) % 10}`;
      await edge.plate(IN, v.plate);
      await edge.container(IN, wrong);
      await edge.container(IN, 'NOT A BOX!');
      await edge.weight(IN, '40200');
      const p = await decided(v.plate);
      expect(p.state).toBe('held');
      expect(p.holdReasons).toEqual(['箱号校验错误', '箱号未识别']);
      expect(p.readings.containers.map((c) => [c.number, c.checkDigitValid])).toEqual([
        [wrong, false],
        ['NOT A BOX!', false],
      ]);
      await edge.zero(IN);
    });

    it('a weight that never settles: decided on the collect timeout as 称重未稳定', async () => {
      const v = await vehicle();
      await note([{ ...v }]);
      await edge.plate(IN, v.plate);
      const p = await decided(v.plate);
      expect(p).toMatchObject({ state: 'held', holdReasons: ['称重未稳定'] });
      expect(p.decisions[0]!.trigger).toBe('timeout');
      await edge.zero(IN);
    });

    it('refuses a note with a malformed body, a duplicate number, or another enterprise\'s tenant', async () => {
      const bad = await api<{ error: { code: string; message: string } }>('enterprise', 'POST', '/gate/release-notes', { passportNo: 'x', ioTypecd: 'I', vehicles: [] });
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('HUB_ERR_VALIDATION');
      const v = await vehicle();
      const n = await note([{ ...v }], { approve: false });
      const dup = await api<{ error: { message: string } }>('enterprise', 'POST', '/gate/release-notes', {
        passportNo: n.passportNo,
        ioTypecd: 'I',
        passportTypecd: '2',
        bindTypecd: '2',
        vehicles: [{ vehicleNo: v.plate, vehicleWt: '15000', totalGrossWt: '1' }],
      });
      expect(dup.status).toBe(409);
      const other = await api('enterprise', 'POST', '/gate/release-notes', {
        passportNo: 'Z8601I261128999999999999',
        tenantId: 'someone-else',
        ioTypecd: 'I',
        passportTypecd: '2',
        bindTypecd: '2',
        vehicles: [{ vehicleNo: v.plate, vehicleWt: '15000', totalGrossWt: '1' }],
      });
      expect(other.status).toBe(403);
    });
  });

  it('一票多车: the note tracks which vehicles passed and completes with the last one', async () => {
    const a = await vehicle();
    const b = await vehicle();
    const n = await note([{ ...a }, { ...b, grossKg: '12000' }], { rltTbTypecd: '1', rltNos: ['QD8601261128000002'] });
    expect(n.bindTypecd).toBe('3');
    await edge.plate(IN, a.plate);
    await edge.weight(IN, '38000');
    await decided(a.plate, 'released');
    let mid = await getNote(n.passportNo);
    expect(mid.status).toBe('approved');
    expect(mid.vehicles.map((x) => x.passTime !== null)).toEqual([true, false]);
    let gs = (await api<{ allPassed: boolean; notes: Array<{ passed: number; vehicles: number }> }>('customs', 'GET', '/gate/checklists/QD8601261128000002/gate-state')).body;
    expect(gs).toMatchObject({ allPassed: false, notes: [{ passed: 1, vehicles: 2 }] });
    // the first truck cannot come through again on the same note
    await edge.zero(IN);
    await edge.plate(IN, a.plate);
    await edge.weight(IN, '38000');
    await waitFor(async () => (await passages(`vehicleNo=${encodeURIComponent(a.plate)}`)).find((p) => p.state === 'held'), 'second pass of the same vehicle held');
    await edge.zero(IN);

    await edge.plate(IN, b.plate);
    await edge.weight(IN, '32000');
    await decided(b.plate, 'released');
    mid = await getNote(n.passportNo);
    expect(mid.status).toBe('passed');
    expect(mid.vehicles.map((x) => x.passCollectWt)).toEqual(['38000', '32000']);
    gs = (await api<{ allPassed: boolean; notes: Array<{ passed: number; vehicles: number }> }>('customs', 'GET', '/gate/checklists/QD8601261128000002/gate-state')).body;
    expect(gs).toMatchObject({ allPassed: true, notes: [{ passed: 2, vehicles: 2 }] });
    await edge.zero(IN);
  });

  describe('officers resolve held passages', () => {
    async function heldTruck(): Promise<{ v: { plate: string; epc: string }; n: Note; p: Passage }> {
      const v = await vehicle();
      const n = await note([{ ...v }], { ioTypecd: 'E' });
      await edge.plate(OUT, v.plate);
      await edge.weight(OUT, '50000');
      return { v, n, p: await decided(v.plate, 'held') };
    }
    const resolve = (who: string, id: string, action: string, reason = 'checked at the lane') => api<Passage>(who, 'POST', `/gate/passages/${id}/resolve`, { action, reason });

    it('release manually: barrier opens, the note passes, the officer and reason are recorded', async () => {
      const { n, p } = await heldTruck();
      const before = edge.commandsFor(`barrier-${OUT}`).length;
      expect((await resolve('enterprise', p.id, 'release')).status).toBe(403);
      expect((await api('gate_officer', 'POST', `/gate/passages/${p.id}/resolve`, { action: 'release' })).status).toBe(400);
      const r = await resolve('gate_officer', p.id, 'release', 'scale 2 t high, verified by hand');
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.state).toBe('released');
      expect(r.body.resolutions).toEqual([expect.objectContaining({ action: 'release', by: 'gate_officer', reason: 'scale 2 t high, verified by hand' })]);
      expect(r.body.decisions.at(-1)).toMatchObject({ by: 'gate_officer', trigger: 'officer', outcome: 'release', ledText: '人工放行' });
      await waitFor(() => edge.commandsFor(`barrier-${OUT}`).length === before + 1, 'barrier opened by the officer');
      // the command log names the officer, not the gate's automatic decision
      const barrierCmd = edge.commandsFor(`barrier-${OUT}`).at(-1)!;
      const logged = await api<{ issuedBy: string; action: string }>('gate_officer', 'GET', `/commands/${barrierCmd.id}`);
      expect(logged.status, JSON.stringify(logged.body)).toBe(200);
      expect(logged.body).toMatchObject({ action: 'open', issuedBy: 'gate_officer' });
      const after = await getNote(n.passportNo);
      expect(after.status).toBe('passed');
      expect(after.transitions.at(-1)).toMatchObject({ to: 'passed', actor: 'gate_officer', reason: 'scale 2 t high, verified by hand' });
      // a second resolve of the same passage is refused
      expect((await resolve('gate_officer', p.id, 'turn_back')).status).toBe(409);
      await edge.zero(OUT);
    });

    it('send to inspection: the note is held; turn back: the note stays approved', async () => {
      const one = await heldTruck();
      const insp = await resolve('customs', one.p.id, 'inspection', 'seal broken');
      expect(insp.body.state).toBe('inspection');
      expect((await getNote(one.n.passportNo)).status).toBe('held');
      await edge.zero(OUT);

      const two = await heldTruck();
      const back = await resolve('gate_officer', two.p.id, 'turn_back', 'wrong truck');
      expect(back.body.state).toBe('turned_back');
      await waitFor(() => edge.commandsFor(`led-${OUT}`).some((c) => c.args.text === '请退回'), 'turn-back text on the LED');
      expect((await getNote(two.n.passportNo)).status).toBe('approved');
      await edge.zero(OUT);
    });

    it('re-collect: the lane reads again and decides anew', async () => {
      const { v, n, p } = await heldTruck();
      const r = await resolve('gate_officer', p.id, 'recollect', 'scale not settled, weigh again');
      expect(r.body.state).toBe('collecting');
      await edge.weight(OUT, '38200');
      const again = await waitFor(async () => {
        const x = (await api<Passage>('gate_officer', 'GET', `/gate/passages/${p.id}`)).body;
        return x.state === 'released' ? x : null;
      }, 'released after re-collect');
      expect(again.weighedKg).toBe('38200');
      expect(again.decisions.map((d) => [d.by, d.outcome])).toEqual([
        ['gate', 'hold'],
        ['gate_officer', 'hold'],
        ['gate', 'release'],
      ]);
      expect((await getNote(n.passportNo)).status).toBe('passed');
      expect(v.plate).toBe(again.vehicleNo);
      await edge.zero(OUT);
    });
  });

  it('history: search by plate, container and note number; CSV export for Excel', async () => {
    const v = await vehicle();
    const c = box('MSKU123456');
    const n = await note([{ ...v, containers: [c] }]);
    await edge.plate(IN, v.plate);
    await edge.container(IN, c);
    await edge.weight(IN, '40200');
    const p = await decided(v.plate);
    expect((await passages(`containerNo=${c}`)).map((x) => x.id)).toEqual([p.id]);
    expect((await passages(`passportNo=${n.passportNo}`)).map((x) => x.id)).toEqual([p.id]);
    expect(await passages(`vehicleNo=${encodeURIComponent(v.plate)}&to=2000-01-01T00:00:00Z`)).toEqual([]);
    const csv = await fetch(`${hub.url}/api/v1/gate/passages.csv?vehicleNo=${encodeURIComponent(v.plate)}`, { headers: { authorization: `Bearer ${tokens.gate_officer}` } });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const bytes = Buffer.from(await csv.arrayBuffer());
    // a UTF-8 byte order mark, so Excel opens the Chinese text right
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = bytes.subarray(3).toString('utf8').trim().split(/\r?\n/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(v.plate);
    expect(lines[1]).toContain(n.passportNo);
    expect(lines[1]).toContain(c);
    await edge.zero(IN);
  });

  it('an enterprise sees only its own release notes and no passages', async () => {
    await hub.db.query(`insert into tenants (tenant_id, name) values ('ent-other', 'Other Co.') on conflict do nothing`);
    await hub.modules.identity.createUser({ username: 'other-ent', password: 'other-pass-1', role: 'enterprise', tenantId: 'ent-other' });
    const other = await login(hub, 'other-ent', 'other-pass-1');
    const v = await vehicle();
    const mine = await note([{ ...v }]);
    expect((await api(other, 'GET', `/gate/release-notes/${mine.passportNo}`)).status).toBe(404);
    expect((await api<{ items: Note[] }>(other, 'GET', '/gate/release-notes')).body.items).toEqual([]);
    expect((await api<{ items: Note[] }>('enterprise', 'GET', '/gate/release-notes?limit=500')).body.items.some((x) => x.passportNo === mine.passportNo)).toBe(true);
    expect((await api(other, 'POST', `/gate/release-notes/${mine.passportNo}/cancel`, { reason: 'not mine' })).status).toBe(404);
    expect((await api(other, 'GET', '/gate/passages')).status).toBe(403);
    expect((await api(other, 'POST', `/gate/release-notes/${mine.passportNo}/approve`, {})).status).toBe(403);
    // the gate feed is for staff
    const s = ioClient(`${hub.url}/gate`, { auth: { token: other }, transports: ['websocket'], reconnection: false });
    const err = await new Promise<Error>((resolve) => s.once('connect_error', resolve));
    s.close();
    expect(err.message).toBe('HUB_ERR_AUTH_FORBIDDEN');
  });
});

describe('customs gate across a hub restart', () => {
  it('resumes from its cursor: a passage collecting before the restart is decided once after it', async () => {
    const data = freshPgliteDir();
    const logger = pino({ level: 'silent' });
    const start = async (ports?: { http: number; mqtt: number }) => {
      const config = parseHubConfig({
        demo: true,
        logLevel: 'silent',
        gate: GATE_SETTINGS,
        http: { host: '127.0.0.1', port: ports?.http ?? 0, uiDir: '/nonexistent' },
        mqtt: { host: '127.0.0.1', port: ports?.mqtt ?? 0 },
        db: { dataDir: data.dir },
      });
      return startHub(config, { logger, db: await openDb({ dataDir: data.dir }) });
    };
    let hub = await start();
    try {
      const token = await login(hub, 'customs');
      const enterprise = await login(hub, 'enterprise');
      const headers = (t: string) => ({ authorization: `Bearer ${t}`, 'content-type': 'application/json' });
      const passportNo = 'Z8601I261128RESTART00001';
      await fetch(`${hub.url}/api/v1/gate/release-notes`, {
        method: 'POST',
        headers: headers(enterprise),
        body: JSON.stringify({ passportNo, ioTypecd: 'I', passportTypecd: '2', bindTypecd: '2', vehicles: [{ vehicleNo: '青B77777', vehicleWt: '15000', vehicleFrameWt: '5000', totalGrossWt: '18000' }] }),
      });
      expect((await fetch(`${hub.url}/api/v1/gate/release-notes/${passportNo}/approve`, { method: 'POST', headers: headers(token), body: '{}' })).status).toBe(200);
      let edge = await FakeEdge.connect(hub);
      await edge.plate(IN, '青B77777');
      await waitFor(async () => (await hub.db.query(`select 1 from gate_passages where vehicle_no = '青B77777' and state = 'collecting'`)).rows.length === 1, 'collecting passage stored');
      const ports = { http: Number(new URL(hub.url).port), mqtt: Number(new URL(hub.mqttUrl).port) };
      await edge.client.endAsync();
      await hub.close();

      hub = await start(ports);
      edge = await FakeEdge.connect(hub);
      edge.seq = 1; // the edge's seq carries on
      await edge.weight(IN, '38000');
      await waitFor(async () => (await hub.db.query(`select 1 from gate_passages where vehicle_no = '青B77777' and state = 'released'`)).rows.length === 1, 'released after the restart');
      await hub.modules.gate.passages.settled();
      const rows = (await hub.db.query<{ decisions: unknown[]; readings: Passage['readings'] }>(`select decisions, readings from gate_passages where vehicle_no = '青B77777'`)).rows;
      expect(rows).toHaveLength(1);
      expect(rows[0]!.decisions).toHaveLength(1);
      expect(rows[0]!.readings.plates).toHaveLength(1);
      expect(rows[0]!.readings.weights).toHaveLength(1);
      const n = await hub.modules.gate.notes.get(null, passportNo);
      expect(n?.status).toBe('passed');
      expect(n?.transitions.filter((t: { to: string }) => t.to === 'passed')).toHaveLength(1);
      // the pass is published once, for the account book, in the core event log (gate.notePassed)
      const published = await hub.db.query<{ payload: { passportNo: string; complete: boolean } }>(`select payload from core_events where topic = 'gate.notePassed' and key = $1`, [passportNo]);
      expect(published.rows.map((r) => r.payload)).toEqual([expect.objectContaining({ passportNo, complete: true })]);
      // the cursor is at the last event: nothing is applied twice by another restart
      const cursor = (await hub.db.query<{ pos: number }>(`select pos from core_consumer_cursors where consumer = 'gate' and feed = 'devices.events'`)).rows[0]!.pos;
      const max = (await hub.db.query<{ m: number }>('select max(pos)::int as m from events')).rows[0]!.m;
      expect(Number(cursor)).toBe(max);
      await edge.client.endAsync();
    } finally {
      await hub.close();
      data.remove();
    }
  });
});
