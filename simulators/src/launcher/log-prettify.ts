const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

export interface PrettifyOptions {
  /** IANA zone for the time column; the machine's zone by default. */
  timeZone?: string;
}

/**
 * Reduces a pino JSON line to `LEVEL HH:MM:SS.mmm msg` (plus the error message when one is
 * logged); any other line comes back as it was, without a trailing CR.
 */
export function prettifyLogLine(line: string, options: PrettifyOptions = {}): string {
  const raw = line.replace(/\r$/, '');
  if (!raw.startsWith('{')) return raw;
  let entry: unknown;
  try {
    entry = JSON.parse(raw);
  } catch {
    return raw;
  }
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return raw;
  const { level, time, msg, err } = entry as Record<string, unknown>;
  if (level === undefined || typeof msg !== 'string') return raw;
  const levelText = (typeof level === 'number' ? (LEVELS[level] ?? `L${level}`) : String(level).toUpperCase()).padEnd(5);
  const errText = errorMessage(err);
  return `${levelText} ${formatTime(time, options.timeZone)} ${msg}${errText && !msg.includes(errText) ? ` — ${errText}` : ''}`;
}

function errorMessage(err: unknown): string | undefined {
  if (typeof err === 'string') return err;
  if (typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string') {
    return (err as { message: string }).message;
  }
  return undefined;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatTime(time: unknown, timeZone: string | undefined): string {
  const date = typeof time === 'number' || typeof time === 'string' ? new Date(time) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) return '--:--:--.---';
  const key = timeZone ?? '';
  let fmt = formatters.get(key);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-GB', {
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      fractionalSecondDigits: 3,
      hourCycle: 'h23',
      ...(timeZone ? { timeZone } : {}),
    });
    formatters.set(key, fmt);
  }
  return fmt.format(date);
}
