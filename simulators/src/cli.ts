#!/usr/bin/env node
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { pino } from 'pino';
import { mulberry32 } from './prng.js';
import { startScannerSimulator } from './scanner/scanner-simulator.js';
import { startCameraSimulator } from './camera/camera-simulator.js';
import { CAMERA_READS, startCameraTraffic, type CameraReads } from './camera/camera-traffic.js';
import { RFID_FORMATS, type RfidFormat } from './rfid/reader-messages.js';
import { startRfidReaderSimulator, type RfidReaderSimulator } from './rfid/rfid-reader-simulator.js';
import { startRfidTraffic, type RfidTagKind } from './rfid/rfid-traffic.js';
import { WEIGHBRIDGE_FORMATS, type WeighbridgeFormat } from './weighbridge/frames.js';
import type { TruckPass } from './weighbridge/truck-profile.js';
import { openPtyPair, startWeighbridgeSimulator, type PtyPair } from './weighbridge/weighbridge-simulator.js';

const USAGE = `Usage: cjp-sim <command> [options]

Commands:
  scanner    a barcode scanner behind a TCP serial device server: every client
             receives the same stream of scanner lines (GS1-128, EAN-13, Code 128
             locations, ISO 6346 container numbers, the odd garbage line)
  weighbridge
             a truck-scale indicator behind a TCP serial device server, playing
             trucks driving on, standing still, driving off (Toledo continuous,
             Yaohua XK3190, Yaohua "=" or Yaohua A12E frames), or writing them to
             a pty pair (socat) for the edge's serial driver
  rfid       a fixed UHF RFID reader publishing tag reads as JSON to an MQTT broker
             (Zebra IoT Connector SIMPLE or Impinj IoT tagInventory events): random
             tags enter the field at a steady rate, read 10 times a second
  camera     an ANPR / container-code gate camera POSTing its reads to the edge
             (plate, ISO 6346 container numbers), retrying on 503
  plc        the gate PLC as an OPC UA server (node-opcua): per lane the weighbridge
             tags, barrier state/command/methods, LED text and last RFID read

Options of "scanner":
  --port <n>             TCP port (default 9101; 0 = any free port, logged)
  --host <addr>          address to listen on (default 127.0.0.1; 0.0.0.0 = all)
  --rate <n>             lines per second (default 1)
  --seed <n>             PRNG seed, to repeat a run (default random, logged)
  --garbage <ratio>      share of garbage lines, 0..1 (default 0.02)
  --suffix <s>           line suffix: crlf, cr, lf, or text with \\r \\n \\t escapes (default crlf)
  --split                split writes at random byte boundaries
  --count <n>            stop after n lines
  --emit-without-client  emit even while no client is connected
  -h, --help             show this help

Options of "weighbridge":
  --format <f>           toledo, yaohua-xk3190, yaohua-eq or yaohua-a12e (default toledo)
  --port <n>             TCP port (default 9102; 0 = any free port, logged;
                         with --pty no TCP server unless --port is given)
  --host <addr>          address to listen on (default 127.0.0.1)
  --fps <n>              frames per second (default 7, like a Toledo indicator)
  --trucks <n>           trucks to play, then an empty scale (default 1000)
  --seed <n>             PRNG seed for the trucks' weights (default 1)
  --garbage <ratio>      share of frames followed by line noise, 0..1 (default 0)
  --split                split writes at random byte boundaries
  --capacity <kg>        scale capacity (default 60000); above it + 9 divisions (20 kg)
                         the indicator is overloaded, below -20 divisions underloaded
  --overload-every <n>   every n-th truck is over capacity (default 0: none)
  --negative             the empty scale drifts 1-3 divisions below zero after each truck
  --underload-every <n>  every n-th truck leaves the scale below -20 divisions (default 0)
  --corrupt <ratio>      share of frames damaged so that the edge rejects them (default 0)
  --slow                 send about one frame per second (a stalling link)
  --disconnect-every <s> drop every TCP client (and silence the pty for 1 s) every s seconds
  --pty <path>           write the frames to a pty pair made by socat: the simulator's end
                         is linked at <path>, the edge opens serial://<path>-edge (logged)

Options of "rfid":
  --broker <url>         MQTT broker (default mqtt://127.0.0.1:1883)
  --username <u>         MQTT username
  --password <p>         MQTT password
  --topic <t>            topic the reader publishes to (default readers/gate-in-1)
  --format <f>           zebra or impinj (default zebra)
  --reader-name <name>   reader name, Impinj "hostname" (default gate-in-1)
  --antennas <list>      antenna ports, comma-separated (default 1,2)
  --rate <n>             tags entering the field per minute (default 6)
  --dwell <ms>           how long a tag stays in the field (default 3000)
  --reads-per-sec <n>    reads per second while a tag is in the field (default 10)
  --tags <kind>          vehicle (GID-96 windscreen tags, some return) or item (SGTIN-96)
                         (default vehicle)
  --tid                  report each tag's TID too
  --batch                publish JSON arrays of events (Impinj-like batching)
  --seed <n>             PRNG seed, to repeat a run (default random, logged)
  --count <n>            stop after n tags

Options of "camera":
  --url <url>            the edge's camera endpoint, e.g.
                         http://127.0.0.1:9180/cameras/gate-in-ocr/reads (required)
  --token <t>            bearer token the edge expects from this camera (required)
  --rate <n>             trucks per minute (default 4)
  --reads <r>            plate, container or both (default both)
  --seed <n>             PRNG seed, to repeat a run (default random, logged)
  --miss <ratio>         share of reads the camera misses, 0..1 (default 0)
  --corrupt <ratio>      share of trucks whose container numbers get a wrong check
                         digit, 0..1 (default 0)
  --slow <ms>            recognition lag before each post (default 0)
  --count <n>            stop after n trucks

Options of "plc":
  --port <n>             TCP port (default 4840; 0 = any free port, logged)
  --host <addr>          address to listen on (default 127.0.0.1; 0.0.0.0 = all)
  --lanes <a,b>          lane ids, one folder each (default gate-in-1,gate-out-1)
  --pki <dir>            certificate store: own/, trusted/, rejected/ (default ./data/plc-pki)
  --travel-ms <n>        barrier travel time between closed and open (default 1500; 0 = at once)
  --auto-close-ms <n>    close the barrier this long after it opened (default never)
  --security <modes>     offered modes among None,Sign,SignAndEncrypt (default all three;
                         Sign and SignAndEncrypt with Basic256Sha256)
  --trust-unknown        accept any client certificate (default: refuse it and keep it in
                         <pki>/rejected; trust it by moving it to <pki>/trusted/certs)
  --user <name:password> accept this user (repeatable)
  --no-anonymous         refuse anonymous sessions

Logs are pino JSON on stdout (LOG_LEVEL=debug shows every line sent).
Example: cjp-sim scanner --port 9101 --rate 2 --seed 42`;

