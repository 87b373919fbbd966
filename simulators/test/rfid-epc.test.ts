import { describe, expect, it } from 'vitest';
import { isValidGs1Key } from '../src/codes.js';
import { Rng } from '../src/prng.js';
import {
  CJP_VEHICLE_TAG_MANAGER,
  decodeGid96,
  decodeSgtin96,
  encodeGid96,
  encodeSgtin96,
  randomItemEpc,
  randomTid,
  randomVehicleEpc,
  sgtin96FromGtin,
  vehicleTagEpc,
} from '../src/rfid/epc.js';
import { impinjTagInventoryEvent, zebraSimpleEvent, type TagRead } from '../src/rfid/reader-messages.js';

describe('SGTIN-96', () => {
  it('encodes the GS1 Tag Data Standard example', () => {
    // urn:epc:tag:sgtin-96:3.0614141.812345.6789
    expect(encodeSgtin96({ filter: 3, companyPrefix: '0614141', itemReference: '812345', serial: 6789n })).toBe('3074257BF7194E4000001A85');
  });

  it('decodes back, with the GTIN-14', () => {
    expect(decodeSgtin96('3074257bf7194e4000001a85')).toEqual({
      filter: 3,
      companyPrefix: '0614141',
      itemReference: '812345',
      serial: 6789n,
      gtin: '80614141123458',
    });
    expect(decodeSgtin96('3574257BF7194E4000001A85')).toBeNull();
    expect(decodeSgtin96('30')).toBeNull();
  });

  it('builds one from a GTIN-14 and a company-prefix length', () => {
    const epc = sgtin96FromGtin('06901234567892', 7, 123n);
    expect(decodeSgtin96(epc)).toMatchObject({ companyPrefix: '6901234', itemReference: '056789', serial: 123n, gtin: '06901234567892', filter: 1 });
  });

  it('rejects what does not fit', () => {
    expect(() => encodeSgtin96({ filter: 8, companyPrefix: '6901234', itemReference: '012345', serial: 1n })).toThrow(RangeError);
    expect(() => encodeSgtin96({ filter: 1, companyPrefix: '6901234', itemReference: '12345', serial: 1n })).toThrow(RangeError);
    expect(() => encodeSgtin96({ filter: 1, companyPrefix: '6901234', itemReference: '012345', serial: 1n << 38n })).toThrow(RangeError);
  });

  it('generates random item EPCs that look like SGTIN-96 and decode to valid GTINs, repeatably', () => {
    const a = new Rng(5);
    const epcs = Array.from({ length: 200 }, () => randomItemEpc(a));
    for (const epc of epcs) {
      expect(epc).toMatch(/^30[0-9A-F]{22}$/);
      const d = decodeSgtin96(epc);
      expect(d).not.toBeNull();
      expect(isValidGs1Key(d!.gtin)).toBe(true);
      expect([1, 2, 6]).toContain(d!.filter);
    }
    const b = new Rng(5);
    expect(Array.from({ length: 200 }, () => randomItemEpc(b))).toEqual(epcs);
  });
});

describe('vehicle tags (GID-96)', () => {
  it('round-trips', () => {
    const epc = encodeGid96({ manager: 95_100_000, objectClass: 12_345, serial: 400n });
    expect(epc).toMatch(/^35[0-9A-F]{22}$/);
    expect(decodeGid96(epc)).toEqual({ manager: 95_100_000, objectClass: 12_345, serial: 400n });
    expect(decodeGid96('3074257BF7194E4000001A85')).toBeNull();
  });

  it('gives the center-issued windscreen tag form', () => {
    expect(decodeGid96(vehicleTagEpc(42))).toEqual({ manager: CJP_VEHICLE_TAG_MANAGER, objectClass: 1, serial: 42n });
    const rng = new Rng(1);
    for (let i = 0; i < 50; i++) expect(decodeGid96(randomVehicleEpc(rng))?.objectClass).toBe(1);
  });

  it('makes 96-bit TIDs with a chip prefix', () => {
    const rng = new Rng(3);
    for (let i = 0; i < 20; i++) expect(randomTid(rng)).toMatch(/^E2[0-9A-F]{22}$/);
  });
});

describe('reader messages', () => {
  const read: TagRead = { epc: '3074257BF7194E4000001A85', tid: 'E2801160200012345678ABCD', antenna: 2, rssiDbm: -57.5, frequencyKhz: 922_375, at: new Date('2026-11-27T08:15:02.120Z') };

  it('Zebra SIMPLE: field names and values byte-exact', () => {
    expect(JSON.stringify(zebraSimpleEvent(read, { eventNum: 7 }))).toBe(
      '{"data":{"eventNum":7,"format":"epc","idHex":"3074257BF7194E4000001A85","antenna":2,"peakRssi":-57,"reads":1,"TID":"E2801160200012345678ABCD"},"timestamp":"2026-11-27T08:15:02.120+0000","type":"SIMPLE"}',
    );
    expect(zebraSimpleEvent({ ...read, tid: undefined }, { eventNum: 1, hexCase: 'lower' }).data).toEqual({
      eventNum: 1,
      format: 'epc',
      idHex: '3074257bf7194e4000001a85',
      antenna: 2,
      peakRssi: -57,
      reads: 1,
    });
  });

  it('Impinj tagInventory: field names and values byte-exact', () => {
    expect(JSON.stringify(impinjTagInventoryEvent(read, { hostname: 'impinj-14-1a-2b' }))).toBe(
      '{"timestamp":"2026-11-27T08:15:02.120Z","hostname":"impinj-14-1a-2b","eventType":"tagInventory","tagInventoryEvent":{"epc":"MHQle/cZTkAAABqF","epcHex":"3074257BF7194E4000001A85","tid":"4oARYCAAEjRWeKvN","tidHex":"E2801160200012345678ABCD","antennaPort":2,"antennaName":"Antenna 2","peakRssiCdbm":-5750,"frequency":922375,"transmitPowerCdbm":3000,"lastSeenTime":"2026-11-27T08:15:02.120Z"}}',
    );
  });
});
