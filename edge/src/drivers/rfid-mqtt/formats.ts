/**
 * Tag read messages of RFID readers' MQTT interfaces → sightings. Field names follow
 * /work/shared/domain/devices.md §3.3 "Reader JSON/MQTT interfaces" (and §3.1 for units):
 *
 * - Zebra IoT Connector tag data event (§3.3, "SIMPLE" mode):
 *   `{"type":"SIMPLE","timestamp":"2026-11-27T08:15:02.120+0000",
 *     "data":{"eventNum":1,"format":"epc","idHex":"e280…","antenna":1,"peakRssi":-54,"reads":3}}`
 *   `peakRssi` is dBm. devices.md marks these names [I]; the `type` value is not checked (readers
 *   in other modes send "INVENTORY" or "CUSTOM" with the same `data`), `format` other than "epc"
 *   is refused. A TID (tagMetaData TID) is taken from `data.TID` or `data.tid` — the key is not
 *   documented in devices.md.
 * - Impinj IoT device interface (§3.3): `{"timestamp":"…","hostname":"…","eventType":"tagInventory",
 *   "tagInventoryEvent":{"epc":<base64>,"epcHex":"…","tidHex":"…","antennaPort":1,"peakRssiCdbm":-5325}}`
 *   `peakRssiCdbm` is centi-dBm (§3.1: Impinj reports centi-dBm), so dBm = cdBm / 100. Other
 *   event types (antenna connected, inventory status, diagnostics …) are ignored, not refused.
 *
 * Either format may arrive as one object or as a JSON array of them (batched publishes).
 */

export type RfidFormat = 'zebra' | 'impinj';

export interface ParsedSighting {
  /** uppercase hex */
  epc: string;
  /** uppercase hex */
  tid?: string;
  /** null when the reader did not say */
  antenna: number | null;
  rssiDbm?: number;
  /** the reader's timestamp, when it sent a readable one */
  readerTs: Date | null;
}

export interface ParsedMessage {
  sightings: ParsedSighting[];
  /** one short reason per refused object (or one for the whole message) */
  rejects: string[];
  /** objects that are not tag reads (Impinj status events) */
  ignored: number;
}

/** The contract's bounds (contracts/src/envelope.ts rfidDataSchema). */
const EPC_HEX = /^[0-9A-F]{4,124}$/;
const TID_HEX = /^[0-9A-F]{4,128}$/;
const RSSI_MIN = -150;
const RSSI_MAX = 20;
/** a batch larger than this is refused whole: no reader batches that much into one publish */
const MAX_BATCH = 10_000;

export function parseReaderMessage(format: RfidFormat, payload: Buffer): ParsedMessage {
  const out: ParsedMessage = { sightings: [], rejects: [], ignored: 0 };
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    out.rejects.push(`${format}: message is not JSON (${payload.length} bytes)`);
    return out;
  }
  const items = Array.isArray(value) ? value : [value];
  if (items.length > MAX_BATCH) {
    out.rejects.push(`${format}: batch of ${items.length} objects is too large (max ${MAX_BATCH})`);
    return out;
  }
  for (const item of items) {
    const r = format === 'zebra' ? parseZebra(item) : parseImpinj(item);
    if (r === 'ignored') out.ignored += 1;
    else if (typeof r === 'string') out.rejects.push(r);
    else out.sightings.push(r);
  }
  return out;
}

type ItemResult = ParsedSighting | string | 'ignored';

function parseZebra(item: unknown): ItemResult {
  if (!isRecord(item)) return `zebra: expected an object, got ${kindOf(item)}`;
  const data = item.data;
  if (!isRecord(data)) return 'zebra: no "data" object (not a tag data event)';
  if (item.type !== undefined && typeof item.type !== 'string') return 'zebra: "type" is not a string';
  if (data.format !== undefined && data.format !== 'epc') return `zebra: data.format ${JSON.stringify(data.format)} is not supported (expected "epc")`;
  if (data.idHex === undefined) return 'zebra: data.idHex missing';
  const epc = hexField(data.idHex, 'data.idHex', EPC_HEX, 'zebra');
  if (!epc.ok) return epc.reason;
  const antenna = antennaField(data.antenna, 'data.antenna', 'zebra');
  if (typeof antenna === 'string') return antenna;
  const s: ParsedSighting = { epc: epc.value, antenna, readerTs: parseReaderTimestamp(item.timestamp) };
  const tidValue = data.TID ?? data.tid;
  if (tidValue !== undefined && tidValue !== null && tidValue !== '') {
    const tid = hexField(tidValue, 'data.TID', TID_HEX, 'zebra');
    if (!tid.ok) return tid.reason;
    s.tid = tid.value;
  }
  if (data.peakRssi !== undefined) {
    const rssi = data.peakRssi;
    if (typeof rssi !== 'number' || !Number.isFinite(rssi)) return 'zebra: data.peakRssi is not a number';
    if (rssi < RSSI_MIN || rssi > RSSI_MAX) {
      return `zebra: data.peakRssi ${rssi} dBm out of range ${RSSI_MIN}..${RSSI_MAX}${rssi < -1000 ? ' (centi-dBm? that is format impinj)' : ''}`;
    }
    s.rssiDbm = rssi;
  }
  return s;
}

