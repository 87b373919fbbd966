/**
 * The gate PLC of a customs gate (智能卡口) as a real OPC UA server (node-opcua), so the edge
 * agent's OPC UA driver can be tested without hardware.
 *
 * Address space (the edge's YAML refers to these node ids):
 *
 * Namespace `urn:caojiapu:plc-sim` is the server's own namespace, ns=1 (it is also the server's
 * ApplicationUri). String node ids; under Objects/PLC one folder per lane (`gate-in-1`, …):
 *
 * | node id                              | type    | access | meaning                                   |
 * |--------------------------------------|---------|--------|-------------------------------------------|
 * | ns=1;s=<lane>.Weighbridge.Gross      | Double  | read   | gross weight, kg                          |
 * | ns=1;s=<lane>.Weighbridge.Stable     | Boolean | read   | indicator reports no motion               |
 * | ns=1;s=<lane>.Weighbridge.Overload   | Boolean | read   | over scale capacity                       |
 * | ns=1;s=<lane>.Barrier.State          | Int16   | read   | 0 closed, 1 opening, 2 open, 3 closing, 4 fault |
 * | ns=1;s=<lane>.Barrier.Command        | Int16   | write  | 1 open, 2 close; the PLC resets it to 0 once taken (other values are ignored) |
 * | ns=1;s=<lane>.Barrier.Open / .Close  | Method  | call   | no arguments; Good, or BadInvalidState in fault |
 * | ns=1;s=<lane>.Led.Text               | String  | write  | text on the LED display (last value kept) |
 * | ns=1;s=<lane>.Rfid.LastScanData      | String  | read   | EPC of the last read, uppercase hex       |
 * | ns=1;s=<lane>.Rfid.Antenna           | Int32   | read   | antenna of the last read                  |
 * | ns=1;s=<lane>.Rfid.Rssi              | Double  | read   | RSSI of the last read, dBm                |
 * | ns=1;s=<lane>.Rfid.LastScanTimestamp | DateTime| read   | time of the last read                     |
 *
 * Objects: ns=1;s=PLC (folder), ns=1;s=<lane> (folder), ns=1;s=<lane>.Weighbridge|Barrier|Led|Rfid.
 *
 * Rfid is a simplified stand-in for an OPC 30010 (AutoID) RfidReaderDevice's LastScanData,
 * LastScanAntenna, LastScanRSSI and LastScanTimestamp variables: plain variables, not the
 * companion-spec types, ScanData union or scan events; Rssi is a Double in dBm where the spec
 * has an Int32. On every read the PLC writes Antenna, Rssi, LastScanTimestamp and then
 * LastScanData, all with the same, strictly increasing SourceTimestamp. A second read of the
 * same EPC changes only the timestamps, so a subscriber sees it either by monitoring
 * LastScanTimestamp or by monitoring LastScanData with a DataChangeFilter whose trigger is
 * StatusValueTimestamp (the default trigger, StatusValue, drops it).
 *
 * Each variable has MinimumSamplingInterval 0 and the server advertises MinSupportedSampleRate 0,
 * so a monitored item created with samplingInterval 0 is exception-based and gets every change;
 * a positive samplingInterval samples at that rate.
 *
 * The lanes' values (weight, barrier, LED text, last read) belong to the simulated PLC and
 * survive stop()/start(), which model the PLC's OPC UA server going away (power, network),
 * not a factory reset. A barrier in travel keeps travelling while the server is stopped.
 */
// First: it takes over node-opcua's console logging before node-opcua is loaded (see opcua-log.ts).
import { routeOpcuaLogs } from './opcua-log.js';
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { join, resolve } from 'node:path';
import { OPCUACertificateManager } from 'node-opcua-certificate-manager';
import { convertPEMtoDER, readCertificate } from 'node-opcua-crypto';
import { MessageSecurityMode, SecurityPolicy } from 'node-opcua-secure-channel';
import { OPCUAServer } from 'node-opcua-server';
import { pino, type Logger } from 'pino';
import { addLaneNodes, type LaneNodes, type LaneTags, type Stamped } from './address-space.js';
import { Barrier, type BarrierAction, type BarrierState } from './barrier.js';