function fail(message: string): never {
  process.stderr.write(`cjp-sim: ${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function numberOption(name: string, value: string | undefined, fallback: number, check: (n: number) => boolean): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || !check(n)) fail(`--${name} ${value} is not valid`);
  return n;
}

function suffixOption(value: string | undefined): string {
  const named: Record<string, string> = { crlf: '\r\n', cr: '\r', lf: '\n' };
  if (value === undefined) return '\r\n';
  const suffix = named[value.toLowerCase()] ?? value.replace(/\\([rnt\\])/g, (_, c: string) => ({ r: '\r', n: '\n', t: '\t' })[c] ?? '\\');
  if (suffix === '') fail('--suffix must not be empty');
  return suffix;
}

const HELP = { help: { type: 'boolean', short: 'h' } } as const;

/** Parses a command's options, exiting 2 with the usage on bad input; null when --help was asked. */
function commandOptions<const O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O) {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...options, ...HELP }, strict: true, allowPositionals: false });
  } catch (err) {
    fail((err as Error).message);
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(USAGE + '\n');
    return null;
  }
  return parsed.values;
}

async function scanner(args: string[]): Promise<void> {
  const parsed = commandOptions(args, {
    port: { type: 'string' },
    host: { type: 'string' },
    rate: { type: 'string' },
    seed: { type: 'string' },
    garbage: { type: 'string' },
    suffix: { type: 'string' },
    split: { type: 'boolean' },
    count: { type: 'string' },
    'emit-without-client': { type: 'boolean' },
  });
  if (!parsed) return;
  const log = pino({ name: 'cjp-sim', level: process.env.LOG_LEVEL ?? 'info' });
  const count = parsed.count === undefined ? undefined : numberOption('count', parsed.count, 0, (n) => Number.isInteger(n) && n > 0);
  const sim = await startScannerSimulator({
    host: parsed.host ?? '127.0.0.1',
    port: numberOption('port', parsed.port, 9101, (n) => Number.isInteger(n) && n >= 0 && n <= 65535),
    ratePerSec: numberOption('rate', parsed.rate, 1, (n) => n > 0),
    ...(parsed.seed !== undefined ? { seed: numberOption('seed', parsed.seed, 0, Number.isInteger) } : {}),
    garbageRatio: numberOption('garbage', parsed.garbage, 0.02, (n) => n >= 0 && n <= 1),
    suffix: suffixOption(parsed.suffix),
    splitWrites: parsed.split ?? false,
    ...(count !== undefined ? { count } : {}),
    emitWithoutClient: parsed['emit-without-client'] ?? false,
    // A long run must not grow without bound; the log keeps the full record.
    maxEmitted: 1000,
  });
  log.info({ host: sim.host, port: sim.port, seed: sim.seed, ratePerSec: Number(parsed.rate ?? 1) }, 'scanner simulator listening');
  sim.on('clients', (clients) => log.info({ clients }, 'clients changed'));
  sim.on('line', (scan) => log.debug({ seq: scan.seq, kind: scan.kind, aim: scan.aim, code: scan.code, valid: scan.valid, delivered: scan.delivered }, 'line'));

  let stopping = false;
  const stop = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    await sim.close();
    log.info({ reason, ...sim.stats }, 'scanner simulator stopped');
    // pino writes asynchronously to a pipe; flush before exiting.
    log.flush(() => process.exit(0));
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  if (count !== undefined) void sim.finished.then(() => stop('count reached'));
}

async function weighbridge(args: string[]): Promise<void> {
  const parsed = commandOptions(args, {
    format: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    fps: { type: 'string' },
    trucks: { type: 'string' },
    seed: { type: 'string' },
    garbage: { type: 'string' },
    split: { type: 'boolean' },
    capacity: { type: 'string' },
    'overload-every': { type: 'string' },
    negative: { type: 'boolean' },
    'underload-every': { type: 'string' },
    corrupt: { type: 'string' },
    slow: { type: 'boolean' },
    'disconnect-every': { type: 'string' },
    pty: { type: 'string' },
  });
  if (!parsed) return;
  const format = (parsed.format ?? 'toledo') as WeighbridgeFormat;
  if (!Object.hasOwn(WEIGHBRIDGE_FORMATS, format)) fail(`--format ${format} is not one of ${Object.keys(WEIGHBRIDGE_FORMATS).join(', ')}`);
  const fps = numberOption('fps', parsed.fps, 7, (n) => n > 0 && n <= 1000);
  const seed = numberOption('seed', parsed.seed, 1, Number.isInteger);
  const every = (name: string, value: string | undefined) => numberOption(name, value, 0, (n) => Number.isInteger(n) && n >= 0);
  const division = 20;
  const capacity = numberOption('capacity', parsed.capacity, 60_000, (n) => Number.isInteger(n) && n > 0 && n <= 999_999);
  const overloadEvery = every('overload-every', parsed['overload-every']);
  const underloadEvery = every('underload-every', parsed['underload-every']);
  const disconnectEvery = numberOption('disconnect-every', parsed['disconnect-every'], 0, (n) => n >= 0);
  const random = mulberry32(seed);
  // Faults draw from their own sequence: without fault flags the trucks are exactly as before.
  const faults = mulberry32(seed ^ 0x7a11);
  // Loaded container trucks, 15-49 t, on a 20 kg division; a few seconds each phase at the frame rate.
  const trucks: TruckPass[] = Array.from({ length: numberOption('trucks', parsed.trucks, 1000, (n) => Number.isInteger(n) && n > 0) }, (_, i) => {
    const truck: TruckPass = {
      gross: 15_000 + Math.round((random() * 34_000) / 20) * 20,
      riseFrames: Math.round(fps * 3),
      stableFrames: Math.round(fps * 4),
      fallFrames: Math.round(fps * 2),
      zeroFrames: Math.round(fps * 3),
    };
    const nth = (n: number) => n > 0 && (i + 1) % n === 0;
    if (nth(overloadEvery)) truck.gross = capacity + 10 * division + Math.round((faults() * 5_000) / division) * division;
    if (nth(underloadEvery)) truck.zeroDrift = -(21 + Math.floor(faults() * 10)) * division;
    else if (parsed.negative) truck.zeroDrift = -(1 + Math.floor(faults() * 3)) * division;
    return truck;
  });
  const log = pino({ name: 'cjp-sim', level: process.env.LOG_LEVEL ?? 'info' });
  let pair: PtyPair | null = null;
  if (parsed.pty !== undefined) {
    try {
      pair = await openPtyPair(process.cwd(), { a: parsed.pty, b: `${parsed.pty}-edge` });
    } catch (err) {
      process.stderr.write(`cjp-sim: --pty ${parsed.pty}: ${(err as Error).message}\n`);
      process.exit(1);
    }
  }
  const sim = await startWeighbridgeSimulator({
    format,
    host: parsed.host ?? '127.0.0.1',
    ...(pair === null || parsed.port !== undefined ? { port: numberOption('port', parsed.port, 9102, (n) => Number.isInteger(n) && n >= 0 && n <= 65535) } : {}),
    ...(pair ? { pty: pair.a } : {}),
    framesPerSec: fps,
    trucks,
    seed,
    limits: { capacity, division },
    garbageRatio: numberOption('garbage', parsed.garbage, 0, (n) => n >= 0 && n <= 1),
    splitWrites: parsed.split ?? false,
    corruptRatio: numberOption('corrupt', parsed.corrupt, 0, (n) => n >= 0 && n <= 1),
    slow: parsed.slow ?? false,
  }).catch(async (err: unknown) => {
    await pair?.close();
    throw err;
  });
  const faultFlags = { capacity, overloadEvery, underloadEvery, negative: parsed.negative ?? false, corrupt: Number(parsed.corrupt ?? 0), slow: parsed.slow ?? false, disconnectEvery };
  log.info(
    { format, port: sim.port, ...(pair ? { pty: pair.a, edgeTransport: `serial://${pair.b}` } : {}), fps, trucks: trucks.length, seed, ...faultFlags },
    'weighbridge simulator listening',
  );
  const dropper = disconnectEvery > 0 ? setInterval(() => log.info({ clients: sim.disconnect({ forMs: 1000 }) }, 'disconnected clients'), disconnectEvery * 1000) : null;
  let stopping = false;
  const stop = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    if (dropper) clearInterval(dropper);
    await sim.close();
    await pair?.close();
    log.info({ reason, ...sim.stats }, 'weighbridge simulator stopped');
    log.flush(() => process.exit(0));
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

async function rfid(args: string[]): Promise<void> {
  const parsed = commandOptions(args, {
    broker: { type: 'string' },
    username: { type: 'string' },
    password: { type: 'string' },
    topic: { type: 'string' },
    format: { type: 'string' },
    'reader-name': { type: 'string' },
    antennas: { type: 'string' },
    rate: { type: 'string' },
    dwell: { type: 'string' },
    'reads-per-sec': { type: 'string' },
    tags: { type: 'string' },
    tid: { type: 'boolean' },
    batch: { type: 'boolean' },
    seed: { type: 'string' },
    count: { type: 'string' },
  });
  if (!parsed) return;
  const format = (parsed.format ?? 'zebra') as RfidFormat;
  if (!RFID_FORMATS.includes(format)) fail(`--format ${format} is not one of ${RFID_FORMATS.join(', ')}`);
  const kind = (parsed.tags ?? 'vehicle') as RfidTagKind;
  if (kind !== 'vehicle' && kind !== 'item') fail(`--tags ${kind} is not vehicle or item`);
  const antennas = (parsed.antennas ?? '1,2').split(',').map((a) => numberOption('antennas', a, 0, (n) => Number.isInteger(n) && n >= 0 && n <= 255));
  const ratePerMin = numberOption('rate', parsed.rate, 6, (n) => n > 0);
  const dwellMs = numberOption('dwell', parsed.dwell, 3000, (n) => n > 0);
  const count = parsed.count === undefined ? undefined : numberOption('count', parsed.count, 0, (n) => Number.isInteger(n) && n > 0);
  const brokerUrl = parsed.broker ?? 'mqtt://127.0.0.1:1883';
  const log = pino({ name: 'cjp-sim', level: process.env.LOG_LEVEL ?? 'info' });
  let sim: RfidReaderSimulator;
  try {
    sim = await startRfidReaderSimulator({
      brokerUrl,
      ...(parsed.username !== undefined ? { username: parsed.username } : {}),
      ...(parsed.password !== undefined ? { password: parsed.password } : {}),
      topic: parsed.topic ?? 'readers/gate-in-1',
      format,
      readerName: parsed['reader-name'] ?? 'gate-in-1',
      antennas,
      readsPerSecond: numberOption('reads-per-sec', parsed['reads-per-sec'], 10, (n) => n > 0 && n <= 1000),
      ...(parsed.seed !== undefined ? { seed: numberOption('seed', parsed.seed, 0, Number.isInteger) } : {}),
      batch: parsed.batch ?? false,
      logger: log,
    });
  } catch (err) {
    log.error({ broker: brokerUrl, err: (err as Error).message }, 'rfid reader simulator could not connect');
    log.flush(() => process.exit(1));
    return;
  }
  const traffic = startRfidTraffic(sim, { tagsPerMinute: ratePerMin, dwellMs, kind, tid: parsed.tid ?? false, seed: sim.seed, logger: log, ...(count !== undefined ? { count } : {}) });
  log.info({ broker: brokerUrl, topic: sim.topic, format, seed: sim.seed, ratePerMin, dwellMs, tags: kind }, 'rfid reader simulator running');
  let stopping = false;
  const stop = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    traffic.stop();
    await sim.close();
    log.info({ reason, ...sim.stats }, 'rfid reader simulator stopped');
    log.flush(() => process.exit(0));
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  if (count !== undefined) void traffic.finished.then(() => stop('count reached'));
}

async function camera(args: string[]): Promise<void> {
  const parsed = commandOptions(args, {
    url: { type: 'string' },
    token: { type: 'string' },
    rate: { type: 'string' },
    reads: { type: 'string' },
    seed: { type: 'string' },
    miss: { type: 'string' },
    corrupt: { type: 'string' },
    slow: { type: 'string' },
    count: { type: 'string' },
  });
  if (!parsed) return;
  if (!parsed.url) fail('--url is required');
  if (!parsed.token) fail('--token is required');
  try {
    new URL(parsed.url);
  } catch {
    fail(`--url ${parsed.url} is not a URL`);
  }
  const reads = (parsed.reads ?? 'both') as CameraReads;
  if (!CAMERA_READS.includes(reads)) fail(`--reads ${reads} is not one of ${CAMERA_READS.join(', ')}`);
  const ratePerMin = numberOption('rate', parsed.rate, 4, (n) => n > 0);
  const count = parsed.count === undefined ? undefined : numberOption('count', parsed.count, 0, (n) => Number.isInteger(n) && n > 0);
  const log = pino({ name: 'cjp-sim', level: process.env.LOG_LEVEL ?? 'info' });
  const cam = startCameraSimulator({
    url: parsed.url,
    token: parsed.token,
    logger: log,
    ...(parsed.seed !== undefined ? { seed: numberOption('seed', parsed.seed, 0, Number.isInteger) } : {}),
  });
  cam.faults.miss(numberOption('miss', parsed.miss, 0, (n) => n >= 0 && n <= 1));
  cam.faults.slow(numberOption('slow', parsed.slow, 0, (n) => n >= 0));
  const traffic = startCameraTraffic(cam, {
    vehiclesPerMinute: ratePerMin,
    reads,
    corruptRatio: numberOption('corrupt', parsed.corrupt, 0, (n) => n >= 0 && n <= 1),
    seed: cam.seed,
    logger: log,
    ...(count !== undefined ? { count } : {}),
  });
  log.info({ url: cam.url, seed: cam.seed, ratePerMin, reads }, 'camera simulator running');
  let stopping = false;
  const stop = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    traffic.stop();
    if (reason !== 'count reached') cam.close();
    await traffic.finished;
    log.info({ reason, ...cam.stats }, 'camera simulator stopped');
    log.flush(() => process.exit(0));
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  if (count !== undefined) void traffic.finished.then(() => stop('count reached'));
}

async function plc(args: string[]): Promise<void> {
  const parsed = commandOptions(args, {
    port: { type: 'string' },
    host: { type: 'string' },
    lanes: { type: 'string' },
    pki: { type: 'string' },
    'travel-ms': { type: 'string' },
    'auto-close-ms': { type: 'string' },
    security: { type: 'string' },
    'trust-unknown': { type: 'boolean' },
    user: { type: 'string', multiple: true },
    'no-anonymous': { type: 'boolean' },
  });
  if (!parsed) return;
  const lanes = (parsed.lanes ?? 'gate-in-1,gate-out-1').split(',').map((l) => l.trim());
  if (lanes.some((l) => !/^[A-Za-z0-9_-]+$/.test(l))) fail(`--lanes ${parsed.lanes} must be ids of letters, digits, - and _, separated by commas`);
  const security = (parsed.security ?? 'None,Sign,SignAndEncrypt').split(',').map((m) => m.trim());
  const modes = ['None', 'Sign', 'SignAndEncrypt'] as const;
  if (security.some((m) => !modes.includes(m as (typeof modes)[number]))) fail(`--security ${parsed.security} must name modes among ${modes.join(', ')}`);
  const users = (parsed.user ?? []).map((u) => {
    const at = u.indexOf(':');
    if (at <= 0) fail(`--user ${u} must be name:password`);
    return { username: u.slice(0, at), password: u.slice(at + 1) };
  });
  const autoCloseMs = parsed['auto-close-ms'] === undefined ? undefined : numberOption('auto-close-ms', parsed['auto-close-ms'], 0, (n) => n >= 0);
  const log = pino({ name: 'cjp-sim', level: process.env.LOG_LEVEL ?? 'info' });
  // Loaded only for this command: node-opcua takes a second or two to load.
  const { startPlcSimulator } = await import('./plc/plc-simulator.js');
  const sim = await startPlcSimulator({
    port: numberOption('port', parsed.port, 4840, (n) => Number.isInteger(n) && n >= 0 && n <= 65535),
    host: parsed.host ?? '127.0.0.1',
    lanes,
    pkiDir: parsed.pki ?? './data/plc-pki',
    barrierTravelMs: numberOption('travel-ms', parsed['travel-ms'], 1500, (n) => n >= 0),
    ...(autoCloseMs !== undefined ? { autoCloseMs } : {}),
    security: security as (typeof modes)[number][],
    trustUnknownClients: parsed['trust-unknown'] ?? false,
    allowAnonymous: !parsed['no-anonymous'],
    users,
    logger: log,
  });
  sim.on('barrier-command', ({ lane, action, via, accepted }) => log.info({ lane, action, via, accepted }, 'barrier command'));
  sim.on('barrier-state', ({ lane, state }) => log.info({ lane, state }, 'barrier state'));
  sim.on('led', ({ lane, text }) => log.info({ lane, text }, 'LED text'));
  let stopping = false;
  const stop = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    await sim.stop();
    log.info({ reason }, 'PLC simulator exiting');
    log.flush(() => process.exit(0));
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

const [command, ...rest] = process.argv.slice(2);
switch (command) {
  case 'scanner':
    await scanner(rest);
    break;
  case 'weighbridge':
    await weighbridge(rest);
    break;
  case 'rfid':
    await rfid(rest);
    break;
  case 'camera':
    await camera(rest);
    break;
  case 'plc':
    await plc(rest);
    break;
  case undefined:
  case '-h':
  case '--help':
  case 'help':
    process.stdout.write(USAGE + '\n');
    break;
  default:
    fail(`unknown command "${command}"`);
}
