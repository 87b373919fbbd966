import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('..', import.meta.url));

export interface HubProcess {
  url: string;
  mqttUrl: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts the hub as its own process (its own core), on ephemeral ports, and waits for "hub ready". */
export async function spawnHub(env: Record<string, string>): Promise<HubProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cjp-bench-'));
  const child = spawn(process.execPath, [...(process.env.BENCH_HUB_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_HUB_PROFILE}`] : []), '--conditions=source', '--import', 'tsx', join(REPO, 'hub-server/src/main.ts')], {
    cwd: REPO,
    env: { ...process.env, HUB_HTTP_PORT: '0', HUB_HTTP_HOST: '127.0.0.1', MQTT_PORT: '0', MQTT_HOST: '127.0.0.1', HUB_DATA_DIR: dataDir, HUB_DEMO: 'true', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ready = await new Promise<{ url: string; mqttUrl: string }>((resolve, reject) => {
    let buf = '';
    const onData = (chunk: Buffer) => {
      buf += chunk.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          const j = JSON.parse(line) as { msg?: string; url?: string; mqttUrl?: string };
          if (j.msg === 'hub ready' && j.url && j.mqttUrl) {
            child.stdout!.off('data', onData);
            child.stdout!.resume();
            resolve({ url: j.url, mqttUrl: j.mqttUrl });
          }
        } catch {
          /* not JSON */
        }
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`hub exited with ${code} before it was ready`)));
  });
  return {
    ...ready,
    child,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;
