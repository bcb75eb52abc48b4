/** The structured logger: JSON lines (pino), pretty-printed when writing to a terminal. */
import { createRequire } from 'node:module';
import { pino, type Logger, type DestinationStream } from 'pino';
import type * as PinoPrettyModule from 'pino-pretty';

/** pino-pretty, loaded only for a terminal (a service's heap is kept small). */
function pinoPretty(): typeof PinoPrettyModule.PinoPretty {
  return (createRequire(import.meta.url)('pino-pretty') as typeof PinoPrettyModule).PinoPretty;
}

export type { Logger };
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export interface LoggerOptions {
  readonly level: LogLevel;
  /** Pretty output; defaults to true when stdout is a TTY. */
  readonly pretty?: boolean;
  /** Where to write; defaults to stdout. */
  readonly destination?: DestinationStream;
}

export function createLogger(opts: LoggerOptions): Logger {
  const base = { level: opts.level, base: { app: 'switchyard' }, timestamp: pino.stdTimeFunctions.isoTime };
  const pretty = opts.pretty ?? (opts.destination === undefined && process.stdout.isTTY === true);
  if (pretty) return pino(base, pinoPretty()({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,app' }));
  return pino(base, opts.destination ?? pino.destination({ fd: 1, sync: false }));
}

/** A logger that writes nothing (library default). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
