import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from './paths.js';

export interface Child {
  proc: ChildProcess;
  /** every stdout/stderr line so far, for failure messages */
  lines: string[];
  /** resolves when a JSON log line with this msg appears */
  waitForLog(msg: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** SIGKILL: no cleanup, like a power cut to the process */
  kill9(): Promise<void>;
  /** SIGTERM and wait for the exit code */
  stop(): Promise<number | null>;
}

/** Runs one of our TypeScript entry points in its own process, from source (no build needed). */
export function spawnTs(entry: string, args: string[], env: Record<string, string>): Child {
  const proc = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', join(REPO, entry), ...args], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const listeners = new Set<(line: string) => void>();
  for (const stream of [proc.stdout!, proc.stderr!]) {
    let buf = '';
    stream.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        lines.push(line);
        if (lines.length > 2000) lines.shift();
        for (const l of listeners) l(line);
      }
    });
  }
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return {
    proc,
    lines,
    waitForLog(msg, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`${entry}: no "${msg}" within ${timeoutMs} ms; last lines:\n${lines.slice(-15).join('\n')}`));
        }, timeoutMs);
        const check = (line: string) => {
          try {
            const j = JSON.parse(line) as Record<string, unknown>;
            if (j.msg === msg) {
              clearTimeout(timer);
              listeners.delete(check);
              resolve(j);
            }
          } catch {
            /* not JSON */
          }
        };
        listeners.add(check);
        void exited.then((code) => {
          if (!listeners.has(check)) return;
          clearTimeout(timer);
          listeners.delete(check);
          reject(new Error(`${entry} exited (${code}) before "${msg}"; last lines:\n${lines.slice(-15).join('\n')}`));
        });
      });
    },
    async kill9() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      return exited;
    },
  };
}
