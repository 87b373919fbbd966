/**
 * EPCs and TIDs for the RFID reader simulator: SGTIN-96 for trade items, cases and unit loads,
 * and a GID-96 form for the vehicle tags of the gate lanes.
 *
 * Vehicle tags: China's motor-vehicle electronic identification (机动车电子标识, GB/T 35789.1-2017)
 * uses the GB/T 29768 air interface with SM-series encrypted registration data; a certified ERI
 * reader decodes it and no EPC Gen2 reader reports it as Zebra/Impinj JSON (devices.md §3.4).
 * What a bonded center's gate lane reads with an ordinary Gen2 reader is a windscreen tag the
 * center issues itself; we encode those as GID-96 (header 0x35) with the center as "general
 * manager" and object class 1 = vehicle. It is a 24-hex EPC like any other, which is all the
 * edge sees.
 */
import { withGs1CheckDigit } from '../codes.js';
import { type Rng } from '../prng.js';

/** SGTIN-96 partition table (GS1 EPC Tag Data Standard): company-prefix bits/digits, item-reference bits/digits. */
const SGTIN_PARTITIONS: ReadonlyArray<{ companyBits: number; companyDigits: number; itemBits: number; itemDigits: number }> = [
  { companyBits: 40, companyDigits: 12, itemBits: 4, itemDigits: 1 },
  { companyBits: 37, companyDigits: 11, itemBits: 7, itemDigits: 2 },
  { companyBits: 34, companyDigits: 10, itemBits: 10, itemDigits: 3 },
  { companyBits: 30, companyDigits: 9, itemBits: 14, itemDigits: 4 },
  { companyBits: 27, companyDigits: 8, itemBits: 17, itemDigits: 5 },
  { companyBits: 24, companyDigits: 7, itemBits: 20, itemDigits: 6 },
  { companyBits: 20, companyDigits: 6, itemBits: 24, itemDigits: 7 },
];

export const SGTIN96_HEADER = 0x30;
export const GID96_HEADER = 0x35;

/** SGTIN filter values (TDS): what kind of object carries the tag. */
export const SGTIN_FILTER = { allOthers: 0, posTradeItem: 1, fullCase: 2, innerPack: 4, unitLoad: 6, componentInsideItem: 7 } as const;

export interface Sgtin96 {
  /** 0..7, see SGTIN_FILTER */
  filter: number;
  /** GS1 company prefix, 6..12 digits */
  companyPrefix: string;
  /** indicator digit followed by the item reference; 13 - companyPrefix.length digits */
  itemReference: string;
  /** serial, 0 .. 2^38-1 */
  serial: bigint;
}

const DIGITS = /^[0-9]+$/;
const MAX_SERIAL_38 = (1n << 38n) - 1n;

function toHex96(value: bigint): string {
  return value.toString(16).toUpperCase().padStart(24, '0');
}

/**
 * Encodes an SGTIN-96 EPC as 24 uppercase hex characters.
 * @example encodeSgtin96({ filter: 3, companyPrefix: '0614141', itemReference: '812345', serial: 6789n }) === '3074257BF7194E4000001A85'
 */
export function encodeSgtin96(sgtin: Sgtin96): string {
  const { filter, companyPrefix, itemReference, serial } = sgtin;
  if (!Number.isInteger(filter) || filter < 0 || filter > 7) throw new RangeError(`SGTIN filter must be 0..7, got ${filter}`);
  const partition = SGTIN_PARTITIONS.findIndex((p) => p.companyDigits === companyPrefix.length);
  const p = SGTIN_PARTITIONS[partition];
  if (!p || !DIGITS.test(companyPrefix)) throw new RangeError(`company prefix must be 6..12 digits, got "${companyPrefix}"`);
  if (itemReference.length !== p.itemDigits || !DIGITS.test(itemReference)) {
    throw new RangeError(`item reference must be ${p.itemDigits} digits with a ${companyPrefix.length}-digit company prefix, got "${itemReference}"`);
  }
  if (serial < 0n || serial > MAX_SERIAL_38) throw new RangeError(`SGTIN-96 serial must be 0..2^38-1, got ${serial}`);
  const company = BigInt(companyPrefix);
  const item = BigInt(itemReference);
  if (company >= 1n << BigInt(p.companyBits) || item >= 1n << BigInt(p.itemBits)) throw new RangeError('company prefix or item reference too large for its partition');
  let v = BigInt(SGTIN96_HEADER);
  v = (v << 3n) | BigInt(filter);
  v = (v << 3n) | BigInt(partition);
  v = (v << BigInt(p.companyBits)) | company;
  v = (v << BigInt(p.itemBits)) | item;
  v = (v << 38n) | serial;
  return toHex96(v);
}

/** Decodes an SGTIN-96 EPC (24 hex, either case); null when it is not one. Includes the GTIN-14. */
export function decodeSgtin96(hex: string): (Sgtin96 & { gtin: string }) | null {
  if (!/^[0-9A-Fa-f]{24}$/.test(hex)) return null;
  const v = BigInt('0x' + hex);
  if (Number(v >> 88n) !== SGTIN96_HEADER) return null;
  const filter = Number((v >> 85n) & 7n);
  const partition = Number((v >> 82n) & 7n);
  const p = SGTIN_PARTITIONS[partition];
  if (!p) return null;
  const company = (v >> BigInt(38 + p.itemBits)) & ((1n << BigInt(p.companyBits)) - 1n);
  const item = (v >> 38n) & ((1n << BigInt(p.itemBits)) - 1n);
  const companyPrefix = company.toString().padStart(p.companyDigits, '0');
  const itemReference = item.toString().padStart(p.itemDigits, '0');
  if (companyPrefix.length !== p.companyDigits || itemReference.length !== p.itemDigits) return null;
  const gtin = withGs1CheckDigit(itemReference.charAt(0) + companyPrefix + itemReference.slice(1));
  return { filter, companyPrefix, itemReference, serial: v & MAX_SERIAL_38, gtin };
}

