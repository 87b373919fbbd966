// First, so that node-opcua's console output (loaded by the imports below) goes to the simulator's logger.
import { PLC_NAMESPACE_URI, startPlcSimulator, type BarrierCommandEvent, type PlcSimulator } from '../src/plc/plc-simulator.js';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OPCUACertificateManager } from 'node-opcua-certificate-manager';
import {
  AttributeIds,
  BrowseDirection,
  DataChangeFilter,
  DataChangeTrigger,
  DataType,
  DeadbandType,
  MessageSecurityMode,
  OPCUAClient,
  SecurityPolicy,
  StatusCodes,
  TimestampsToReturn,
  UserTokenType,
  type ClientSession,
  type ClientSubscription,
  type DataValue,
  type UserIdentityInfo,
} from 'node-opcua-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Keys and certificates are slow to make: one server store and one client store for the whole file.
const dirs: string[] = [];
const tempDir = (name: string) => {
  const d = mkdtempSync(join(tmpdir(), `cjp-plc-${name}-`));
  dirs.push(d);
  return d;
};
const clientPki = tempDir('client');
const cleanups: Array<() => Promise<unknown>> = [];
let sim: PlcSimulator;

beforeAll(async () => {
  sim = await startPlcSimulator({ port: 0, pkiDir: tempDir('server'), barrierTravelMs: 300 });
  // The client trusts the PLC's certificate the way an edge would: put into its trusted folder.
  await withClientStore(clientPki, (cm) => cm.trustCertificate(sim.serverCertificate()));
});

afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  await sim?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function withClientStore<T>(rootFolder: string, fn: (cm: OPCUACertificateManager) => Promise<T>): Promise<T> {
  const cm = new OPCUACertificateManager({ rootFolder, keySize: 2048, automaticallyAcceptUnknownCertificate: false });
  await cm.initialize();
  try {
    return await fn(cm);
  } finally {
    await cm.dispose();
  }
}

interface ConnectOptions {
  mode?: MessageSecurityMode;
  pki?: string;
  user?: UserIdentityInfo;
  /** must match the URI in the client certificate */
  applicationUri?: string;
}

/**
 * An OPC UA client like the edge's driver: its own certificate store, reconnecting by itself once
 * connected. node-opcua 2.182 reconnects after a lost connection only when maxRetry is -1 or > 0
 * (the reconnection itself then retries for ever); maxRetry 0 means "never reconnect".
 */
async function connect(endpointUrl: string, opts: ConnectOptions = {}): Promise<{ client: OPCUAClient; session: ClientSession }> {
  const mode = opts.mode ?? MessageSecurityMode.None;
  const client = OPCUAClient.create({
    applicationName: 'cjp-plc-test',
    ...(opts.applicationUri ? { applicationUri: opts.applicationUri } : {}),
    clientCertificateManager: new OPCUACertificateManager({ rootFolder: opts.pki ?? clientPki, keySize: 2048 }),
    securityMode: mode,
    securityPolicy: mode === MessageSecurityMode.None ? SecurityPolicy.None : SecurityPolicy.Basic256Sha256,
    endpointMustExist: false,
    keepSessionAlive: true,
    requestedSessionTimeout: 20_000,
    connectionStrategy: { initialDelay: 100, maxDelay: 500, maxRetry: 1, randomisationFactor: 0 },
  });
  cleanups.push(() => client.disconnect());
  await client.connect(endpointUrl);
  const session = await client.createSession(opts.user);
  cleanups.push(() => session.close());
  return { client, session };
}

async function subscribe(session: ClientSession): Promise<ClientSubscription> {
  return session.createSubscription2({
    requestedPublishingInterval: 50,
    requestedMaxKeepAliveCount: 20,
    requestedLifetimeCount: 100,
    publishingEnabled: true,
  });
}

/** Monitors a variable exception-based (samplingInterval 0) and collects every value delivered. */
async function watch(sub: ClientSubscription, nodeId: string, trigger?: DataChangeTrigger) {
  const values: DataValue[] = [];
  const filter = trigger === undefined ? null : new DataChangeFilter({ trigger, deadbandType: DeadbandType.None });
  const item = await sub.monitor({ nodeId, attributeId: AttributeIds.Value }, { samplingInterval: 0, queueSize: 100, discardOldest: true, filter }, TimestampsToReturn.Both);
  item.on('changed', (dv) => values.push(dv));
  await expect.poll(() => values.length).toBeGreaterThan(0); // the initial value
  return { values, all: () => values.map((v) => v.value.value as unknown) };
}

