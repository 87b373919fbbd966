import { describe, expect, it } from 'vitest';
import { ScannerLineDecoder, type LineResult } from '../src/drivers/scanner-line-decoder.js';

const GS = '\u001d';
const CRLF = { suffix: '\r\n', maxLineBytes: 4096 };

function decodeAll(opts: { suffix: string; maxLineBytes: number }, ...chunks: (string | Buffer)[]): LineResult[] {
  const d = new ScannerLineDecoder(opts);
  return chunks.flatMap((c) => d.push(typeof c === 'string' ? Buffer.from(c, 'latin1') : c));
}

describe('scanner-line decoder', () => {
  it('splits a GS1-128 read into its AIM id and the code, keeping GS separators', () => {
    expect(decodeAll(CRLF, `]C101095011015300031726123110ABC123${GS}21XYZ\r\n`)).toEqual([
      { ok: true, aim: ']C1', code: `01095011015300031726123110ABC123${GS}21XYZ` },
    ]);
  });

  it('reads EAN-13 with ]E0, GS1 DataMatrix ]d2 and GS1 QR ]Q3', () => {
    expect(decodeAll(CRLF, ']E06901234567892\r\n]d2010950110153000310LOT7\r\n]Q30100614141999996\r\n')).toEqual([
      { ok: true, aim: ']E0', code: '6901234567892' },
      { ok: true, aim: ']d2', code: '010950110153000310LOT7' },
      { ok: true, aim: ']Q3', code: '0100614141999996' },
    ]);
  });

  it('keeps the whole line as the code when the scanner sends no AIM id', () => {
    expect(decodeAll(CRLF, 'CSQU3054383\r\n')).toEqual([{ ok: true, code: 'CSQU3054383' }]);
  });

  it('honours a CR-only suffix, and with CRLF configured a bare CR is not a line end', () => {
    expect(decodeAll({ suffix: '\r', maxLineBytes: 64 }, 'ABC\rDEF\r')).toEqual([
      { ok: true, code: 'ABC' },
      { ok: true, code: 'DEF' },
    ]);
    expect(decodeAll(CRLF, 'ABC\rDEF\r\n')).toEqual([{ ok: false, reason: 'control character 0x0d at byte 3' }]);
    expect(decodeAll({ suffix: '\n', maxLineBytes: 64 }, 'ABC\nDEF\n')).toEqual([
      { ok: true, code: 'ABC' },
      { ok: true, code: 'DEF' },
    ]);
  });

  it('gives the same readings however a 3-line stream is split into two chunks', () => {
    const stream = Buffer.from(`]C101095011015300031726123110ABC${GS}21X\r\n]E06901234567892\r\nPLAIN-42\r\n`, 'latin1');
    const whole = decodeAll(CRLF, stream);
    expect(whole).toHaveLength(3);
    expect(whole.every((r) => r.ok)).toBe(true);
    for (let cut = 0; cut <= stream.length; cut++) {
      expect(decodeAll(CRLF, stream.subarray(0, cut), stream.subarray(cut)), `split at byte ${cut}`).toEqual(whole);
    }
    // and byte by byte
    expect(decodeAll(CRLF, ...[...stream].map((b) => Buffer.from([b])))).toEqual(whole);
  });

  it('drops an over-long line without a suffix once, then decodes the next line', () => {
    const d = new ScannerLineDecoder({ suffix: '\r\n', maxLineBytes: 16 });
    const out = [...d.push(Buffer.from('X'.repeat(10))), ...d.push(Buffer.from('X'.repeat(10))), ...d.push(Buffer.from('X'.repeat(50)))];
    expect(out).toEqual([{ ok: false, reason: 'line longer than 16 bytes without a suffix; discarded' }]);
    expect(d.bufferedBytes).toBeLessThanOrEqual(17);
    expect(d.push(Buffer.from('XXXX\r\n]E06901234567892\r\n'))).toEqual([{ ok: true, aim: ']E0', code: '6901234567892' }]);
  });

  it('accepts a line of exactly maxLineBytes and rejects one byte more', () => {
    expect(decodeAll({ suffix: '\r\n', maxLineBytes: 8 }, '12345678\r\n123456789\r\nOK\r\n')).toEqual([
      { ok: true, code: '12345678' },
      { ok: false, reason: 'line longer than 8 bytes without a suffix; discarded' },
      { ok: true, code: 'OK' },
    ]);
  });

  it('rejects empty lines and lines with control characters other than GS, with the reason', () => {
    expect(decodeAll(CRLF, '\r\nAB\u0007CD\r\n\u0000\r\nA\u007fB\r\n]C1\r\n')).toEqual([
      { ok: false, reason: 'empty line' },
      { ok: false, reason: 'control character 0x07 at byte 2' },
      { ok: false, reason: 'control character 0x00 at byte 0' },
      { ok: false, reason: 'control character 0x7f at byte 1' },
      { ok: false, reason: 'no data after AIM identifier ]C1' },
    ]);
  });

  it('decodes UTF-8 (Chinese QR content) and rejects bytes that are not UTF-8', () => {
    expect(decodeAll(CRLF, Buffer.from(']Q1曹家堡保税物流中心\r\n', 'utf8'))).toEqual([{ ok: true, aim: ']Q1', code: '曹家堡保税物流中心' }]);
    expect(decodeAll(CRLF, Buffer.from([0x41, 0xc3, 0x28, 0x0d, 0x0a]))).toEqual([{ ok: false, reason: 'not valid UTF-8' }]);
  });

  it('survives 1 MB of random bytes with a bounded buffer, then decodes a good line', () => {
    const d = new ScannerLineDecoder({ suffix: '\r\n', maxLineBytes: 256 });
    // deterministic pseudo-random bytes (xorshift32)
    let x = 0x12345678;
    const noise = Buffer.alloc(1 << 20);
    for (let i = 0; i < noise.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      noise[i] = x & 0xff;
    }
    let maxBuffered = 0;
    for (let off = 0; off < noise.length; off += 4096) {
      expect(() => d.push(noise.subarray(off, off + 4096))).not.toThrow();
      maxBuffered = Math.max(maxBuffered, d.bufferedBytes);
    }
    expect(maxBuffered).toBeLessThanOrEqual(257);
    // the first suffix ends whatever garbage is pending; the line after it decodes
    expect(d.push(Buffer.from('\r\n]E06901234567892\r\n')).at(-1)).toEqual({ ok: true, aim: ']E0', code: '6901234567892' });
  });
});
