import { createServer, type Server } from 'node:net';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import { parseTopic } from '@cjp/contracts';
import type { Logger } from '../core/logger.js';

export type BrokerPrincipal = { kind: 'hub' } | { kind: 'edge'; edgeId: string; siteId: string };

export interface EmbeddedBrokerOptions {
  host: string;
  port: number;
  topicPrefix: string;
  /** credentials of the hub's own client */
  hubUsername: string;
  hubPassword: string;
  verifyEdge(username: string, password: string): Promise<{ edgeId: string; siteId: string } | null>;
  /** a publish the ACL refused: reported so it is visible, not silently dropped */
  onDenied(info: { edgeId: string; topic: string; payload: Buffer; reason: string }): void;
  logger: Logger;
}

export interface EmbeddedBroker {
  readonly port: number;
  readonly url: string;
  connectedClients(): number;
  close(): Promise<void>;
}

export class BrokerPortInUseError extends Error {
  constructor(readonly port: number) {
    super(
      `the embedded MQTT broker cannot listen on port ${port}: it is in use. ` +
        `Set MQTT_PORT to a free port, or MQTT_URL to use the broker that is running there.`,
    );
    this.name = 'BrokerPortInUseError';
  }
}

function authError(message: string, code: 4 | 5): AuthenticateError {
  return Object.assign(new Error(message), { returnCode: code }) as AuthenticateError;
}

/**
 * The embedded aedes broker with per-edge credentials and a topic ACL: an edge may publish only
 * events, status and command results under its own `{site}/{edge}` and read only its own ack and
 * commands. The hub's client may do anything under the prefix.
 */
export async function startEmbeddedBroker(opts: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const who = new WeakMap<Client, BrokerPrincipal>();
  const log = opts.logger;
  const broker = await Aedes.createBroker({
    id: 'cjp-embedded',
    // A frozen subscriber must not stall delivery to everyone else (aedes drainTimeout, devices.md 5.3).
    drainTimeout: 10_000,
    authenticate(client, username, password, done) {
      const pw = password?.toString('utf8') ?? '';
      if (!username) return done(authError('username required', 4), false);
      if (username === opts.hubUsername) {
        if (pw === opts.hubPassword) {
          who.set(client, { kind: 'hub' });
          return done(null, true);
        }
        return done(authError('bad credentials', 4), false);
      }
      opts
        .verifyEdge(username, pw)
        .then((edge) => {
          if (!edge) {
            log.warn({ username, clientId: client.id }, 'mqtt: edge login refused: bad username or password');
            return done(authError('bad credentials', 4), false);
          }
          who.set(client, { kind: 'edge', ...edge });
          done(null, true);
        })
        .catch((err: Error) => {
          log.error({ err }, 'mqtt: edge credential check failed');
          done(authError('server unavailable', 5), false);
        });
    },
    authorizePublish(client, packet, callback) {
      const p = client ? who.get(client) : undefined;
      if (!p) return callback(new Error('not authenticated'));
      if (packet.topic.startsWith('$SYS')) return callback(new Error('$SYS is read-only'));
      if (p.kind === 'hub') return callback(null);
      const t = parseTopic(packet.topic, opts.topicPrefix);
      let reason: string | null = null;
      if (!t) reason = `topic "${packet.topic}" is not a topic of ours`;
      else if (t.site !== p.siteId || t.edge !== p.edgeId) reason = `edge "${p.edgeId}" may publish only under ${opts.topicPrefix}/${p.siteId}/${p.edgeId}/`;
      else if (t.channel !== 'evt' && t.channel !== 'status' && t.channel !== 'cmdack' && t.channel !== 'live') reason = `edge "${p.edgeId}" may not publish on "${t.channel}"`;
      if (!reason) return callback(null);
      log.warn({ edgeId: p.edgeId, topic: packet.topic, reason }, 'mqtt: publish refused by ACL');
      opts.onDenied({ edgeId: p.edgeId, topic: packet.topic, payload: Buffer.from(packet.payload), reason: `ACL: ${reason}` });
      // MQTT 3.1.1 has no negative PUBACK: the broker closes the connection (MQTT-3.3.5-2).
      callback(new Error(reason));
    },
    authorizeSubscribe(client, sub, callback) {
      const p = who.get(client);
      if (!p) return callback(new Error('not authenticated'));
      if (p.kind === 'hub') return callback(null, sub);
      const own = `${opts.topicPrefix}/${p.siteId}/${p.edgeId}`;
      const rest = sub.topic.startsWith(`${own}/`) ? sub.topic.slice(own.length + 1) : null;
      const allowed = rest === 'ack' || rest === 'cmd/+' || rest === 'cmd/#' || (rest !== null && /^cmd\/[a-z0-9][a-z0-9_-]{0,62}$/.test(rest));
      if (!allowed) {
        log.warn({ edgeId: p.edgeId, topic: sub.topic }, 'mqtt: subscription refused by ACL');
        return callback(null, null); // SUBACK 0x80 for this filter
      }
      callback(null, sub);
    },
  });

  // Small MQTT packets must go out at once: with Nagle on, a command waits for the ACK of the
  // previous segment, which Linux delays up to 40 ms.
  const server: Server = createServer({ noDelay: true }, broker.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE' ? new BrokerPortInUseError(opts.port) : err));
    server.listen(opts.port, opts.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const host = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host;
  log.info({ port }, 'embedded MQTT broker listening');

  return {
    port,
    url: `mqtt://${host}:${port}`,
    connectedClients: () => broker.connectedClients,
    async close() {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
