/**
 * How the admin API answers a failure: the HTTP status for each error code, and the one body
 * shape `{ "error": { code, message, details } }`. An error without a known code is a fault:
 * it is logged with its stack and answered with a generic 500 that reveals nothing.
 */
import { SwitchyardError, isSwitchyardError, type ErrorCode } from '../core/errors.js';
import type { Logger } from '../observability/logger.js';
import { redactSecrets } from './render.js';

const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  SY_CONFIG_INVALID: 400,
  SY_BAD_REQUEST: 400,
  SY_CLI_USAGE: 400,
  SY_UNAUTHORIZED: 401,
  SY_FORBIDDEN: 403,
  SY_UNKNOWN_POOL: 404,
  SY_UNKNOWN_LISTENER: 404,
  SY_UNKNOWN_BACKEND: 404,
  SY_NOT_FOUND: 404,
  SY_CONFLICT: 409,
  SY_POOL_NOT_ATTACHED: 409,
  SY_NOT_PROBED: 409,
  SY_LISTEN_FAILED: 409,
  SY_CONFIG_RESOLVE: 409,
  SY_NOT_RUNNING: 409,
  SY_PERSIST_FAILED: 500,
};

/** A refusal by the API itself, with the status it is answered with when the code's own would not fit (405, 413, 415). */
export class HttpError extends SwitchyardError {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, code: ErrorCode, message: string, opts: { details?: Readonly<Record<string, unknown>>; headers?: Readonly<Record<string, string>> } = {}) {
    super(code, message, opts.details === undefined ? {} : { details: opts.details });
    this.status = status;
    this.headers = opts.headers ?? {};
  }
}

export function badRequest(message: string, details?: Readonly<Record<string, unknown>>): HttpError {
  return new HttpError(400, 'SY_BAD_REQUEST', message, details === undefined ? {} : { details });
}

/** The HTTP status an error code is answered with (500 for any code not listed). */
export function statusForCode(code: ErrorCode): number {
  return STATUS_BY_CODE[code] ?? 500;
}

export interface ErrorAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: { readonly error: { readonly code: string; readonly message: string; readonly details: unknown } };
}

/** The answer for anything a handler threw. */
export function errorAnswer(err: unknown, log: Logger, context: Readonly<Record<string, unknown>>): ErrorAnswer {
  if (err instanceof HttpError) {
    return { status: err.status, headers: err.headers, body: { error: { code: err.code, message: err.message, details: redactSecrets(err.details ?? {}) } } };
  }
  if (isSwitchyardError(err) && STATUS_BY_CODE[err.code] !== undefined) {
    const status = statusForCode(err.code);
    if (status >= 500) log.error({ ...context, code: err.code, err }, 'admin request failed');
    return { status, headers: {}, body: { error: { code: err.code, message: String(redactSecrets(err.message)), details: redactSecrets(err.details ?? {}) } } };
  }
  log.error({ ...context, err }, 'admin request failed');
  return { status: 500, headers: {}, body: { error: { code: 'SY_INTERNAL', message: 'internal error (logged on the server)', details: {} } } };
}