export { BARRIER_STATE_CODES, type BarrierAction, type BarrierState } from './barrier.js';

export const PLC_NAMESPACE_URI = 'urn:caojiapu:plc-sim';

export type PlcSecurityMode = 'None' | 'Sign' | 'SignAndEncrypt';
export const PLC_SECURITY_MODES: readonly PlcSecurityMode[] = ['None', 'Sign', 'SignAndEncrypt'];

export interface PlcSimulatorOptions {
  /** TCP port (0 = any free port; the one taken is kept for restarts) */
  port?: number;
  /** address to listen on (default 127.0.0.1; 0.0.0.0 = all) */
  host?: string;
  /** lane ids, one folder each (default gate-in-1, gate-out-1); letters, digits, - and _ */
  lanes?: string[];
  /** boom travel time between closed and open, ms (default 1500; 0 = at once) */
  barrierTravelMs?: number;
  /** close the barrier by itself this long after it opened, ms (default never) */
  autoCloseMs?: number;
  /**
   * Certificate store (own/, trusted/, rejected/, issuers/); created if missing. The server's
   * self-signed certificate is made at the first start and reused after.
   */
  pkiDir: string;
  /** security modes offered (default all three); Sign and SignAndEncrypt use Basic256Sha256 */
  security?: PlcSecurityMode[];
  /** offer anonymous sessions (default true) */
  allowAnonymous?: boolean;
  /** user name / password pairs accepted for UserName sessions */
  users?: { username: string; password: string }[];
  /**
   * Accept any client certificate (default false: an unknown certificate is refused and
   * stored in <pkiDir>/rejected until trusted with trustClientCertificate).
   */
  trustUnknownClients?: boolean;
  /** where the simulator's and node-opcua's logs go (default: nowhere) */
  logger?: Logger;
}

export interface BarrierCommandEvent {
  lane: string;
  action: BarrierAction;
  via: 'method' | 'tag';
  /** false when the barrier was in fault and ignored it */
  accepted: boolean;
  /** Date.now() when the PLC took the command */
  at: number;
  /** process.hrtime.bigint() when the PLC took the command, for latency figures */
  hrtime: bigint;
}

export interface PlcSimulatorEvents {
  'barrier-command': [BarrierCommandEvent];
  'barrier-state': [{ lane: string; state: BarrierState }];
  led: [{ lane: string; text: string }];
}

/** One lane's field devices, driven by a test or a scenario. */
export interface PlcLane {
  readonly id: string;
  /** what the weighbridge indicator shows now (stable defaults to true, overload to false) */
  setWeight(kg: number, opts?: { stable?: boolean; overload?: boolean }): void;
  /** the RFID reader reads a tag (EPC in hex; antenna default 1, rssi default -55 dBm) */
  readTag(epc: string, antenna?: number, rssi?: number): void;
  barrierState(): BarrierState;
  /** put the barrier into fault (it stops, commands are refused) or clear it (it reports closed) */
  setBarrierFault(on: boolean): void;
  /** the last text a client wrote to the LED display */
  ledText(): string;
}

export interface PlcSimulator extends EventEmitter<PlcSimulatorEvents> {
  /** opc.tcp://host:port */
  readonly endpointUrl: string;
  readonly port: number;
  readonly lanes: readonly string[];
  readonly pkiDir: string;
  /** true between start and stop */
  readonly running: boolean;
  lane(id: string): PlcLane;
  /** the server's own certificate (DER), for a client's trust list */
  serverCertificate(): Buffer;
  /** trust a client's certificate (DER or PEM); it is moved out of rejected/ if it was there */
  trustClientCertificate(cert: Buffer): Promise<void>;
  /** stop the server: sessions end, channels close, the port is released. Idempotent. */
  stop(): Promise<void>;
  /** start again after stop, on the same port, with the lanes' values kept */
  start(): Promise<void>;
}

