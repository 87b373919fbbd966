import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { lstatSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * Two linked pseudo-terminals made by socat: bytes written to one end come out of the other, as
 * on a null-modem cable. The simulator opens `a` and writes frames; the edge's serial driver opens
 * `b` (`serial://<b>`), so the real serialport code path runs without hardware.
 */
export interface PtyPair {
  /** symlink to the simulator's end (a /dev/pts/N) */
  readonly a: string;
  /** symlink to the other end: what the edge opens, `serial://<b>` */
  readonly b: string;
  /** socat's process id */
  readonly pid: number;
  /** stops socat, which removes both links; idempotent */
  close(): Promise<void>;
}

export interface PtyPairOptions {
  /** file name (or path, resolved against `dir`) of the simulator's end; default "a" */
  a?: string;
  /** file name (or path, resolved against `dir`) of the edge's end; default "b" */
  b?: string;
  /** give up when socat has not made both links by then (default 5000 ms) */
  timeoutMs?: number;
  /** the socat executable (default "socat", looked up on PATH) */
  socat?: string;
}

/** socat could not be started: it is not installed, or not on PATH. */
export class SocatMissingError extends Error {
  constructor(command: string, cause?: unknown) {
    super(`socat ("${command}") is not installed or not on PATH; the pty transport needs it (e.g. apt-get install socat)`, { cause });
    this.name = 'SocatMissingError';
  }
}

/** Whether socat can be run, for skipping pty tests and for a clear CLI error. */
export function socatAvailable(command = 'socat'): boolean {
  const r = spawnSync(command, ['-V'], { stdio: 'ignore', timeout: 5000 });
  return r.error === undefined && r.status === 0;
}

const exists = (path: string) => {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
};

/**
 * Spawns `socat -d -d pty,raw,echo=0,link=<a> pty,raw,echo=0,link=<b>` and resolves once socat
 * runs its transfer loop and both links exist. Rejects with SocatMissingError when socat cannot
 * be started, and with socat's own messages when it exits or times out first. Both ends are raw
 * (no echo, no CR/LF translation), so every byte passes unchanged.
 */
export function openPtyPair(dir: string, opts: PtyPairOptions = {}): Promise<PtyPair> {
  const a = resolve(dir, opts.a ?? 'a');
  const b = resolve(dir, opts.b ?? 'b');
  const command = opts.socat ?? 'socat';
  for (const path of [a, b]) {
    // socat's address syntax would split these; refuse rather than make links elsewhere
    if (/[,:!]/.test(path)) return Promise.reject(new Error(`pty link path "${path}" must not contain ",", ":" or "!" (socat address syntax)`));
    if (exists(path)) return Promise.reject(new Error(`pty link path "${path}" already exists (another pty pair there? remove it first)`));
  }
  if (a === b) return Promise.reject(new Error(`the two pty link paths are the same: "${a}"`));

  let child: ChildProcess;
  try {
    child = spawn(command, ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    return Promise.reject(new SocatMissingError(command, err));
  }
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let log = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    // keep only the start and a bounded tail for error messages
    log = (log + d).slice(-4000);
  });

  const close = async () => {
    // (a child that never started has no pid and never exits)
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(killer);
    }
    // socat removes its links on SIGTERM; not after SIGKILL
    for (const path of [a, b]) if (exists(path) && lstatSync(path).isSymbolicLink()) rmSync(path, { force: true });
  };

  return new Promise<PtyPair>((resolvePair, reject) => {
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      clearInterval(poll);
      clearTimeout(timer);
      void close().then(() => reject(err));
    };
    child.once('error', (err: NodeJS.ErrnoException) => fail(err.code === 'ENOENT' ? new SocatMissingError(command, err) : err));
    child.once('exit', (code, signal) => fail(new Error(`socat exited (${signal ?? `code ${code}`}) before the pty pair was ready: ${log.trim() || 'no output'}`)));
    const timer = setTimeout(() => fail(new Error(`socat made no pty pair within ${opts.timeoutMs ?? 5000} ms: ${log.trim() || 'no output'}`)), opts.timeoutMs ?? 5000);
    const poll = setInterval(() => {
      if (settled || !log.includes('starting data transfer loop') || !exists(a) || !exists(b)) return;
      settled = true;
      clearInterval(poll);
      clearTimeout(timer);
      resolvePair({ a, b, pid: child.pid ?? -1, close });
    }, 10);
  });
}
