/**
 * Every error Switchyard raises on purpose is a SwitchyardError with a stable `code`.
 * Callers branch on `code`, never on `message`. The table below is the one list of codes:
 * docs/error-codes.md is generated from it and a test keeps the two in step.
 */

export type ErrorSource = 'config' | 'cli' | 'upstream' | 'downstream' | 'listener' | 'runtime' | 'internal';

interface ErrorCodeInfo {
  readonly source: ErrorSource;
  readonly retryable: boolean;
  readonly description: string;
}

export const ERROR_CODES = {
  SY_CONFIG_INVALID: {
    source: 'config',
    retryable: false,
    description: 'The configuration has one or more problems; `issues` lists each with its file, line, column and field path.',
  },
  SY_CONFIG_RESOLVE: {
    source: 'config',
    retryable: true,
    description: 'A backend host name could not be resolved when the configuration was loaded.',
  },
  SY_CLI_USAGE: {
    source: 'cli',
    retryable: false,
    description: 'A command-line argument is unknown, missing or malformed.',
  },
  SY_LISTEN_FAILED: {
    source: 'listener',
    retryable: false,
    description: 'A listener could not bind its address (in use, not permitted, or not available on this host).',
  },
  SY_ACCESS_LOG_OPEN: {
    source: 'runtime',
    retryable: false,
    description: 'An HTTP listener\'s access log file could not be opened.',
  },
  SY_ALREADY_RUNNING: {
    source: 'runtime',
    retryable: false,
    description: 'start() was called on a balancer that is already started.',
  },
  SY_UNKNOWN_POOL: {
    source: 'runtime',
    retryable: false,
    description: 'A runtime operation named a pool that does not exist.',
  },
  SY_UNKNOWN_LISTENER: {
    source: 'runtime',
    retryable: false,
    description: 'A runtime operation named a listener that does not exist.',
  },
  SY_POOL_NOT_ATTACHED: {
    source: 'runtime',
    retryable: false,
    description: 'A listener was asked to make active a pool that is not among its pools.',
  },
  SY_NOT_RUNNING: {
    source: 'runtime',
    retryable: false,
    description: 'A configuration change was asked of a balancer that is stopping or stopped.',
  },
  SY_CONFLICT: {
    source: 'runtime',
    retryable: false,
    description: 'A runtime operation conflicts with the running state: the name exists already, the pool is in use, or it would take out the last eligible backend of a pool in use (unless forced).',
  },
  SY_BAD_REQUEST: {
    source: 'runtime',
    retryable: false,
    description: 'An admin request is malformed or a parameter is invalid; the message names the field.',
  },
  SY_NOT_FOUND: {
    source: 'runtime',
    retryable: false,
    description: 'An admin request named a route or an item that does not exist.',
  },
  SY_UNAUTHORIZED: {
    source: 'runtime',
    retryable: false,
    description: 'An admin request has no bearer token, or one that belongs to no user.',
  },
  SY_FORBIDDEN: {
    source: 'runtime',
    retryable: false,
    description: 'An admin request was refused: a readonly user asked for a change, or it came from another site.',
  },
  SY_INTERNAL: {
    source: 'internal',
    retryable: false,
    description: 'The admin API met an unexpected fault; the details are in the server\'s log, never in the answer.',
  },
  SY_UNKNOWN_BACKEND: {
    source: 'runtime',
    retryable: false,
    description: 'A runtime operation named a backend that is not in the given pool.',
  },
  SY_NOT_PROBED: {
    source: 'runtime',
    retryable: false,
    description: 'A re-check was asked of a backend that has no active probe (none configured, or it is in maintenance).',
  },
  SY_PERSIST_FAILED: {
    source: 'runtime',
    retryable: false,
    description: 'A configuration change could not be written back to its file (the file is left as it was).',
  },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface SwitchyardErrorOptions {
  readonly cause?: unknown;
  readonly details?: Readonly<Record<string, unknown>>;
}

export class SwitchyardError extends Error {
  readonly code: ErrorCode;
  readonly source: ErrorSource;
  readonly retryable: boolean;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, options: SwitchyardErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SwitchyardError';
    this.code = code;
    const info: ErrorCodeInfo = ERROR_CODES[code];
    this.source = info.source;
    this.retryable = info.retryable;
    this.details = options.details;
  }
}

export function isSwitchyardError(err: unknown): err is SwitchyardError {
  return err instanceof SwitchyardError;
}