const LANE_ID = /^[A-Za-z0-9_-]+$/;
const WILDCARD = new Set(['0.0.0.0', '::', '']);

function checkOptions(opts: PlcSimulatorOptions): void {
  const lanes = opts.lanes ?? [];
  for (const l of lanes) if (!LANE_ID.test(l)) throw new Error(`lane id "${l}" must be letters, digits, - or _`);
  if (new Set(lanes).size !== lanes.length) throw new Error('lane ids must be unique');
  const ms = (name: string, v: number | undefined) => {
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) throw new Error(`${name} must be a number ≥ 0`);
  };
  ms('barrierTravelMs', opts.barrierTravelMs);
  ms('autoCloseMs', opts.autoCloseMs);
  if (opts.port !== undefined && !(Number.isInteger(opts.port) && opts.port >= 0 && opts.port <= 65535)) throw new Error('port must be 0..65535');
  for (const m of opts.security ?? []) if (!PLC_SECURITY_MODES.includes(m)) throw new Error(`security mode "${m}" is not one of ${PLC_SECURITY_MODES.join(', ')}`);
  if (opts.security && opts.security.length === 0) throw new Error('security must name at least one mode');
}

const stamp = <T>(value: T, at = new Date()): Stamped<T> => ({ value, at });

class Lane implements PlcLane {
  readonly tags: LaneTags;
  readonly barrier: Barrier;
  nodes: LaneNodes | null = null;
  #lastScan = 0;

  constructor(
    readonly id: string,
    travelMs: number,
    autoCloseMs: number | undefined,
    private readonly sim: PlcSimulatorImpl,
  ) {
    const t0 = new Date();
    this.tags = {
      grossKg: stamp(0, t0),
      stable: stamp(true, t0),
      overload: stamp(false, t0),
      barrier: stamp<BarrierState>('closed', t0),
      ledText: stamp('', t0),
      rfidEpc: stamp('', t0),
      rfidAntenna: stamp(0, t0),
      rfidRssi: stamp(0, t0),
      rfidTimestamp: stamp(new Date(0), t0),
    };
    this.barrier = new Barrier({
      travelMs,
      ...(autoCloseMs !== undefined ? { autoCloseMs } : {}),
      onState: (state) => {
        this.#set('barrier', stamp(state));
        sim.log.debug({ lane: id, state }, 'barrier state');
        sim.emit('barrier-state', { lane: id, state });
      },
    });
  }

  #set<K extends keyof LaneTags>(tag: K, s: LaneTags[K]): void {
    this.tags[tag] = s;
    this.nodes?.set(tag, s);
  }

  setWeight(kg: number, opts: { stable?: boolean; overload?: boolean } = {}): void {
    if (!Number.isFinite(kg)) throw new Error(`weight ${kg} is not a number`);
    const at = new Date();
    this.#set('stable', stamp(opts.stable ?? true, at));
    this.#set('overload', stamp(opts.overload ?? false, at));
    this.#set('grossKg', stamp(kg, at));
  }

  readTag(epc: string, antenna = 1, rssi = -55): void {
    if (!/^[0-9A-Fa-f]+$/.test(epc)) throw new Error(`EPC "${epc}" is not hex`);
    if (!Number.isInteger(antenna)) throw new Error(`antenna ${antenna} is not an integer`);
    // Strictly increasing, so that a second read of the same EPC always has a new SourceTimestamp.
    const ms = Math.max(Date.now(), this.#lastScan + 1);
    this.#lastScan = ms;
    const at = new Date(ms);
    this.#set('rfidAntenna', stamp(antenna, at));
    this.#set('rfidRssi', stamp(rssi, at));
    this.#set('rfidTimestamp', stamp(at, at));
    this.#set('rfidEpc', stamp(epc.toUpperCase(), at));
  }

  barrierState(): BarrierState {
    return this.barrier.state;
  }

  setBarrierFault(on: boolean): void {
    this.barrier.setFault(on);
  }

  ledText(): string {
    return this.tags.ledText.value;
  }

  command(action: BarrierAction, via: 'method' | 'tag'): boolean {
    // Announced before the barrier moves, so a listener sees the command ahead of the state it causes.
    const accepted = this.barrier.state !== 'fault';
    this.sim.log.debug({ lane: this.id, action, via, accepted }, 'barrier command');
    this.sim.emit('barrier-command', { lane: this.id, action, via, accepted, at: Date.now(), hrtime: process.hrtime.bigint() });
    return this.barrier.command(action);
  }

  ledWritten(text: string): void {
    this.tags.ledText = stamp(text);
    this.sim.log.debug({ lane: this.id, text }, 'LED text');
    this.sim.emit('led', { lane: this.id, text });
  }
}

