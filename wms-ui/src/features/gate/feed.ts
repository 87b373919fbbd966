/**
 * The `/gate` socket: `passage:updated` and `note:updated`; on join the hub sends every open and
 * held passage. Refused by the hub (no gate module yet, a hub restarting) with the session still
 * good, it says so and tries again after a while; a 401 from the session check signs out instead.
 */
import type { Socket } from 'socket.io-client';
import type { GateClientToServer, GateServerToClient, Note, Passage } from '@cjp/contracts';
import { i18n } from '../../i18n';
import { showError } from '../../shared/notices';
import { checkSession } from '../../shared/session';
import { openFeed, type ConnState } from '../../shared/socket';

/** A refused `/gate` socket is tried again after this, ms. */
const REFUSED_RETRY_MS = 10_000;

export interface GateFeedHandlers {
  state(state: ConnState): void;
  /** connected again after an outage: fetch everything again */
  reconnected(): void;
  passage(p: Passage): void;
  note(n: Note): void;
}

export function openGateFeed(token: string, h: GateFeedHandlers): { close(): void } {
  let retryTimer: number | null = null;
  const clearRetry = (): void => {
    if (retryTimer !== null) window.clearTimeout(retryTimer);
    retryTimer = null;
  };
  const feed = openFeed<Socket<GateServerToClient, GateClientToServer>>('/gate', token, {
    state: h.state,
    connected: (again) => {
      // the first connect needs no refetch: the REST load started with the socket
      if (again) h.reconnected();
    },
    refused: (err) => {
      checkSession().then(
        () => {
          if (!feed.open) return;
          showError(new Error(i18n.global.t('gate.feedRefused', { reason: err.message })));
          clearRetry();
          retryTimer = window.setTimeout(() => {
            retryTimer = null;
            feed.reconnect();
          }, REFUSED_RETRY_MS);
        },
        () => {},
      );
    },
  });
  feed.socket.on('passage:updated', (p) => h.passage(p));
  feed.socket.on('note:updated', (n) => h.note(n));
  return {
    close() {
      clearRetry();
      feed.close();
    },
  };
}
