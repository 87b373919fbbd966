/**
 * npm run bench:gate — the customs gate deciding with 8 busy lanes. Prints one JSON line:
 * - p50_ms / p99_ms / max_ms (and n): from the first stable frame of a truck leaving the simulated
 *   weighbridge indicator (written to its TCP socket) to the barrier's open command arriving at
 *   the simulated PLC (OPC UA method call), for released trucks. The path: edge decodes the frame
 *   → outbox → MQTT → hub ingest → gate decision (release note, vehicle, containers, weight) →
 *   command → MQTT → edge → OPC UA → PLC. hold_p50_ms / hold_p99_ms: the same to the hold text
 *   arriving on the lane's LED, for held trucks;
 * - decisions_per_min, released, held over BENCH_SECONDS of traffic (after a warm-up); undecided:
 *   trucks that got neither within 10 s; unexpected: decisions other than the truck's case expects.
 *
 * Every lane plays the Mettler Toledo format, whose frames carry the indicator's stable flag, so
 * the figure measures the system rather than the edge's stability inference (format: "toledo").
 *
 * Runs a real hub (its own process, demo mode, PGlite in memory), the gate edge (its own process,
 * from source, with the launcher's node flags and the launcher's gate YAML for 8 lanes), and in
 * this process the simulated devices (8 weighbridges, e-tag readers, cameras, one PLC) played by
 * the scenario runner: per lane, trucks one after the other, each with its vehicle and approved
 * release note declared through the REST API before it comes, its e-tag, plate and containers
 * read before it stands still. The 6 lanes beyond the demo's two are configured at the hub
 * (PUT /api/v1/gate/lanes/:id). Cases: 90 % ok, 10 % overweight.
 *
 * Env: BENCH_SECONDS (measuring time, 60), BENCH_WARMUP_SECONDS (10), BENCH_LANES (8),
 * BENCH_SPEED (scenario clock speed, 5: a truck takes about 5 s on a lane).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import {
  EDGE_NODE_FLAGS,
  GATE_EDGE_ID,
  GATE_EDGE_PASSWORD,
  gateEdgeConfigYaml,
  HubGateClient,
  HubRequestError,
  runScenario,
  scenarioSchema,
  startGateDevices,
  type GateDevices,
  type TruckEvent,
  type WeighbridgeStableEvent,
} from '@cjp/simulators';
import { percentile, REPO, round, spawnHub, type HubProcess } from './support.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const WARMUP_S = Number(process.env.BENCH_WARMUP_SECONDS ?? 10);
const LANES = Number(process.env.BENCH_LANES ?? 8);
const SPEED = Number(process.env.BENCH_SPEED ?? 5);
/** a truck whose decision has not arrived this long after its stable frame is counted undecided */
const DECISION_TIMEOUT_MS = 10_000;
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
const silent = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const laneIds = Array.from({ length: LANES }, (_, i) => `gate-${i % 2 === 0 ? 'in' : 'out'}-${Math.floor(i / 2) + 1}`);
const scenario = scenarioSchema.parse({
  name: 'bench-gate',
  seed: 20261128,
  speed: SPEED,
  lanes: laneIds.map((id) => ({ id, direction: id.startsWith('gate-in') ? 'in' : 'out' })),
  // Per truck (simulated): e-tag; 2 s later the plate and the scale starts rising (5 s); the
  // containers halfway up; 10 s at rest; 5 s off; 2 s empty. Next truck after ~2 s.
  trucks: { every: '2s', standFor: '10s', driveFor: '5s' },
  cases: { ok: 9, overweight: 1 },
});

