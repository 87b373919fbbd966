/**
 * npm run bench:edge — the edge agent's costs. Prints one JSON line:
 * - frames_per_s: weighbridge frame decoding per format (frames of a truck's pass with motion,
 *   fed in 4 KiB chunks; best of 3 runs), and scan_lines_per_s for the scanner-line decoder;
 * - rss_mb_idle / rss_mb_load: resident memory of one edge process (the built dist, as deployed)
 *   with 10 simulated devices — 4 weighbridges (one per format, TCP), 2 scanners (TCP), 1 RFID
 *   reader (MQTT JSON), 1 camera (HTTP), a barrier and an LED on a PLC (OPC UA) — connected and
 *   quiet (idle), then under traffic for BENCH_SECONDS (load: the highest sample);
 * - rss_mb_idle_no_opcua / rss_mb_load_no_opcua: the same with 2 more scanners instead of the
 *   PLC's devices (a warehouse edge, which never loads node-opcua).
 * Env: BENCH_SECONDS (load phase, 20), BENCH_FRAMES (per format, 100000), BENCH_EDGE_NODE_FLAGS
 * (node flags of the edge process; default the ones the launcher uses).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createWeightDecoder, ScannerLineDecoder, type WeightFormat } from '@cjp/edge';
import {
  encodeFrame,
  startCameraSimulator,
  startDeviceBroker,
  startRfidReaderSimulator,
  startScannerSimulator,
  startWeighbridgeSimulator,
  vehicleTagEpc,
  type IndicatorState,
  type ScannerSimulator,
  type WeighbridgeFormat,
  type WeighbridgeSimulator,
} from '@cjp/simulators';
import { REPO, round, spawnHub } from './support.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
/** node flags the edge runs with (as the launcher and the Docker image start it); BENCH_EDGE_NODE_FLAGS to compare */
const EDGE_NODE_FLAGS = (process.env.BENCH_EDGE_NODE_FLAGS ?? '--max-semi-space-size=1 --v8-pool-size=1').split(/\s+/).filter(Boolean);
const FRAMES = Number(process.env.BENCH_FRAMES ?? 100_000);
const FORMATS: WeighbridgeFormat[] = ['toledo', 'yaohua-xk3190', 'yaohua-eq', 'yaohua-a12e'];
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
const silent = pino({ level: 'silent' });

// ---- 1. decoders ------------------------------------------------------------------------------

function framesOf(format: WeighbridgeFormat, n: number): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    // a truck driving on, standing, driving off: weights move, then hold
    const phase = i % 100;
    const weight = phase < 30 ? phase * 1000 : phase < 70 ? 31_240 : (100 - phase) * 1000;
    const state: IndicatorState = { weight, decimals: 0, motion: phase < 30 || phase >= 70, outOfRange: false };
    parts.push(encodeFrame(format, state));
  }
  return Buffer.concat(parts);
}

function decodeRate(format: WeightFormat, bytes: Buffer, expected: number): number {
  let best = 0;
  for (let run = 0; run < 3; run++) {
    const decoder = createWeightDecoder(format);
    let frames = 0;
    const t0 = performance.now();
    for (let i = 0; i < bytes.length; i += 4096) for (const r of decoder.push(bytes.subarray(i, i + 4096))) if (r.ok) frames++;
    const s = (performance.now() - t0) / 1000;
    if (frames !== expected) throw new Error(`${format}: decoded ${frames} of ${expected} frames`);
    best = Math.max(best, frames / s);
  }
  return Math.round(best);
}

const frames_per_s: Record<string, number> = {};
for (const f of FORMATS) frames_per_s[f] = decodeRate(f, framesOf(f, FRAMES), FRAMES);
{
  const lines = Buffer.from(Array.from({ length: FRAMES }, (_, i) => `]C10109501101530003\u001d10LOT${i}\r\n`).join(''), 'latin1');
  let best = 0;
  for (let run = 0; run < 3; run++) {
    const d = new ScannerLineDecoder({ suffix: '\r\n', maxLineBytes: 4096 });
    let n = 0;
    const t0 = performance.now();
    for (let i = 0; i < lines.length; i += 4096) for (const l of d.push(lines.subarray(i, i + 4096))) if (l.ok) n++;
    best = Math.max(best, n / ((performance.now() - t0) / 1000));
  }
  frames_per_s['scan_lines'] = Math.round(best);
}
log(`decoders: ${JSON.stringify(frames_per_s)}`);

// ---- 2. edge process memory --------------------------------------------------------------------

const EDGE_CLI = join(REPO, 'edge', 'dist', 'cli.js');
if (!existsSync(EDGE_CLI)) throw new Error(`${EDGE_CLI} not found: run "npm run build" first`);

