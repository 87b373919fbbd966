import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ClientMonitoredItemBase, ClientSession, ClientSubscription, DataValue, OPCUAClient } from 'node-opcua-client';
import type { OPCUACertificateManager } from 'node-opcua-certificate-manager';
import type { OpcuaChange, OpcuaEndpoint, OpcuaMember, OpcuaSessionOps, OpcuaWatch } from './session-types.js';
import { loadOpcua, type OpcuaLibrary } from './library.js';
import { dropRejectedCopiesOfTrusted, pkiDirOf } from './pki.js';
import { resolveNodeId, type OpcuaValue } from './values.js';

/**
 * One connect attempt and, if it succeeds, the life of its session: node-opcua's client, session,
 * subscription and monitored items, the watchdog, and what a command may do (ops). OpcuaConnection
 * (connection.ts) runs one after another; library.ts loads node-opcua for it.
 */
export class Attempt {
  client: OPCUAClient | null = null;
  session: ClientSession | null = null;
  subscription: ClientSubscription | null = null;
  private certificates: OPCUACertificateManager | null = null;
  private lib: OpcuaLibrary | null = null;
  namespaces: string[] = [];
  readonly items = new Map<OpcuaMember, ClientMonitoredItemBase[]>();
  failed = false;
  private tornDown = false;
  readonly lost: Promise<string>;
  private resolveLost!: (reason: string) => void;
  private watchdog: NodeJS.Timeout | null = null;
  private lastPublishMs = Date.now();
  private readonly startedMs = Date.now();
  readonly ops: OpcuaSessionOps;

  constructor(
    private readonly endpoint: OpcuaEndpoint,
    private readonly log: Logger,
  ) {
    this.lost = new Promise((r) => (this.resolveLost = r));
    this.ops = {
      read: (nodeId) => this.timed(`read ${nodeId}`, async () => this.toValue(await this.requireSession().read({ nodeId: this.node(nodeId), attributeId: this.lib!.client.AttributeIds.Value }))),
      dataTypeOf: (nodeId) => this.timed(`read the data type of ${nodeId}`, () => this.dataTypeOf(nodeId)),
      write: (nodeId, dataType, value) =>
        this.timed(`write ${nodeId}`, async () => {
          const { AttributeIds, DataType } = this.lib!.client;
          const type = DataType[dataType as keyof typeof DataType];
          if (typeof type !== 'number') throw new Error(`unknown data type ${dataType}`);
          const status = await this.requireSession().write({ nodeId: this.node(nodeId), attributeId: AttributeIds.Value, value: { value: { dataType: type, value } } });
          return status.name;
        }),
      call: (objectId, methodId) =>
        this.timed(`call ${methodId}`, async () => {
          const result = await this.requireSession().call({ objectId: this.node(objectId), methodId: this.node(methodId), inputArguments: [] });
          return result.statusCode.name;
        }),
    };
  }

  /** Ends the attempt (idempotent): the connection loop tears it down and reconnects. */
  fail(reason: string): void {
    if (this.failed) return;
    this.failed = true;
    this.resolveLost(reason);
  }

