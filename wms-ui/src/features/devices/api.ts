/** The devices feature's REST calls: device commands, their log, and which devices a module claims. */
import type { CommandDto, CommandRequest, DeviceClaim } from '@cjp/contracts';
import { request } from '../../shared/api';

export const devicesApi = {
  commands: (limit = 50) => request<{ items: CommandDto[] }>(`/api/v1/commands?limit=${limit}`),
  sendCommand: (edgeId: string, deviceId: string, body: Pick<CommandRequest, 'action' | 'args'>) =>
    request<CommandDto>(`/api/v1/edges/${encodeURIComponent(edgeId)}/devices/${encodeURIComponent(deviceId)}/commands`, { method: 'POST', body }),
  claims: () => request<{ items: DeviceClaim[] }>('/api/v1/devices/claims'),
};
