import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEdgeConfig, startEdgeAgent, type EdgeAgent } from '@cjp/edge';
import { startScannerSimulator, type ScannerSimulator } from '@cjp/simulators';
import { startTestHub, waitFor, type TestHub } from '../../test-support/hub.js';
import { REPO, TMP } from '../../test-support/paths.js';

const UI_DIR = join(REPO, 'wms-ui', 'dist');
const SHOTS = join(REPO, 'test-results');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// A person's view: headless Chromium signs in to the UI the hub serves and watches a simulated scan
// arrive; the map shows the bonded center on the offline basemap; nothing is fetched from the web.
describe('web UI in Chromium', () => {
  let hub: TestHub;
  let sim: ScannerSimulator;
  let edge: EdgeAgent;
  let browser: Browser;
  const dir = mkdtempSync(join(TMP, 'ui-'));

  beforeAll(async () => {
    if (!existsSync(join(UI_DIR, 'index.html'))) throw new Error(`the UI is not built (${UI_DIR}): run npm run build first`);
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
    mkdirSync(SHOTS, { recursive: true });
    hub = await startTestHub({ http: { uiDir: UI_DIR } });
    sim = await startScannerSimulator({ ratePerSec: 4, seed: 7, garbageRatio: 0 });
    edge = await startEdgeAgent(
      parseEdgeConfig(
        {
          site: 'cjp',
          edgeId: 'wh-1',
          broker: { url: hub.mqttUrl, password: 'demo-edge-wh-1' },
          outbox: { path: 'outbox.sqlite' },
          devices: [{ id: 'scanner-1', driver: 'scanner-line', transport: `tcp://127.0.0.1:${sim.port}` }],
        },
        dir,
      ),
      { logger: pino({ level: 'silent' }) },
    );
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await edge?.close();
    await sim?.close();
    await hub?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('signs in, sees simulated scans arrive live, and shows the map offline', async () => {
    const page = await browser.newPage({ locale: 'zh-CN', viewport: { width: 1280, height: 800 } });
    const foreign: string[] = [];
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (!['127.0.0.1', 'localhost'].includes(u.hostname) && u.protocol !== 'data:' && u.protocol !== 'blob:') foreign.push(r.url());
    });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));

    await page.goto(hub.url);
    // 1. a wrong password is refused with a visible message
    await page.getByTestId('login-username').fill('operator');
    await page.getByTestId('login-password').fill('wrong');
    await page.getByTestId('login-submit').click();
    await expect.poll(async () => (await page.getByTestId('login-error').isVisible()) && (await page.getByTestId('login-error').innerText())).toBeTruthy();

    // 2. the demo operator signs in and the feed goes live
    await page.getByTestId('login-password').fill('cjp-demo');
    await page.getByTestId('login-submit').click();
    await page.getByTestId('events-table').waitFor();
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-state'), { timeout: 15_000 }).toBe('live');

    // 3. a scan emitted by the simulator after sign-in appears as a row, with its code
    const after = sim.emitted.length;
    const scan = await waitFor(() => sim.emitted.slice(after).find((s) => s.valid && !s.code.includes('\u001d')), 'a fresh scan without GS');
    await page.getByTestId('event-row').filter({ hasText: scan.code }).first().waitFor({ timeout: 20_000 });
    await page.screenshot({ path: join(SHOTS, 'live-scans.png'), fullPage: true });

    // 4. English at the flip of a switch
    await page.getByTestId('lang-switch').selectOption('en');
    await expect.poll(() => page.getByTestId('nav-live').innerText()).toContain('Live scans');

    // 5. the map: the offline country layer and the bonded center's marker, no tiles from the web
    await page.getByTestId('nav-map').click();
    // Countries outside the view are drawn as empty paths; count those with a real outline.
    const drawn = () =>
      page.$$eval('[data-testid="map"] .leaflet-overlay-pane path', (ps) => ps.filter((p) => (p.getAttribute('d') ?? '').length > 40).length);
    await expect.poll(drawn, { timeout: 20_000 }).toBeGreaterThan(20);
    await page.locator('[data-testid="map"] .leaflet-marker-icon').first().waitFor();
    await page.screenshot({ path: join(SHOTS, 'map.png') });

    expect(foreign).toEqual([]);
    expect(problems).toEqual([]);
  });
});