class PlcSimulatorImpl extends EventEmitter<PlcSimulatorEvents> implements PlcSimulator {
  readonly log: Logger;
  readonly pkiDir: string;
  readonly lanes: readonly string[];
  readonly #lanes = new Map<string, Lane>();
  readonly #opts: PlcSimulatorOptions;
  readonly #host: string;
  #port: number;
  #server: OPCUAServer | null = null;
  #certificateManager: OPCUACertificateManager | null = null;
  #transition: Promise<void> = Promise.resolve();

  constructor(opts: PlcSimulatorOptions) {
    super();
    this.#opts = opts;
    this.log = opts.logger ?? pino({ level: 'silent' });
    this.pkiDir = resolve(opts.pkiDir);
    this.#host = opts.host ?? '127.0.0.1';
    this.#port = opts.port ?? 0;
    this.lanes = [...(opts.lanes ?? ['gate-in-1', 'gate-out-1'])];
    for (const id of this.lanes) this.#lanes.set(id, new Lane(id, opts.barrierTravelMs ?? 1500, opts.autoCloseMs, this));
  }

  get port(): number {
    return this.#port;
  }

  get running(): boolean {
    return this.#server !== null;
  }

  get endpointUrl(): string {
    return `opc.tcp://${this.#urlHost()}:${this.#port}`;
  }

  #urlHost(): string {
    const h = WILDCARD.has(this.#host) ? osHostname() : this.#host;
    return h.includes(':') ? `[${h}]` : h;
  }

  lane(id: string): PlcLane {
    const lane = this.#lanes.get(id);
    if (!lane) throw new Error(`no lane "${id}" (lanes: ${this.lanes.join(', ')})`);
    return lane;
  }

  serverCertificate(): Buffer {
    const file = join(this.pkiDir, 'own', 'certs', 'certificate.pem');
    if (!existsSync(file)) throw new Error(`no server certificate yet in ${file}; start the simulator once`);
    return readCertificate(file);
  }

  async trustClientCertificate(cert: Buffer): Promise<void> {
    const der = cert.subarray(0, 11).toString('latin1') === '-----BEGIN ' ? convertPEMtoDER(cert.toString('latin1')) : cert;
    await this.#transition.catch(() => undefined);
    if (this.#certificateManager) {
      await this.#certificateManager.trustCertificate(der);
    } else {
      const cm = this.#newCertificateManager();
      await cm.initialize();
      try {
        await cm.trustCertificate(der);
      } finally {
        await cm.dispose();
      }
    }
    this.log.info({ pkiDir: this.pkiDir }, 'client certificate trusted');
  }

  start(): Promise<void> {
    return this.#queue(() => this.#start());
  }

  stop(): Promise<void> {
    return this.#queue(() => this.#stop());
  }

