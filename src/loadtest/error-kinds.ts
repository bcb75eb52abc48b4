/** How a load-test request can fail without a response, and which failure a socket error is. */

export const ERROR_KINDS = ['refused', 'timeout', 'reset', 'closed', 'socket', 'protocol'] as const;

/**
 * - refused: the connection was refused (nothing listening);
 * - timeout: no complete response within --timeout (connecting included);
 * - reset: the peer reset the connection (ECONNRESET, EPIPE);
 * - closed: the peer closed the connection before the response was complete;
 * - socket: any other socket error (its code is counted too);
 * - protocol: the response was not valid HTTP/1.1.
 */
export type ErrorKind = (typeof ERROR_KINDS)[number];

export const ERROR_LABELS: Readonly<Record<ErrorKind, string>> = {
  refused: 'connect refused',
  timeout: 'timeout',
  reset: 'reset',
  closed: 'closed early',
  socket: 'other socket error',
  protocol: 'invalid response',
};

/** The kind of a socket error, by its code. */
export function errorKindOf(err: unknown): ErrorKind {
  const code = (err as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'refused';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'reset';
    case 'ETIMEDOUT':
      return 'timeout';
    default:
      return 'socket';
  }
}

/** The code of a socket error ("EADDRNOTAVAIL"), or "unknown". */
export function errorCodeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'unknown';
}
