import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_TOPIC_PREFIX, ROLES } from '@cjp/contracts';
import { pino } from 'pino';
import { startScannerSimulator, type ScannerSimulator } from '../scanner/scanner-simulator.js';
import { loadScenario, runScenario, type Scenario, type ScenarioRun, type TruckEvent } from '../scenario/scenario.js';
import { anyFreePort } from './free-port.js';
import { GATE_EDGE_ID, GATE_EDGE_PASSWORD, gateEdgeConfigYaml, startGateDevices, type GateDevices } from './gate.js';
import { edgeConfigYaml } from './edge-config.js';
import { HealthzTimeoutError, waitForHealthz } from './healthz.js';
import { HubGateClient } from './hub-gate-client.js';
import { DEMO_EDGE_ID, DEMO_SITE, LaunchError, planLaunch, type LaunchPlan } from './launch-plan.js';
import { prettifyLogLine } from './log-prettify.js';
import { spawnManagedChild, type ChildExit, type ManagedChild } from './managed-child.js';

export const DEMO_PASSWORD = 'cjp-demo';
/**
 * Node flags for edge agents: a small young generation and one V8 worker thread take ~20 MB off
 * an edge's resident memory (npm run bench:edge); the edge is I/O-bound, so the GC cost is nil.
 */
export const EDGE_NODE_FLAGS = ['--max-semi-space-size=1', '--v8-pool-size=1'];
const SCANNER_DEVICE_ID = 'scanner-1';
const SCANNER_SUFFIX = '\r\n';

export interface LauncherOptions {
  /** The monorepo root (holds hub-server/, edge/, data/). */
  repoRoot: string;
  /** The user's environment; process.env by default. */
  env?: NodeJS.ProcessEnv;
  /** Where human-readable output goes, one line per call; stdout by default. */
  out?: (line: string) => void;
  /** Overrides <repo>/hub-server/dist/main.js. */
  hubEntry?: string;
  /** Overrides <repo>/edge/dist/cli.js. */
  edgeEntry?: string;
  /** The node binary for the children; this one by default. */
  nodePath?: string;
  /** Port the embedded broker gets when free and the user chose none; 1883 by default. */
  preferredMqttPort?: number;
  /** How long the hub has to answer /healthz; 120 s by default. */
  healthzTimeoutMs?: number;
  /** How long a child has to exit after SIGTERM before SIGKILL; 10 s by default. */
  stopGraceMs?: number;
  /** Zone of the time column in children's log lines; the machine's by default. */
  timeZone?: string;
}

export interface LaunchInfo {
  uiUrl: string;
  httpPort: number;
  mqttUrl: string;
  mqttPort?: number;
  scannerPort: number;
  scannerSeed: number;
  edgeConfigPath: string;
  /** the gate edge's config, when the gate runs */
  gateEdgeConfigPath?: string;
  gateEdgeHttpPort?: number;
  dataDir: string;
}

export interface Launcher {
  /** Resolves when hub, scanner and edge run and the banner is printed; rejects if start-up fails. */
  readonly ready: Promise<LaunchInfo>;
  /** The process exit code: 0 after stop(), 1 after a failure. */
  readonly exited: Promise<number>;
  /** The in-process scanner simulator, once started. */
  readonly scanner: ScannerSimulator | undefined;
  /** The in-process gate devices and the scenario playing them, once started (CJP_GATE=0: never). */
  readonly gate: { devices: GateDevices; run: ScenarioRun } | undefined;
  /** Stops simulator, edge, then hub, each waited for; resolves with the exit code. */
  stop(): Promise<number>;
  /** Sends a signal to every child still running (last resort, e.g. a second Ctrl-C). */
  kill(signal?: NodeJS.Signals): void;
}

/**
 * Starts the whole center on this machine as child processes: the hub (embedded database and
 * broker unless told otherwise), the scanner simulator in-process, and one edge agent reading it.
 */