/** SGTIN-96 of a GTIN-14 (its check digit is dropped) whose company prefix has `companyPrefixLength` digits. */
export function sgtin96FromGtin(gtin14: string, companyPrefixLength: number, serial: bigint, filter: number = SGTIN_FILTER.posTradeItem): string {
  if (gtin14.length !== 14 || !DIGITS.test(gtin14)) throw new RangeError(`GTIN-14 must be 14 digits, got "${gtin14}"`);
  const companyPrefix = gtin14.slice(1, 1 + companyPrefixLength);
  const itemReference = gtin14.charAt(0) + gtin14.slice(1 + companyPrefixLength, 13);
  return encodeSgtin96({ filter, companyPrefix, itemReference, serial });
}

export interface Gid96 {
  /** general manager number, 0 .. 2^28-1 */
  manager: number;
  /** object class, 0 .. 2^24-1 */
  objectClass: number;
  /** serial, 0 .. 2^36-1 */
  serial: bigint;
}

/** Encodes a GID-96 EPC (header 0x35, manager 28 bits, object class 24 bits, serial 36 bits). */
export function encodeGid96({ manager, objectClass, serial }: Gid96): string {
  if (!Number.isInteger(manager) || manager < 0 || manager >= 2 ** 28) throw new RangeError(`GID manager must be 0..2^28-1, got ${manager}`);
  if (!Number.isInteger(objectClass) || objectClass < 0 || objectClass >= 2 ** 24) throw new RangeError(`GID object class must be 0..2^24-1, got ${objectClass}`);
  if (serial < 0n || serial >= 1n << 36n) throw new RangeError(`GID serial must be 0..2^36-1, got ${serial}`);
  const v = (BigInt(GID96_HEADER) << 88n) | (BigInt(manager) << 60n) | (BigInt(objectClass) << 36n) | serial;
  return toHex96(v);
}

/** Decodes a GID-96 EPC; null when it is not one. */
export function decodeGid96(hex: string): Gid96 | null {
  if (!/^[0-9A-Fa-f]{24}$/.test(hex)) return null;
  const v = BigInt('0x' + hex);
  if (Number(v >> 88n) !== GID96_HEADER) return null;
  return { manager: Number((v >> 60n) & 0xfffffffn), objectClass: Number((v >> 36n) & 0xffffffn), serial: v & ((1n << 36n) - 1n) };
}

/** The simulated center's GID general-manager number for the vehicle tags it issues (made up). */
export const CJP_VEHICLE_TAG_MANAGER = 630_212;
/** GID object class of vehicle windscreen tags. */
export const VEHICLE_OBJECT_CLASS = 1;

/** The EPC of a center-issued vehicle windscreen tag (see the note at the top of this file). */
export function vehicleTagEpc(serial: number | bigint, manager: number = CJP_VEHICLE_TAG_MANAGER): string {
  return encodeGid96({ manager, objectClass: VEHICLE_OBJECT_CLASS, serial: BigInt(serial) });
}

// Chinese (69x) and foreign company prefixes of goods through a cross-border e-commerce center.
const COMPANY_PREFIXES = ['6901234', '6923450', '6971234', '69512345', '4012345', '4600001', '880123'];

function randomBigInt(rng: Rng, bits: number): bigint {
  let v = 0n;
  for (let done = 0; done < bits; done += 16) v = (v << 16n) | BigInt(rng.int(0, 0xffff));
  return v & ((1n << BigInt(bits)) - 1n);
}

/** A random SGTIN-96 on an item (filter 1), case (2) or unit load (6). */
export function randomItemEpc(rng: Rng): string {
  const companyPrefix = rng.pick(COMPANY_PREFIXES);
  const itemDigits = 13 - companyPrefix.length;
  const filter = rng.weighted({ item: 6, case: 3, unitLoad: 1 });
  const indicator = filter === 'item' ? '0' : filter === 'case' ? '1' : '2';
  const itemReference = indicator + String(rng.int(0, 10 ** (itemDigits - 1) - 1)).padStart(itemDigits - 1, '0');
  return encodeSgtin96({
    filter: { item: SGTIN_FILTER.posTradeItem, case: SGTIN_FILTER.fullCase, unitLoad: SGTIN_FILTER.unitLoad }[filter],
    companyPrefix,
    itemReference,
    serial: randomBigInt(rng, 38),
  });
}

/** A random center-issued vehicle tag (serials 1..99999, as a fleet register would number them). */
export function randomVehicleEpc(rng: Rng): string {
  return vehicleTagEpc(rng.int(1, 99_999));
}

// TID prefixes: class E2 + mask-designer id + model (Impinj Monza R6 / M730, NXP UCODE 8, Alien Higgs) [I].
const TID_PREFIXES = ['E2801160', 'E2801191', 'E2806894', 'E2003412'];

/** A plausible 96-bit TID (chip serial): a real chip's class/MDID/model prefix and a random serial. */
export function randomTid(rng: Rng): string {
  return rng.pick(TID_PREFIXES) + randomBigInt(rng, 64).toString(16).toUpperCase().padStart(16, '0');
}