  /** Connects, creates the session and the subscription; rejects on failure, timeout or fail(). */
  async open(): Promise<void> {
    const ms = this.endpoint.connectTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    });
    const lost = this.lost.then((reason) => Promise.reject(new Error(reason)));
    lost.catch(() => {}); // also rejects after a successful open, when the session is lost later
    try {
      await Promise.race([this.openSteps(), timeout, lost]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops openSteps after an await when the attempt was given up meanwhile (timeout, close). */
  private async abortIfFailed(): Promise<void> {
    if (!this.failed) return;
    if (this.tornDown) await this.release(); // created after teardown looked: release it here
    throw new Error('attempt given up');
  }

  private async openSteps(): Promise<void> {
    const e = this.endpoint;
    this.lib = await loadOpcua();
    const { OPCUAClient, MessageSecurityMode, SecurityPolicy, UserTokenType } = this.lib.client;
    await this.abortIfFailed();
    // A fresh store per attempt: a certificate put in trusted/ meanwhile is seen, and no file
    // watchers are left behind.
    for (const file of dropRejectedCopiesOfTrusted(pkiDirOf(e))) this.log.info({ file }, 'opc ua: trusted certificate removed from rejected/');
    const certificates = new this.lib.CertificateManager({
      name: 'cjp-edge',
      rootFolder: pkiDirOf(e),
      automaticallyAcceptUnknownCertificate: e.trustUnknownServer,
      disableFileWatchers: true,
    });
    this.certificates = certificates;
    await certificates.initialize();
    await this.abortIfFailed();
    const client = OPCUAClient.create({
      applicationName: 'cjp-edge',
      clientName: 'cjp-edge',
      endpointMustExist: false,
      // no reconnection by node-opcua: we tear down and start again (see OpcuaConnection)
      connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 1000 },
      securityMode: MessageSecurityMode[e.securityMode],
      securityPolicy: SecurityPolicy[e.securityPolicy],
      clientCertificateManager: certificates,
      keepSessionAlive: false, // the subscription's keep-alive plus our watchdog watch the link
      requestedSessionTimeout: 60_000,
    });
    this.client = client;
    // 'close' (with the socket's error) follows 'connection_lost' at once: prefer its reason
    client.on('connection_lost', () => setImmediate(() => this.fail('connection lost')));
    client.on('close', (err?: Error | null) => this.fail(err ? `connection lost: ${oneLine(err.message)}` : 'connection closed'));
    await client.connect(e.url);
    await this.abortIfFailed();
    const session = await client.createSession(
      e.username !== undefined ? { type: UserTokenType.UserName, userName: e.username, password: e.password ?? '' } : { type: UserTokenType.Anonymous },
    );
    this.session = session;
    session.on('session_closed', (status: unknown) => this.fail(`session closed (${String(status)})`));
    session.on('keepalive_failure', () => this.fail('session keep-alive failed'));
    this.namespaces = await session.readNamespaceArray();
    await this.abortIfFailed();
    const keepAliveCount = Math.max(2, Math.ceil(2000 / e.publishingIntervalMs));
    const subscription = await session.createSubscription2({
      requestedPublishingInterval: e.publishingIntervalMs,
      requestedMaxKeepAliveCount: keepAliveCount,
      requestedLifetimeCount: keepAliveCount * 10,
      maxNotificationsPerPublish: 1000,
      publishingEnabled: true,
      priority: 10,
    });
    this.subscription = subscription;
    await this.abortIfFailed();
    const touch = () => (this.lastPublishMs = Date.now());
    subscription.on('keepalive', touch);
    subscription.on('raw_notification', touch);
    subscription.on('terminated', () => this.fail('subscription terminated'));
    subscription.on('status_changed', (status: unknown) => this.fail(`subscription status ${String(status)}`));
    // A link that dies without a FIN (cable, a PLC powered off) shows as silence: the server owes
    // us a publish response at least every keep-alive period.
    const keepAliveMs = subscription.publishingInterval * subscription.maxKeepAliveCount;
    const silenceMs = keepAliveMs * 3 + 1000;
    touch();
    this.watchdog = setInterval(() => {
      if (Date.now() - this.lastPublishMs > silenceMs) this.fail(`no publish response for ${Math.round((Date.now() - this.lastPublishMs) / 1000)} s`);
    }, Math.min(1000, keepAliveMs));
    this.watchdog.unref();
  }

  /** Monitors one tag; returns why it cannot be, if so. */
  async watch(member: OpcuaMember, watch: OpcuaWatch, items: ClientMonitoredItemBase[], emit: (c: OpcuaChange) => void): Promise<string | null> {
    const lib = this.lib;
    const subscription = this.subscription;
    if (!lib || !subscription) return null;
    const { AttributeIds, TimestampsToReturn, DataChangeFilter, DataChangeTrigger, DeadbandType } = lib.client;
    const resolved = resolveNodeId(watch.nodeId, this.namespaces);
    if (!resolved.ok) return resolved.error;
    const filter =
      watch.deadband !== undefined || watch.trigger === 'StatusValueTimestamp'
        ? new DataChangeFilter({
            trigger: watch.trigger === 'StatusValueTimestamp' ? DataChangeTrigger.StatusValueTimestamp : DataChangeTrigger.StatusValue,
            deadbandType: watch.deadband !== undefined ? DeadbandType.Absolute : DeadbandType.None,
            deadbandValue: watch.deadband ?? 0,
          })
        : null;
    let item: ClientMonitoredItemBase;
    try {
      item = await subscription.monitor(
        { nodeId: resolved.nodeId, attributeId: AttributeIds.Value },
        { samplingInterval: watch.samplingIntervalMs ?? member.samplingIntervalMs, queueSize: member.queueSize, discardOldest: true, filter },
        TimestampsToReturn.Both,
      );
    } catch (err) {
      return `${watch.nodeId}: cannot monitor: ${oneLine((err as Error).message)}`;
    }
    const status = item.statusCode;
    if (status && !status.isGoodish()) {
      item.terminate().catch(() => {});
      return `${watch.nodeId}: cannot monitor: ${status.name}`;
    }
    items.push(item);
    let initial = true;
    item.on('changed', (dv: DataValue) => {
      if (this.failed) return;
      emit({ key: watch.key, value: this.toValue(dv), initial });
      initial = false;
    });
    return null;
  }

  /** Releases the client and the certificate store; idempotent. */
  async teardown(): Promise<void> {
    this.fail('closed');
    this.tornDown = true;
    await this.release();
  }

  private async release(): Promise<void> {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
    const client = this.client;
    const certificates = this.certificates;
    this.client = null;
    this.session = null;
    this.subscription = null;
    this.certificates = null;
    if (client) {
      // disconnect closes the session (and with it the subscription) when the link is still up
      await withTimeout(client.disconnect(), 2000).catch((err: Error) => this.log.debug({ err: err.message }, 'opc ua client disconnect'));
    }
    if (certificates) {
      // the client took a reference on the store and disconnect() gave it back; dispose for real
      if (certificates.referenceCounter > 0) certificates.referenceCounter = 0;
      await certificates.dispose().catch(() => {});
    }
  }

  /** A connect failure → one line for lastError, with what to do about certificates. */
  explain(err: unknown): string {
    const message = oneLine(err instanceof Error ? err.message : String(err));
    const pki = pkiDirOf(this.endpoint);
    if (/BadCertificateUntrusted|BadCertificateChainIncomplete|BadSecurityChecksFailed.*verif/i.test(message) && /server certificate/i.test(message)) {
      const file = this.rejectedFile();
      return (
        `server certificate refused (not trusted): ${file ? `it was saved as ${file}` : `see ${join(pki, 'rejected')}`}; ` +
        `move it to ${join(pki, 'trusted', 'certs')} to trust this server (or set trustUnknownServer)`
      );
    }
    if (/BadSecurityChecksFailed|BadCertificate/i.test(message)) {
      return (
        `the server refused the connection (${/Bad\w+/.exec(message)?.[0] ?? 'security checks failed'}): it probably does not trust this edge's certificate ` +
        `${join(pki, 'own', 'certs', 'client_certificate.pem')}; add it to the server's trusted certificates`
      );
    }
    if (/BadIdentityTokenRejected|BadUserAccessDenied|BadIdentityTokenInvalid/.test(message)) return `the server refused the user: ${message}`;
    const socket = /Err = \((.*)\)/.exec(message)?.[1];
    if (socket) return `cannot connect: ${socket}`;
    return message;
  }

  /** The rejected/ file of the server certificate this attempt refused. */
  private rejectedFile(): string | null {
    const dir = join(pkiDirOf(this.endpoint), 'rejected');
    let names: string[];
    try {
      names = readdirSync(dir).filter((n) => n.endsWith('.pem') || n.endsWith('.der'));
    } catch {
      return null;
    }
    const cert = (this.client as unknown as { serverCertificate?: Buffer | Buffer[] } | null)?.serverCertificate;
    const der = Array.isArray(cert) ? cert[0] : cert;
    if (der && der.length) {
      const thumbprint = createHash('sha1').update(der).digest('hex');
      const match = names.find((n) => n.toLowerCase().includes(thumbprint));
      if (match) return join(dir, match);
    }
    const recent = names
      .map((n) => ({ n, mtime: statSync(join(dir, n)).mtimeMs }))
      .filter((f) => f.mtime >= this.startedMs - 1000)
      .sort((a, b) => b.mtime - a.mtime)[0];
    return recent ? join(dir, recent.n) : null;
  }

  private async dataTypeOf(nodeId: string): Promise<string> {
    const { AttributeIds, DataType } = this.lib!.client;
    const dv = await this.requireSession().read({ nodeId: this.node(nodeId), attributeId: AttributeIds.DataType });
    const id = (dv.value?.value ?? null) as { namespace?: number; value?: unknown } | null;
    if (!dv.statusCode.isGoodish() || !id) throw new Error(`${nodeId}: cannot read its data type (${dv.statusCode.name})`);
    const name = id.namespace === 0 && typeof id.value === 'number' ? DataType[id.value] : undefined;
    if (!name) throw new Error(`${nodeId}: data type ${String(id.value)} is not a built-in type`);
    return name;
  }

  private toValue(dv: DataValue): OpcuaValue {
    const { DataType } = this.lib!.client;
    const variant = dv.value;
    return {
      value: variant?.value ?? null,
      dataType: (variant ? DataType[variant.dataType] : undefined) ?? 'Null',
      good: dv.statusCode.isGoodish(),
      status: dv.statusCode.name,
      sourceTimestamp: dv.sourceTimestamp ?? null,
    };
  }

  private node(text: string): string {
    const resolved = resolveNodeId(text, this.namespaces);
    if (!resolved.ok) throw new Error(resolved.error);
    return resolved.nodeId;
  }

  private requireSession(): ClientSession {
    if (!this.session || this.failed) throw new Error('the session is gone');
    return this.session;
  }

  private async timed<T>(what: string, op: () => Promise<T>): Promise<T> {
    try {
      return await withTimeout(op(), this.endpoint.connectTimeoutMs);
    } catch (err) {
      throw new Error(`${what}: ${oneLine((err as Error).message)}`);
    }
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolveP, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolveP(v);
      },
      (err: unknown) => {
        clearTimeout(t);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}
