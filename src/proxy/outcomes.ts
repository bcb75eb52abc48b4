/**
 * The one table of how a connection ended. Every connection ends with exactly one
 * termination code; logs and counters use these codes.
 */
export const TERMINATION_CODES = {
  '--': 'normal end: both sides closed cleanly',
  UH: 'no healthy backend: nothing eligible in the pool',
  UF: 'upstream connect failure on every backend tried',
  UT: 'upstream connect timeout on the last backend tried',
  UC: 'upstream closed or reset the connection after it was established',
  DC: 'downstream (client) closed or reset before the end',
  IT: 'idle timeout: no bytes in either direction for the idle timeout',
  LR: 'local reset: closed by Switchyard at shutdown after the drain timeout',
  LC: 'listener connection limit reached: closed at once',
  NR: 'HTTP: no route matched the request (404 or 421)',
  PR: 'HTTP: the request was malformed or refused (400, 413, 414, 431, 501, 505)',
  CT: 'HTTP: the client did not send the request head or body in time (408)',
  RT: 'HTTP: the backend sent no response head in time (504)',
  UP: 'HTTP: the backend sent a malformed response (502)',
} as const;

export type TerminationCode = keyof typeof TERMINATION_CODES;

export const TERMINATION_CODE_LIST = Object.keys(TERMINATION_CODES) as TerminationCode[];

/** A short cause for a failed connect, from the socket error. */
export function connectFailureCause(err: NodeJS.ErrnoException | undefined, timedOut: boolean, timeoutMs: number): string {
  if (timedOut) return `connect timeout after ${timeoutMs} ms`;
  if (err?.code) return `connect failed: ${err.code}`;
  return 'connect failed: closed before connecting';
}