function parseImpinj(item: unknown): ItemResult {
  if (!isRecord(item)) return `impinj: expected an object, got ${kindOf(item)}`;
  if (item.eventType !== undefined && typeof item.eventType !== 'string') return 'impinj: "eventType" is not a string';
  if (item.eventType !== undefined && item.eventType !== 'tagInventory') return 'ignored';
  const ev = item.tagInventoryEvent;
  if (!isRecord(ev)) return item.eventType === undefined ? 'impinj: no "eventType" nor "tagInventoryEvent"' : 'impinj: tagInventory without a "tagInventoryEvent" object';

  let epc: string | undefined;
  if (ev.epcHex !== undefined) {
    const hex = hexField(ev.epcHex, 'tagInventoryEvent.epcHex', EPC_HEX, 'impinj');
    if (!hex.ok) return hex.reason;
    epc = hex.value;
  }
  if (ev.epc !== undefined) {
    const fromB64 = base64ToHex(ev.epc);
    if (fromB64 === null || !EPC_HEX.test(fromB64)) return 'impinj: tagInventoryEvent.epc is not a base64 EPC';
    if (epc !== undefined && epc !== fromB64) return `impinj: epc (base64 ${fromB64}) and epcHex ${epc} disagree`;
    epc = fromB64;
  }
  if (epc === undefined) return 'impinj: tagInventoryEvent has neither epc nor epcHex';

  const antenna = antennaField(ev.antennaPort, 'tagInventoryEvent.antennaPort', 'impinj');
  if (typeof antenna === 'string') return antenna;
  const s: ParsedSighting = { epc, antenna, readerTs: parseReaderTimestamp(item.timestamp) };
  if (ev.tidHex !== undefined && ev.tidHex !== null && ev.tidHex !== '') {
    const tid = hexField(ev.tidHex, 'tagInventoryEvent.tidHex', TID_HEX, 'impinj');
    if (!tid.ok) return tid.reason;
    s.tid = tid.value;
  }
  if (ev.peakRssiCdbm !== undefined) {
    const cdbm = ev.peakRssiCdbm;
    if (typeof cdbm !== 'number' || !Number.isInteger(cdbm)) return 'impinj: tagInventoryEvent.peakRssiCdbm is not an integer (centi-dBm)';
    // An integer divided by 100 is correctly rounded: the same double as the decimal written out (-5325 → -53.25).
    const dbm = cdbm / 100;
    if (dbm < RSSI_MIN || dbm > RSSI_MAX) return `impinj: peakRssiCdbm ${cdbm} (${dbm} dBm) out of range ${RSSI_MIN}..${RSSI_MAX} dBm`;
    s.rssiDbm = dbm;
  }
  return s;
}

/** A hex string as uppercase, or the reason it is not one. */
function hexField(value: unknown, name: string, shape: RegExp, format: RfidFormat): { ok: true; value: string } | { ok: false; reason: string } {
  if (typeof value !== 'string') return { ok: false, reason: `${format}: ${name} is not a string` };
  const hex = value.trim().toUpperCase();
  if (!shape.test(hex)) return { ok: false, reason: `${format}: ${name} is not hex of ${shape === EPC_HEX ? '4..124' : '4..128'} digits` };
  return { ok: true, value: hex };
}

function antennaField(value: unknown, name: string, format: RfidFormat): number | null | string {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 255) return `${format}: ${name} is not an antenna port 0..255`;
  return value;
}

function base64ToHex(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0 || value.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return null;
  return Buffer.from(value, 'base64').toString('hex').toUpperCase();
}

const ISO_TS = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:[.,](\d+))?([Zz]|[+-]\d{2}:?\d{2})$/;

/**
 * A reader's timestamp: ISO 8601 with an explicit zone (`Z`, `+08:00` or Zebra's `+0000`), any
 * number of fraction digits (Impinj sends nanoseconds; truncated to ms), or epoch milliseconds.
 * Anything else (no zone: whose local time?) → null, and the edge clock is used.
 */
export function parseReaderTimestamp(value: unknown): Date | null {
  if (typeof value === 'number') return Number.isFinite(value) ? dateOrNull(value) : null;
  if (typeof value !== 'string') return null;
  const m = ISO_TS.exec(value.trim());
  if (!m) return null;
  const [, date, time, fraction, zone] = m as unknown as [string, string, string, string | undefined, string];
  const ms = (fraction ?? '').padEnd(3, '0').slice(0, 3);
  const z = zone.toUpperCase() === 'Z' ? 'Z' : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  return dateOrNull(Date.parse(`${date}T${time}.${ms}${z}`));
}

function dateOrNull(ms: number): Date | null {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? null : d;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function kindOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}