export function startLauncher(options: LauncherOptions): Launcher {
  const env = options.env ?? process.env;
  const out = options.out ?? ((line: string) => process.stdout.write(line + '\n'));
  const node = options.nodePath ?? process.execPath;
  const say = (line: string) => out(`[launcher] ${line}`);
  const pretty = (line: string) => prettifyLogLine(line, options.timeZone ? { timeZone: options.timeZone } : {});

  let hub: ManagedChild | undefined;
  let edge: ManagedChild | undefined;
  let scanner: ScannerSimulator | undefined;
  let gateEdge: ManagedChild | undefined;
  let gate: { devices: GateDevices; run: ScenarioRun } | undefined;
  let hubClient: HubGateClient | undefined;
  let shutdown: Promise<number> | undefined;
  const startup = new AbortController();
  let resolveExited!: (code: number) => void;
  const exited = new Promise<number>((resolve) => (resolveExited = resolve));

  const spawnChild = (name: string, args: string[], childEnv: NodeJS.ProcessEnv, cwd: string) => {
    const child = spawnManagedChild({
      name,
      command: node,
      args,
      env: childEnv,
      cwd,
      onLine: (line) => out(`[${name}] ${pretty(line)}`),
    });
    void child.exited.then((exit) => {
      if (!shutdown) void fail(`${name} exited unexpectedly (${describeExit(exit)})`, child);
    });
    return child;
  };

  const shutDown = (code: number): Promise<number> => {
    shutdown ??= (async () => {
      startup.abort(new Error('shutting down'));
      hubClient?.close();
      if (gate) {
        await gate.run.stop();
        await gate.devices.close();
        say(`gate simulators stopped after ${gate.run.trucks.length} trucks`);
      }
      if (scanner) {
        await scanner.close();
        say(`scanner simulator stopped after ${scanner.stats.emitted} lines`);
      }
      for (const child of [gateEdge, edge, hub]) {
        if (!child || child.exit) continue;
        say(`stopping ${child.name}…`);
        const exit = await child.stop(options.stopGraceMs ?? 10_000);
        say(`${child.name} stopped (${describeExit(exit)})`);
      }
      resolveExited(code);
      return code;
    })();
    return shutdown;
  };

  const fail = (message: string, child?: ManagedChild): Promise<number> => {
    if (shutdown) return shutdown;
    say(`ERROR: ${message}`);
    const lines = child?.recentLines() ?? [];
    if (lines.length > 0) {
      say(`last lines of ${child?.name}:`);
      for (const line of lines.slice(-15)) out(`    ${pretty(line)}`);
    }
    return shutDown(1);
  };

  const run = async (): Promise<LaunchInfo> => {
    const plan = await planLaunch({
      repoRoot: options.repoRoot,
      env,
      ...(options.hubEntry ? { hubEntry: options.hubEntry } : {}),
      ...(options.edgeEntry ? { edgeEntry: options.edgeEntry } : {}),
      ...(options.preferredMqttPort !== undefined ? { preferredMqttPort: options.preferredMqttPort } : {}),
    });
    if (plan.mqtt.fallbackFrom !== undefined) {
      say(`*** port ${plan.mqtt.fallbackFrom} is already in use (another MQTT broker on this machine?) ***`);
      say(`*** the hub's embedded MQTT broker will listen on port ${plan.mqtt.port} instead (set MQTT_PORT to choose) ***`);
    }
    await mkdir(plan.dataDir, { recursive: true });
    if (!env.HUB_DATA_DIR) await mkdir(plan.hub.dataDir, { recursive: true });

    // 1. the hub, until it answers /healthz
    say(`starting the hub on port ${plan.hub.httpPort}…`);
    hub = spawnChild('hub', [plan.hub.entry], plan.hub.env, plan.repoRoot);
    try {
      await waitForHealthz(plan.hub.healthzUrl, { timeoutMs: options.healthzTimeoutMs ?? 120_000, signal: startup.signal });
    } catch (err) {
      if (err instanceof HealthzTimeoutError) await fail(`the hub did not become healthy: ${err.message}`, hub);
      throw err;
    }
    say(`hub is up at ${plan.hub.uiUrl}`);

    // 2. the scanner
    const sim = await startScannerSimulator({ host: '127.0.0.1', port: 0, ratePerSec: plan.scanRatePerSec, maxEmitted: 1000 });
    if (startup.signal.aborted) {
      await sim.close();
      throw startup.signal.reason;
    }
    scanner = sim;
    scanner.on('clients', (n) => out(`[scanner] ${n} client(s) connected`));
    say(`scanner simulator on tcp://127.0.0.1:${scanner.port} (${plan.scanRatePerSec} scan/s, seed ${scanner.seed})`);

    // 3. the edge
    await writeEdgeConfig(plan, scanner.port);
    // A stop during the await above must not leave an edge behind.
    startup.signal.throwIfAborted();
    edge = spawnChild(`edge ${DEMO_EDGE_ID}`, [...EDGE_NODE_FLAGS, plan.edge.entry, '--config', plan.edge.configPath], plan.edge.env, plan.repoRoot);

    // 4. the customs gate: its simulated devices, the gate edge, and the traffic scenario
    let gateInfo: { configPath: string; httpPort: number } | undefined;
    if (env.CJP_GATE !== '0') {
      const scenario = gateScenario(plan.repoRoot, env);
      const httpPort = await anyFreePort('127.0.0.1');
      const simLog = pino({ level: env.CJP_SIM_LOG_LEVEL ?? 'warn' }, { write: (line: string) => out(`[gate sim] ${pretty(line.trimEnd())}`) });
      const devices = await startGateDevices({ scenario, dataDir: plan.dataDir, edgeHttpPort: httpPort, logger: simLog });
      if (startup.signal.aborted) {
        await devices.close();
        throw startup.signal.reason;
      }
      const configPath = path.join(plan.dataDir, 'launcher', `edge-${GATE_EDGE_ID}.yaml`);
      const yaml = gateEdgeConfigYaml({
        site: DEMO_SITE,
        broker: {
          url: plan.mqtt.url,
          username: GATE_EDGE_ID,
          password: (plan.mqtt.external && env.GATE_EDGE_MQTT_PASSWORD) || GATE_EDGE_PASSWORD,
          topicPrefix: DEFAULT_TOPIC_PREFIX,
        },
        outboxPath: path.join(plan.dataDir, `edge-${GATE_EDGE_ID}`, 'outbox.sqlite'),
        httpPort,
        pkiDir: path.join(plan.dataDir, `edge-${GATE_EDGE_ID}`, 'opcua-pki'),
        gate: devices,
      });
      await writeFile(configPath, yaml, { mode: 0o600 });
      gateEdge = spawnChild(`edge ${GATE_EDGE_ID}`, [...EDGE_NODE_FLAGS, plan.edge.entry, '--config', configPath], plan.edge.env, plan.repoRoot);
      // Each truck's paperwork (vehicle, release note, approval) goes to the hub's gate API first.
      hubClient = new HubGateClient({ url: `http://127.0.0.1:${plan.hub.httpPort}`, log: (line) => out(`[gate] ${line}`) });
      const client = hubClient;
      const run = runScenario(scenario, { lanes: devices.scenarioLanes, plc: devices.plc }, { declarer: client });
      const arrived = new Map<number, number>();
      run.on('truck', (t) => {
        arrived.set(t.n, Date.now());
        out(`[gate] ${describeTruck(t)}`);
      });
      // Once a truck left, what did the hub decide? (compared with what its case should give)
      run.on('passed', (t) => {
        const since = arrived.get(t.n) ?? Date.now();
        arrived.delete(t.n);
        // (a moment later: at a fast scenario speed the scale's zero reading may still be on its way)
        const check = () =>
          client
            .passages({ laneId: t.lane, from: new Date(since - 5_000).toISOString(), limit: 5 })
            .then((ps) => out(`[gate] truck ${t.n} ${t.plate}: ${compareDecision(t, ps.filter((p) => p.vehicleNo === t.plate || p.vehicleIcNo === t.epc))}`))
            .catch((err: Error) => out(`[gate] truck ${t.n} ${t.plate}: the hub's decision is not known (${err.message})`));
        setTimeout(() => void check(), 2_000).unref();
      });
      run.on('fault', (f) => out(`[gate] fault: ${f.device} ${f.fault}`));
      run.on('error', (err) => out(`[gate] scenario step failed: ${err.message}`));
      gate = { devices, run };
      gateInfo = { configPath, httpPort };
    }

    // 5. the banner
    const info: LaunchInfo = {
      uiUrl: plan.hub.uiUrl,
      httpPort: plan.hub.httpPort,
      mqttUrl: plan.mqtt.url,
      ...(plan.mqtt.port !== undefined ? { mqttPort: plan.mqtt.port } : {}),
      scannerPort: scanner.port,
      scannerSeed: scanner.seed,
      edgeConfigPath: plan.edge.configPath,
      ...(gateInfo ? { gateEdgeConfigPath: gateInfo.configPath, gateEdgeHttpPort: gateInfo.httpPort } : {}),
      dataDir: plan.dataDir,
    };
    for (const line of banner(plan, info, gate?.run.clock.speed)) out(line);
    return info;
  };

  const ready = run().catch(async (err: unknown) => {
    if (!shutdown) await fail(err instanceof LaunchError ? err.message : `start-up failed: ${String(err)}`);
    throw err;
  });
  // Callers may only await `exited`; a failed start-up is already reported through `out`.
  ready.catch(() => {});

  return {
    ready,
    exited,
    get scanner() {
      return scanner;
    },
    get gate() {
      return gate;
    },
    stop: () => shutDown(0),
    kill(signal = 'SIGKILL') {
      for (const child of [gateEdge, edge, hub]) child?.signal(signal);
    },
  };
}

