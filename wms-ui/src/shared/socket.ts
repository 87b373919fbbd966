/**
 * One socket.io feed of the hub (`/devices`, `/gate`): the connection's state as the UI shows it,
 * a "connected again" signal (fetch what may have been missed), and one answer to the hub closing
 * the socket (ask whether the session still holds: reconnect if it does, else the 401 signs out).
 * What a refusal means differs per feed: the caller says.
 */
import { io, type Socket } from 'socket.io-client';
import { checkSession } from './session';

export type ConnState = 'live' | 'reconnecting' | 'offline';

export interface FeedHandlers {
  /** the connection's state changed */
  state(state: ConnState): void;
  /** connected; `again` after an outage, when the lists are to be fetched again */
  connected?(again: boolean): void;
  /** the hub's middleware refused the socket: socket.io does not retry by itself */
  refused(err: Error): void;
}

/** `T`: the feed's typed socket, e.g. `Socket<GateServerToClient, GateClientToServer>`. */
export interface Feed<T> {
  readonly socket: T;
  /** false once closed: late callbacks of a closed feed must not touch the state */
  readonly open: boolean;
  /** connects again unless connected (after a refusal, or when the browser is back online) */
  reconnect(): void;
  close(): void;
}

/** The state while socket.io retries by itself. */
function retrying(): ConnState {
  return navigator.onLine === false ? 'offline' : 'reconnecting';
}

export function openFeed<T = Socket>(namespace: string, token: string, h: FeedHandlers): Feed<T> {
  // the reserved events are the same for every feed; the typed socket is the caller's
  const s: Socket = io(namespace, { auth: { token } });
  let open = true;
  let connectedBefore = false;

  const reconnect = (): void => {
    if (!open || s.connected) return;
    h.state('reconnecting');
    s.connect();
  };
  const onReconnectFailed = (): void => {
    if (open) h.state('offline');
  };

  h.state('reconnecting');
  s.on('connect', () => {
    if (!open) return;
    h.state('live');
    h.connected?.(connectedBefore);
    connectedBefore = true;
  });
  s.on('disconnect', (reason) => {
    if (!open) return;
    if (reason === 'io client disconnect') h.state('offline');
    else if (reason === 'io server disconnect') {
      h.state('offline');
      checkSession().then(reconnect, () => {});
    } else h.state(retrying());
  });
  s.on('connect_error', (err) => {
    if (!open) return;
    if (s.active) h.state(retrying()); // a transport failure: socket.io retries by itself
    else {
      h.state('offline');
      h.refused(err);
    }
  });
  s.io.on('reconnect_failed', onReconnectFailed);

  return {
    socket: s as unknown as T,
    get open() {
      return open;
    },
    reconnect,
    close() {
      open = false;
      s.removeAllListeners();
      s.io.off('reconnect_failed', onReconnectFailed);
      s.disconnect();
    },
  };
}
