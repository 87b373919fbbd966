import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { io as ioClient, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandDto, DeviceLiveUpdate, EventDto } from '@cjp/contracts';
import { parseEdgeConfig, startEdgeAgent, type EdgeAgent } from '@cjp/edge';
import { anyFreePort } from '@cjp/simulators';
import { startPlcSimulator, type BarrierCommandEvent, type PlcSimulator } from '@cjp/simulators/plc';
import { login, waitFor, type TestHub } from '../../test-support/hub.js';
import { TMP } from '../../test-support/paths.js';

/**
 * Commands end to end: an officer's "open" goes hub → broker → gate edge → OPC UA → the simulated
 * PLC, whose barrier opens; its state comes back as io events and live values. The PLC starts
 * after the edge, restarts mid-run, and the edge recovers without a restart.
 */
export function describeGateCommands(name: string, startHub: () => Promise<TestHub>, topicPrefix = 'cjp/v1'): void {
describe(name, () => {
  let hub: TestHub;
  let plc: PlcSimulator;
  let edge: EdgeAgent;
  let socket: Socket;
  let officer: string;
  const commands: CommandDto[] = [];
  const events: EventDto[] = [];
  const lives: DeviceLiveUpdate[] = [];
  const plcCommands: BarrierCommandEvent[] = [];
  const dir = mkdtempSync(join(TMP, 'e2e-plc-'));

  const send = async (deviceId: string, body: object) => {
    const r = await fetch(`${hub.url}/api/v1/edges/gate-1/devices/${deviceId}/commands`, {
      method: 'POST',
      headers: { authorization: `Bearer ${officer}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(r.status).toBe(202);
    return (await r.json()) as CommandDto;
  };
  const final = (id: string) => waitFor(() => commands.find((c) => c.id === id && c.state !== 'sent'), `command ${id} answered`, 30_000);
  const health = (id: string) => edge.health().devices.find((d) => d.deviceId === id)!;

  beforeAll(async () => {
    hub = await startHub();
    officer = await login(hub, 'gate_officer');
    socket = ioClient(`${hub.url}/devices`, { auth: { token: officer }, transports: ['websocket'] });
    socket.on('command:updated', (c: CommandDto) => commands.push(c));
    socket.on('event:accepted', (e: EventDto) => events.push(e));
    socket.on('device:live', (u: DeviceLiveUpdate) => lives.push(u));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    // The PLC is still off when the edge starts (a gate powering up): the edge must wait for it.
    const plcPort = await anyFreePort('127.0.0.1');
    const endpoint = { url: `opc.tcp://127.0.0.1:${plcPort}`, securityMode: 'None', securityPolicy: 'None', reconnectBaseMs: 100, reconnectMaxMs: 500 };
    edge = await startEdgeAgent(
      parseEdgeConfig(
        {
          site: 'cjp',
          edgeId: 'gate-1',
          broker: { url: hub.mqttUrl, password: 'demo-edge-gate-1', topicPrefix },
          outbox: { path: 'outbox.sqlite' },
          liveIntervalMs: 100,
          devices: [
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
            {
              id: 'etag-in-1',
              driver: 'opcua-rfid',
              endpoint,
              lastScanDataNode: 'ns=1;s=gate-in-1.Rfid.LastScanData',
              antennaNode: 'ns=1;s=gate-in-1.Rfid.Antenna',
              rssiNode: 'ns=1;s=gate-in-1.Rfid.Rssi',
              role: 'vehicle',
            },
          ],
        },
        dir,
      ),
      { logger: pino({ level: 'silent' }) },
    );
    await waitFor(() => edge.health().devices.every((d) => d.state !== 'connected' && d.errors > 0), 'the edge trying a PLC that is off');
    plc = await startPlcSimulator({ port: plcPort, lanes: ['gate-in-1'], pkiDir: join(dir, 'plc-pki'), barrierTravelMs: 200, logger: pino({ level: 'silent' }) });
    plc.on('barrier-command', (c) => plcCommands.push(c));
    await waitFor(() => edge.health().devices.every((d) => d.state === 'connected'), 'OPC UA devices connected once the PLC is up', 60_000);
    // The hub must have seen the edge online (its status) before it accepts commands for it.
    await waitFor(async () => {
      const r = await fetch(`${hub.url}/api/v1/edges`, { headers: { authorization: `Bearer ${officer}` } });
      const e = ((await r.json()) as { items: Array<{ edgeId: string; online: boolean; status: { devices: unknown[] } | null }> }).items.find((x) => x.edgeId === 'gate-1');
      return e?.online && (e.status?.devices.length ?? 0) === 3;
    }, 'gate-1 online at the hub');
  });

  afterAll(async () => {
    socket?.close();
    await edge?.close();
    await plc?.stop();
    await hub?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens the barrier on an officer\'s command: the PLC runs it once and its state comes back', async () => {
    const cmd = await send('barrier-in-1', { action: 'open' });
    const done = await final(cmd.id);
    expect(done).toMatchObject({ state: 'ok', issuedBy: 'gate_officer' });
    expect(plcCommands.filter((c) => c.action === 'open')).toHaveLength(1);
    expect(plcCommands[0]).toMatchObject({ lane: 'gate-in-1', via: 'method', accepted: true });
    await waitFor(() => plc.lane('gate-in-1').barrierState() === 'open', 'barrier open at the PLC');
    // state changes are io events at the hub, and live values on the screens
    await waitFor(() => events.some((e) => e.deviceId === 'barrier-in-1' && e.kind === 'io' && e.data.value === 'open'), 'io event "open"');
    await waitFor(() => lives.some((u) => u.devices['barrier-in-1']?.barrier === 'open'), 'live barrier state');

    const close = await send('barrier-in-1', { action: 'close' });
    expect((await final(close.id)).state).toBe('ok');
    await waitFor(() => plc.lane('gate-in-1').barrierState() === 'closed', 'barrier closed');
  });

  it('shows text on the LED, and refuses what the device cannot do', async () => {
    const show = await send('led-in-1', { action: 'show', args: { text: '青B12345 请通行' } });
    expect((await final(show.id)).state).toBe('ok');
    expect(plc.lane('gate-in-1').ledText()).toBe('青B12345 请通行');
    const bogus = await send('barrier-in-1', { action: 'fly' });
    expect(await final(bogus.id)).toMatchObject({ state: 'failed', error: expect.stringContaining('unknown action') });
  });

  it('reads a vehicle e-tag from the PLC\'s AutoID-like tags as one rfid event', async () => {
    const epc = 'E2801160600002084E9A1B2C';
    plc.lane('gate-in-1').readTag(epc, 2, -52.5);
    const e = await waitFor(() => events.find((x) => x.kind === 'rfid' && x.data.epc === epc), 'the e-tag at the hub');
    expect(e).toMatchObject({ deviceId: 'etag-in-1', data: { antenna: 2, rssiDbm: -52.5, role: 'vehicle', source: 'opcua-autoid', count: 1 } });
  });

  it('never runs a command that expired before the edge could run it', async () => {
    const before = plcCommands.length;
    await plc.stop();
    await waitFor(() => health('barrier-in-1').state !== 'connected', 'the edge sees the PLC gone');
    const cmd = await send('barrier-in-1', { action: 'open', ttlS: 1 });
    const done = await final(cmd.id);
    expect(done.state).toBe('expired');
    await plc.start();
    await waitFor(() => health('barrier-in-1').state === 'connected', 'reconnected after the PLC restart', 60_000);
    // give a wrongly kept command every chance to run
    await new Promise((r) => setTimeout(r, 1000));
    expect(plcCommands.length).toBe(before);
    expect(plc.lane('gate-in-1').barrierState()).toBe('closed');
  });

  it('recovers from a PLC restart without restarting the edge, and reports it in its health', async () => {
    const connectedSince = health('barrier-in-1').connectedSince;
    const errors = health('barrier-in-1').errors;
    await plc.stop();
    await waitFor(() => health('barrier-in-1').state !== 'connected', 'disconnected');
    await plc.start();
    await waitFor(() => health('barrier-in-1').state === 'connected', 'connected again', 60_000);
    const h = health('barrier-in-1');
    expect(h.errors).toBeGreaterThan(errors);
    expect(h.connectedSince).not.toBe(connectedSince);
    const cmd = await send('barrier-in-1', { action: 'open' });
    expect((await final(cmd.id)).state).toBe('ok');
    await waitFor(() => plc.lane('gate-in-1').barrierState() === 'open', 'opens after the restart');
  });
});
}
