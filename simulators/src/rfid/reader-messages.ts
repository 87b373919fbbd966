/**
 * The JSON messages fixed UHF readers publish for one tag read, in the two shapes of
 * /work/shared/domain/devices.md §3.3 "Reader JSON/MQTT interfaces". Field names are byte-exact;
 * do not rename them.
 *
 * Zebra IoT Connector (ZIOTC) tag data event, "SIMPLE" mode (devices.md §3.3, marked [I] there):
 *   { "data": { "eventNum", "format": "epc", "idHex", "antenna", "peakRssi", "reads" }, "timestamp", "type": "SIMPLE" }
 *   - peakRssi in whole dBm; reads = 1 (no report filter, every read is an event).
 *   - timestamp: ISO 8601 with a "+0000" offset (no colon) as reelyActive's ZIOTC test emitter
 *     sends it; devices.md does not give the format [I]. Edges must parse both this and "Z".
 *   - "TID" (hex) is added only when TID is in the reader's tagMetaData (ZIOTC metadata name) [I].
 *
 * Impinj IoT Device Interface (R700) tag inventory event (devices.md §3.3, marked [V]/[I]):
 *   { "timestamp", "hostname", "eventType": "tagInventory",
 *     "tagInventoryEvent": { "epc" (base64), "epcHex", "tid"/"tidHex" (FastID), "antennaPort",
 *                            "antennaName", "peakRssiCdbm" (centi-dBm), "frequency" (kHz),
 *                            "transmitPowerCdbm", "lastSeenTime" } }
 *   - timestamp / lastSeenTime: ISO 8601 UTC with "Z".
 *   - "frequency", "transmitPowerCdbm", "lastSeenTime", "tid" follow the emulators found in public
 *     code (reelyActive barnowl-impinj, Intel's R700 emulator), not an Impinj schema page [I].
 */

/** One read of a tag by one antenna, before it is dressed as a vendor message. */
export interface TagRead {
  /** EPC, hex (uppercase as generated) */
  epc: string;
  /** TID, hex, when the reader reads the TID bank */
  tid?: string;
  antenna: number;
  /** peak RSSI in dBm, e.g. -57.5 */
  rssiDbm: number;
  /** channel frequency in kHz (China 920.125-924.875 MHz) */
  frequencyKhz: number;
  /** when the antenna saw the tag */
  at: Date;
}

export type RfidFormat = 'zebra' | 'impinj';
export const RFID_FORMATS: readonly RfidFormat[] = ['zebra', 'impinj'];

export interface ZebraSimpleEvent {
  data: {
    eventNum: number;
    format: 'epc';
    idHex: string;
    antenna: number;
    peakRssi: number;
    reads: number;
    TID?: string;
  };
  timestamp: string;
  type: 'SIMPLE';
}

export interface ImpinjTagInventoryEvent {
  timestamp: string;
  hostname: string;
  eventType: 'tagInventory';
  tagInventoryEvent: {
    epc: string;
    epcHex: string;
    tid?: string;
    tidHex?: string;
    antennaPort: number;
    antennaName: string;
    peakRssiCdbm: number;
    frequency: number;
    transmitPowerCdbm: number;
    lastSeenTime: string;
  };
}

export type HexCase = 'upper' | 'lower';

function withCase(hex: string, hexCase: HexCase): string {
  return hexCase === 'upper' ? hex.toUpperCase() : hex.toLowerCase();
}

/** "2026-11-27T08:15:02.120+0000", the ZIOTC timestamp form. */
export function zebraTimestamp(at: Date): string {
  return at.toISOString().replace('Z', '+0000');
}

export function zebraSimpleEvent(read: TagRead, opts: { eventNum: number; hexCase?: HexCase }): ZebraSimpleEvent {
  const hexCase = opts.hexCase ?? 'upper';
  return {
    data: {
      eventNum: opts.eventNum,
      format: 'epc',
      idHex: withCase(read.epc, hexCase),
      antenna: read.antenna,
      peakRssi: Math.round(read.rssiDbm),
      reads: 1,
      ...(read.tid ? { TID: withCase(read.tid, hexCase) } : {}),
    },
    timestamp: zebraTimestamp(read.at),
    type: 'SIMPLE',
  };
}

const hexToBase64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');

export function impinjTagInventoryEvent(
  read: TagRead,
  opts: { hostname: string; antennaName?: (port: number) => string; transmitPowerCdbm?: number; hexCase?: HexCase },
): ImpinjTagInventoryEvent {
  const hexCase = opts.hexCase ?? 'upper';
  const ts = read.at.toISOString();
  return {
    timestamp: ts,
    hostname: opts.hostname,
    eventType: 'tagInventory',
    tagInventoryEvent: {
      epc: hexToBase64(read.epc),
      epcHex: withCase(read.epc, hexCase),
      ...(read.tid ? { tid: hexToBase64(read.tid), tidHex: withCase(read.tid, hexCase) } : {}),
      antennaPort: read.antenna,
      antennaName: opts.antennaName?.(read.antenna) ?? `Antenna ${read.antenna}`,
      // Impinj reports RSSI in 0.5 dB steps, as centi-dBm.
      peakRssiCdbm: Math.round(read.rssiDbm * 2) * 50,
      frequency: read.frequencyKhz,
      transmitPowerCdbm: opts.transmitPowerCdbm ?? 3000,
      lastSeenTime: ts,
    },
  };
}
