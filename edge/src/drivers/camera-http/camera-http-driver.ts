import { z } from 'zod';
import {
  checkContainerNumber,
  containerDataSchema,
  formatIssues,
  plateDataSchema,
  type ContainerData,
  type PlateData,
} from '@cjp/contracts';
import { BearerToken } from '../../bearer.js';
import type { CameraHttpDeviceConfig } from '../../config.js';
import type { DeviceContext, EdgeHttpRequest, EdgeHttpResponse } from '../../device.js';
import { DeviceBase } from '../../device-base.js';
import type { DeviceReading } from '../../reading.js';

export type PlateReading = DeviceReading<'plate', PlateData>;
export type ContainerReading = DeviceReading<'container', ContainerData>;
type CameraReading = PlateReading | ContainerReading;

/** How long readings stored by a request that then failed (503) are remembered for its retry. */
const PARTIAL_TTL_MS = 10 * 60_000;
const PARTIAL_MAX = 1_000;

const confidenceSchema = z.number().min(0).max(1);

/** The documented request body (edge/README.md "Cameras over HTTP"). */
function requestSchema(maxContainers: number) {
  return z
    .strictObject({
      ts: z.iso.datetime({ offset: true, error: 'expected an ISO 8601 time with a zone, e.g. "2026-11-27T08:15:02.120Z"' }).optional(),
      plate: z
        .strictObject({
          number: z.string().trim().min(1).max(16),
          color: plateDataSchema.shape.color,
          confidence: confidenceSchema.optional(),
        })
        .optional(),
      containers: z
        .array(
          z.strictObject({
            // OCR text as read ("CSQU 305438 3" too); normalised by the ISO 6346 check
            number: z.string().trim().min(1).max(32),
            isoCode: z
              .string()
              .regex(/^[0-9A-Z]{4}$/, 'expected an ISO 6346 size-type code such as "22G1"')
              .optional(),
            position: containerDataSchema.shape.position,
            confidence: confidenceSchema.optional(),
          }),
        )
        .min(1)
        .max(maxContainers)
        .optional(),
      imageRef: z.string().min(1).max(256).optional(),
    })
    .refine((b) => b.plate !== undefined || b.containers !== undefined, { message: 'required: a plate, containers or both', path: ['plate'] });
}

/**
 * A plate / container recognition camera that pushes its reads: it POSTs our documented JSON to
 * `/cameras/<id>/reads` on the edge's HTTP server, with `Authorization: Bearer <token>`.
 * Every plate becomes a `plate` reading and every container a `container` reading, its check
 * digit verified (ISO 6346) and a failure kept and flagged, for the gate to hold on.
 *
 * The whole request is validated before anything is submitted. Should the outbox refuse a reading
 * (503, the camera retries), the readings already stored from that request are remembered for a
 * while, so the retry does not store them twice.
 */
export class CameraHttpDevice extends DeviceBase<'camera-http'> {
  readonly path: string;
  private readonly token: BearerToken;
  private readonly schema: ReturnType<typeof requestSchema>;
  private live: { plate: string | null; container: string | null } = { plate: null, container: null };
  /** readings stored by requests that failed later on: item key → seq */
  private readonly partial = new Map<string, { seq: number; at: number }>();

  constructor(
    private readonly config: CameraHttpDeviceConfig,
    ctx: DeviceContext,
  ) {
    const path = `/cameras/${config.id}/reads`;
    super(config, ctx, { log: { path }, rejectWarning: 'camera request refused', live: { plate: null, container: null } });
    this.path = path;
    this.token = new BearerToken(config.token);
    this.schema = requestSchema(config.maxContainers);
  }

  protected openConnector(): void {
    if (!this.ctx.http) {
      this.tracker.error('no HTTP server: a camera-http device needs the edge\'s http: section');
      this.log.error('camera cannot be reached: the edge has no HTTP server (add an http: section to the config)');
      return;
    }
    this.ctx.http.post(this.path, (req) => this.handle(req));
    this.log.info('camera endpoint ready');
    // cameras push: there is no connection; "connected" means "can be pushed to", lastReadingAt tells liveness
    this.setState('connected');
  }

  protected closeConnector(): Promise<void> {
    // the route stays registered (the server has no unregister) and answers 503 from now on
    this.setState('disconnected');
    return Promise.resolve();
  }

  private handle(request: EdgeHttpRequest): Promise<EdgeHttpResponse> {
    return Promise.resolve(this.handleSync(request));
  }

