import { describe, expect, it } from 'vitest';
import { scanDataSchema } from '@cjp/contracts';
import { describeScan, ScannerLineDecoder } from '../src/drivers/scanner-line-decoder.js';
import { ScannerLineDevice } from '../src/drivers/scanner-line-driver.js';
import type { ScannerLineDeviceConfig } from '../src/config.js';
import type { DeviceReading } from '../src/reading.js';
import type { ByteTransport, TransportHandlers, TransportState } from '../src/transports/byte-transport.js';
import { captureLogger } from './support/util.js';

const GS = '\u001d';

describe('describeScan', () => {
  it('names the symbology and parses GS1-128 (]C1) into titled elements, code untouched', () => {
    const code = `0109501101530003310300125010ABC123${GS}21XYZ`;
    expect(describeScan(code, ']C1')).toEqual({
      code,
      aim: ']C1',
      symbology: 'gs1-128',
      gs1: [
        { ai: '01', value: '09501101530003', title: 'GTIN' },
        { ai: '3103', value: '001250', title: 'NET WEIGHT (kg)', decimal: '1.250' },
        { ai: '10', value: 'ABC123', title: 'BATCH/LOT' },
        { ai: '21', value: 'XYZ', title: 'SERIAL' },
      ],
    });
  });

  it('parses GS1 DataMatrix ]d2, GS1 QR ]Q3 and GS1 DataBar ]e0', () => {
    expect(describeScan('010950110153000310LOT7', ']d2')).toMatchObject({ symbology: 'gs1-datamatrix', gs1: [{ ai: '01' }, { ai: '10', value: 'LOT7' }] });
    expect(describeScan('0100614141999996', ']Q3')).toMatchObject({ symbology: 'gs1-qr', gs1: [{ ai: '01', value: '00614141999996' }] });
    expect(describeScan('0100614141999996', ']e0')).toMatchObject({ symbology: 'gs1-databar', gs1: [{ ai: '01' }] });
  });

  it('keeps a GS1 read with a bad check digit or an unknown AI, listing the problems', () => {
    expect(describeScan('00106141411234567890', ']C1')).toEqual({
      code: '00106141411234567890',
      aim: ']C1',
      symbology: 'gs1-128',
      gs1: [{ ai: '00', value: '106141411234567890', title: 'SSCC' }],
      problems: ['AI 00 (SSCC): check digit 0 of 106141411234567890 is wrong, expected 7'],
    });
    expect(describeScan('01095011015300031412', ']C1')).toMatchObject({
      gs1: [{ ai: '01' }],
      problems: ['unknown AI at character 17: "1412"'],
    });
    expect(describeScan('HELLO', ']C1')).toEqual({
      code: 'HELLO',
      aim: ']C1',
      symbology: 'gs1-128',
      problems: [']C1 says GS1, but the data does not start with a known AI'],
    });
  });

  it('does not read GS1 into plain Code 128, Data Matrix or QR (]C0, ]d1, ]Q1)', () => {
    expect(describeScan('0109501101530003', ']C0')).toEqual({ code: '0109501101530003', aim: ']C0', symbology: 'code-128' });
    expect(describeScan('010950110153000310A', ']d1')).toEqual({ code: '010950110153000310A', aim: ']d1', symbology: 'datamatrix' });
    expect(describeScan('曹家堡保税物流中心', ']Q1')).toEqual({ code: '曹家堡保税物流中心', aim: ']Q1', symbology: 'qr' });
  });

  it('without AIM id, takes GS1 only when it starts with GS or is clean and starts with a valid SSCC/GTIN', () => {
    // a leading GS is FNC1 passed through: GS1, problems and all
    expect(describeScan(`${GS}0109501101530004`)).toEqual({
      code: `${GS}0109501101530004`,
      gs1: [{ ai: '01', value: '09501101530004', title: 'GTIN' }],
      problems: ['AI 01 (GTIN): check digit 4 of 09501101530004 is wrong, expected 3'],
    });
    expect(describeScan(`${GS}HELLO`)).toEqual({ code: `${GS}HELLO`, problems: ['starts with GS (FNC1), but the data after it does not start with a known AI'] });
    // clean, GTIN first, check digit right
    expect(describeScan(`0109501101530003${'17'}26073110A1`)).toMatchObject({ gs1: [{ ai: '01' }, { ai: '17' }, { ai: '10', value: 'A1' }] });
    expect(describeScan('00106141411234567897')).toMatchObject({ gs1: [{ ai: '00' }] });
    // not taken: wrong check digit, not a key first, a trailing part that does not parse, bracket text
    for (const code of ['0109501101530004', '10ABC123', '2012', '011234', '0109501101530003XYZ', '(01)09501101530003', 'PLAIN-42', '12345678']) {
      expect(describeScan(code), code).toEqual({ code });
    }
  });

  it('recognises ISO 6346 container numbers, keeping a bad check digit as a problem', () => {
    expect(describeScan('CSQU3054383', ']C0')).toEqual({
      code: 'CSQU3054383',
      aim: ']C0',
      symbology: 'code-128',
      container: { number: 'CSQU3054383', checkDigitValid: true },
    });
    expect(describeScan('CSQU 305438 3')).toEqual({ code: 'CSQU 305438 3', container: { number: 'CSQU3054383', checkDigitValid: true } });
    expect(describeScan('MSKU9070324', ']A0')).toEqual({
      code: 'MSKU9070324',
      aim: ']A0',
      symbology: 'code-39',
      container: { number: 'MSKU9070324', checkDigitValid: false },
      problems: ['container number MSKU9070324: check digit 4 is wrong, expected 3 (ISO 6346)'],
    });
    expect(describeScan('CSQU0000070')).toMatchObject({ container: { checkDigitValid: true } }); // remainder 10 → 0
    expect(describeScan('A-01-02-03', ']C0')).not.toHaveProperty('container');
  });

  it('verifies EAN-13, EAN-8, UPC-A, UPC-E and ITF-14 check digits', () => {
    expect(describeScan('6901234567892', ']E0')).toEqual({ code: '6901234567892', aim: ']E0', symbology: 'ean-13' });
    expect(describeScan('6901234567893', ']E0')).toEqual({
      code: '6901234567893',
      aim: ']E0',
      symbology: 'ean-13',
      problems: ['EAN-13 6901234567893: check digit 3 is wrong, expected 2'],
    });
    expect(describeScan('96385074', ']E4')).toEqual({ code: '96385074', aim: ']E4', symbology: 'ean-8' });
    expect(describeScan('96385075', ']E4').problems).toEqual(['EAN-8 96385075: check digit 5 is wrong, expected 4']);
    expect(describeScan('036000291452', ']E0')).toEqual({ code: '036000291452', aim: ']E0', symbology: 'upc-a' });
    expect(describeScan('036000291453', ']E0').problems).toEqual(['UPC-A 036000291453: check digit 3 is wrong, expected 2']);
    expect(describeScan('01234565', ']E0')).toEqual({ code: '01234565', aim: ']E0', symbology: 'upc-e' });
    expect(describeScan('01234566', ']E0').problems).toEqual(['UPC-E 01234566: check digit 6 is wrong, expected 5']);
    expect(describeScan('21234565', ']E0').problems).toEqual(['UPC-E 21234565: number system must be 0 or 1']);
    expect(describeScan('10614141000415', ']I1')).toEqual({ code: '10614141000415', aim: ']I1', symbology: 'itf-14' });
    expect(describeScan('10614141000416', ']I0').problems).toEqual(['ITF-14 10614141000416: check digit 6 is wrong, expected 5']);
    expect(describeScan('69012345678', ']E0').problems).toEqual(['EAN-13: 13 digits expected, got "69012345678"']);
    expect(describeScan('123456', ']I0')).toEqual({ code: '123456', aim: ']I0', symbology: 'itf' }); // not ITF-14: no check
    // without AIM id a 13-digit number is not assumed to be an EAN-13
    expect(describeScan('6901234567893')).toEqual({ code: '6901234567893' });
  });

  it('falls back to aim-xx for AIM ids it does not know', () => {
    expect(describeScan('ABC', ']K0')).toEqual({ code: 'ABC', aim: ']K0', symbology: 'aim-K0' });
  });

  it('stays within the scan data schema: at most 64 elements and 16 problems', () => {
    const many = '2001'.repeat(100); // 100 × AI 20 VARIANT
    const r = describeScan(many, ']C1');
    expect(r.gs1).toHaveLength(64);
    expect(r.problems).toEqual(['100 GS1 elements; only the first 64 are listed']);
    expect(scanDataSchema.safeParse(r).success).toBe(true);
    const bad = '0109501101530004'.repeat(40); // 40 bad check digits
    const rb = describeScan(bad, ']C1');
    expect(rb.problems).toHaveLength(16);
    expect(scanDataSchema.safeParse(rb).success).toBe(true);
  });

  it('always produces valid scan data, whatever the line (random GS1-ish data)', () => {
    let x = 0x2545f491;
    const next = () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return x >>> 0;
    };
    const alphabet = `0123456789${GS}ABCXYZ-( )`;
    const aims = [undefined, ']C1', ']C0', ']E0', ']E4', ']I1', ']d2', ']Q3', ']X0'];
    for (let n = 0; n < 3000; n++) {
      const len = 1 + (next() % 120);
      let code = '';
      for (let i = 0; i < len; i++) code += alphabet[next() % alphabet.length];
      const aim = aims[next() % aims.length];
      const data = describeScan(code, aim);
      expect(data.code).toBe(code);
      const check = scanDataSchema.safeParse(data);
      expect(check.success, `${JSON.stringify(code)} ${aim}: ${check.error?.message}`).toBe(true);
    }
  });
});

