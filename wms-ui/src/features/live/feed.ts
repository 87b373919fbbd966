/**
 * The `/devices` socket: accepted events, edge status, devices' live values and command answers.
 * Refused by the hub's middleware, it means the session is gone, except for a role without the
 * device feed (an enterprise user), who stays signed in. While the browser is offline the feed
 * says so, and it reconnects as soon as the browser is back.
 */
import type { Socket } from 'socket.io-client';
import type { DevicesClientToServer, DevicesServerToClient } from '@cjp/contracts';
import { openFeed, type ConnState } from '../../shared/socket';

export type DevicesSocket = Socket<DevicesServerToClient, DevicesClientToServer>;

export interface DevicesFeedHandlers {
  state(state: ConnState): void;
  /** connected again after an outage: fetch what may have been missed */
  reconnected(): void;
  /** the hub refused the token */
  sessionGone(): void;
}

export interface DevicesFeed {
  readonly socket: DevicesSocket;
  close(): void;
}

export function openDevicesFeed(token: string, h: DevicesFeedHandlers): DevicesFeed {
  const feed = openFeed<DevicesSocket>('/devices', token, {
    state: h.state,
    connected: (again) => {
      if (again) h.reconnected();
    },
    refused: (err) => {
      if (err.message !== 'HUB_ERR_AUTH_FORBIDDEN') h.sessionGone();
    },
  });
  const onOffline = (): void => h.state('offline');
  const onOnline = (): void => feed.reconnect();
  window.addEventListener('offline', onOffline);
  window.addEventListener('online', onOnline);
  return {
    socket: feed.socket,
    close() {
      feed.close();
      window.removeEventListener('offline', onOffline);
      window.removeEventListener('online', onOnline);
    },
  };
}