async function freePort(): Promise<number> {
  const srv = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => srv.once('listening', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

interface Pending {
  lane: string;
  truck: TruckEvent | undefined;
  hr: bigint;
  at: number;
  decided: boolean;
  measured: boolean;
}

const dir = mkdtempSync(join(tmpdir(), 'cjp-bench-gate-'));
const cleanups: Array<() => Promise<unknown> | unknown> = [() => rmSync(dir, { recursive: true, force: true })];
let exitCode = 0;
try {
  // 1. the hub, and its gate API
  log('starting the hub (PGlite in memory)…');
  const hub: HubProcess = await spawnHub({ HUB_DATA_DIR: 'memory://' });
  cleanups.push(() => hub.stop());
  // the hub's errors, on stderr (the rest of its log is dropped)
  let hubBuf = '';
  let hubErrors = 0;
  hub.child.stdout!.on('data', (d: Buffer) => {
    hubBuf += d.toString();
    for (let i; (i = hubBuf.indexOf('\n')) >= 0; ) {
      const line = hubBuf.slice(0, i);
      hubBuf = hubBuf.slice(i + 1);
      if (!line.includes('"level":5') && !line.includes('"level":6')) continue;
      if (hubErrors++ >= 5) continue;
      try {
        const j = JSON.parse(line) as { msg?: string; url?: string; err?: { message?: string } };
        log(`hub error: ${j.msg ?? ''}${j.err?.message ? `: ${j.err.message}` : ''}${hubErrors === 5 ? ' (further hub errors not shown)' : ''}`);
      } catch {
        log(`hub error: ${line.slice(0, 300)}`);
      }
    }
  });
  const client = new HubGateClient({ url: hub.url, retry: { maxWaitMs: 15_000 }, log: (l) => log(`hub: ${l}`) });
  cleanups.push(() => client.close());
  let existing: Awaited<ReturnType<HubGateClient['lanes']>>;
  try {
    existing = await new HubGateClient({ url: hub.url, retry: { maxWaitMs: 2_000 } }).lanes();
  } catch (err) {
    if (err instanceof HubRequestError && err.noRoute) throw new Error(`the hub has no gate module yet (${err.hubMessage}); nothing to measure`);
    throw err;
  }
  for (const id of laneIds.filter((l) => !existing.some((x) => x.id === l))) {
    const n = id.split('-').at(-1);
    await client.putLane({
      id,
      name: `${id.includes('-in-') ? `${n}号进口 In` : `${n}号出口 Out`} lane ${n}`,
      direction: id.includes('-in-') ? 'in' : 'out',
      edgeId: GATE_EDGE_ID,
      devices: { etag: [`rfid-${id}`], cameras: [`cam-${id}`], weighbridge: `wb-${id}`, barrier: `barrier-${id}`, led: `led-${id}` },
    });
  }
  log(`hub at ${hub.url}: lanes ${laneIds.join(', ')}`);

  // 2. the devices and the gate edge
  const edgeHttpPort = await freePort();
  const devices: GateDevices = await startGateDevices({
    scenario,
    dataDir: dir,
    edgeHttpPort,
    logger: silent,
    weighbridgeFormat: 'toledo',
    framesPerSec: 10,
    barrier: { travelMs: 1500, autoCloseMs: 3000 },
  });
  cleanups.push(() => devices.close());
  const configFile = join(dir, 'edge-gate-1.yaml');
  writeFileSync(
    configFile,
    gateEdgeConfigYaml({
      site: 'cjp',
      broker: { url: hub.mqttUrl, username: GATE_EDGE_ID, password: GATE_EDGE_PASSWORD, topicPrefix: 'cjp/v1' },
      outboxPath: join(dir, 'edge-outbox.sqlite'),
      httpPort: edgeHttpPort,
      pkiDir: join(dir, 'edge-pki'),
      gate: devices,
      logLevel: 'warn',
    }),
  );
  const edgeLines: string[] = [];
  const edge: ChildProcess = spawn(process.execPath, [...EDGE_NODE_FLAGS, '--conditions=source', '--import', 'tsx', join(REPO, 'edge/src/cli.ts'), '--config', configFile], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (d: Buffer) => {
    edgeLines.push(...d.toString().split('\n').filter(Boolean));
    if (edgeLines.length > 40) edgeLines.splice(0, edgeLines.length - 40);
  };
  edge.stdout!.on('data', keep);
  edge.stderr!.on('data', keep);
  cleanups.push(async () => {
    if (edge.exitCode === null && edge.signalCode === null) {
      edge.kill('SIGTERM');
      await new Promise((r) => edge.once('exit', r));
    }
  });
  const wanted = LANES * 5;
  for (const deadline = Date.now() + 90_000; ; await sleep(250)) {
    if (edge.exitCode !== null) throw new Error(`the edge exited (${edge.exitCode}):\n${edgeLines.join('\n')}`);
    if (Date.now() > deadline) throw new Error(`the edge's ${wanted} devices did not all connect within 90 s:\n${edgeLines.join('\n')}`);
    try {
      const h = (await (await fetch(`http://127.0.0.1:${edgeHttpPort}/healthz`)).json()) as { broker?: { state: string }; devices: Array<{ state: string }> };
      if (h.broker?.state === 'connected' && h.devices.length === wanted && h.devices.every((d) => d.state === 'connected')) break;
    } catch {
      /* not up yet */
    }
  }
  log(`edge ${GATE_EDGE_ID} up: ${wanted} devices connected`);

  // 3. what to measure: per lane, the truck's first stable frame → its barrier command (or hold text)
  const currentTruck = new Map<string, TruckEvent>();
  const pending = new Map<string, Pending>();
  const released: number[] = [];
  const held: number[] = [];
  let undecided = 0;
  let unexpected = 0;
  let measuring = false;
  const ms = (p: Pending, hr: bigint) => Number(hr - p.hr) / 1e6;
  const decide = (lane: string, outcome: 'release' | 'hold', hr: bigint) => {
    const p = pending.get(lane);
    if (!p || p.decided) return;
    p.decided = true;
    if (!p.measured) return;
    (outcome === 'release' ? released : held).push(ms(p, hr));
    if (p.truck && p.truck.expected !== outcome) {
      unexpected++;
      log(`truck ${p.truck.n} ${p.truck.plate} on ${lane} (${p.truck.case}): ${outcome}, expected ${p.truck.expected}`);
    }
  };
  devices.lanes.forEach((l) =>
    l.weighbridge.on('stable', (e: WeighbridgeStableEvent) => {
      const before = pending.get(l.id);
      if (before && !before.decided && before.measured) undecided++;
      pending.set(l.id, { lane: l.id, truck: currentTruck.get(l.id), hr: e.hrtime, at: e.at, decided: false, measured: measuring });
    }),
  );
  const plc = devices.plc.simulator;
  plc.on('barrier-command', (e) => {
    if (e.action === 'open') decide(e.lane, 'release', e.hrtime);
  });
  plc.on('led', (e) => {
    // the LED write is announced synchronously as the PLC takes it
    const hr = process.hrtime.bigint();
    if (e.text.startsWith('请停车')) decide(e.lane, 'hold', hr);
  });

  // 4. traffic: warm-up, then the measured window
  const run = runScenario(scenario, { lanes: devices.scenarioLanes, plc: devices.plc }, { declarer: client });
  cleanups.push(() => run.stop());
  let declareErrors = 0;
  run.on('error', (err) => {
    if (declareErrors++ < 5) log(`scenario: ${err.message}${declareErrors === 5 ? ' (further errors not shown)' : ''}`);
  });
  run.on('truck', (t) => currentTruck.set(t.lane, t));
  log(`traffic on ${LANES} lanes; warm-up ${WARMUP_S} s…`);
  await sleep(WARMUP_S * 1000);
  measuring = true;
  const t0 = Date.now();
  log(`measuring for ${SECONDS} s…`);
  for (let s = 0; s < SECONDS; s += 10) {
    await sleep(Math.min(10, SECONDS - s) * 1000);
    log(`  ${Math.min(SECONDS, s + 10)} s: ${released.length} released, ${held.length} held, p99 so far ${round(percentile([...released].sort((a, b) => a - b), 99))} ms`);
  }
  measuring = false;
  const window = (Date.now() - t0) / 1000;
  // the trucks that stood still within the window get their decision
  for (const until = Date.now() + DECISION_TIMEOUT_MS; [...pending.values()].some((p) => p.measured && !p.decided) && Date.now() < until; ) await sleep(100);
  undecided += [...pending.values()].filter((p) => p.measured && !p.decided).length;
  await run.stop();

  const r = [...released].sort((a, b) => a - b);
  const h = [...held].sort((a, b) => a - b);
  process.stdout.write(
    JSON.stringify({
      bench: 'gate',
      lanes: LANES,
      seconds: round(window),
      format: 'toledo',
      stability: 'indicator flag',
      decisions_per_min: round(((r.length + h.length) / window) * 60),
      n: r.length,
      p50_ms: round(percentile(r, 50)),
      p99_ms: round(percentile(r, 99)),
      max_ms: round(r.at(-1) ?? NaN),
      released: r.length,
      held: h.length,
      hold_p50_ms: round(percentile(h, 50)),
      hold_p99_ms: round(percentile(h, 99)),
      undecided,
      unexpected,
      declare_errors: declareErrors,
      hub_errors: hubErrors,
      path: 'indicator stable frame → edge → MQTT → hub decision → MQTT → edge → OPC UA → PLC barrier open',
    }) + '\n',
  );
} catch (err) {
  log(`FAILED: ${(err as Error).message}`);
  exitCode = 1;
} finally {
  for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
}
process.exit(exitCode);
