import { connect, type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import type { RfidData } from '@cjp/contracts';
import type { RfidMqttDeviceConfig } from '../../config.js';
import type { DeviceContext } from '../../device.js';
import { DeviceBase } from '../../device-base.js';
import type { DeviceReading } from '../../reading.js';
import { WarnThrottle } from '../../warn-throttle.js';
import { RfidDedupe } from '../rfid-dedupe.js';
import { parseReaderMessage, type ParsedSighting } from './formats.js';

export type RfidReading = DeviceReading<'rfid', RfidData>;

/** A reader clock outside maxClockSkewMs is reported at most this often. */
const SKEW_WARN_EVERY_MS = 60_000;

/**
 * An RFID reader that publishes tag reads as JSON to an MQTT broker (Zebra IoT Connector,
 * Impinj IoT device interface; formats.ts). Reads are deduped per (epc, antenna) presence
 * (rfid-dedupe.ts) and submitted as `rfid` readings: at the first sighting (`emit: first`, the
 * gate's vehicle tag) or when the presence ends (`emit: window`, items).
 *
 * Connection: MQTT.js reconnects on its fixed period (a reader's reads are not ours until they
 * are parsed, so there is nothing of ours to lose while away); the subscription is made again on
 * every connect. Retained messages are ignored: they are old reads replayed by the broker.
 *
 * Time: the reader's timestamp when it is within maxClockSkewMs of the edge clock, else the edge
 * clock. Presences are closed on the reader's time line (the edge clock plus the last offset seen),
 * so a reader clock a few minutes off neither splits nor stretches a presence.
 */
export class RfidMqttDevice extends DeviceBase<'rfid-mqtt'> {
  private readonly dedupe: RfidDedupe;
  private readonly antennas: ReadonlySet<number> | null;
  private client: MqttClient | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  /** reader clock − edge clock of the latest message, ms (0 when the edge clock was used) */
  private clockOffsetMs = 0;
  /** last sighting per EPC on the reader's time line, for the live tag count */
  private readonly present = new Map<string, number>();
  private lastEpc: string | null = null;
  private connected = false;
  private readonly skewWarnings = new WarnThrottle(SKEW_WARN_EVERY_MS);
  private lastConnectError: string | null = null;

  constructor(
    private readonly config: RfidMqttDeviceConfig,
    ctx: DeviceContext,
  ) {
    super(config, ctx, {
      log: { broker: config.broker.url, topic: config.topic },
      rejectWarning: 'reader messages rejected',
      live: { tags: 0, lastEpc: null },
    });
    this.antennas = config.antennas ? new Set(config.antennas) : null;
    this.dedupe = new RfidDedupe({
      windowMs: config.dedupeWindowMs,
      role: config.role,
      source: config.format,
      emit: config.emit,
      maxTags: config.maxTags,
      onRead: (data) => this.submitRead(data),
    });
  }

  protected openConnector(): void {
    const { broker } = this.config;
    this.setState('connecting');
    const options: IClientOptions = {
      protocolVersion: 4,
      clean: true,
      keepalive: broker.keepaliveS,
      connectTimeout: broker.connectTimeoutMs,
      reconnectPeriod: broker.reconnectPeriodMs,
      // we subscribe on every connect ourselves
      resubscribe: false,
      // a refused CONNACK (bad credentials, broker not ready) is retried like a lost connection
      reconnectOnConnackError: true,
      ...(broker.clientId !== undefined ? { clientId: broker.clientId } : {}),
      ...(broker.username !== undefined ? { username: broker.username } : {}),
      ...(broker.password !== undefined ? { password: broker.password } : {}),
    };
    const client = connect(broker.url, options);
    this.client = client;
    client.on('connect', () => this.onConnect(client));
    client.on('message', (topic, payload, packet) => this.onMessage(topic, payload, packet));
    client.on('close', () => this.onDisconnect());
    client.on('error', (err) => this.onError(err));
    const tick = Math.min(1_000, Math.max(50, Math.floor(this.config.dedupeWindowMs / 2)));
    this.sweepTimer = setInterval(() => this.sweep(), tick);
    this.sweepTimer.unref();
  }

  protected async closeConnector(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
    // open presences are emitted (window) rather than lost
    this.dedupe.flush();
    const client = this.client;
    this.client = null;
    if (client) await new Promise<void>((resolve) => client.end(true, {}, () => resolve()));
    this.setState('disconnected');
  }

  private onConnect(client: MqttClient): void {
    if (this.isClosed || client !== this.client) return;
    this.lastConnectError = null;
    this.connected = true;
    this.log.info('connected to the reader\'s broker');
    this.setState('connected');
    client.subscribe(this.config.topic, { qos: this.config.qos }, (err, granted) => {
      if (this.isClosed || client !== this.client) return;
      const refused = err ? err.message : granted?.some((g) => g.qos === 128) ? 'SUBACK 128 (not authorised?)' : null;
      if (refused) {
        this.tracker.error(`subscription to ${this.config.topic} refused: ${refused}`);
        this.log.error({ err: refused }, 'the broker refused our subscription: no tag reads will arrive (check the topic and the broker ACL)');
      } else {
        this.log.debug('subscribed');
      }
    });
  }

  private onDisconnect(): void {
    if (this.isClosed) return;
    const wasConnected = this.connected;
    this.connected = false;
    this.setState('disconnected');
    if (wasConnected) this.log.warn({ retryInMs: this.config.broker.reconnectPeriodMs }, 'lost the reader\'s broker; reconnecting');
  }

  private onError(err: Error): void {
    if (this.isClosed) return;
    this.tracker.error(`${this.config.broker.url}: ${err.message}`);
    // once per distinct error while disconnected: a broker that stays down is not logged every period
    if (err.message !== this.lastConnectError) this.log.warn({ err: err.message }, 'reader broker connection error');
    this.lastConnectError = err.message;
  }

  private onMessage(topic: string, payload: Buffer, packet: IPublishPacket): void {
    if (this.isClosed) return;
    if (packet.retain) {
      this.log.debug({ topic }, 'retained message ignored (an old read replayed by the broker)');
      return;
    }
    if (payload.length === 0) return;
    const now = this.ctx.now();
    const parsed = parseReaderMessage(this.config.format, payload);
    for (const reason of parsed.rejects) this.refuse(reason, topic);
    if (parsed.ignored) this.log.debug({ topic, ignored: parsed.ignored }, 'non-tag reader events ignored');
    let changed = false;
    for (const s of parsed.sightings) changed = this.see(s, now, topic) || changed;
    if (changed) this.updateLive();
  }

  /** One sighting into the dedupe; true when it counted. */
  private see(s: ParsedSighting, now: Date, topic: string): boolean {
    if (this.antennas) {
      if (s.antenna === null) {
        this.refuse(`${this.config.format}: read without an antenna port, but an antennas filter is configured (enable the reader's antenna metadata)`, topic);
        return false;
      }
      if (!this.antennas.has(s.antenna)) return false;
    }
    const at = this.readTime(s.readerTs, now);
    this.dedupe.see({
      epc: s.epc,
      ...(s.tid ? { tid: s.tid } : {}),
      // 0 = the reader did not say (the contract's antenna is required)
      antenna: s.antenna ?? 0,
      ...(s.rssiDbm !== undefined ? { rssiDbm: s.rssiDbm } : {}),
      at,
    });
    const prev = this.present.get(s.epc);
    if (prev === undefined || at.getTime() > prev) {
      this.present.delete(s.epc); // re-insert: the map stays in last-seen order for pruning
      this.present.set(s.epc, at.getTime());
      if (this.present.size > this.config.maxTags) this.present.delete(this.present.keys().next().value as string);
    }
    this.lastEpc = s.epc;
    return true;
  }

  /** The reader's time when sane, else the edge clock; remembers the offset for sweeps. */
  private readTime(readerTs: Date | null, now: Date): Date {
    if (readerTs) {
      const offset = readerTs.getTime() - now.getTime();
      if (Math.abs(offset) <= this.config.maxClockSkewMs) {
        this.clockOffsetMs = offset;
        return readerTs;
      }
      if (this.skewWarnings.hit(now) !== null) {
        this.log.warn(
          { readerTs: readerTs.toISOString(), offsetS: Math.round(offset / 1000), maxClockSkewMs: this.config.maxClockSkewMs },
          'reader clock is off: using the edge clock for its reads (set up NTP on the reader)',
        );
      }
    }
    this.clockOffsetMs = 0;
    return now;
  }

  private sweep(): void {
    const readerNow = this.ctx.now().getTime() + this.clockOffsetMs;
    this.dedupe.sweep(new Date(readerNow));
    let changed = false;
    for (const [epc, last] of this.present) {
      if (readerNow - last > this.config.dedupeWindowMs) {
        this.present.delete(epc);
        changed = true;
      }
    }
    if (changed) this.updateLive();
  }

  private updateLive(): void {
    this.setLive({ tags: this.present.size, lastEpc: this.lastEpc });
  }

  private submitRead(data: RfidData): void {
    const ts = this.config.emit === 'first' ? data.firstSeen : data.lastSeen;
    const reading: RfidReading = { kind: 'rfid', deviceId: this.id, ts, data };
    this.submit(reading, { epc: data.epc });
  }

  private refuse(reason: string, topic: string): void {
    this.reject(reason, { topic, format: this.config.format });
  }
}
