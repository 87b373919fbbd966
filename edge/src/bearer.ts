import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * A bearer token check for the edge's HTTP endpoints (cameras, /metrics). Constant-time: both
 * sides are hashed to equal length first, so neither the token nor its length leaks.
 */
export class BearerToken {
  private readonly digest: Buffer;

  constructor(token: string) {
    this.digest = sha256(token);
  }

  /** Whether an `Authorization` header carries this token. */
  matches(header: string | undefined): boolean {
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
    return timingSafeEqual(sha256(m?.[1] ?? ''), this.digest) && m !== null;
  }
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}
