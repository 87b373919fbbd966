// A small OPC UA server playing a gate lane's PLC (barrier, LED, weighbridge tags) and an AutoID
// reader, for the edge's OPC UA driver tests. (The full PLC simulator lives in simulators/; edge
// tests do not import it.)

import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { OPCUACertificateManager as CertificateManager, OPCUACertificateManagerOptions } from 'node-opcua-certificate-manager';
import { DataType, MessageSecurityMode, SecurityPolicy, StatusCodes, Variant, type DataValue, type StatusCode } from 'node-opcua-client';
import { OPCUAServer } from 'node-opcua-server';
import { parseEdgeConfig, type DeviceConfig, type OpcuaDeviceConfig } from '../../src/config.js';
import type { Device, DeviceContext } from '../../src/device.js';
import { createOpcuaDevice, OpcuaPool } from '../../src/drivers/opcua/index.js';
import type { DeviceReading } from '../../src/reading.js';
import { captureLogger, type LogLine } from './util.js';

// node-opcua-server does not re-export the certificate manager: take the copy it depends on.
const fromServer = createRequire(createRequire(import.meta.url).resolve('node-opcua-server'));
const { OPCUACertificateManager } = fromServer('node-opcua-certificate-manager') as {
  OPCUACertificateManager: new (o: OPCUACertificateManagerOptions) => CertificateManager;
};

/** The AutoID reader's tags live in a namespace of their own, to test `nsu=` node ids. */
export const AUTOID_NS = 'urn:cjp:test:autoid';

export const TAGS = {
  barrierState: { nodeId: 's=gate-in-1.Barrier.State', dataType: DataType.Int16, value: 0 },
  barrierCommand: { nodeId: 's=gate-in-1.Barrier.Command', dataType: DataType.Int16, value: 0, writable: true },
  ledText: { nodeId: 's=gate-in-1.Led.Text', dataType: DataType.String, value: '', writable: true },
  gross: { nodeId: 's=gate-in-1.Scale.Gross', dataType: DataType.Double, value: 0 },
  grossInt: { nodeId: 's=gate-in-1.Scale.GrossInt', dataType: DataType.Int32, value: 0 },
  stable: { nodeId: 's=gate-in-1.Scale.Stable', dataType: DataType.Boolean, value: true },
  overload: { nodeId: 's=gate-in-1.Scale.Overload', dataType: DataType.Boolean, value: false },
  scanData: { nodeId: 's=gate-in-1.Rfid.LastScanData', dataType: DataType.String, value: '', ns: 'autoid' },
  scanAntenna: { nodeId: 's=gate-in-1.Rfid.LastScanAntenna', dataType: DataType.Int32, value: 1, ns: 'autoid' },
  scanRssi: { nodeId: 's=gate-in-1.Rfid.LastScanRSSI', dataType: DataType.Int32, value: -60, ns: 'autoid' },
} as const;
export type TagName = keyof typeof TAGS;

/** Node ids as the edge's config names them. */
export const NODE = {
  barrierObject: 'ns=1;s=gate-in-1.Barrier',
  barrierOpen: 'ns=1;s=gate-in-1.Barrier.Open',
  barrierClose: 'ns=1;s=gate-in-1.Barrier.Close',
  ...(Object.fromEntries(
    Object.entries(TAGS).map(([name, t]) => [name, 'ns' in t ? `nsu=${AUTOID_NS};${t.nodeId}` : `ns=1;${t.nodeId}`]),
  ) as Record<TagName, string>),
};

export interface OpcuaTestServerOptions {
  /** 0 (default): any free port */
  port?: number;
  /** the server's certificate store; reuse it within a test file (RSA keys are slow to make) */
  pkiDir: string;
  /** SignAndEncrypt + Basic256Sha256 only; default: None only */
  secure?: boolean;
  /** accept a client certificate it has not seen (default true) */
  acceptUnknownClients?: boolean;
}

export interface OpcuaTestServer {
  readonly port: number;
  readonly url: string;
  /** the method calls and command/LED writes the server received, in order */
  readonly calls: { name: string; value?: unknown }[];
  /** sets a tag as the PLC would; `status` for a bad-quality value, `sourceTimestamp` by default now */
  set(tag: TagName, value: unknown, opts?: { status?: StatusCode; sourceTimestamp?: Date }): void;
  get(tag: TagName): unknown;
  /** sessions currently open */
  sessions(): number;
  /** the server's own certificate (PEM file) */
  readonly certificateFile: string;
  stop(): Promise<void>;
}

