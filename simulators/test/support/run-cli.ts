import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = path.join(repoRoot, 'simulators', 'src', 'cli.ts');
const running = new Set<ChildProcess>();

export type LogEntry = Record<string, unknown>;

/**
 * Runs `cjp-sim <args>` from source as a child process: its pino JSON lines parsed as they come
 * (`logged(msg)` waits for one), stdout and stderr kept. Call killCliChildren() in afterEach.
 */
export function runCli(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('close', () => running.delete(child));
  const logs: LogEntry[] = [];
  let stdout = '';
  let stderr = '';
  const waiters: Array<{ msg: string; resolve: (entry: LogEntry) => void }> = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    stdout += line + '\n';
    try {
      const entry = JSON.parse(line) as LogEntry;
      logs.push(entry);
      for (const w of waiters.filter((w) => w.msg === entry.msg)) w.resolve(entry);
    } catch {
      // --help prints plain text
    }
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const logged = (msg: string) => {
    const found = logs.find((e) => e.msg === msg);
    return found ? Promise.resolve(found) : new Promise<LogEntry>((resolve) => waiters.push({ msg, resolve }));
  };
  return { child, logs, exited, logged, stdout: () => stdout, stderr: () => stderr };
}

/** Kills every CLI child still running (SIGKILL). */
export function killCliChildren(): void {
  for (const c of running) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  running.clear();
}
