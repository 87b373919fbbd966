import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { io as ioClient, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceLiveUpdate, EventDto } from '@cjp/contracts';
import { parseEdgeConfig, startEdgeAgent, type EdgeAgent } from '@cjp/edge';
import {
  randomVehicleEpc,
  Rng,
  startCameraSimulator,
  startDeviceBroker,
  startRfidReaderSimulator,
  type CameraSimulator,
  type DeviceBroker,
  type RfidReaderSimulator,
} from '@cjp/simulators';
import { login, startTestHub, waitFor, type TestHub } from '../../test-support/hub.js';
import { TMP } from '../../test-support/paths.js';

const TOKEN = 'gate-in-camera-token-0001';

/**
 * The gate lane's push devices end to end: RFID readers (Zebra- and Impinj-like JSON on the site's
 * device broker) and a plate/container camera (HTTP POST to the edge) → gate edge → hub → screen.
 */
describe('gate devices: RFID readers and a camera through the gate edge to the hub', () => {
  let hub: TestHub;
  let devBroker: DeviceBroker;
  let zebra: RfidReaderSimulator;
  let impinj: RfidReaderSimulator;
  let camera: CameraSimulator;
  let edge: EdgeAgent;
  let socket: Socket;
  let token: string;
  const live: EventDto[] = [];
  const lives: DeviceLiveUpdate[] = [];
  const dir = mkdtempSync(join(TMP, 'e2e-gate-'));

  beforeAll(async () => {
    hub = await startTestHub();
    token = await login(hub, 'gate_officer');
    socket = ioClient(`${hub.url}/devices`, { auth: { token }, transports: ['websocket'] });
    socket.on('event:accepted', (e: EventDto) => live.push(e));
    socket.on('device:live', (u: DeviceLiveUpdate) => lives.push(u));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    devBroker = await startDeviceBroker();
    const config = parseEdgeConfig(
      {
        site: 'cjp',
        edgeId: 'gate-1',
        broker: { url: hub.mqttUrl, password: 'demo-edge-gate-1' },
        outbox: { path: 'outbox.sqlite' },
        http: { host: '127.0.0.1', port: 0 },
        liveIntervalMs: 100,
        devices: [
          { id: 'rfid-in-1', driver: 'rfid-mqtt', broker: { url: devBroker.url }, topic: 'readers/gate-in-1', format: 'zebra', role: 'vehicle' },
          { id: 'rfid-dock-1', driver: 'rfid-mqtt', broker: { url: devBroker.url }, topic: 'readers/dock-1', format: 'impinj', role: 'item', dedupeWindowMs: 1500 },
          { id: 'cam-in-1', driver: 'camera-http', reads: 'both', token: TOKEN },
        ],
      },
      dir,
    );
    edge = await startEdgeAgent(config, { logger: pino({ level: 'silent' }) });
    await waitFor(() => edge.health().devices.filter((d) => d.state === 'connected').length === 3, 'devices connected');
    zebra = await startRfidReaderSimulator({ brokerUrl: devBroker.url, topic: 'readers/gate-in-1', format: 'zebra', readerName: 'fx9600-gate-in-1', seed: 7 });
    impinj = await startRfidReaderSimulator({ brokerUrl: devBroker.url, topic: 'readers/dock-1', format: 'impinj', readerName: 'r700-dock-1', seed: 8, batch: true });
    camera = startCameraSimulator({ url: `http://127.0.0.1:${edge.httpPort}/cameras/cam-in-1/reads`, token: TOKEN, seed: 9 });
  });

  afterAll(async () => {
    socket?.close();
    camera?.close();
    await zebra?.close();
    await impinj?.close();
    await edge?.close();
    await devBroker?.close();
    await hub?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a truck e-tag passing the lane antenna is one vehicle rfid event, however many reads the reader sent', async () => {
    const epc = randomVehicleEpc(new Rng(1));
    // one antenna: the dedupe is per (epc, antenna), so two antennas would give two presences
    const pass = await zebra.tagEnters(epc, { durationMs: 600, antenna: 1 });
    expect(pass.reads.length).toBeGreaterThan(3);
    const e = await waitFor(() => live.find((x) => x.kind === 'rfid' && x.data.epc === epc), 'the vehicle read at the hub');
    expect(e).toMatchObject({ edgeId: 'gate-1', deviceId: 'rfid-in-1', data: { role: 'vehicle', source: 'zebra', count: 1 } });
    await new Promise((r) => setTimeout(r, 300));
    expect(live.filter((x) => x.kind === 'rfid' && x.data.epc === epc)).toHaveLength(1);
  });

  it('item tags read at a dock door are counted per presence, with their strongest RSSI', async () => {
    const epc = 'E28011606000020A4B3C2D1E';
    const pass = await impinj.tagEnters(epc, { durationMs: 500, antenna: 2 });
    const e = await waitFor(() => live.find((x) => x.kind === 'rfid' && x.data.epc === epc), 'the item read at the hub');
    expect(e.data).toMatchObject({ role: 'item', source: 'impinj', antenna: 2, count: pass.reads.length });
    expect(e.data.rssiDbm).toBe(Math.max(...pass.reads.map((r) => r.rssiDbm)));
  });

  it('camera reads become plate and container events; a failed ISO 6346 check is kept and flagged', async () => {
    const plate = await camera.readPlate('青B12345', { color: 'blue' });
    expect(plate).toMatchObject({ ok: true, status: 202 });
    camera.faults.corrupt(true);
    const bad = await camera.readContainers([{ number: 'CSQU3054383', isoCode: '22G1', position: 'rear' }]);
    camera.faults.corrupt(false);
    expect(bad.ok).toBe(true);
    const good = await camera.readContainers([{ number: 'MSKU1234565', isoCode: '45G1', position: 'rear' }]);
    expect(good.ok).toBe(true);

    await waitFor(() => live.filter((x) => x.deviceId === 'cam-in-1').length >= 3, 'three camera events');
    const cam = live.filter((x) => x.deviceId === 'cam-in-1');
    expect(cam.find((x) => x.kind === 'plate')?.data).toMatchObject({ plate: '青B12345', color: 'blue' });
    const containers = cam.filter((x) => x.kind === 'container').map((x) => x.data);
    expect(containers).toContainEqual(expect.objectContaining({ number: 'MSKU1234565', checkDigitValid: true, isoCode: '45G1' }));
    expect(containers).toContainEqual(expect.objectContaining({ checkDigitValid: false }));
    expect(containers.find((c) => c.checkDigitValid === false)?.number).toMatch(/^CSQU305438[0-24-9]$/);

    // The last reads are the camera's live values on the screens.
    await waitFor(() => lives.some((u) => u.edgeId === 'gate-1' && u.devices['cam-in-1']?.plate === '青B12345'), 'live plate on socket.io');
  });

  it('refuses a camera with a wrong token, and the edge says so in its health at the hub', async () => {
    const r = await fetch(`http://127.0.0.1:${edge.httpPort}/cameras/cam-in-1/reads`, {
      method: 'POST',
      headers: { authorization: 'Bearer not-the-token-at-all', 'content-type': 'application/json' },
      body: JSON.stringify({ plate: { number: '青A00001' } }),
    });
    expect(r.status).toBe(401);
    const edges = async () =>
      ((await (await fetch(`${hub.url}/api/v1/edges`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
        items: Array<{ edgeId: string; status: { devices: Array<{ deviceId: string; rejects?: Record<string, number> }> } | null }>;
      }).items.find((e) => e.edgeId === 'gate-1');
    await waitFor(async () => (await edges())?.status?.devices.find((d) => d.deviceId === 'cam-in-1')?.rejects?.auth === 1, 'auth reject in the hub status', 20_000);
  });
});
