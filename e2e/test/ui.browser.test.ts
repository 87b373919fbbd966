import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEdgeConfig, startEdgeAgent, type EdgeAgent } from '@cjp/edge';
import { startScannerSimulator, startWeighbridgeSimulator, type ScannerSimulator, type WeighbridgeSimulator } from '@cjp/simulators';
import { startPlcSimulator, type BarrierCommandEvent, type PlcSimulator } from '@cjp/simulators/plc';
import { launchChromium, SHOTS, UI_DIR, watchedPage } from '../../test-support/browser.js';
import { startTestHub, waitFor, type TestHub } from '../../test-support/hub.js';
import { TMP } from '../../test-support/paths.js';

// A person's view: headless Chromium signs in to the UI the hub serves and watches a simulated scan
// arrive; the map shows the bonded center on the offline basemap; a gate officer watches the gate
// lane's devices live and commands the barrier and the LED; nothing is fetched from the web.
describe('web UI in Chromium', () => {
  let hub: TestHub;
  let sim: ScannerSimulator;
  let edge: EdgeAgent;
  let scale: WeighbridgeSimulator;
  let plc: PlcSimulator;
  let gate: EdgeAgent;
  let browser: Browser;
  const plcCommands: BarrierCommandEvent[] = [];
  const dir = mkdtempSync(join(TMP, 'ui-'));
  const gateDir = mkdtempSync(join(TMP, 'ui-gate-'));

  beforeAll(async () => {
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

    // The gate lane: a Toledo indicator behind a serial device server and the lane PLC (OPC UA),
    // both read by the gate edge.
    scale = await startWeighbridgeSimulator({ format: 'toledo', port: 0, trucks: [], framesPerSec: 10 });
    plc = await startPlcSimulator({ port: 0, lanes: ['gate-in-1'], pkiDir: join(gateDir, 'plc-pki'), barrierTravelMs: 200, logger: pino({ level: 'silent' }) });
    plc.on('barrier-command', (c) => plcCommands.push(c));
    const endpoint = { url: plc.endpointUrl, securityMode: 'None', securityPolicy: 'None', reconnectBaseMs: 100, reconnectMaxMs: 500 };
    gate = await startEdgeAgent(
      parseEdgeConfig(
        {
          site: 'cjp',
          edgeId: 'gate-1',
          broker: { url: hub.mqttUrl, password: 'demo-edge-gate-1' },
          outbox: { path: 'outbox.sqlite' },
          liveIntervalMs: 100,
          devices: [
            { id: 'weighbridge-in-1', driver: 'weighbridge', format: 'toledo', transport: `tcp://127.0.0.1:${scale.port}`, reconnectBaseMs: 100, reconnectMaxMs: 500 },
            {
              id: 'barrier-in-1',
              driver: 'opcua-barrier',
              endpoint,
              state: 'ns=1;s=gate-in-1.Barrier.State',
              objectId: 'ns=1;s=gate-in-1.Barrier',
              openMethod: 'ns=1;s=gate-in-1.Barrier.Open',
              closeMethod: 'ns=1;s=gate-in-1.Barrier.Close',
            },
            { id: 'led-in-1', driver: 'opcua-led', endpoint, textNode: 'ns=1;s=gate-in-1.Led.Text' },
          ],
        },
        gateDir,
      ),
      { logger: pino({ level: 'silent' }) },
    );
    await waitFor(() => gate.health().devices.every((d) => d.state === 'connected'), 'gate-1 devices connected', 60_000);

    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await gate?.close();
    await plc?.stop();
    await scale?.close();
    await edge?.close();
    await sim?.close();
    await hub?.dispose();
    rmSync(dir, { recursive: true, force: true });
    rmSync(gateDir, { recursive: true, force: true });
  });

  it('signs in, sees simulated scans arrive live, and shows the map offline', async () => {
    const { page, foreign, problems } = await watchedPage(browser);

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

  it('shows a gate officer the gate lane live: the weight on the scale, the barrier opening on a click, text sent to the LED', async () => {
    const { page, foreign, problems } = await watchedPage(browser);
    await page.goto(hub.url);
    await page.getByTestId('login-username').fill('gate_officer');
    await page.getByTestId('login-password').fill('cjp-demo');
    await page.getByTestId('login-submit').click();
    await page.getByTestId('nav-devices').click();
    await page.getByTestId('devices-page').waitFor();

    const card = (deviceId: string) => page.getByTestId(`device-card-gate-1-${deviceId}`);
    const scaleCard = card('weighbridge-in-1');
    const barrierCard = card('barrier-in-1');
    const ledCard = card('led-in-1');
    for (const c of [scaleCard, barrierCard, ledCard]) {
      await expect.poll(() => c.getByTestId('device-state').getAttribute('data-state'), { timeout: 20_000 }).toBe('connected');
    }

    // 1. a truck drives onto the scale and stands there: its weight, digit for digit, grouped as in zh-CN
    scale.playTruck({ gross: 31250, riseFrames: 10, stableFrames: 3000, fallFrames: 10, zeroFrames: 10 });
    const weight = scaleCard.getByTestId('device-live-weight');
    await expect.poll(() => weight.getAttribute('data-value'), { timeout: 20_000 }).toBe('31250');
    expect(await weight.innerText()).toBe('31,250');
    await expect.poll(() => scaleCard.getByTestId('weight-stable').getAttribute('data-stable')).toBe('true');

    // 2. the barrier: closed; the officer opens it, the command is answered, the PLC ran it once
    const barrier = barrierCard.getByTestId('barrier-state');
    await expect.poll(() => barrier.getAttribute('data-state'), { timeout: 20_000 }).toBe('closed');
    await barrierCard.getByTestId('cmd-open').click();
    await expect.poll(() => barrierCard.getByTestId('cmd-status').getAttribute('data-state'), { timeout: 30_000 }).toBe('ok');
    await expect.poll(() => barrier.getAttribute('data-state'), { timeout: 20_000 }).toBe('open');
    expect(plcCommands.filter((c) => c.action === 'open')).toHaveLength(1);
    expect(plcCommands[0]).toMatchObject({ lane: 'gate-in-1', action: 'open', accepted: true });
    expect(plc.lane('gate-in-1').barrierState()).toBe('open');

    // 3. the LED: the officer's text reaches the PLC's display and comes back as its live text
    await ledCard.getByTestId('led-text-input').fill('请通行');
    await ledCard.getByTestId('cmd-show').click();
    await expect.poll(() => ledCard.getByTestId('cmd-status').getAttribute('data-state'), { timeout: 30_000 }).toBe('ok');
    await expect.poll(() => plc.lane('gate-in-1').ledText(), { timeout: 20_000 }).toBe('请通行');
    await expect.poll(() => ledCard.getByTestId('led-text').innerText(), { timeout: 20_000 }).toBe('请通行');

    await page.screenshot({ path: join(SHOTS, 'devices.png'), fullPage: true });
    expect(foreign).toEqual([]);
    expect(problems).toEqual([]);
  });
});
