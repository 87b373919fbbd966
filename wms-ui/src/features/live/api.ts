/** The REST half of the live feed: the newest events and the edges, fetched on start and after a reconnect. */
import type { EdgeDto, EventListResponse } from '@cjp/contracts';
import { request } from '../../shared/api';

export const liveApi = {
  events: (limit = 50) => request<EventListResponse>(`/api/v1/events?limit=${limit}`),
  edges: () => request<{ items: EdgeDto[] }>('/api/v1/edges'),
};
