/**
 * AIM symbology identifiers (ISO/IEC 15424): "]" + code character + modifier, sent by a
 * scanner in front of the data when configured to, e.g. "]C1" for GS1-128.
 */

const AIM = /^\]([A-Za-z0-9])([0-9A-Za-z])$/;

/**
 * AIM ids whose data is a GS1 element string (FNC1 in first position): GS1-128 ]C1, GS1
 * DataBar ]e0, GS1 DataMatrix ]d2 (]d5 with ECI), GS1 QR ]Q3 (]Q4 with ECI), GS1 DotCode ]J1.
 */
const GS1_AIMS = new Set([']C1', ']e0', ']d2', ']d5', ']Q3', ']Q4', ']J1']);

/** True when the AIM id says the data is a GS1 element string. */
export function isGs1Aim(aim: string): boolean {
  return GS1_AIMS.has(aim);
}

const BY_CODE: Record<string, (modifier: string, code: string | undefined) => string> = {
  A: () => 'code-39',
  C: (m) => (m === '1' ? 'gs1-128' : 'code-128'),
  d: (m) => (m === '2' || m === '5' ? 'gs1-datamatrix' : 'datamatrix'),
  // UPC-A travels as ]E0 too (as 12 digits, or as EAN-13 with a leading 0), UPC-E as 8 digits
  E: (m, code) => {
    if (m === '4') return 'ean-8';
    if (m === '1' || m === '2') return 'ean-addon';
    if (m === '3') return 'ean-upc-addon';
    if (code !== undefined && /^\d{12}$/.test(code)) return 'upc-a';
    if (code !== undefined && /^\d{8}$/.test(code)) return 'upc-e';
    return 'ean-13';
  },
  e: () => 'gs1-databar',
  F: () => 'codabar',
  G: () => 'code-93',
  I: (_m, code) => (code !== undefined && /^\d{14}$/.test(code) ? 'itf-14' : 'itf'),
  J: (m) => (m === '1' ? 'gs1-dotcode' : 'dotcode'),
  L: () => 'pdf417',
  M: () => 'msi',
  Q: (m) => (m === '3' || m === '4' ? 'gs1-qr' : 'qr'),
  U: () => 'maxicode',
  X: () => 'unknown',
  z: () => 'aztec',
};

/**
 * A short symbology name for an AIM id: "]C0" code-128, "]C1" gs1-128, "]E0" ean-13 (upc-a for
 * 12 digits, upc-e for 8 when `code` is given), "]E4" ean-8, "]d1" datamatrix, "]d2"
 * gs1-datamatrix, "]Q1" qr, "]Q3" gs1-qr, "]e0" gs1-databar, "]A0" code-39, "]I0"/"]I1" itf
 * (itf-14 for 14 digits), "]X0" unknown …; an id not listed gives "aim-" + its two characters
 * ("aim-K0"), and text that is not an AIM id gives "unknown".
 */
export function symbologyFromAim(aim: string, code?: string): string {
  const m = AIM.exec(aim);
  if (!m) return 'unknown';
  const name = BY_CODE[m[1] ?? ''];
  return name ? name(m[2] ?? '', code) : `aim-${m[1]}${m[2]}`;
}