const read = async (session: ClientSession, nodeId: string) => (await session.read({ nodeId, attributeId: AttributeIds.Value })).value.value as unknown;

describe('PLC simulator over OPC UA', () => {
  it('shows one folder per lane under Objects/PLC, each with its weighbridge, barrier, LED and RFID tags in ns=1', async () => {
    const { session } = await connect(sim.endpointUrl);
    expect(await read(session, 'i=2255')).toEqual(['http://opcfoundation.org/UA/', PLC_NAMESPACE_URI]);

    const names = async (nodeId: string) =>
      (
        (await session.browse({ nodeId, browseDirection: BrowseDirection.Forward, referenceTypeId: 'HierarchicalReferences', includeSubtypes: true, resultMask: 63 }))
          .references ?? []
      ).map((r) => r.browseName.toString());
    expect(await names('ns=1;s=PLC')).toEqual(['1:gate-in-1', '1:gate-out-1']);
    expect(await names('ns=1;s=gate-out-1')).toEqual(expect.arrayContaining(['1:Weighbridge', '1:Barrier', '1:Led', '1:Rfid']));
    expect(await names('ns=1;s=gate-out-1.Barrier')).toEqual(expect.arrayContaining(['1:State', '1:Command', '1:Open', '1:Close']));

    const dv = await session.read({ nodeId: 'ns=1;s=gate-out-1.Weighbridge.Gross', attributeId: AttributeIds.Value });
    expect(dv.value.dataType).toBe(DataType.Double);
    expect(dv.value.value).toBe(0);
    expect(await read(session, 'ns=1;s=gate-out-1.Weighbridge.Stable')).toBe(true);
    expect(await read(session, 'ns=1;s=gate-out-1.Weighbridge.Overload')).toBe(false);
    expect(await read(session, 'ns=1;s=gate-out-1.Barrier.State')).toBe(0);
    expect(await read(session, 'ns=1;s=gate-out-1.Barrier.Command')).toBe(0);
    expect(await read(session, 'ns=1;s=gate-out-1.Led.Text')).toBe('');
    expect(await read(session, 'ns=1;s=gate-out-1.Rfid.LastScanData')).toBe('');

    // Weights are the PLC's to say, not the client's.
    const refused = await session.write({
      nodeId: 'ns=1;s=gate-out-1.Weighbridge.Gross',
      attributeId: AttributeIds.Value,
      value: { value: { dataType: DataType.Double, value: 1 } },
    });
    expect(refused.isGood()).toBe(false);
  });

  it('delivers each weight the indicator shows to a subscriber, with its stable flag', async () => {
    const { session } = await connect(sim.endpointUrl);
    const sub = await subscribe(session);
    const gross = await watch(sub, 'ns=1;s=gate-in-1.Weighbridge.Gross');
    const stable = await watch(sub, 'ns=1;s=gate-in-1.Weighbridge.Stable');
    const lane = sim.lane('gate-in-1');

    lane.setWeight(18_420, { stable: false });
    await expect.poll(() => gross.all()).toEqual([0, 18_420]);
    lane.setWeight(31_250);
    await expect.poll(() => gross.all()).toEqual([0, 18_420, 31_250]);
    await expect.poll(() => stable.all()).toEqual([true, false, true]);
    lane.setWeight(61_000, { overload: true });
    await expect.poll(() => read(session, 'ns=1;s=gate-in-1.Weighbridge.Overload')).toBe(true);
    lane.setWeight(0);
  });

  it('opens the barrier on the Open method: State goes 1 (opening) then 2 (open); Close brings it back through 3 to 0', async () => {
    const { session } = await connect(sim.endpointUrl);
    const sub = await subscribe(session);
    const state = await watch(sub, 'ns=1;s=gate-out-1.Barrier.State');
    const commands: BarrierCommandEvent[] = [];
    const states: string[] = [];
    sim.on('barrier-command', (e) => commands.push(e));
    sim.on('barrier-state', (e) => e.lane === 'gate-out-1' && states.push(e.state));

    const call = (method: string) => session.call({ objectId: 'ns=1;s=gate-out-1.Barrier', methodId: `ns=1;s=gate-out-1.Barrier.${method}`, inputArguments: [] });
    expect((await call('Open')).statusCode).toBe(StatusCodes.Good);
    await expect.poll(() => state.all()).toEqual([0, 1, 2]);
    expect(sim.lane('gate-out-1').barrierState()).toBe('open');
    expect(commands).toMatchObject([{ lane: 'gate-out-1', action: 'open', via: 'method', accepted: true }]);

    expect((await call('Close')).statusCode).toBe(StatusCodes.Good);
    await expect.poll(() => state.all()).toEqual([0, 1, 2, 3, 0]);
    expect(states).toEqual(['opening', 'open', 'closing', 'closed']);
    sim.removeAllListeners();
  });

  it('takes an open written to Barrier.Command, resets the tag to 0, and refuses commands while the barrier is in fault', async () => {
    const { session } = await connect(sim.endpointUrl);
    const lane = sim.lane('gate-in-1');
    const commands: BarrierCommandEvent[] = [];
    sim.on('barrier-command', (e) => commands.push(e));

    const write = (value: number) =>
      session.write({ nodeId: 'ns=1;s=gate-in-1.Barrier.Command', attributeId: AttributeIds.Value, value: { value: { dataType: DataType.Int16, value } } });
    expect(await write(1)).toBe(StatusCodes.Good);
    await expect.poll(() => lane.barrierState()).toBe('open');
    expect(await read(session, 'ns=1;s=gate-in-1.Barrier.Command')).toBe(0);
    expect(commands).toMatchObject([{ lane: 'gate-in-1', action: 'open', via: 'tag', accepted: true }]);

    lane.setBarrierFault(true);
    expect(await read(session, 'ns=1;s=gate-in-1.Barrier.State')).toBe(4);
    const call = await session.call({ objectId: 'ns=1;s=gate-in-1.Barrier', methodId: 'ns=1;s=gate-in-1.Barrier.Close', inputArguments: [] });
    expect(call.statusCode).toBe(StatusCodes.BadInvalidState);
    expect(await write(2)).toBe(StatusCodes.Good); // a PLC tag takes the write; the logic ignores it
    await expect.poll(() => read(session, 'ns=1;s=gate-in-1.Barrier.Command')).toBe(0);
    expect(lane.barrierState()).toBe('fault');
    expect(commands.slice(1).map((c) => [c.via, c.accepted])).toEqual([
      ['method', false],
      ['tag', false],
    ]);

    lane.setBarrierFault(false);
    expect(await read(session, 'ns=1;s=gate-in-1.Barrier.State')).toBe(0);
    sim.removeAllListeners();
  });

  it('keeps what a client writes to the LED display and announces it', async () => {
    const { session } = await connect(sim.endpointUrl);
    const shown = once(sim, 'led');
    const status = await session.write({
      nodeId: 'ns=1;s=gate-in-1.Led.Text',
      attributeId: AttributeIds.Value,
      value: { value: { dataType: DataType.String, value: '沪A12345 请停车称重' } },
    });
    expect(status).toBe(StatusCodes.Good);
    expect(await shown).toEqual([{ lane: 'gate-in-1', text: '沪A12345 请停车称重' }]);
    expect(sim.lane('gate-in-1').ledText()).toBe('沪A12345 请停车称重');
    expect(await read(session, 'ns=1;s=gate-in-1.Led.Text')).toBe('沪A12345 请停车称重');
    expect(sim.lane('gate-out-1').ledText()).toBe('');
  });

  it('lets a subscriber see every RFID read, even the same EPC twice', async () => {
    const { session } = await connect(sim.endpointUrl);
    const sub = await subscribe(session);
    const data = await watch(sub, 'ns=1;s=gate-out-1.Rfid.LastScanData', DataChangeTrigger.StatusValueTimestamp);
    const stamps = await watch(sub, 'ns=1;s=gate-out-1.Rfid.LastScanTimestamp');
    const lane = sim.lane('gate-out-1');

    lane.readTag('e28011700000020c1a2b3c4d', 2, -61.5);
    await expect.poll(() => data.all()).toEqual(['', 'E28011700000020C1A2B3C4D']);
    expect(await read(session, 'ns=1;s=gate-out-1.Rfid.Antenna')).toBe(2);
    expect(await read(session, 'ns=1;s=gate-out-1.Rfid.Rssi')).toBe(-61.5);
    lane.readTag('E28011700000020C1A2B3C4D', 1, -58);
    await expect.poll(() => data.all()).toEqual(['', 'E28011700000020C1A2B3C4D', 'E28011700000020C1A2B3C4D']);
    await expect.poll(() => stamps.values.length).toBe(3);
    const [, first, second] = data.values;
    expect(second!.sourceTimestamp!.getTime()).toBeGreaterThan(first!.sourceTimestamp!.getTime());
    expect(await read(session, 'ns=1;s=gate-out-1.Rfid.Antenna')).toBe(1);
  });

  it('refuses a SignAndEncrypt client with an unknown certificate, keeps it in rejected/, and lets it in once trusted', async () => {
    const pki = tempDir('client-secure');
    await withClientStore(pki, (cm) => cm.trustCertificate(sim.serverCertificate()));
    await expect(connect(sim.endpointUrl, { mode: MessageSecurityMode.SignAndEncrypt, pki })).rejects.toThrow();

    const rejectedDir = join(sim.pkiDir, 'rejected');
    const rejected = readdirSync(rejectedDir);
    expect(rejected).toHaveLength(1);
    const clientCert = readFileSync(join(pki, 'own', 'certs', 'client_certificate.pem'));
    const rejectedCert = readFileSync(join(rejectedDir, rejected[0]!));
    expect(rejectedCert.toString('latin1')).toContain(clientCert.toString('latin1').split('\n')[1]);

    await sim.trustClientCertificate(rejectedCert);
    expect(readdirSync(rejectedDir)).toHaveLength(0);
    const { session } = await connect(sim.endpointUrl, { mode: MessageSecurityMode.SignAndEncrypt, pki });
    expect(await read(session, 'ns=1;s=gate-in-1.Barrier.State')).toBe(0);
  });

  it('after stop() and start() on the same port, new clients connect and a connected client resumes its subscription', async () => {
    const { client, session } = await connect(sim.endpointUrl);
    const sub = await subscribe(session);
    const gross = await watch(sub, 'ns=1;s=gate-out-1.Weighbridge.Gross');
    const lost = once(client, 'connection_lost');
    const port = sim.port;

    await sim.stop();
    await sim.stop(); // idempotent
    expect(sim.running).toBe(false);
    await lost;
    // the port is free while the PLC is down
    const probe = net.createServer();
    await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(port, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    await expect(connect(sim.endpointUrl)).rejects.toThrow();

    sim.lane('gate-out-1').setWeight(24_680); // the PLC keeps its values while its server is down
    // a certificate can be trusted while the server is down, too
    const latePki = tempDir('client-late');
    const lateCert = await withClientStore(latePki, async (cm) => {
      await cm.trustCertificate(sim.serverCertificate());
      await cm.createSelfSignedCertificate({
        applicationUri: 'urn:cjp:plc-test-late',
        subject: '/CN=cjp-plc-test-late',
        startDate: new Date(),
        validity: 30,
        dns: [],
        outputFile: join(latePki, 'own', 'certs', 'client_certificate.pem'),
      });
      return readFileSync(join(latePki, 'own', 'certs', 'client_certificate.pem'));
    });
    await sim.trustClientCertificate(lateCert);

    await sim.start();
    expect(sim.port).toBe(port);
    const again = await connect(sim.endpointUrl);
    expect(await read(again.session, 'ns=1;s=gate-out-1.Weighbridge.Gross')).toBe(24_680);
    const late = await connect(sim.endpointUrl, { mode: MessageSecurityMode.SignAndEncrypt, pki: latePki, applicationUri: 'urn:cjp:plc-test-late' });
    expect(await read(late.session, 'ns=1;s=gate-out-1.Weighbridge.Gross')).toBe(24_680);

    await expect.poll(() => gross.all(), { timeout: 30_000 }).toContain(24_680);
    sim.lane('gate-out-1').setWeight(25_000);
    await expect.poll(() => gross.all(), { timeout: 10_000 }).toContain(25_000);
  });
});

describe('PLC simulator with user accounts', () => {
  it('refuses anonymous sessions when told to and accepts a configured user', async () => {
    const plc = await startPlcSimulator({ port: 0, pkiDir: tempDir('users'), lanes: ['gate-in-2'], security: ['None'], allowAnonymous: false, users: [{ username: 'edge', password: 's3cret' }] });
    cleanups.push(() => plc.stop());
    await expect(connect(plc.endpointUrl)).rejects.toThrow();
    await expect(connect(plc.endpointUrl, { user: { type: UserTokenType.UserName, userName: 'edge', password: 'wrong' } })).rejects.toThrow();
    const { session } = await connect(plc.endpointUrl, { user: { type: UserTokenType.UserName, userName: 'edge', password: 's3cret' } });
    expect(await read(session, 'ns=1;s=gate-in-2.Barrier.State')).toBe(0);
  });
});
