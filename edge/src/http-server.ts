import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { BearerToken } from './bearer.js';
import type { EdgeHttpHandler, EdgeHttpRoutes } from './device.js';

export interface EdgeHttpServerOptions {
  host: string;
  /** 0 = any free port (see `port` of the result) */
  port: number;
  /** largest request body read, bytes; larger → 413 */
  maxBodyBytes: number;
  logger: Logger;
  /** the Prometheus exposition for GET /metrics */
  metrics: () => Promise<{ contentType: string; body: string }>;
  /** the JSON for GET /healthz */
  health: () => unknown;
  /** when set, GET /metrics answers only `Authorization: Bearer <token>` */
  metricsToken?: string | undefined;
}

export interface EdgeHttpServer {
  /** where devices register their POST routes (ctx.http) */
  readonly routes: EdgeHttpRoutes;
  /** the port listened on */
  readonly port: number;
  close(): Promise<void>;
}

const JSON_TYPE = 'application/json; charset=utf-8';

const GET_ROUTES = new Set(['/metrics', '/healthz']);

/**
 * The edge's HTTP server, on node:http alone (the edge's memory budget is tight):
 * GET /metrics, GET /healthz, and POST routes that devices register (cameras push their reads).
 * Exact paths only. Errors are JSON `{ "error": "…" }`: 404 unknown path, 405 wrong method,
 * 413 body over maxBodyBytes (reading stops there and the connection is closed), 500 when a
 * handler throws (logged; the server keeps serving). Bad JSON is the handler's to refuse.
 */
export async function startEdgeHttpServer(opts: EdgeHttpServerOptions): Promise<EdgeHttpServer> {
  const posts = new Map<string, EdgeHttpHandler>();
  const log = opts.logger;
  const metricsToken = opts.metricsToken ? new BearerToken(opts.metricsToken) : null;

  const routes: EdgeHttpRoutes = {
    post(path, handler) {
      if (!path.startsWith('/') || /[?#\s]/.test(path)) throw new Error(`edge HTTP route "${path}" must be a plain path starting with "/"`);
      if (GET_ROUTES.has(path) || posts.has(path)) throw new Error(`edge HTTP route POST ${path} is already registered`);
      posts.set(path, handler);
    },
  };

  const server: Server = createServer({ requestTimeout: 30_000, headersTimeout: 15_000 }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      // handle() answers its own errors; this is the last resort (e.g. a throwing health())
      log.error({ err: (err as Error).message, method: req.method, url: req.url }, 'edge HTTP request failed');
      send(res, 500, { error: 'internal error' });
    });
  });
  server.on('clientError', (err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
    log.debug({ err: err.message }, 'edge HTTP client error');
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = pathOf(req.url);
    if (path === null) {
      discard(req);
      send(res, 400, { error: 'bad request target' });
      return;
    }
    const method = req.method ?? 'GET';

    if (GET_ROUTES.has(path)) {
      if (method !== 'GET' && method !== 'HEAD') {
        discard(req);
        send(res, 405, { error: `${method} not allowed on ${path}; use GET` }, { allow: 'GET, HEAD' });
        return;
      }
      discard(req);
      if (path === '/metrics') {
        if (metricsToken && !metricsToken.matches(req.headers.authorization)) {
          send(res, 401, { error: '/metrics needs the metrics token as a bearer token' }, { 'www-authenticate': 'Bearer realm="metrics"' }, method === 'HEAD');
          return;
        }
        const m = await opts.metrics();
        send(res, 200, m.body, { 'content-type': m.contentType }, method === 'HEAD');
      } else {
        send(res, 200, opts.health(), {}, method === 'HEAD');
      }
      return;
    }

    const handler = posts.get(path);
    if (!handler) {
      discard(req);
      send(res, 404, { error: `no such path: ${path}` });
      return;
    }
    if (method !== 'POST') {
      discard(req);
      send(res, 405, { error: `${method} not allowed on ${path}; use POST` }, { allow: 'POST' });
      return;
    }

    const body = await readBody(req, opts.maxBodyBytes);
    if (body === 'too-large') {
      log.warn({ path, maxBodyBytes: opts.maxBodyBytes, contentLength: req.headers['content-length'] }, 'edge HTTP body too large');
      // we stopped reading: the rest of the body must not be taken for the next request
      send(res, 413, { error: `body larger than ${opts.maxBodyBytes} bytes` }, { connection: 'close' });
      res.once('finish', () => req.socket.destroySoon());
      return;
    }
    if (body === 'aborted') return;

    let answer;
    try {
      answer = await handler({ req, params: {}, body });
    } catch (err) {
      log.error({ err: (err as Error).message, stack: (err as Error).stack, path }, 'edge HTTP handler failed');
      send(res, 500, { error: 'internal error' });
      return;
    }
    send(res, answer.status, answer.body);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log.error({ err: err.message }, 'edge HTTP server error'));
  const port = (server.address() as AddressInfo).port;

  return {
    routes,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The path of a request target, without query; null when unusable. */
function pathOf(url: string | undefined): string | null {
  if (!url) return null;
  try {
    return new URL(url, 'http://edge.invalid').pathname;
  } catch {
    return null;
  }
}

/** Reads the body up to `max` bytes; stops reading as soon as it is known to be larger. */
function readBody(req: IncomingMessage, max: number): Promise<Buffer | 'too-large' | 'aborted'> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) {
    req.pause();
    return Promise.resolve('too-large');
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (v: Buffer | 'too-large' | 'aborted') => {
      if (done) return;
      done = true;
      req.off('data', onData);
      resolve(v);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.pause();
        finish('too-large');
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => finish(Buffer.concat(chunks, size)));
    req.once('error', () => finish('aborted'));
    req.once('close', () => finish(req.complete ? Buffer.concat(chunks, size) : 'aborted'));
  });
}

/** Drops a body we do not read (small ones: the GET routes and refusals). */
function discard(req: IncomingMessage): void {
  req.resume();
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, headOnly = false): void {
  if (res.headersSent || res.destroyed) return;
  const isText = typeof body === 'string' && headers['content-type'] !== undefined;
  const payload = body === undefined ? '' : isText ? (body as string) : JSON.stringify(body);
  res.writeHead(status, {
    ...(body === undefined ? {} : { 'content-type': JSON_TYPE }),
    ...headers,
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
  });
  res.end(headOnly ? undefined : payload);
}
