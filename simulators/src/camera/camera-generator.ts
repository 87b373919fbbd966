/**
 * What a gate camera recognises on the trucks coming to a bonded logistics center in Qinghai:
 * Chinese licence plates (mostly 青B, Haidong, where Caojiapu is; also Gansu, Xinjiang, Tibet,
 * Sichuan) and ISO 6346 container numbers with their size-type codes.
 *
 * Plate forms (GA 36-2018) [I, general knowledge]:
 * - ordinary: province + city letter + 5 characters (digits and letters without I and O, at most
 *   two letters): blue for small vehicles, yellow for large ones (container tractors are large);
 * - new-energy: province + city letter + 6 characters, green: small cars D/F + 5 (e.g. 青BD12345),
 *   large vehicles 5 digits + D/F (e.g. 青B12345D).
 */
import { iso6346CheckDigit } from '../codes.js';
import { type Rng } from '../prng.js';

export type PlateColor = 'blue' | 'yellow' | 'green';

export interface GeneratedPlate {
  number: string;
  color: PlateColor;
}

export type ContainerPosition = 'front' | 'rear' | 'left' | 'right' | 'top' | 'unknown';

export interface ContainerOnTruck {
  number: string;
  isoCode?: string;
  position?: ContainerPosition;
}

const PROVINCES = { 青: 60, 甘: 15, 川: 10, 新: 8, 藏: 7 } as const;
// City letters in use per province (I and O never are); 青 runs A (Xining) .. H.
const CITY_LETTERS: Record<keyof typeof PROVINCES, string> = {
  青: 'ABCDEFGH',
  甘: 'ABCDEFGHJKLMNP',
  川: 'ABCDEFHJKLMQRSTUVWXYZ',
  新: 'ABCDEFGHJKLMNPQR',
  藏: 'ABCDEFG',
};
const PLATE_LETTERS = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const DIGITS = '0123456789';

function chars(rng: Rng, from: string, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += from.charAt(rng.int(0, from.length - 1));
  return s;
}

/** A plausible plate of the region; `kind` forces a form. */
export function randomPlate(rng: Rng, kind?: 'ordinary-large' | 'ordinary-small' | 'nev-small' | 'nev-large'): GeneratedPlate {
  const province = rng.weighted(PROVINCES);
  // Haidong (青B) dominates: Caojiapu's own trucks.
  const city = province === '青' && rng.chance(0.6) ? 'B' : rng.pick([...CITY_LETTERS[province]]);
  const form = kind ?? rng.weighted({ 'ordinary-large': 55, 'ordinary-small': 25, 'nev-small': 10, 'nev-large': 10 });
  let tail: string;
  let color: PlateColor;
  switch (form) {
    case 'ordinary-large':
    case 'ordinary-small': {
      const body = [...chars(rng, DIGITS, 5)];
      // Up to two letters in the five (not both at the front, like real issuing rules keep it simple).
      const letters = rng.weighted({ none: 5, one: 4, two: 1 });
      const slots = letters === 'none' ? [] : letters === 'one' ? [rng.int(0, 4)] : [rng.int(0, 1), rng.int(2, 4)];
      for (const s of slots) body[s] = chars(rng, PLATE_LETTERS, 1);
      tail = body.join('');
      color = form === 'ordinary-large' ? 'yellow' : 'blue';
      break;
    }
    case 'nev-small':
      tail = rng.pick(['D', 'F']) + (rng.chance(0.3) ? chars(rng, PLATE_LETTERS, 1) : chars(rng, DIGITS, 1)) + chars(rng, DIGITS, 4);
      color = 'green';
      break;
    case 'nev-large':
      tail = chars(rng, DIGITS, 5) + rng.pick(['D', 'F']);
      color = 'green';
      break;
  }
  return { number: province + city + tail, color };
}

// Owner codes seen at inland Chinese rail/road hubs: carriers, lessors, China Railway (TBJU).
const OWNER_CODES = ['TBJU', 'CSNU', 'CBHU', 'CCLU', 'OOLU', 'TGHU', 'TCLU', 'MSKU', 'MSCU', 'CMAU', 'EGHU', 'SEGU', 'FCIU', 'TRHU', 'BMOU'];

/** A container number with a valid ISO 6346 check digit. */
export function randomContainerNumber(rng: Rng): string {
  const body = rng.pick(OWNER_CODES) + String(rng.int(0, 999_999)).padStart(6, '0');
  return body + String(iso6346CheckDigit(body));
}

const ISO_20 = { '22G1': 70, '22R1': 8, '22U1': 7, '22T6': 5, '22P1': 3 } as const;
const ISO_40 = { '42G1': 35, '45G1': 45, '45R1': 12, '42U1': 5, '45P3': 3 } as const;

/**
 * The containers on a truck as a rear/side camera sees them: a 40' (read at the rear), two 20'
 * (front and rear slots), one 20', or none (bobtail / empty chassis).
 */
export function randomContainerLoad(rng: Rng): ContainerOnTruck[] {
  const load = rng.weighted({ one40: 50, two20: 15, one20: 25, none: 10 });
  switch (load) {
    case 'one40':
      return [{ number: randomContainerNumber(rng), isoCode: rng.weighted(ISO_40), position: 'rear' }];
    case 'two20':
      return [
        { number: randomContainerNumber(rng), isoCode: rng.weighted(ISO_20), position: 'front' },
        { number: randomContainerNumber(rng), isoCode: rng.weighted(ISO_20), position: 'rear' },
      ];
    case 'one20':
      return [{ number: randomContainerNumber(rng), isoCode: rng.weighted(ISO_20), position: 'rear' }];
    case 'none':
      return [];
  }
}

/** A truck at the gate: its tractor plate and the containers it carries. */
export function randomTruck(rng: Rng): { plate: GeneratedPlate; containers: ContainerOnTruck[] } {
  return { plate: randomPlate(rng, rng.chance(0.9) ? 'ordinary-large' : 'nev-large'), containers: randomContainerLoad(rng) };
}
