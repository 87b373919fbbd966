import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export interface RawPublish {
  topic: string;
  payload: string;
  qos: number;
  messageId: number | null;
}

/**
 * Just enough of an MQTT 3.1.1 broker for one client to observe the packets it writes, in wire
 * order, and to decide when to PUBACK them: publishes matching `holdAcks` wait for puback(),
 * others are acked at once. Accepts any CONNECT and SUBSCRIBE.
 */
export class RawBroker {
  readonly publishes: RawPublish[] = [];
  private socket: Socket | null = null;
  private nextId = 1;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly holdAcks: (topic: string) => boolean,
  ) {}

  static async start(holdAcks: (topic: string) => boolean): Promise<RawBroker> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const broker = new RawBroker(server, (server.address() as AddressInfo).port, holdAcks);
    server.on('connection', (s) => broker.attach(s));
    return broker;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  get connected(): boolean {
    return this.socket !== null;
  }

  puback(messageId: number): void {
    this.write(0x40, Buffer.from([messageId >> 8, messageId & 0xff]));
  }

  /** Sends a QoS 1 PUBLISH to the client. */
  publish(topic: string, payload: string): void {
    const id = this.nextId++;
    const t = Buffer.from(topic);
    this.write(0x32, Buffer.concat([u16(t.length), t, u16(id), Buffer.from(payload)]));
  }

  async close(): Promise<void> {
    this.socket?.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private attach(socket: Socket): void {
    this.socket?.destroy();
    this.socket = socket;
    let buf = Buffer.alloc(0);
    socket.on('error', () => {});
    socket.on('close', () => {
      if (this.socket === socket) this.socket = null;
    });
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const frame = readFrame(buf);
        if (!frame) break;
        buf = buf.subarray(frame.size);
        this.handle(frame.type, frame.flags, frame.body);
      }
    });
  }

  private handle(type: number, flags: number, body: Buffer): void {
    switch (type) {
      case 1: // CONNECT
        this.write(0x20, Buffer.from([0, 0]));
        break;
      case 3: {
        // PUBLISH
        const len = body.readUInt16BE(0);
        const topic = body.subarray(2, 2 + len).toString();
        const qos = (flags >> 1) & 3;
        const messageId = qos > 0 ? body.readUInt16BE(2 + len) : null;
        const payload = body.subarray(2 + len + (qos > 0 ? 2 : 0)).toString();
        this.publishes.push({ topic, payload, qos, messageId });
        if (messageId !== null && !this.holdAcks(topic)) this.puback(messageId);
        break;
      }
      case 8: {
        // SUBSCRIBE: grant QoS 1 to each filter
        let n = 0;
        for (let o = 2; o < body.length; o += 2 + body.readUInt16BE(o) + 1) n++;
        this.write(0x90, Buffer.concat([body.subarray(0, 2), Buffer.alloc(n, 1)]));
        break;
      }
      case 12: // PINGREQ
        this.write(0xd0, Buffer.alloc(0));
        break;
    }
  }

  private write(header: number, body: Buffer): void {
    this.socket?.write(Buffer.concat([Buffer.from([header]), varint(body.length), body]));
  }
}

function readFrame(buf: Buffer): { type: number; flags: number; body: Buffer; size: number } | null {
  if (buf.length < 2) return null;
  let len = 0;
  let mul = 1;
  let i = 1;
  for (;;) {
    if (i >= buf.length) return null;
    const b = buf[i++]!;
    len += (b & 0x7f) * mul;
    mul *= 128;
    if ((b & 0x80) === 0) break;
  }
  if (buf.length < i + len) return null;
  const first = buf[0]!;
  return { type: first >> 4, flags: first & 0x0f, body: buf.subarray(i, i + len), size: i + len };
}

function varint(n: number): Buffer {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}

function u16(n: number): Buffer {
  return Buffer.from([n >> 8, n & 0xff]);
}
