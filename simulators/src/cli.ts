#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { startScannerSimulator } from './scanner/scanner-simulator.js';

const USAGE = `Usage: cjp-sim <command> [options]

Commands:
  scanner    a barcode scanner behind a TCP serial device server: every client
             receives the same stream of scanner lines (GS1-128, EAN-13, Code 128
             locations, ISO 6346 container numbers, the odd garbage line)

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

async function scanner(args: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        rate: { type: 'string' },
        seed: { type: 'string' },
        garbage: { type: 'string' },
        suffix: { type: 'string' },
        split: { type: 'boolean' },
        count: { type: 'string' },
        'emit-without-client': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    fail((err as Error).message);
  }
  if (parsed.help) {
    process.stdout.write(USAGE + '\n');
    return;
  }
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

const [command, ...rest] = process.argv.slice(2);
switch (command) {
  case 'scanner':
    await scanner(rest);
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
