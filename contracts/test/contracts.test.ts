import { describe, expect, it } from 'vitest';
import { checkEnvelope, envelopeFrom, parseTopic, topics } from '../src/index.js';

describe('topics', () => {
  const t = topics('cjp/v1');
  it('builds and parses each channel', () => {
    expect(parseTopic(t.evt('cjp', 'gate-east', 'scan', 'scanner-1'))).toEqual({ site: 'cjp', edge: 'gate-east', channel: 'evt', kind: 'scan', device: 'scanner-1' });
    expect(parseTopic(t.ack('cjp', 'gate-east'))).toEqual({ site: 'cjp', edge: 'gate-east', channel: 'ack' });
    expect(parseTopic(t.cmd('cjp', 'gate-east', 'barrier-1'))).toEqual({ site: 'cjp', edge: 'gate-east', channel: 'cmd', device: 'barrier-1' });
    expect(parseTopic(t.status('cjp', 'gate-east'))).toEqual({ site: 'cjp', edge: 'gate-east', channel: 'status' });
  });
  it('rejects what is not ours', () => {
    for (const bad of ['other/v1/cjp/e/ack', 'cjp/v1/cjp/e/evt/teleport/d', 'cjp/v1/cjp/E/ack', 'cjp/v1/cjp/e/ack/extra', 'cjp/v1/cjp/e/evt/scan', 'cjp/v1/cjp/e/nope'])
      expect(parseTopic(bad), bad).toBeNull();
  });
  it('refuses to build a topic with wildcards or slashes in a segment', () => {
    expect(() => t.ack('cjp', 'a/b')).toThrow(/invalid edge/);
    expect(() => t.evt('cjp', 'e', 'scan', '#')).toThrow(/invalid device/);
  });
});

describe('envelope', () => {
  const good = envelopeFrom({ edgeId: 'wh-1', seq: 7, deviceId: 'scanner-1', kind: 'scan', ts: '2026-11-27T08:15:02.120Z', data: { code: '01095011015300031\u001d10AB', aim: ']C1' } });
  it('accepts a scan and keeps GS separators', () => {
    const c = checkEnvelope(good);
    expect(c.ok && c.envelope.data).toEqual({ code: '01095011015300031\u001d10AB', aim: ']C1' });
  });
  it('names what is wrong and keeps edge and seq when they are readable', () => {
    expect(checkEnvelope({ ...good, id: 'wh-1:8' })).toMatchObject({ ok: false, reason: expect.stringContaining('id must be') });
    expect(checkEnvelope({ ...good, data: {} })).toMatchObject({ ok: false, edgeId: 'wh-1', seq: 7, reason: expect.stringContaining('scan data: code') });
    expect(checkEnvelope({ ...good, kind: 'rfid' })).toMatchObject({ ok: false, reason: expect.stringContaining('rfid data: epc') });
    expect(checkEnvelope({ ...good, seq: 0, id: 'wh-1:0' })).toMatchObject({ ok: false, reason: expect.stringContaining('seq') });
    expect(checkEnvelope(null)).toMatchObject({ ok: false });
  });
});

describe('weight data', () => {
  const weight = (data: unknown) => checkEnvelope(envelopeFrom({ edgeId: 'gate-east', seq: 1, deviceId: 'wb-lane1', kind: 'weight', ts: '2026-11-27T08:15:02.120Z', data }));
  it('accepts exact decimal weights', () => {
    const c = weight({ grossKg: '31250', tareKg: '12.5', stable: true, stabilitySource: 'indicator', overload: false, trigger: 'stable', format: 'toledo' });
    expect(c.ok).toBe(true);
  });
  it('refuses binary floats and missing triggers', () => {
    expect(weight({ grossKg: 31250.5, stable: true, stabilitySource: 'indicator', overload: false, trigger: 'stable', format: 'toledo' })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('weight data: grossKg'),
    });
    expect(weight({ grossKg: '1e3', stable: true, stabilitySource: 'indicator', overload: false, format: 'toledo' })).toMatchObject({ ok: false });
  });
});
