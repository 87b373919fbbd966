import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import { topics, type AckMessage, type CommandMessage } from '@cjp/contracts';
import type { Logger } from '../core/logger.js';

export interface HubLinkOptions {
  url: string;
  username?: string | undefined;
  password?: string | undefined;
  topicPrefix: string;
  /** shared-subscription group for replicas; "" for a plain subscription */
  sharedGroup: string;
  clientId: string;
  logger: Logger;
  /** called for every message from edges; a returned promise holds back the next one (backpressure) */
  onMessage(topic: string, payload: Buffer): Promise<void> | void;
}

export interface HubLink {
  connected(): boolean;
  waitConnected(timeoutMs: number): Promise<void>;
  publishAck(siteId: string, edgeId: string, seq: number): void;
  /** QoS 1 to the edge's cmd topic; resolves on the broker's PUBACK, rejects at once while disconnected */
  publishCommand(siteId: string, edgeId: string, deviceId: string, message: CommandMessage): Promise<void>;
  /** stop receiving; in-flight publishes are flushed */
  close(): Promise<void>;
}

/** The hub's MQTT client: subscribes to everything edges publish and sends acks. */
export function connectHubLink(opts: HubLinkOptions): HubLink {
  const t = topics(opts.topicPrefix);
  const client: MqttClient = mqtt.connect(opts.url, {
    clientId: opts.clientId,
    username: opts.username,
    password: opts.password,
    clean: true,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    keepalive: 30,
  });
  const log = opts.logger;

  // Take each QoS 1 message through ingest's queue; PUBACK goes out when the queue has room, so a
  // slow database slows the broker's delivery instead of filling memory.
  client.handleMessage = (packet: IPublishPacket, callback: (err?: Error) => void) => {
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    const wait = opts.onMessage(packet.topic, payload);
    if (wait) wait.then(() => callback(), callback);
    else callback();
  };

  client.on('connect', () => {
    // commands and acks are small and latency-bound (see the embedded broker)
    (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
    const filters = t.allFromEdges().map((f) => (opts.sharedGroup ? `$share/${opts.sharedGroup}/${f}` : f));
    client.subscribe(filters, { qos: 1 }, (err, granted) => {
      if (err) log.error({ err }, 'hub link: subscribe failed');
      else if (granted?.some((g) => g.qos === 128)) log.error({ granted }, 'hub link: broker refused a subscription');
      else log.info({ url: opts.url, filters }, 'hub link: connected and subscribed');
    });
  });
  client.on('error', (err) => log.error({ err: err.message }, 'hub link: mqtt error'));
  client.on('offline', () => log.warn('hub link: broker offline, reconnecting'));

  return {
    connected: () => client.connected,
    waitConnected(timeoutMs) {
      if (client.connected) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`hub link: no connection to ${opts.url} within ${timeoutMs} ms`)), timeoutMs);
        client.once('connect', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
    publishAck(siteId, edgeId, seq) {
      const msg: AckMessage = { seq, ts: new Date().toISOString() };
      client.publish(t.ack(siteId, edgeId), JSON.stringify(msg), { qos: 1, retain: true }, (err) => {
        if (err) log.warn({ err: err.message, edgeId }, 'hub link: ack publish failed (the edge will re-send and be acked again)');
      });
    },
    publishCommand(siteId, edgeId, deviceId, message) {
      // Never queue a command offline: it would run late or not at all; the caller says so now.
      if (!client.connected) return Promise.reject(new Error('the hub is not connected to the broker'));
      return new Promise((resolve, reject) => {
        client.publish(t.cmd(siteId, edgeId, deviceId), JSON.stringify(message), { qos: 1 }, (err) => (err ? reject(err) : resolve()));
      });
    },
    async close() {
      await client.endAsync(false).catch(() => undefined);
    },
  };
}
