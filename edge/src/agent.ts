import { readFileSync } from 'node:fs';
import { pino, type Logger } from 'pino';
import { eventDataSchemas, formatIssues, type DeviceHealth, type EventKind } from '@cjp/contracts';
import type { z } from 'zod';
import type { EdgeConfig } from './config.js';
import type { Device } from './device.js';
import { createDevice, type DeviceFactoryOptions } from './drivers/index.js';
import { MqttLink, type LinkHealth } from './mqtt-link.js';
import { Outbox } from './outbox.js';
import type { DeviceReading, SubmitResult } from './reading.js';

export interface EdgeAgentOptions extends DeviceFactoryOptions {
  logger?: Logger;
  /** the time stamped on readings; defaults to the system clock */
  now?: () => Date;
}

export interface EdgeHealth {
  edgeId: string;
  broker: LinkHealth;
  outboxDepth: number;
  /** last seq assigned to a reading (0 before the first) */
  lastSeq: number;
  devices: DeviceHealth[];
}

export interface EdgeAgent {
  readonly config: EdgeConfig;
  health(): EdgeHealth;
  /** Readings waiting in the outbox for the hub's ack. */
  outboxDepth(): number;
  /** Stops devices, flushes what it can (~2 s), publishes the offline status, closes the outbox. */
  close(): Promise<void>;
}

const FLUSH_ON_CLOSE_MS = 2000;

/** Wires devices → outbox → MQTT link and starts them; returns without waiting for the broker. */
export async function startEdgeAgent(config: EdgeConfig, opts: EdgeAgentOptions = {}): Promise<EdgeAgent> {
  const logger = (opts.logger ?? pino({ name: 'cjp-edge' })).child({ edgeId: config.edgeId });
  const now = opts.now ?? (() => new Date());
  const outbox = Outbox.open(config.outbox.path, config.edgeId);
  logger.info({ outbox: config.outbox.path, depth: outbox.depth(), lastSeq: outbox.lastSeq }, 'outbox opened');

  const devices = new Map<string, Device>();
  let link: MqttLink | null = null;

  const submit = (reading: DeviceReading): SubmitResult => {
    const schema = (eventDataSchemas as Partial<Record<EventKind, z.ZodType>>)[reading.kind];
    const checked = schema?.safeParse(reading.data);
    if (checked && !checked.success) return { ok: false, error: `${reading.kind} data: ${formatIssues(checked.error)}` };
    try {
      const envelope = outbox.append(reading);
      link?.notify();
      link?.requestActivityStatus();
      return { ok: true, seq: envelope.seq };
    } catch (err) {
      logger.error({ deviceId: reading.deviceId, err: (err as Error).message }, 'reading could not be stored in the outbox');
      return { ok: false, error: (err as Error).message };
    }
  };

  try {
    for (const dc of config.devices) {
      const device = createDevice(
        dc,
        { sink: { submit }, logger, now, onStateChange: () => link?.requestStatus() },
        opts.openSerialPort ? { openSerialPort: opts.openSerialPort } : {},
      );
      devices.set(device.id, device);
    }
    link = new MqttLink({
      site: config.site,
      edgeId: config.edgeId,
      broker: config.broker,
      resendAfterMs: config.outbox.resendAfterMs,
      outbox,
      logger,
      devices: () => [...devices.values()].map((d) => d.health()),
      // No device commands exist yet; the link has already refused expired ones.
      onCommand: async (deviceId) => ({ ok: false, error: devices.has(deviceId) ? 'no such command' : 'no such device' }),
      version: packageVersion(),
    });
  } catch (err) {
    outbox.close();
    throw err;
  }

  link.start();
  for (const d of devices.values()) d.start();
  const running = link;

  let closing: Promise<void> | null = null;
  let finalDepth = 0;
  const depth = () => (outbox.isOpen ? outbox.depth() : finalDepth);
  const health = (): EdgeHealth => ({
    edgeId: config.edgeId,
    broker: running.health(),
    outboxDepth: depth(),
    lastSeq: outbox.lastSeq,
    devices: [...devices.values()].map((d) => d.health()),
  });

  return {
    config,
    health,
    outboxDepth: depth,
    close() {
      closing ??= (async () => {
        await Promise.all([...devices.values()].map((d) => d.close()));
        const flushed = await running.flush(FLUSH_ON_CLOSE_MS);
        await running.close();
        finalDepth = outbox.depth();
        outbox.close();
        logger.info({ flushed, outboxDepth: finalDepth }, 'edge agent stopped');
      })();
      return closing;
    },
  };
}

let cachedVersion: string | undefined | null;
function packageVersion(): string | undefined {
  if (cachedVersion === undefined) {
    try {
      // ../package.json from both src/ and dist/
      const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
      cachedVersion = typeof pkg.version === 'string' ? pkg.version : null;
    } catch {
      cachedVersion = null;
    }
  }
  return cachedVersion ?? undefined;
}