// ---- the device, fed bytes through a fake transport ---------------------------------------------

class FakeTransport implements ByteTransport {
  readonly description = 'fake://scanner';
  state: TransportState = 'disconnected';
  handlers: TransportHandlers | null = null;
  start(handlers: TransportHandlers): void {
    this.handlers = handlers;
    this.state = 'connected';
    handlers.onState('connected');
  }
  feed(bytes: string | Buffer): void {
    this.handlers?.onData(typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

function device() {
  const config = { id: 'scanner-1', driver: 'scanner-line', suffix: '\r\n', maxLineBytes: 4096 } as ScannerLineDeviceConfig;
  const transport = new FakeTransport();
  const readings: DeviceReading[] = [];
  const dev = new ScannerLineDevice(config, transport, {
    sink: {
      submit: (r) => {
        readings.push(r);
        return { ok: true, seq: readings.length };
      },
    },
    logger: captureLogger().logger,
    now: () => new Date('2026-11-27T08:15:02.120Z'),
    onStateChange: () => {},
  });
  dev.start();
  return { dev, transport, readings };
}

describe('scanner-line device', () => {
  it('submits each line with what it says, split across chunks, GS kept in the code', () => {
    const { dev, transport, readings } = device();
    const stream = Buffer.from(`]C100106141411234567897${GS}\r\n]C10109501101530003${'10'}LOT42${GS}17261200\r\n]E06901234567893\r\nCSQU 305438 3\r\nPLAIN-42\r\n`, 'latin1');
    transport.feed(stream.subarray(0, 17));
    transport.feed(stream.subarray(17, 50));
    transport.feed(stream.subarray(50));
    expect(readings.map((r) => r.data)).toEqual([
      { code: `00106141411234567897${GS}`, aim: ']C1', symbology: 'gs1-128', gs1: [{ ai: '00', value: '106141411234567897', title: 'SSCC' }] },
      {
        code: `0109501101530003${'10'}LOT42${GS}17261200`,
        aim: ']C1',
        symbology: 'gs1-128',
        gs1: [
          { ai: '01', value: '09501101530003', title: 'GTIN' },
          { ai: '10', value: 'LOT42', title: 'BATCH/LOT' },
          { ai: '17', value: '261200', title: 'USE BY or EXPIRY' },
        ],
      },
      { code: '6901234567893', aim: ']E0', symbology: 'ean-13', problems: ['EAN-13 6901234567893: check digit 3 is wrong, expected 2'] },
      { code: 'CSQU 305438 3', container: { number: 'CSQU3054383', checkDigitValid: true } },
      { code: 'PLAIN-42' },
    ]);
    for (const r of readings) {
      expect(r).toMatchObject({ kind: 'scan', deviceId: 'scanner-1', ts: '2026-11-27T08:15:02.120Z' });
      expect(scanDataSchema.safeParse(r.data).success).toBe(true);
    }
    // a read with problems is a reading, not an error
    expect(dev.health()).toMatchObject({ readings: 5, errors: 0 });
  });

  it('still rejects lines that are not barcodes', () => {
    const { dev, transport, readings } = device();
    transport.feed('BAD\u0007LINE\r\n\r\n');
    expect(readings).toEqual([]);
    expect(dev.health()).toMatchObject({ readings: 0, errors: 2 });
  });

  it('gives the same data as decoder + describeScan for every line', () => {
    const { transport, readings } = device();
    const lines = [`]d2010950110153000310A${GS}21B`, ']I110614141000415', 'MSKU9070324', `${GS}00106141411234567897`];
    transport.feed(lines.map((l) => `${l}\r\n`).join(''));
    const decoded = new ScannerLineDecoder({ suffix: '\r\n', maxLineBytes: 4096 }).push(Buffer.from(lines.map((l) => `${l}\r\n`).join(''), 'utf8'));
    expect(readings.map((r) => r.data)).toEqual(decoded.map((d) => (d.ok ? describeScan(d.code, d.aim) : null)));
  });
});
