import { pino, type Logger } from 'pino';
import { randomSeed, Rng } from '../prng.js';
import { randomPlate, type ContainerOnTruck, type ContainerPosition, type PlateColor } from './camera-generator.js';

/**
 * The body an ANPR / container-code camera POSTs to the edge (`POST /cameras/<deviceId>/reads`,
 * `Authorization: Bearer <token>`), the edge's documented format:
 * { "ts": "2026-11-27T08:15:02.120Z", "plate": { "number": "青B12345", "color": "blue", "confidence": 0.97 },
 *   "containers": [ { "number": "CSQU3054383", "isoCode": "22G1", "position": "rear", "confidence": 0.91 } ],
 *   "imageRef": "cam7/20261127/081502.jpg" }
 * `plate` and `containers` are each optional (a plate-only or a container-only camera).
 */
export interface CameraReadBody {
  ts: string;
  plate?: { number: string; color?: PlateColor | 'white' | 'black' | 'unknown'; confidence?: number };
  containers?: Array<{ number: string; isoCode?: string; position?: ContainerPosition; confidence?: number }>;
  imageRef: string;
}

export interface CameraSimulatorOptions {
  /** e.g. http://127.0.0.1:9180/cameras/gate-in-plate/reads */
  url: string;
  /** sent as `Authorization: Bearer <token>` */
  token: string;
  logger?: Logger;
  /** PRNG seed (confidences, generated plates, the miss and corrupt faults); random when absent */
  seed?: number;
  /** prefix of `imageRef`; the `<deviceId>` of the URL by default */
  deviceId?: string;
  /** retries on 503 and connection errors: attempts in all (default 5), first delay (200 ms), cap (5 s) */
  retry?: { maxAttempts?: number; baseDelayMs?: number; maxDelayMs?: number };
  /** per-request timeout (default 5 s) */
  timeoutMs?: number;
  /** clock, for tests */
  now?: () => Date;
}

export interface CameraPostResult {
  /** HTTP status of the last attempt; null when no response came (refused, reset, timeout) or the read was missed */
  status: number | null;
  /** response body, parsed as JSON when it is JSON */
  body: unknown;
  /** requests made (0 when missed) */
  attempts: number;
  /** a 2xx response */
  ok: boolean;
  /** the `miss` fault dropped the read: nothing was sent */
  missed?: boolean;
  /** the last network error, when there was no response */
  error?: string;
  /** what was (or would have been) sent */
  sent?: unknown;
}

export interface CameraStats {
  /** readPlate / readContainers / read calls */
  reads: number;
  /** dropped by the miss fault */
  missed: number;
  /** reads with a container number corrupted */
  corrupted: number;
  /** HTTP requests made, retries included */
  requests: number;
  retries: number;
  /** 2xx */
  accepted: number;
  /** 4xx (not retried) */
  rejected: number;
  /** posts given up: retries exhausted, or a 5xx other than 503 */
  failed: number;
}

export interface CameraSimulator {
  readonly seed: number;
  readonly url: string;
  readonly stats: CameraStats;
  /** a plate read; a random plate of the region when `plate` is omitted */
  readPlate(plate?: string, opts?: { color?: PlateColor; confidence?: number }): Promise<CameraPostResult>;
  /** a container-code read of one truck */
  readContainers(containers: ContainerOnTruck[], opts?: { plate?: string; plateColor?: PlateColor }): Promise<CameraPostResult>;
  /** posts any body as is (no miss/corrupt), with the retry policy */
  post(body: unknown): Promise<CameraPostResult>;
  faults: {
    /** drop this share of reads (0..1), seeded */
    miss(ratio: number): void;
    /** alter the last digit (the ISO 6346 check digit) of every container number read */
    corrupt(on: boolean): void;
    /** wait `ms` before each post (recognition lag); 0 = off */
    slow(ms: number): void;
  };
  /** aborts in-flight requests and pending retries */
  close(): void;
}

const RETRYABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

/** Starts a camera that POSTs its reads to the edge (nothing runs until a read is made). */
export function startCameraSimulator(options: CameraSimulatorOptions): CameraSimulator {
  return new CameraSimulatorImpl(options);
}

