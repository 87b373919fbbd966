import { connectAsync, type MqttClient } from 'mqtt';
import {
  checkEnvelope,
  commandAckSchema,
  statusMessageSchema,
  topics,
  type CommandAck,
  type CommandMessage,
  type Envelope,
  type StatusMessage,
} from '@cjp/contracts';

/**
 * Plays the hub for one edge: records every envelope (duplicates too), status and command ack,
 * and (when autoAck) publishes the retained ack of the highest contiguous seq, like the real hub.
 */
export class TestHub {
  readonly received: Envelope[] = [];
  readonly statuses: StatusMessage[] = [];
  readonly cmdacks: CommandAck[] = [];
  readonly invalid: string[] = [];
  applied = 0;
  private readonly t;

  private constructor(
    readonly client: MqttClient,
    readonly site: string,
    readonly edgeId: string,
    public autoAck: boolean,
  ) {
    this.t = topics();
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
  }

  static async start(url: string, opts: { site?: string; edgeId?: string; autoAck?: boolean } = {}): Promise<TestHub> {
    const client = await connectAsync(url, { clientId: `test-hub-${Math.random().toString(16).slice(2)}`, reconnectPeriod: 100 });
    const hub = new TestHub(client, opts.site ?? 'cjp', opts.edgeId ?? 'wh-1', opts.autoAck ?? true);
    const root = hub.t.edgeRoot(hub.site, hub.edgeId);
    await client.subscribeAsync([`${root}/evt/#`, `${root}/status`, `${root}/cmdack`], { qos: 1 });
    return hub;
  }

  get clientId(): string {
    return this.client.options.clientId ?? '';
  }

  /** distinct seqs seen */
  get seqs(): Set<number> {
    return new Set(this.received.map((e) => e.seq));
  }

  timesSeen(seq: number): number {
    return this.received.filter((e) => e.seq === seq).length;
  }

  /** each distinct envelope once, in the order first seen */
  distinct(): Envelope[] {
    const seen = new Set<number>();
    return this.received.filter((e) => !seen.has(e.seq) && seen.add(e.seq));
  }

  async ack(seq: number): Promise<void> {
    const payload = JSON.stringify({ seq, ts: new Date().toISOString() });
    await this.client.publishAsync(this.t.ack(this.site, this.edgeId), payload, { qos: 1, retain: true });
  }

  async command(deviceId: string, cmd: CommandMessage): Promise<void> {
    await this.client.publishAsync(this.t.cmd(this.site, this.edgeId, deviceId), JSON.stringify(cmd), { qos: 1 });
  }

  close(): Promise<void> {
    return this.client.endAsync(true);
  }

  private onMessage(topic: string, payload: Buffer): void {
    const json: unknown = JSON.parse(payload.toString());
    if (topic.endsWith('/status')) {
      this.statuses.push(statusMessageSchema.parse(json));
    } else if (topic.endsWith('/cmdack')) {
      this.cmdacks.push(commandAckSchema.parse(json));
    } else {
      const check = checkEnvelope(json);
      if (!check.ok) {
        this.invalid.push(check.reason);
        return;
      }
      this.received.push(check.envelope);
      if (!this.autoAck) return;
      const before = this.applied;
      while (this.seqs.has(this.applied + 1)) this.applied += 1;
      if (this.applied > before) void this.ack(this.applied);
    }
  }
}
