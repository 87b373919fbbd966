import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { OpcuaDeviceConfig } from '../../config.js';

/** The certificate store folder: `pkiDir`, default data/opcua-pki, relative to the working directory. */
export function pkiDirOf(e: Pick<OpcuaDeviceConfig['endpoint'], 'pkiDir'>): string {
  return resolve(e.pkiDir ?? 'data/opcua-pki');
}

/** A certificate file (PEM or DER) → its SHA-1 thumbprint (hex), or null if unreadable. */
export function thumbprintOf(file: string): string | null {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return null;
  }
  const text = bytes.toString('latin1');
  const pem = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(text);
  const der = pem ? Buffer.from(pem[1]!.replace(/\s+/g, ''), 'base64') : bytes;
  return der.length ? createHash('sha1').update(der).digest('hex') : null;
}

function certificates(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((n) => /\.(pem|der|crt|cer)$/i.test(n))
      .map((n) => join(dir, n));
  } catch {
    return [];
  }
}

/**
 * node-opcua refuses a certificate that is in rejected/ even when the same certificate was also
 * put in trusted/certs/ (copied rather than moved). The operator's intent is clear: remove the
 * rejected copy. Returns the files removed.
 */
export function dropRejectedCopiesOfTrusted(pkiDir: string): string[] {
  const rejected = certificates(join(pkiDir, 'rejected'));
  if (rejected.length === 0) return [];
  const trusted = new Set(certificates(join(pkiDir, 'trusted', 'certs')).map(thumbprintOf));
  const removed: string[] = [];
  for (const file of rejected) {
    const t = thumbprintOf(file);
    if (t && trusted.has(t)) {
      rmSync(file, { force: true });
      removed.push(file);
    }
  }
  return removed;
}
