import { format } from 'node:util';
import type { Logger } from 'pino';
import type * as OpcuaClient from 'node-opcua-client';
import type { OPCUACertificateManager, OPCUACertificateManagerOptions } from 'node-opcua-certificate-manager';

/** node-opcua, loaded on first use: an edge without OPC UA devices never pays for it (~70 MB RSS). */
export interface OpcuaLibrary {
  client: typeof OpcuaClient;
  CertificateManager: new (options: OPCUACertificateManagerOptions) => OPCUACertificateManager;
}

let loading: Promise<OpcuaLibrary> | null = null;

/**
 * Loggers node-opcua's own messages go to (node-opcua-debug has one process-wide set of logger
 * functions): the most recently registered one still in use, else the last one used.
 */
const sinks: Logger[] = [];
let lastSink: Logger | null = null;

/** Routes node-opcua's console output to `logger` until the returned function is called. */
export function routeOpcuaLogs(logger: Logger): () => void {
  sinks.push(logger);
  lastSink = logger;
  return () => {
    const i = sinks.lastIndexOf(logger);
    if (i >= 0) sinks.splice(i, 1);
  };
}

function sink(): Logger | null {
  return sinks[sinks.length - 1] ?? lastSink;
}

const ANSI = /\u001b\[[0-9;]*m/g;

type OpcuaLogContext = { filename?: string; callerline?: number };

function forward(level: 'debug' | 'warn' | 'error') {
  return (data: unknown, ...args: unknown[]): void => {
    const logger = sink();
    if (!logger) return;
    const msg = format(...args).replace(ANSI, '').trim();
    const context = (data ?? {}) as OpcuaLogContext;
    const source = context.filename ? `${context.filename}:${context.callerline ?? '?'}` : undefined;
    // [NODE-OPCUA-W27]: Node 20 refuses RSA PKCS#1 v1.5 decryption (CVE-2023-46809); only the
    // deprecated Basic128Rsa15/Basic256 policies use it, and this driver offers neither.
    if (/NODE-OPCUA-W27|CVE-2023-46809/.test(msg)) {
      logger.debug({ module: 'node-opcua', source }, `${msg} (irrelevant here: only the deprecated Basic128Rsa15/Basic256 policies need it)`);
      return;
    }
    logger[level]({ module: 'node-opcua', source }, msg);
  };
}

/**
 * Loads node-opcua-client once per process (a dynamic import) and routes its console logging
 * (setDebugLogger/setWarningLogger/setErrorLogger) into pino. The warnings node-opcua prints while
 * loading are emitted asynchronously, after this has installed the loggers.
 */
export function loadOpcua(): Promise<OpcuaLibrary> {
  loading ??= (async () => {
    const client = await import('node-opcua-client');
    client.setDebugLogger(forward('debug'));
    client.setWarningLogger(forward('warn'));
    client.setErrorLogger(forward('error'));
    // Not re-exported by node-opcua-client; pinned to the version node-opcua-client depends on,
    // so it is the very copy the client uses.
    const { OPCUACertificateManager: CertificateManager } = await import('node-opcua-certificate-manager');
    return { client, CertificateManager };
  })();
  loading.catch(() => {
    loading = null; // let a later attempt try again
  });
  return loading;
}
