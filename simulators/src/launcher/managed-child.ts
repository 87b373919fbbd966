import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedChildOptions {
  /** Shown in front of every output line, e.g. "hub". */
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** Receives every stdout/stderr line of the child, without its line break. */
  onLine: (line: string, stream: 'stdout' | 'stderr') => void;
  /** How many recent lines to keep for error reports; 30 by default. */
  keepLines?: number;
}

/** A child process with its output read line by line and an orderly stop. */
export interface ManagedChild {
  readonly name: string;
  readonly pid: number | undefined;
  /** Resolves once the child has exited and its output is fully read. */
  readonly exited: Promise<ChildExit>;
  /** Null while it runs. */
  readonly exit: ChildExit | null;
  /** The last lines it printed, oldest first. */
  recentLines(): string[];
  /** SIGTERM, then SIGKILL after `graceMs` (10 s by default); resolves when it has exited. */
  stop(graceMs?: number): Promise<ChildExit>;
  /** Sends a signal if it still runs. */
  signal(signal: NodeJS.Signals): void;
}

export function spawnManagedChild(options: ManagedChildOptions): ManagedChild {
  // Own process group: a terminal Ctrl-C reaches only the launcher, which then stops the
  // children in order instead of all of them dying at once.
  const child = spawn(options.command, options.args, {
    env: options.env,
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const keep = options.keepLines ?? 30;
  const recent: string[] = [];
  const read = (stream: NodeJS.ReadableStream, which: 'stdout' | 'stderr') =>
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      recent.push(line);
      if (recent.length > keep) recent.shift();
      options.onLine(line, which);
    });
  read(child.stdout, 'stdout');
  read(child.stderr, 'stderr');

  let exit: ChildExit | null = null;
  const exited = new Promise<ChildExit>((resolve) => {
    // 'close' comes after 'exit' once stdout and stderr are drained, so no line is lost.
    child.once('close', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
    child.once('error', (err) => {
      recent.push(`spawn failed: ${err.message}`);
      options.onLine(`spawn failed: ${err.message}`, 'stderr');
      if (child.pid === undefined) {
        exit = { code: null, signal: null };
        resolve(exit);
      }
    });
  });

  const send = (signal: NodeJS.Signals) => {
    if (exit === null && child.exitCode === null && child.signalCode === null) child.kill(signal);
  };

  return {
    name: options.name,
    pid: child.pid,
    exited,
    get exit() {
      return exit;
    },
    recentLines: () => [...recent],
    signal: send,
    async stop(graceMs = 10_000) {
      if (exit) return exit;
      send('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const killed = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          send('SIGKILL');
          resolve();
        }, graceMs);
      });
      await Promise.race([exited, killed]);
      clearTimeout(timer);
      return exited;
    },
  };
}