  private handleSync({ req, body }: EdgeHttpRequest): EdgeHttpResponse {
    if (this.isClosed) return { status: 503, body: { error: 'camera device is shutting down; retry' } };
    if (!this.token.matches(req.headers.authorization)) {
      return this.refuse(401, 'unauthorized: missing or wrong bearer token');
    }

    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch (err) {
      return this.refuse(400, `body is not JSON: ${(err as Error).message}`);
    }
    const parsed = this.schema.safeParse(json);
    if (!parsed.success) return this.refuse(400, oneLine(formatIssues(parsed.error)));
    const read = parsed.data;

    if (read.plate && this.config.reads === 'container') {
      return this.refuse(422, `plate: this camera is configured with reads: container, so it may not send plates (set reads: both in the edge config if it reads plates)`);
    }
    if (read.containers && this.config.reads === 'plate') {
      return this.refuse(422, `containers: this camera is configured with reads: plate, so it may not send containers (set reads: both in the edge config if it reads containers)`);
    }

    // Everything is checked before anything is submitted.
    const now = this.ctx.now();
    const ts = read.ts !== undefined ? new Date(read.ts).toISOString() : now.toISOString();
    const items: { key: string; reading: CameraReading }[] = [];
    if (read.plate) {
      const data: PlateData = { plate: read.plate.number };
      if (read.plate.color !== undefined) data.color = read.plate.color;
      if (read.plate.confidence !== undefined) data.confidence = read.plate.confidence;
      if (read.imageRef !== undefined) data.imageRef = read.imageRef;
      const checked = plateDataSchema.safeParse(data);
      if (!checked.success) return this.refuse(400, oneLine(`plate: ${formatIssues(checked.error)}`));
      items.push({ key: itemKey('plate', read.ts, data), reading: { kind: 'plate', deviceId: this.id, ts, data } });
    }
    for (const [i, c] of (read.containers ?? []).entries()) {
      const check = checkContainerNumber(c.number.toUpperCase());
      const number = check?.number ?? c.number.toUpperCase();
      if (number.length > 16) return this.refuse(400, `containers.${i}.number: "${c.number.slice(0, 32)}" is no container number (longer than 16 characters)`);
      const data: ContainerData = { number, checkDigitValid: check?.valid ?? false };
      if (c.isoCode !== undefined) data.isoCode = c.isoCode;
      if (c.position !== undefined) data.position = c.position;
      if (c.confidence !== undefined) data.confidence = c.confidence;
      if (read.imageRef !== undefined) data.imageRef = read.imageRef;
      const checked = containerDataSchema.safeParse(data);
      if (!checked.success) return this.refuse(400, oneLine(`containers.${i}: ${formatIssues(checked.error)}`));
      items.push({ key: itemKey('container', read.ts, data), reading: { kind: 'container', deviceId: this.id, ts, data } });
    }

    this.prunePartial(now.getTime());
    const accepted: { kind: CameraReading['kind']; seq: number }[] = [];
    /** stored from this request, now or by an earlier attempt */
    const stored: { key: string; seq: number }[] = [];
    for (const { key, reading } of items) {
      const earlier = this.partial.get(key);
      if (earlier) {
        // stored by an earlier attempt of this request that then failed: not twice
        this.partial.delete(key);
        stored.push({ key, seq: earlier.seq });
        accepted.push({ kind: reading.kind, seq: earlier.seq });
        continue;
      }
      // the sink directly, not submit(): a refusal is the camera's to retry (503), with what is stored kept apart
      const result = this.ctx.sink.submit(reading);
      if (!result.ok) {
        for (const s of stored) this.remember(s.key, s.seq, now.getTime());
        return this.refuse(503, `outbox refused the ${reading.kind} reading, retry later: ${result.error}`);
      }
      stored.push({ key, seq: result.seq });
      accepted.push({ kind: reading.kind, seq: result.seq });
      this.tracker.reading(reading.ts);
    }

    for (const { reading } of items) {
      if (reading.kind === 'plate') this.live.plate = reading.data.plate;
      else this.live.container = reading.data.number;
    }
    this.setLive({ ...this.live });
    const flagged = items.filter((it) => it.reading.kind === 'container' && !it.reading.data.checkDigitValid);
    if (flagged.length) {
      this.log.info({ containers: flagged.map((f) => (f.reading.data as ContainerData).number) }, 'container number read with a failed check digit: kept and flagged');
    }
    return { status: 202, body: { accepted } };
  }

  private remember(key: string, seq: number, at: number): void {
    this.partial.set(key, { seq, at });
    if (this.partial.size > PARTIAL_MAX) this.partial.delete(this.partial.keys().next().value as string);
  }

  private prunePartial(nowMs: number): void {
    for (const [key, p] of this.partial) if (nowMs - p.at > PARTIAL_TTL_MS || p.at > nowMs) this.partial.delete(key);
  }

  /** A refused request: counted by class, lastError set, a throttled warning (DeviceBase.reject). */
  private refuse(status: number, reason: string): EdgeHttpResponse {
    this.reject(reason, { status });
    return { status, body: { error: reason } };
  }
}

/** The same read sent again (a retry) has the same key; the edge's clock is not part of it. */
function itemKey(kind: string, cameraTs: string | undefined, data: PlateData | ContainerData): string {
  return JSON.stringify([kind, cameraTs ?? null, data]);
}

function oneLine(s: string): string {
  const line = s.replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}
