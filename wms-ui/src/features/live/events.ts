/** An event as the live list shows it: a scan's code and AIM, else a short text of its data. */
import type { EventDto } from '@cjp/contracts';

export interface EventView {
  /** the scanned code, or null when the event is not a scan */
  code: string | null;
  aim: string;
  /** a short text of `data` for other kinds */
  summary: string;
}

export function eventView(ev: EventDto): EventView {
  const data = ev.data ?? {};
  if (ev.kind === 'scan' && typeof data.code === 'string') {
    return { code: data.code, aim: typeof data.aim === 'string' ? data.aim : '', summary: '' };
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

