import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO } from './paths.js';

export const UI_DIR = join(REPO, 'wms-ui', 'dist');
/** screenshots the browser tests leave for people to look at */
export const SHOTS = join(REPO, 'test-results');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Debian's Chromium, headless, never reaching out; fails with what to do when the UI or Chromium is missing. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(join(UI_DIR, 'index.html'))) throw new Error(`the UI is not built (${UI_DIR}): run npm run build first`);
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

/** A new page that records what it fetches from outside localhost and the errors it throws. */
export async function watchedPage(browser: Browser): Promise<{ page: Page; foreign: string[]; problems: string[] }> {
  const page = await browser.newPage({ locale: 'zh-CN', viewport: { width: 1280, height: 800 } });
  const foreign: string[] = [];
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (!['127.0.0.1', 'localhost'].includes(u.hostname) && u.protocol !== 'data:' && u.protocol !== 'blob:') foreign.push(r.url());
  });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  return { page, foreign, problems };
}