class CameraSimulatorImpl implements CameraSimulator {
  readonly seed: number;
  readonly url: string;
  readonly stats: CameraStats = { reads: 0, missed: 0, corrupted: 0, requests: 0, retries: 0, accepted: 0, rejected: 0, failed: 0 };
  readonly faults: CameraSimulator['faults'];
  private readonly log: Logger;
  private readonly deviceId: string;
  private readonly valueRng: Rng;
  private readonly missRng: Rng;
  private readonly corruptRng: Rng;
  private readonly abort = new AbortController();
  private missRatio = 0;
  private corrupting = false;
  private slowMs = 0;
  private lastImage = { key: '', n: 0 };

  constructor(private readonly opts: CameraSimulatorOptions) {
    this.seed = (opts.seed ?? randomSeed()) >>> 0;
    this.url = opts.url;
    const parsed = new URL(opts.url);
    this.deviceId = opts.deviceId ?? /\/cameras\/([^/]+)\/reads\/?$/.exec(parsed.pathname)?.[1] ?? 'cam';
    this.log = (opts.logger ?? pino({ level: 'silent' })).child({ camera: this.deviceId });
    // Separate streams, so turning a fault on does not change the other draws.
    this.valueRng = new Rng(this.seed);
    this.missRng = new Rng(this.seed ^ 0x6d2b79f5);
    this.corruptRng = new Rng(this.seed ^ 0x1b873593);
    this.faults = {
      miss: (ratio) => {
        if (!(ratio >= 0 && ratio <= 1)) throw new RangeError(`miss ratio must be 0..1, got ${ratio}`);
        this.missRatio = ratio;
      },
      corrupt: (on) => {
        this.corrupting = on;
      },
      slow: (ms) => {
        if (!(ms >= 0)) throw new RangeError(`slow must be >= 0 ms, got ${ms}`);
        this.slowMs = ms;
      },
    };
  }

  readPlate(plate?: string, opts: { color?: PlateColor; confidence?: number } = {}): Promise<CameraPostResult> {
    const generated = plate === undefined ? randomPlate(this.valueRng) : undefined;
    const number = plate ?? generated!.number;
    const color = opts.color ?? generated?.color ?? (number.length === 8 ? 'green' : 'blue');
    return this.read((ts) => ({
      ts,
      plate: { number, color, confidence: opts.confidence ?? this.confidence(0.85, 0.99) },
      imageRef: this.imageRef(ts),
    }));
  }

  readContainers(containers: ContainerOnTruck[], opts: { plate?: string; plateColor?: PlateColor } = {}): Promise<CameraPostResult> {
    return this.read((ts) => ({
      ts,
      ...(opts.plate !== undefined
        ? { plate: { number: opts.plate, ...(opts.plateColor ? { color: opts.plateColor } : {}), confidence: this.confidence(0.85, 0.99) } }
        : {}),
      containers: containers.map((c) => ({
        number: this.corrupting ? this.corruptCheckDigit(c.number) : c.number,
        ...(c.isoCode !== undefined ? { isoCode: c.isoCode } : {}),
        ...(c.position !== undefined ? { position: c.position } : {}),
        confidence: this.confidence(0.8, 0.98),
      })),
      imageRef: this.imageRef(ts),
    }));
  }

  /** Every read draws one miss decision (whatever the ratio), so the sequence does not depend on when the fault was set. */
  private async read(build: (ts: string) => CameraReadBody): Promise<CameraPostResult> {
    this.stats.reads++;
    const missed = this.missRng.float() < this.missRatio;
    const body = build((this.opts.now?.() ?? new Date()).toISOString());
    if (this.corrupting && body.containers?.length) this.stats.corrupted++;
    if (missed) {
      this.stats.missed++;
      this.log.debug({ imageRef: body.imageRef }, 'fault: read missed');
      return { status: null, body: undefined, attempts: 0, ok: false, missed: true, sent: body };
    }
    if (this.slowMs > 0) await this.sleep(this.slowMs);
    return this.post(body);
  }

