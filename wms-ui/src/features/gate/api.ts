/** The gate module's REST API, as the monitor uses it. */
import type { GateSettings, Lane, Note, Passage, PassageListQuery, ResolveRequest } from '@cjp/contracts';
import { queryString, request } from '../../shared/api';

const GATE = '/api/v1/gate';

/** A filter of `GET /api/v1/gate/passages` (contracts' query; `from`/`to` are ISO datetimes), with a plain number for the limit. */
export type PassageFilter = Omit<PassageListQuery, 'limit'> & { limit?: number };

export const gateApi = {
  lanes: () => request<{ items: Lane[] }>(`${GATE}/lanes`),
  settings: () => request<GateSettings>(`${GATE}/settings`),
  passages: (q: PassageFilter, signal?: AbortSignal) => request<{ items: Passage[] }>(`${GATE}/passages${queryString(q)}`, signal ? { signal } : {}),
  passage: (id: string) => request<Passage>(`${GATE}/passages/${encodeURIComponent(id)}`),
  resolve: (id: string, body: ResolveRequest) => request<Passage>(`${GATE}/passages/${encodeURIComponent(id)}/resolve`, { method: 'POST', body }),
  releaseNote: (passportNo: string) => request<Note>(`${GATE}/release-notes/${encodeURIComponent(passportNo)}`),
};

/** The CSV export of the passages matching `q` (the session cookie authorises the download); the same filter as the list's. */
export function passagesCsvUrl(q: PassageFilter): string {
  return `${GATE}/passages.csv${queryString(q)}`;
}