  /** start and stop run one after the other, whatever the previous one's outcome */
  #queue(step: () => Promise<void>): Promise<void> {
    const next = this.#transition.catch(() => undefined).then(step);
    this.#transition = next;
    return next;
  }

  #newCertificateManager(): OPCUACertificateManager {
    return new OPCUACertificateManager({
      rootFolder: this.pkiDir,
      name: 'PKI',
      keySize: 2048,
      automaticallyAcceptUnknownCertificate: this.#opts.trustUnknownClients ?? false,
    });
  }

  async #start(): Promise<void> {
    if (this.#server) return;
    mkdirSync(this.pkiDir, { recursive: true });
    const modes = this.#opts.security ?? PLC_SECURITY_MODES;
    const users = this.#opts.users ?? [];
    // One store for the application certificates and for X509 user tokens.
    const cm = this.#newCertificateManager();
    const server = new OPCUAServer({
      port: this.#port,
      host: this.#host,
      // Endpoint URLs advertise the address listened on, so a client is sent back where it came from.
      hostname: WILDCARD.has(this.#host) ? osHostname() : this.#host,
      serverCertificateManager: cm,
      userCertificateManager: cm,
      securityModes: modes.map((m) => MessageSecurityMode[m]),
      // Basic128Rsa15 and Basic256 need RSA PKCS#1 v1.5, which Node 20 disabled.
      securityPolicies: [...(modes.includes('None') ? [SecurityPolicy.None] : []), SecurityPolicy.Basic256Sha256],
      allowAnonymous: this.#opts.allowAnonymous ?? true,
      userManager: {
        isValidUser: (username: string, password: string) => users.some((u) => u.username === username && u.password === password),
      },
      serverInfo: {
        applicationUri: PLC_NAMESPACE_URI,
        productUri: PLC_NAMESPACE_URI,
        applicationName: { text: 'Caojiapu gate PLC simulator', locale: 'en' },
      },
      buildInfo: { productName: 'cjp-sim plc', manufacturerName: 'Caojiapu Hub', softwareVersion: '0.1.0' },
      serverCapabilities: { minSupportedSampleRate: 0 },
    });
    try {
      await server.initialize();
      const addressSpace = server.engine.addressSpace;
      if (!addressSpace) throw new Error('node-opcua server has no address space after initialize');
      const ns = addressSpace.getOwnNamespace();
      const plc = ns.addFolder(addressSpace.rootFolder.objects, { browseName: 'PLC', nodeId: 's=PLC' });
      for (const lane of this.#lanes.values()) {
        lane.nodes = addLaneNodes(ns, plc, lane.id, lane.tags, {
          barrierCommand: (action, via) => lane.command(action, via),
          ledWritten: (text) => lane.ledWritten(text),
        });
      }
      await server.start();
    } catch (err) {
      for (const lane of this.#lanes.values()) lane.nodes = null;
      await server.shutdown(0).catch(() => undefined);
      await cm.dispose().catch(() => undefined);
      throw err;
    }
    this.#server = server;
    this.#certificateManager = cm;
    this.#port = server.endpoints[0]?.port ?? this.#port;
    this.log.info({ endpointUrl: this.endpointUrl, security: modes, lanes: this.lanes, pkiDir: this.pkiDir }, 'PLC simulator listening');
  }

  async #stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = null;
    this.#certificateManager = null;
    for (const lane of this.#lanes.values()) lane.nodes = null;
    // shutdown() closes the sessions and channels, releases the port and disposes the certificate managers.
    await server.shutdown(0);
    this.log.info({ endpointUrl: this.endpointUrl }, 'PLC simulator stopped');
  }
}

/** Starts a PLC simulator (see the address space at the top of this file). */
export async function startPlcSimulator(opts: PlcSimulatorOptions): Promise<PlcSimulator> {
  checkOptions(opts);
  const sim = new PlcSimulatorImpl(opts);
  // Without a logger of its own, a simulator leaves node-opcua's output where it goes (kept quiet by default).
  if (opts.logger) routeOpcuaLogs(opts.logger);
  await sim.start();
  return sim;
}
