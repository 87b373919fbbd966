/** Pure helpers of the devices feature: keys, kinds, time order. */

export function deviceKey(edgeId: string, deviceId: string): string {
  return `${edgeId}/${deviceId}`;
}

/** Is ISO time `a` later than `b`? An unparsable `a` never is; anything is later than an unparsable `b`. */
export function laterThan(a: string | null | undefined, b: string | null | undefined): boolean {
  const ta = a ? Date.parse(a) : NaN;
  const tb = b ? Date.parse(b) : NaN;
  if (Number.isNaN(ta)) return false;
  if (Number.isNaN(tb)) return true;
  return ta > tb;
}

/** What a device is, from its driver's name (edge/src/drivers): picks the icon, label and live view. */
export type DeviceKind = 'weighbridge' | 'scanner' | 'barrier' | 'led' | 'rfid' | 'camera' | 'other';

export function deviceKind(driver: string): DeviceKind {
  const d = driver.toLowerCase();
  if (d.includes('weigh')) return 'weighbridge'; // weighbridge, opcua-weighbridge
  if (d.includes('scanner')) return 'scanner'; // scanner-line
  if (d.includes('barrier')) return 'barrier'; // opcua-barrier
  if (/(^|-)led($|-)/.test(d)) return 'led'; // opcua-led
  if (d.includes('rfid')) return 'rfid'; // rfid-mqtt, opcua-rfid
  if (d.includes('camera')) return 'camera'; // camera-http
  return 'other';
}