async function writeEdgeConfig(plan: LaunchPlan, scannerPort: number): Promise<void> {
  await mkdir(path.dirname(plan.edge.configPath), { recursive: true });
  await mkdir(path.dirname(plan.edge.outboxPath), { recursive: true });
  const yaml = edgeConfigYaml({
    site: DEMO_SITE,
    edgeId: DEMO_EDGE_ID,
    broker: { ...plan.edge.broker, topicPrefix: DEFAULT_TOPIC_PREFIX },
    outboxPath: plan.edge.outboxPath,
    scanner: { deviceId: SCANNER_DEVICE_ID, host: '127.0.0.1', port: scannerPort, suffix: SCANNER_SUFFIX },
  });
  // The file holds the edge's MQTT password.
  await writeFile(plan.edge.configPath, yaml, { mode: 0o600 });
}

/** The gate's scenario: CJP_SCENARIO or the demo file; CJP_SCENARIO_SPEED overrides its speed. */
function gateScenario(repoRoot: string, env: NodeJS.ProcessEnv): Scenario {
  const file = env.CJP_SCENARIO ? path.resolve(env.CJP_SCENARIO) : path.join(repoRoot, 'simulators', 'scenarios', 'demo-gate.yaml');
  let scenario: Scenario;
  try {
    scenario = loadScenario(file);
  } catch (err) {
    throw new LaunchError((err as Error).message);
  }
  if (env.CJP_SCENARIO_SPEED) {
    const speed = Number(env.CJP_SCENARIO_SPEED);
    if (!(speed > 0 && speed <= 1000)) throw new LaunchError(`CJP_SCENARIO_SPEED="${env.CJP_SCENARIO_SPEED}" must be a number in (0, 1000]`);
    scenario = { ...scenario, speed };
  }
  return scenario;
}

