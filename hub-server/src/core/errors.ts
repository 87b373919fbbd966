import { ERROR_CODES, HubError, type ErrorBody, type ErrorCode } from '@cjp/contracts';

export { HubError, ERROR_CODES, type ErrorBody, type ErrorCode };

/**
 * Any error → the body every client sees, on HTTP and on socket.io acks alike: a HubError keeps
 * its code and message; anything else is an internal error whose detail stays in the hub's log.
 */
export function errorBody(err: unknown): ErrorBody {
  if (err instanceof HubError) return err.toBody();
  return { error: { code: 'HUB_ERR_INTERNAL', message: 'internal error; see the hub log' } };
}

/** The error a socket.io middleware passes to `next()`: the client reads `err.data` as the body. */
export function socketError(err: HubError): Error & { data: ErrorBody } {
  return Object.assign(new Error(err.code), { data: err.toBody() });
}
