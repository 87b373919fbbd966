import { format, stripVTControlCharacters } from 'node:util';
import { setDebugLogger, setErrorLogger, setTraceLogger, setWarningLogger } from 'node-opcua-debug';
import type { Logger } from 'pino';

/**
 * node-opcua prints its diagnostics with console.log through node-opcua-debug's process-wide
 * loggers (coloured, one line per message line). They are routed here into pino instead: debug
 * and trace at debug, warnings and errors at warn, since in a simulator they describe the
 * environment, not a failure of ours.
 *
 * The loggers are global to the process: loading this module silences node-opcua's console
 * output for the whole process (node-opcua clients in the same process too, as in tests), and
 * the last logger installed with routeOpcuaLogs receives everything. Messages emitted before
 * any logger is installed (e.g. [NODE-OPCUA-W27], printed shortly after node-opcua is loaded)
 * are kept, the first 100 of them, and written once a logger arrives.
 */
let current: Logger | null = null;
const early: { level: 'debug' | 'warn'; msg: string; src: string }[] = [];
const EARLY_MAX = 100;

// Node 20 disabled RSA PKCS#1 v1.5 decryption (CVE-2023-46809); node-opcua warns about it at
// load. The simulator never offers the policies that need it (Basic128Rsa15, Basic256).
const EXPECTED = /NODE-OPCUA-W27|--security-revert=CVE-2023-46809/;

function sink(level: 'debug' | 'warn') {
  return (context?: unknown, ...args: unknown[]) => {
    const ctx = context as { filename?: string; callerline?: number } | undefined;
    const src = ctx?.filename ? `${ctx.filename}:${ctx.callerline ?? '?'}` : 'node-opcua';
    const msg = stripVTControlCharacters(format(...args)).trim();
    const lvl = level === 'warn' && EXPECTED.test(msg) ? 'debug' : level;
    if (current) current[lvl]({ src }, `node-opcua: ${msg}`);
    else if (early.length < EARLY_MAX) early.push({ level: lvl, msg, src });
  };
}

setDebugLogger(sink('debug'));
setTraceLogger(sink('debug'));
setWarningLogger(sink('warn'));
setErrorLogger(sink('warn'));

/** Sends node-opcua's diagnostics to this logger from now on (see the module comment). */
export function routeOpcuaLogs(logger: Logger): void {
  current = logger.child({ component: 'node-opcua' });
  for (const m of early.splice(0)) current[m.level]({ src: m.src }, `node-opcua: ${m.msg}`);
}
