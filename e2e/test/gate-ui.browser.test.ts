import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics, type EventKind } from '@cjp/contracts';
import { launchChromium, SHOTS, UI_DIR, watchedPage } from '../../test-support/browser.js';
import { login, startTestHub, type TestHub } from '../../test-support/hub.js';

const PASSPORT_NO = 'Z8601I261128000000000001';
const PLATE = '青B12345';
const LANE = 'gate-in-1';

async function signIn(page: Page, hub: TestHub, username: string): Promise<void> {
  await page.goto(hub.url);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill('cjp-demo');
  await page.getByTestId('login-submit').click();
  await page.getByTestId('user').waitFor();
}

async function post(hub: TestHub, token: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${hub.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
}

// A gate officer's view of the customs gate: a truck with an approved release note drives onto
// gate-in-1, weighs far more than declared and is held; the officer sees it on the lane tile and in
// the queue, releases it manually with a reason, finds it in the history with the explanation of
// both decisions, and exports the history as CSV. The gate edge is played over MQTT.
describe('gate monitor in Chromium', () => {
  let hub: TestHub;
  let browser: Browser;
  let edge: MqttClient | null = null;
  let seq = 0;

  /** Publishes one reading as edge gate-1 would (QoS 1, the edge's own credentials). */
  async function publish(kind: EventKind, deviceId: string, data: Record<string, unknown>): Promise<void> {
    if (!edge) throw new Error('edge not connected');
    seq += 1;
    const envelope = { v: 1, edgeId: 'gate-1', seq, id: `gate-1:${seq}`, deviceId, kind, ts: new Date().toISOString(), data };
    await edge.publishAsync(topics().evt('cjp', 'gate-1', kind, deviceId), JSON.stringify(envelope), { qos: 1 });
  }

  beforeAll(async () => {
    hub = await startTestHub({ http: { uiDir: UI_DIR } });

    // 1. the enterprise declares a release note for one loaded truck (declared total 25,000 kg), customs approves it
    const enterprise = await login(hub, 'enterprise');
    const created = await post(hub, enterprise, '/api/v1/gate/release-notes', {
      passportNo: PASSPORT_NO,
      ioTypecd: 'I',
      passportTypecd: '2',
      bindTypecd: '2',
      vehicles: [{ vehicleNo: PLATE, vehicleWt: '15000', totalGrossWt: '10000', containers: [] }],
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const customs = await login(hub, 'customs');
    const approved = await post(hub, customs, `/api/v1/gate/release-notes/${PASSPORT_NO}/approve`, {});
    expect(approved.status, await approved.clone().text()).toBe(200);
    expect(((await approved.json()) as { status: string }).status).toBe('approved');

    edge = await mqtt.connectAsync(hub.mqttUrl, { username: 'gate-1', password: 'demo-edge-gate-1', reconnectPeriod: 0, connectTimeout: 5000 });

    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await edge?.endAsync();
    await hub?.dispose();
  });

  it('shows a held truck on its lane and in the queue, releases it with a reason, finds it in the history and the CSV', async () => {
    const { page, foreign, problems } = await watchedPage(browser);
    await signIn(page, hub, 'gate_officer');
    await page.getByTestId('nav-gate').click();
    await page.getByTestId('gate-page').waitFor();
    await expect.poll(() => page.getByTestId('gate-page').getAttribute('data-conn'), { timeout: 15_000 }).toBe('live');
    const tile = page.getByTestId(`gate-lane-${LANE}`);
    await tile.waitFor();
    await page.getByTestId('gate-lane-gate-out-1').waitFor();

    // 1. the truck drives on: its plate is read, the scale settles far above the declared 25,000 kg
    await publish('plate', `cam-${LANE}`, { plate: PLATE });
    await publish('weight', `wb-${LANE}`, { grossKg: '40000', stable: true, stabilitySource: 'indicator', overload: false, trigger: 'stable', format: 'toledo' });

    // 2. the lane tile: plate, stable weight, note, and the hold with its reason
    await expect.poll(() => tile.getByTestId('lane-plate').getAttribute('data-plate'), { timeout: 20_000 }).toBe(PLATE);
    await expect.poll(() => tile.getAttribute('data-state'), { timeout: 60_000 }).toBe('held');
    expect(await tile.getByTestId('lane-reasons').innerText()).toContain('重量超差');
    expect(await tile.getByTestId('lane-decision').getAttribute('data-outcome')).toBe('hold');
    expect(await tile.getByTestId('lane-weight-stable').getAttribute('data-value')).toBe('40000');
    expect(await tile.getByTestId('lane-note').innerText()).toBe(PASSPORT_NO);
    expect(await tile.locator('[data-rule="weight"]').getAttribute('data-result')).toBe('fail');
    // the rule explains itself in Chinese, with the figures it used (the hub's English is the fallback)
    const weightRule = await tile.locator('[data-rule="weight"]').innerText();
    expect(weightRule).toContain('实称 40000 kg');
    expect(weightRule).toContain('超出允许');
    const passageId = await tile.getAttribute('data-passage-id');
    expect(passageId).toBeTruthy();

    // 3. the queue holds it; a resolution without a reason is refused in the form
    const row = page.getByTestId(`held-${passageId}`);
    await row.waitFor();
    expect(await row.getByTestId('held-reasons').innerText()).toContain('重量超差');
    await page.screenshot({ path: join(SHOTS, 'gate-held.png') });
    await row.getByTestId('resolve-release').click();
    await row.getByTestId('resolve-submit').click();
    await row.getByTestId('resolve-reason-required').waitFor();

    // 4. released manually with a reason: the row leaves the queue, the tile shows the release
    await row.getByTestId('resolve-reason').fill('现场复核：货物与申报一致，地磅标定偏差');
    await row.getByTestId('resolve-submit').click();
    await expect.poll(() => page.getByTestId(`held-${passageId}`).count(), { timeout: 20_000 }).toBe(0);
    await expect.poll(() => tile.getAttribute('data-state'), { timeout: 20_000 }).toBe('released');
    expect(await tile.getByTestId('lane-decision').getAttribute('data-outcome')).toBe('release');
    await page.getByTestId('held-empty').waitFor();

    // 5. the history finds it by plate; its explanation has both decisions and the failed weight rule
    await page.getByTestId('history-plate').fill(PLATE);
    await page.getByTestId('history-submit').click();
    const hit = page.locator(`[data-testid="history-row"][data-passage-id="${passageId}"]`);
    await hit.waitFor({ timeout: 20_000 });
    expect(await hit.getAttribute('data-state')).toBe('released');
    expect(await hit.innerText()).toContain(PASSPORT_NO);
    await hit.click();
    const detail = page.getByTestId('passage-detail');
    await detail.waitFor();
    await expect.poll(() => detail.getByTestId('detail-decision').count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    const hold = detail.locator('[data-testid="detail-decision"][data-outcome="hold"]').first();
    expect(await hold.locator('[data-rule="weight"]').getAttribute('data-result')).toBe('fail');
    expect(await hold.locator('[data-rule="weight"]').innerText()).toContain('重量超差');
    expect(await hold.locator('[data-rule="weight"] [data-testid="detail-rule-text"]').innerText()).toMatch(/实称 40000 kg，申报 25000(\.0+)? kg/);
    expect(await hold.getByTestId('detail-thresholds').innerText()).toContain('tolerance');
    expect(await detail.getByTestId('detail-resolution').first().innerText()).toContain('现场复核');
    await page.screenshot({ path: join(SHOTS, 'gate-detail.png') });
    await detail.getByTestId('detail-close').click();
    await detail.waitFor({ state: 'detached' });

    // 6. the CSV export: the link's URL, fetched with the session cookie only (as a download is)
    const href = await page.getByTestId('history-csv').getAttribute('href');
    expect(href).toContain('/api/v1/gate/passages.csv');
    const csv = await page.evaluate(async (url) => {
      const r = await fetch(url, { credentials: 'same-origin' });
      return { status: r.status, type: r.headers.get('content-type') ?? '', text: await r.text() };
    }, href!);
    expect(csv.status).toBe(200);
    expect(csv.type).toContain('text/csv');
    expect(csv.text).toContain(PLATE);

    await page.screenshot({ path: join(SHOTS, 'gate.png'), fullPage: true });
    expect(foreign).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('offers the gate only to the roles that may watch it', async () => {
    const { page, foreign, problems } = await watchedPage(browser);
    // a dispatcher follows the device feed but not the gate
    await signIn(page, hub, 'dispatcher');
    expect(await page.getByTestId('nav-gate').count()).toBe(0);
    await page.goto(`${hub.url}/#/gate`);
    await page.getByTestId('gate-forbidden').waitFor();
    await page.getByTestId('logout').click();
    await page.getByTestId('login-username').waitFor();
    // an enterprise user follows neither feed: refused, it stays signed in all the same
    await signIn(page, hub, 'enterprise');
    expect(await page.getByTestId('nav-gate').count()).toBe(0);
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-state'), { timeout: 15_000 }).toBe('offline');
    await page.reload();
    await page.getByTestId('user').waitFor();
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-state'), { timeout: 15_000 }).toBe('offline');
    expect(await page.getByTestId('user-role').innerText()).toContain('企业');
    expect(await page.getByTestId('login-username').count()).toBe(0);
    expect(foreign).toEqual([]);
    expect(problems).toEqual([]);
  });
});