function banner(plan: LaunchPlan, info: LaunchInfo, gateSpeed?: number): string[] {
  const rule = '─'.repeat(72);
  const mqtt = plan.mqtt.external
    ? `${plan.mqtt.url} (your broker, MQTT_URL)`
    : `mqtt://localhost:${plan.mqtt.port} (embedded broker${plan.mqtt.fallbackFrom ? `; ${plan.mqtt.fallbackFrom} was busy` : ''})`;
  return [
    rule,
    '  Caojiapu Hub is running',
    `  UI        ${info.uiUrl}`,
    `  logins    username = role: ${ROLES.join(', ')}`,
    `            password: ${DEMO_PASSWORD}`,
    `  MQTT      ${mqtt}`,
    `  scanner   tcp://127.0.0.1:${info.scannerPort} → edge ${DEMO_EDGE_ID} (${plan.scanRatePerSec} scan/s; CJP_SIM_SCAN_RATE to change)`,
    ...(info.gateEdgeConfigPath
      ? [
          `  gate      2 lanes (weighbridge, e-tag reader, plate/container camera, barrier, LED) → edge ${GATE_EDGE_ID}`,
          `            trucks from the scenario${gateSpeed && gateSpeed !== 1 ? ` at ${gateSpeed}× speed` : ''}, each with its release note declared at the hub`,
          `            (CJP_SCENARIO, CJP_SCENARIO_SPEED; CJP_GATE=0 to leave out)`,
          `  devices   ${info.uiUrl}/#/devices`,
        ]
      : []),
    `  data      ${plan.dataDir}`,
    '  Ctrl-C to stop',
    rule,
  ];
}

/** One log line per truck: lane, weight, tags, containers, and its case with the expected decision. */
export function describeTruck(t: TruckEvent): string {
  const boxes = t.containers.length ? t.containers.map((c) => c.number).join(' + ') : 'no container';
  const note = t.passportNo ? `note ${t.passportNo}${t.noteVehicle ? ` (vehicle ${t.noteVehicle.index} of ${t.noteVehicle.of})` : ''}` : 'no note';
  return (
    `truck ${t.n} ${t.plate} ${t.direction === 'in' ? '→' : '←'} ${t.lane}: ${t.grossKg.toLocaleString('en')} kg${t.overload ? ' (overloaded)' : ''}, ` +
    `e-tag ${t.epc}, ${boxes}; ${note}; case ${t.case} → expect ${t.expected}${t.expectedReason ? ` (${t.expectedReason})` : ''}`
  );
}

/** The hub's decision for a truck (its newest passage), and whether it is what the case expects. */
export function compareDecision(t: TruckEvent, passages: Array<{ state: string; holdReasons: string[]; passportNo: string | null }>): string {
  const p = passages[0];
  if (!p) return `no passage at the hub (expected ${t.expected})`;
  if (p.state === 'collecting') return `the hub is still collecting (expected ${t.expected})`;
  const outcome = p.state === 'released' ? 'release' : 'hold';
  const said = outcome === 'release' ? `hub released${p.passportNo ? ` on ${p.passportNo}` : ''}` : `hub held (${p.holdReasons.join(' ') || p.state})`;
  return `${said}, ${outcome === t.expected ? 'as expected' : `but case ${t.case} expects ${t.expected} ✗`}`;
}

function describeExit(exit: ChildExit): string {
  if (exit.signal) return `signal ${exit.signal}`;
  return exit.code === null ? 'did not start' : `exit code ${exit.code}`;
}
