import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { openDb, parseHubConfig, startHub, type Hub, type HubConfigInput } from '@cjp/hub-server';
import { TMP, templateDir } from './paths.js';

/** A fresh copy of the migrated PGlite template in its own folder. */
export function freshPgliteDir(): { dir: string; remove(): void } {
  const root = mkdtempSync(join(TMP, 'pgl-'));
  const dir = join(root, 'pglite');
  cpSync(templateDir(), dir, { recursive: true });
  return { dir, remove: () => rmSync(root, { recursive: true, force: true }) };
}

export interface TestHub extends Hub {
  /** closes the hub and removes its data folder */
  dispose(): Promise<void>;
}

/** A hub on ephemeral ports with its own copy of the template database, demo seed on. */
export async function startTestHub(over: HubConfigInput = {}): Promise<TestHub> {
  const data = over.db?.url ? null : freshPgliteDir();
  const config = parseHubConfig({
    demo: true,
    logLevel: 'silent',
    ...over,
    http: { host: '127.0.0.1', port: 0, uiDir: '/nonexistent', ...over.http },
    mqtt: { host: '127.0.0.1', port: 0, ...over.mqtt },
    db: { dataDir: data?.dir ?? 'memory://', ...over.db },
  });
  const db = data ? await openDb({ dataDir: data.dir }) : undefined;
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const hub = await startHub(config, { logger, ...(db ? { db } : {}) }).catch((err: unknown) => {
    data?.remove();
    throw err;
  });
  return Object.assign(hub, {
    async dispose() {
      await hub.close();
      data?.remove();
    },
  });
}

/** Signs in and returns the bearer token. */
export async function login(hub: { url: string }, username: string, password = 'cjp-demo'): Promise<string> {
  const r = await fetch(`${hub.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${await r.text()}`);
  return ((await r.json()) as { token: string }).token;
}

/** Polls until check() is truthy; fails with the description after timeoutMs. */
export async function waitFor<T>(check: () => Promise<T> | T, what: string, timeoutMs = 30_000, everyMs = 50): Promise<Exclude<T, null | undefined | false | 0 | ''>> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as Exclude<T, null | undefined | false | 0 | ''>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
