/** Formatting shared by the screens: times in the site's zone, counts, exact decimals, durations, scanned codes. */
import type { LiveValues } from '@cjp/contracts';

/** The site's zone (DESIGN.md, Conventions: stored in UTC, shown in the site's zone). */
export const SITE_TIME_ZONE = 'Asia/Shanghai';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(locale: string, style: 'short' | 'long'): Intl.DateTimeFormat {
  const key = `${locale}|${style}`;
  let f = formatters.get(key);
  if (!f) {
    f =
      style === 'short'
        ? new Intl.DateTimeFormat(locale, {
            timeZone: SITE_TIME_ZONE,
            month: '2-digit',
            day: '2-digit',
            hour: '2-digit',
            minute: '2-digit',
            second: '2-digit',
            hourCycle: 'h23',
          })
        : new Intl.DateTimeFormat(locale, {
            timeZone: SITE_TIME_ZONE,
            year: 'numeric',
            month: '2-digit',
            day: '2-digit',
            hour: '2-digit',
            minute: '2-digit',
            second: '2-digit',
            fractionalSecondDigits: 3,
            hourCycle: 'h23',
            timeZoneName: 'short',
          });
    formatters.set(key, f);
  }
  return f;
}

/** An ISO time in Asia/Shanghai, formatted for the locale; the input as is when unparsable. */
export function formatTime(iso: string | null | undefined, locale: string, style: 'short' | 'long' = 'short'): string {
  if (!iso) return '';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return formatter(locale, style).format(ms);
}

const CONTROL_NAMES: Record<number, string> = {
  0x04: 'EOT',
  0x09: 'TAB',
  0x0a: 'LF',
  0x0d: 'CR',
  0x1c: 'FS',
  0x1d: 'GS',
  0x1e: 'RS',
  0x1f: 'US',
  0x7f: 'DEL',
};

export interface CodePart {
  text: string;
  /** true for a control character shown by name, e.g. ⟨GS⟩ */
  control: boolean;
}

/**
 * Splits scanned data so that control characters (GS1's GS 0x1D above all) are visible:
 * `"0109501101530003\x1d10ABC"` → `0109501101530003`, `⟨GS⟩`, `10ABC`.
 */
export function codeParts(code: string): CodePart[] {
  const parts: CodePart[] = [];
  let run = '';
  for (const ch of code) {
    const c = ch.codePointAt(0) ?? 0;
    if (c < 0x20 || c === 0x7f) {
      if (run) parts.push({ text: run, control: false });
      run = '';
      const name = CONTROL_NAMES[c] ?? `0x${c.toString(16).padStart(2, '0').toUpperCase()}`;
      parts.push({ text: `⟨${name}⟩`, control: true });
    } else {
      run += ch;
    }
  }
  if (run) parts.push({ text: run, control: false });
  return parts;
}

const numberFormats = new Map<string, Intl.NumberFormat>();

function numberFormat(locale: string, key: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const k = `${locale}|${key}`;
  let f = numberFormats.get(k);
  if (!f) {
    f = new Intl.NumberFormat(locale, options);
    numberFormats.set(k, f);
  }
  return f;
}

/** A count (readings, errors, tags) with the locale's grouping: 12345 → "12,345". */
export function formatCount(n: number, locale: string): string {
  return numberFormat(locale, 'count', { maximumFractionDigits: 0 }).format(n);
}

/**
 * An exact decimal string (a weight as the device sent it, e.g. "31250" or "-12.5") with the
 * locale's grouping and decimal sign, digit for digit: it is never turned into a float. Text that
 * is no plain decimal is returned as is.
 */
export function formatDecimalString(value: string, locale: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(value.trim());
  if (!m) return value;
  const [, sign = '', int = '0', frac] = m;
  // BigInt keeps every digit; its toLocaleString groups like Intl.NumberFormat
  const grouped = BigInt(int).toLocaleString(locale);
  if (frac === undefined) return `${sign}${grouped}`;
  const decimal = numberFormat(locale, 'count', { maximumFractionDigits: 0 })
    .formatToParts(1.5)
    .find((p) => p.type === 'decimal')?.value;
  return `${sign}${grouped}${decimal ?? '.'}${frac}`;
}

/** Bytes in the largest fitting SI unit: 1500 → "1.5 kB". */
export function formatBytes(bytes: number, locale: string): string {
  const units = ['byte', 'kilobyte', 'megabyte', 'gigabyte'] as const;
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i += 1;
  }
  const unit = units[i] ?? 'byte';
  return numberFormat(locale, `bytes-${unit}`, { style: 'unit', unit, unitDisplay: 'short', maximumFractionDigits: v < 10 && i > 0 ? 1 : 0 }).format(v);
}

function unitFormat(locale: string, unit: 'second' | 'minute' | 'hour' | 'day'): Intl.NumberFormat {
  return numberFormat(locale, `dur-${unit}`, { style: 'unit', unit, unitDisplay: 'short', maximumFractionDigits: 0 });
}

/**
 * A length of time, short, in its two largest units where that helps: "12 sec", "2 min 5 sec",
 * "3 hr 5 min" (en); "12秒", "3小时5分钟" (zh-CN). Negative times (clock skew) count as 0.
 */
export function formatDuration(ms: number, locale: string): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const join = locale.toLowerCase().startsWith('zh') ? '' : ' ';
  const d = Math.floor(total / 86400);
  const h = Math.floor((total % 86400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const parts: string[] = [];
  if (d > 0) {
    parts.push(unitFormat(locale, 'day').format(d));
    if (h > 0) parts.push(unitFormat(locale, 'hour').format(h));
  } else if (h > 0) {
    parts.push(unitFormat(locale, 'hour').format(h));
    if (m > 0) parts.push(unitFormat(locale, 'minute').format(m));
  } else if (m > 0) {
    parts.push(unitFormat(locale, 'minute').format(m));
    if (m < 10 && s > 0) parts.push(unitFormat(locale, 'second').format(s));
  } else {
    parts.push(unitFormat(locale, 'second').format(s));
  }
  return parts.join(join);
}

/** Milliseconds from an ISO time to `now`; null when there is no time or it is unparsable. */
export function ageMs(iso: string | null | undefined, now: number): number | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : now - t;
}

/** Asia/Shanghai keeps UTC+8 all year (no daylight saving time). */
const SITE_UTC_OFFSET = '+08:00';

/**
 * A `datetime-local` value ("2026-11-28T08:30" or with seconds), read as the site's wall clock
 * (Asia/Shanghai, like every time the UI shows), as an ISO datetime with its offset; null when empty
 * or malformed.
 */
export function siteTimeToIso(value: string): string | null {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?$/.exec(value.trim());
  if (!m) return null;
  const [, date, hh, mm, ss = '00', frac = ''] = m;
  return `${date}T${hh}:${mm}:${ss}${frac}${SITE_UTC_OFFSET}`;
}

/** A live value as text (a weight as the device sent it): strings as they are, finite numbers in full; else null. */
export function liveText(v: LiveValues[string] | undefined): string | null {
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}