export async function startOpcuaServer(opts: OpcuaTestServerOptions): Promise<OpcuaTestServer> {
  const serverCertificateManager = new OPCUACertificateManager({
    rootFolder: opts.pkiDir,
    automaticallyAcceptUnknownCertificate: opts.acceptUnknownClients ?? true,
    disableFileWatchers: true,
  });
  const userCertificateManager = new OPCUACertificateManager({ rootFolder: `${opts.pkiDir}-users`, automaticallyAcceptUnknownCertificate: false, disableFileWatchers: true });
  const server = new OPCUAServer({
    port: opts.port ?? 0,
    hostname: '127.0.0.1',
    resourcePath: '/UA/cjp-test-plc',
    buildInfo: { productName: 'cjp-test-plc' },
    serverCertificateManager,
    userCertificateManager,
    securityModes: opts.secure ? [MessageSecurityMode.SignAndEncrypt] : [MessageSecurityMode.None],
    securityPolicies: opts.secure ? [SecurityPolicy.Basic256Sha256] : [SecurityPolicy.None],
    allowAnonymous: true,
    // exception-based tags (MinimumSamplingInterval 0) requested with samplingInterval 0 then
    // deliver every change; with the default (100 ms) changes inside a window are coalesced
    serverCapabilities: { minSupportedSampleRate: 0 },
  });
  await server.initialize();
  const addressSpace = server.engine.addressSpace;
  if (!addressSpace) throw new Error('no address space');
  const plc = addressSpace.getOwnNamespace();
  const autoid = addressSpace.registerNamespace(AUTOID_NS);
  const objects = addressSpace.rootFolder.objects;
  const barrier = plc.addObject({ organizedBy: objects, browseName: 'Barrier', nodeId: 's=gate-in-1.Barrier' });
  const folder = plc.addObject({ organizedBy: objects, browseName: 'GateIn1', nodeId: 's=gate-in-1' });
  const reader = autoid.addObject({ organizedBy: objects, browseName: 'Rfid', nodeId: 's=gate-in-1.Rfid' });

  const calls: { name: string; value?: unknown }[] = [];
  const vars = {} as Record<TagName, ReturnType<typeof plc.addVariable>>;
  for (const [name, t] of Object.entries(TAGS) as [TagName, (typeof TAGS)[TagName]][]) {
    const ns = 'ns' in t ? autoid : plc;
    const writable = 'writable' in t && t.writable;
    vars[name] = ns.addVariable({
      componentOf: name.startsWith('barrier') ? barrier : 'ns' in t ? reader : folder,
      browseName: t.nodeId.split('.').slice(-1)[0] ?? name,
      nodeId: t.nodeId,
      dataType: DataType[t.dataType],
      minimumSamplingInterval: 0,
      ...(writable ? { accessLevel: 'CurrentRead | CurrentWrite', userAccessLevel: 'CurrentRead | CurrentWrite' } : {}),
      value: new Variant({ dataType: t.dataType, value: t.value }),
    });
  }
  const set = (tag: TagName, value: unknown, o: { status?: StatusCode; sourceTimestamp?: Date } = {}) => {
    vars[tag].setValueFromSource(new Variant({ dataType: TAGS[tag].dataType, value }), o.status ?? StatusCodes.Good, o.sourceTimestamp ?? new Date());
  };

  // the PLC program: a command value moves the barrier, and the command tag is reset to 0
  vars.barrierCommand.on('value_changed', (dv: DataValue) => {
    const v = dv.value.value as number;
    if (v === 0) return;
    calls.push({ name: 'Command', value: v });
    if (v === 1) set('barrierState', 2);
    else if (v === 2) set('barrierState', 0);
    set('barrierCommand', 0);
  });
  vars.ledText.on('value_changed', (dv: DataValue) => calls.push({ name: 'Led.Text', value: dv.value.value }));
  for (const [name, state] of [
    ['Open', 2],
    ['Close', 0],
  ] as const) {
    const method = plc.addMethod(barrier, { browseName: name, nodeId: `s=gate-in-1.Barrier.${name}`, inputArguments: [], outputArguments: [] });
    method.bindMethod(async (_inputs: Variant[], _context: unknown) => {
      calls.push({ name });
      set('barrierState', state);
      return { statusCode: StatusCodes.Good };
    });
  }

  await server.start();
  const port = server.endpoints[0]?.port ?? 0;
  return {
    port,
    url: `opc.tcp://127.0.0.1:${port}/UA/cjp-test-plc`,
    calls,
    set,
    get: (tag) => vars[tag].readValue().value.value,
    sessions: () => server.engine.currentSessionCount,
    certificateFile: join(opts.pkiDir, 'own', 'certs', 'certificate.pem'),
    stop: () => server.shutdown(0),
  };
}

// ---- devices under test, with our own DeviceContext -----------------------------------------


/** Devices on one pool (one "agent") with a sink that keeps what they submit. */
export class OpcuaHarness {
  readonly readings: DeviceReading[] = [];
  readonly lines: LogLine[];
  readonly pool: OpcuaPool;
  stateChanges = 0;
  liveChanges = 0;
  private readonly devices: Device[] = [];
  readonly ctx: DeviceContext;

  constructor() {
    const log = captureLogger();
    this.lines = log.lines;
    this.ctx = {
      sink: {
        submit: (r) => {
          this.readings.push(r);
          return { ok: true, seq: this.readings.length };
        },
      },
      logger: log.logger,
      now: () => new Date(),
      onStateChange: () => (this.stateChanges += 1),
      onLive: () => (this.liveChanges += 1),
    };
    this.pool = new OpcuaPool(log.logger);
  }

  /** Validates a device entry as the edge's config does, and returns it parsed. */
  static parse(device: Record<string, unknown>): OpcuaDeviceConfig {
    const c = parseEdgeConfig({ site: 'cjp', edgeId: 'gate-1', broker: { url: 'mqtt://127.0.0.1:1883' }, devices: [device] }, '/tmp');
    const d = c.devices[0] as DeviceConfig | undefined;
    if (!d || !d.driver.startsWith('opcua-')) throw new Error('expected an opcua device');
    return d as OpcuaDeviceConfig;
  }

  /** Creates and starts a device. */
  device(device: Record<string, unknown>): Device {
    const d = createOpcuaDevice(OpcuaHarness.parse(device), this.ctx, this.pool);
    this.devices.push(d);
    d.start();
    return d;
  }

  of(deviceId: string, kind?: string): DeviceReading[] {
    return this.readings.filter((r) => r.deviceId === deviceId && (kind === undefined || r.kind === kind));
  }

  async close(): Promise<void> {
    await Promise.all(this.devices.splice(0).map((d) => d.close()));
  }
}
