#!/usr/bin/env node
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { pino } from 'pino';
import { mulberry32 } from './prng.js';
import { startScannerSimulator } from './scanner/scanner-simulator.js';
import { WEIGHBRIDGE_FORMATS, type WeighbridgeFormat } from './weighbridge/frames.js';
import type { TruckPass } from './weighbridge/truck-profile.js';
import { startWeighbridgeSimulator } from './weighbridge/weighbridge-simulator.js';

const USAGE = `Usage: cjp-sim <command> [options]

Commands:
  scanner    a barcode scanner behind a TCP serial device server: every client
             receives the same stream of scanner lines (GS1-128, EAN-13, Code 128
             locations, ISO 6346 container numbers, the odd garbage line)
  weighbridge
             a truck-scale indicator behind a TCP serial device server, playing
             trucks driving on, standing still, driving off (Toledo continuous or
             Yaohua XK3190 frames)

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
  --format <f>           toledo or yaohua-xk3190 (default toledo)
  --port <n>             TCP port (default 9102; 0 = any free port, logged)
  --host <addr>          address to listen on (default 127.0.0.1)
  --fps <n>              frames per second (default 7, like a Toledo indicator)
  --trucks <n>           trucks to play, then an empty scale (default 1000)
  --seed <n>             PRNG seed for the trucks' weights (default 1)
  --garbage <ratio>      share of frames followed by line noise, 0..1 (default 0)
  --split                split writes at random byte boundaries

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
  });
  if (!parsed) return;
  const format = (parsed.format ?? 'toledo') as WeighbridgeFormat;
  if (!Object.hasOwn(WEIGHBRIDGE_FORMATS, format)) fail(`--format ${format} is not one of ${Object.keys(WEIGHBRIDGE_FORMATS).join(', ')}`);
  const fps = numberOption('fps', parsed.fps, 7, (n) => n > 0 && n <= 1000);
  const seed = numberOption('seed', parsed.seed, 1, Number.isInteger);
  const random = mulberry32(seed);
  // Loaded container trucks, 15-49 t, on a 20 kg division; a few seconds each phase at the frame rate.
  const trucks: TruckPass[] = Array.from({ length: numberOption('trucks', parsed.trucks, 1000, (n) => Number.isInteger(n) && n > 0) }, () => ({
    gross: 15_000 + Math.round((random() * 34_000) / 20) * 20,
    riseFrames: Math.round(fps * 3),
    stableFrames: Math.round(fps * 4),
    fallFrames: Math.round(fps * 2),
    zeroFrames: Math.round(fps * 3),
  }));
  const log = pino({ name: 'cjp-sim', level: process.env.LOG_LEVEL ?? 'info' });
  const sim = await startWeighbridgeSimulator({
    format,
    host: parsed.host ?? '127.0.0.1',
    port: numberOption('port', parsed.port, 9102, (n) => Number.isInteger(n) && n >= 0 && n <= 65535),
    framesPerSec: fps,
    trucks,
    seed,
    garbageRatio: numberOption('garbage', parsed.garbage, 0, (n) => n >= 0 && n <= 1),
    splitWrites: parsed.split ?? false,
  });
  log.info({ format, port: sim.port, fps, trucks: trucks.length, seed }, 'weighbridge simulator listening');
  const stop = async (reason: string) => {
    await sim.close();
    log.info({ reason, frames: sim.sent.length }, 'weighbridge simulator stopped');
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
  case undefined:
  case '-h':
  case '--help':
  case 'help':
    process.stdout.write(USAGE + '\n');
    break;
  default:
    fail(`unknown command "${command}"`);
}