const rssMb = (pid: number) => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function edgeMemory(withOpcua: boolean): Promise<{ idle: number; load: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'cjp-bench-edge-'));
  const hub = await spawnHub({});
  const cleanups: Array<() => Promise<unknown> | unknown> = [() => hub.stop(), () => rmSync(dir, { recursive: true, force: true })];
  try {
    const devBroker = await startDeviceBroker();
    cleanups.push(() => devBroker.close());
    const scales: WeighbridgeSimulator[] = [];
    for (const f of FORMATS) {
      const s = await startWeighbridgeSimulator({ format: f, port: 0, trucks: [], framesPerSec: 10 });
      scales.push(s);
      cleanups.push(() => s.close());
    }
    const scanners: ScannerSimulator[] = [];
    for (let i = 0; i < (withOpcua ? 2 : 4); i++) {
      const s = await startScannerSimulator({ host: '127.0.0.1', port: 0, ratePerSec: 20, seed: i + 1, maxEmitted: 1000 });
      s.pause();
      scanners.push(s);
      cleanups.push(() => s.close());
    }
    let plcEndpoint: string | null = null;
    if (withOpcua) {
      const { startPlcSimulator } = await import('@cjp/simulators/plc');
      const plc = await startPlcSimulator({ port: 0, lanes: ['gate-in-1'], pkiDir: join(dir, 'plc-pki'), barrierTravelMs: 100, logger: silent });
      cleanups.push(() => plc.stop());
      plcEndpoint = plc.endpointUrl;
    }
    const httpPort = 20_000 + Math.floor(Math.random() * 20_000);
    const devices: object[] = [
      ...FORMATS.map((f, i) => ({
        id: `wb-${i}`,
        driver: 'weighbridge',
        format: f,
        transport: `tcp://127.0.0.1:${scales[i]!.port}`,
        zeroBandKg: '20',
        ...(f === 'toledo' ? {} : { stability: { division: '20', minReadings: 5, minDurationMs: 500 } }),
      })),
      ...scanners.map((s, i) => ({ id: `scanner-${i}`, driver: 'scanner-line', transport: `tcp://127.0.0.1:${s.port}` })),
      { id: 'rfid-1', driver: 'rfid-mqtt', broker: { url: devBroker.url }, topic: 'readers/bench', format: 'zebra', role: 'vehicle' },
      { id: 'cam-1', driver: 'camera-http', reads: 'both', token: 'bench-camera-token-0001' },
    ];
    if (plcEndpoint) {
      const endpoint = { url: plcEndpoint, securityMode: 'None', securityPolicy: 'None', pkiDir: join(dir, 'edge-pki') };
      devices.push(
        { id: 'barrier-1', driver: 'opcua-barrier', endpoint, state: 'ns=1;s=gate-in-1.Barrier.State', commandNode: 'ns=1;s=gate-in-1.Barrier.Command' },
        { id: 'led-1', driver: 'opcua-led', endpoint, textNode: 'ns=1;s=gate-in-1.Led.Text' },
      );
    }
    const configFile = join(dir, 'edge.yaml');
    writeFileSync(
      configFile,
      JSON.stringify({
        site: 'cjp',
        edgeId: 'gate-1',
        logLevel: 'warn',
        broker: { url: hub.mqttUrl, password: 'demo-edge-gate-1' },
        outbox: { path: join(dir, 'outbox.sqlite') },
        http: { host: '127.0.0.1', port: httpPort },
        devices,
      }),
    );
    const edge: ChildProcess = spawn(process.execPath, [...EDGE_NODE_FLAGS, EDGE_CLI, '--config', configFile], { stdio: ['ignore', 'ignore', 'inherit'] });
    cleanups.push(async () => {
      if (edge.exitCode === null) {
        edge.kill('SIGTERM');
        await new Promise((r) => edge.once('exit', r));
      }
    });
    // connected: every device reports connected at the edge's /healthz
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (Date.now() > deadline) throw new Error('edge devices did not all connect within 60 s');
      try {
        const h = (await (await fetch(`http://127.0.0.1:${httpPort}/healthz`)).json()) as { devices: Array<{ state: string }> };
        if (h.devices.length === 10 && h.devices.every((d) => d.state === 'connected')) break;
      } catch {
        /* not up yet */
      }
      await sleep(250);
    }
    // idle: connected, the scales stream zero frames, nothing else happens
    await sleep(10_000);
    const idle = rssMb(edge.pid!);
    log(`${withOpcua ? 'with' : 'without'} OPC UA: idle ${round(idle)} MB; load for ${SECONDS} s…`);

    // load: trucks on every scale, scanners at 20 lines/s, e-tags, camera posts
    const rfid = await startRfidReaderSimulator({ brokerUrl: devBroker.url, topic: 'readers/bench', format: 'zebra', readerName: 'bench', seed: 3, logger: silent });
    cleanups.push(() => rfid.close());
    const camera = startCameraSimulator({ url: `http://127.0.0.1:${httpPort}/cameras/cam-1/reads`, token: 'bench-camera-token-0001', seed: 4, logger: silent });
    cleanups.push(() => camera.close());
    for (const s of scanners) s.resume();
    const end = Date.now() + SECONDS * 1000;
    let peak = 0;
    let n = 0;
    while (Date.now() < end) {
      for (const s of scales) if (n % 40 === 0) s.playTruck({ gross: 20_000 + (n % 7) * 1000, riseFrames: 10, stableFrames: 15, fallFrames: 10, zeroFrames: 5 });
      if (n % 2 === 0) void rfid.tagEnters(vehicleTagEpc(n + 1), { durationMs: 1500, antenna: 1 });
      if (n % 2 === 1) void camera.readPlate();
      peak = Math.max(peak, rssMb(edge.pid!));
      n++;
      await sleep(250);
    }
    return { idle, load: peak };
  } finally {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
  }
}

const withOpcua = await edgeMemory(true);
const withoutOpcua = await edgeMemory(false);
process.stdout.write(
  JSON.stringify({
    bench: 'edge',
    frames_per_s,
    devices: 10,
    rss_mb_idle: round(withOpcua.idle),
    rss_mb_load: round(withOpcua.load),
    rss_mb_idle_no_opcua: round(withoutOpcua.idle),
    rss_mb_load_no_opcua: round(withoutOpcua.load),
    load_seconds: SECONDS,
    edge_node_flags: EDGE_NODE_FLAGS.join(' '),
  }) + '\n',
);
process.exit(0);
