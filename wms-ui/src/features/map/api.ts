/** The map's settings from the hub (`GET /api/v1/ui-config`): the deployment's centre, zoom and optional tile server. */
import { request } from '../../shared/api';

/** The hub's ui-config answer (a hub-only response, not part of contracts). */
export interface UiConfig {
  map: {
    center: [number, number];
    zoom: number;
    tileUrl: string | null;
    tileAttribution: string | null;
  };
}

export const mapApi = {
  uiConfig: () => request<UiConfig>('/api/v1/ui-config'),
};
