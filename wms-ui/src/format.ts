import type { DeviceHealth, EventDto } from '@cjp/contracts';

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

export interface EventView {
  /** parts of the scanned code, or null when the event is not a scan */
  code: CodePart[] | null;
  aim: string;
  /** a short text of `data` for other kinds */
  summary: string;
}

export function eventView(ev: EventDto): EventView {
  const data = ev.data ?? {};
  if (ev.kind === 'scan' && typeof data.code === 'string') {
    return { code: codeParts(data.code), aim: typeof data.aim === 'string' ? data.aim : '', summary: '' };
  }
  let summary = '';
  try {
    summary = Object.entries(data)
      .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
      .join(' ');
  } catch {
    summary = '';
  }
  if (summary.length > 160) summary = `${summary.slice(0, 159)}…`;
  return { code: null, aim: '', summary };
}

/** The device health list inside an edge's last status message, read defensively. */
export function devicesOf(status: Record<string, unknown> | null | undefined): DeviceHealth[] {
  const list = status?.devices;
  if (!Array.isArray(list)) return [];
  return list.filter(
    (d): d is DeviceHealth => typeof d === 'object' && d !== null && typeof (d as { deviceId?: unknown }).deviceId === 'string',
  );
}