  async post(body: unknown): Promise<CameraPostResult> {
    const maxAttempts = Math.max(1, this.opts.retry?.maxAttempts ?? 5);
    const base = this.opts.retry?.baseDelayMs ?? 200;
    const cap = this.opts.retry?.maxDelayMs ?? 5000;
    const payload = JSON.stringify(body);
    let last: CameraPostResult = { status: null, body: undefined, attempts: 0, ok: false, sent: body };
    let retryAfter: string | null = null;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (attempt > 1) {
        this.stats.retries++;
        await this.sleep(retryDelay(attempt - 1, base, cap, retryAfter));
      }
      if (this.abort.signal.aborted) break;
      this.stats.requests++;
      let response: Response;
      try {
        response = await fetch(this.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${this.opts.token}` },
          body: payload,
          signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.opts.timeoutMs ?? 5000)]),
        });
      } catch (err) {
        const code = networkErrorCode(err);
        last = { status: null, body: undefined, attempts: attempt, ok: false, error: code, sent: body };
        retryAfter = null;
        if (this.abort.signal.aborted) break;
        if (!RETRYABLE_CODES.has(code) && code !== 'TimeoutError') {
          this.log.error({ err: code, attempt }, 'post failed, not retried');
          break;
        }
        this.log.warn({ err: code, attempt, maxAttempts }, 'post failed');
        continue;
      }
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      last = { status: response.status, body: parsed, attempts: attempt, ok: response.ok, sent: body };
      retryAfter = response.headers.get('retry-after');
      if (response.ok) {
        this.stats.accepted++;
        this.log.debug({ status: response.status, attempt }, 'read accepted');
        return last;
      }
      if (response.status >= 400 && response.status < 500) {
        this.stats.rejected++;
        this.log.warn({ status: response.status, body: parsed }, 'read rejected by the edge, not retried');
        return last;
      }
      if (response.status !== 503) {
        this.log.error({ status: response.status, body: parsed }, 'edge error, not retried');
        break;
      }
      this.log.warn({ status: 503, attempt, maxAttempts }, 'edge unavailable');
    }
    this.stats.failed++;
    this.log.error({ status: last.status, error: last.error, attempts: last.attempts }, 'read not delivered');
    return last;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.abort.signal.aborted) return resolve();
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.abort.signal.addEventListener('abort', done, { once: true });
    });
  }

  private confidence(min: number, max: number): number {
    return Math.round((min + (max - min) * this.valueRng.float()) * 100) / 100;
  }

  /** A different last digit: the ISO 6346 check digit no longer matches. */
  private corruptCheckDigit(number: string): string {
    const last = number.at(-1) ?? '';
    if (!/[0-9]/.test(last)) return number + String(this.corruptRng.int(0, 9));
    return number.slice(0, -1) + String((Number(last) + this.corruptRng.int(1, 9)) % 10);
  }

  /** `<deviceId>/<yyyymmdd>/<hhmmss>.jpg` (UTC), `_2`, `_3` … for more pictures in the same second. */
  private imageRef(ts: string): string {
    const key = `${ts.slice(0, 10).replaceAll('-', '')}/${ts.slice(11, 19).replaceAll(':', '')}`;
    this.lastImage = key === this.lastImage.key ? { key, n: this.lastImage.n + 1 } : { key, n: 1 };
    return `${this.deviceId}/${key}${this.lastImage.n > 1 ? `_${this.lastImage.n}` : ''}.jpg`;
  }

  close(): void {
    this.abort.abort();
  }
}

/** Exponential backoff base·2^(n-1), capped; a 503's Retry-After (seconds) wins when it is longer, also capped. */
export function retryDelay(retry: number, baseMs: number, capMs: number, retryAfter: string | null = null): number {
  const backoff = Math.min(capMs, baseMs * 2 ** (retry - 1));
  const seconds = retryAfter ? Number(retryAfter) : NaN;
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(capMs, Math.max(backoff, seconds * 1000)) : backoff;
}

/** ECONNREFUSED & co. from undici's "fetch failed" TypeError (the code is on `cause`), or the error's name. */
function networkErrorCode(err: unknown): string {
  const e = err as { name?: string; code?: string; cause?: { code?: string; name?: string } };
  return e.cause?.code ?? e.code ?? e.cause?.name ?? e.name ?? String(err);
}
