/** `switchyard run -c FILE`: load, validate, start, and serve until a signal. */
import cluster from 'node:cluster';
import { conversionNotice, loadAnyConfigFile } from '../../config/import/load-any.js';
import { formatIssues } from '../../config/format-issues.js';
import { SwitchyardError } from '../../core/errors.js';
import { parseDuration } from '../../core/units.js';
import { Balancer } from '../../runtime/balancer.js';
import { readConfigText } from '../../runtime/control.js';
import { serveControlled } from '../serve-controlled.js';
import { createLogger, type LogLevel } from '../../observability/logger.js';
import { parseCommandArgs, stringOption } from '../args.js';
import { EXIT, type CliIo } from '../io.js';
import { runClusterPrimary, runClusterWorker } from './run-cluster.js';

export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export function logLevelOption(value: string | undefined, verbose: boolean): LogLevel | undefined {
  if (value === undefined) return verbose ? 'debug' : undefined;
  if (!(LOG_LEVELS as readonly string[]).includes(value)) {
    throw new SwitchyardError('SY_CLI_USAGE', `--log-level: must be one of ${LOG_LEVELS.join(', ')}, got "${value}"`);
  }
  return value as LogLevel;
}

/** How often `--watch` looks at the config file when `--watch-interval` is not given. */
export const DEFAULT_WATCH_INTERVAL_MS = 1000;

/** `--watch` and `--watch-interval`: the polling interval in ms, or undefined when not watching. */
export function watchOption(watch: boolean, interval: string | undefined): number | undefined {
  if (interval === undefined) return watch ? DEFAULT_WATCH_INTERVAL_MS : undefined;
  const d = parseDuration(interval);
  if (!d.ok) throw new SwitchyardError('SY_CLI_USAGE', `--watch-interval: ${d.reason}`);
  if (d.value < 10 || d.value > 3_600_000) throw new SwitchyardError('SY_CLI_USAGE', `--watch-interval: must be from 10ms to 1h, got "${interval}"`);
  return d.value;
}

export async function runCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'run',
    argv,
    {
      config: { type: 'string', short: 'c' },
      'log-level': { type: 'string' },
      verbose: { type: 'boolean', short: 'v' },
      watch: { type: 'boolean' },
      'watch-interval': { type: 'string' },
    },
    1,
  );
  const file = stringOption(values, 'config') ?? positionals[0];
  const level = logLevelOption(stringOption(values, 'log-level'), values.verbose === true);
  const watchIntervalMs = watchOption(values.watch === true, stringOption(values, 'watch-interval'));
  // A worker of a primary (workers > 1): node:cluster started it with the same command line.
  if (!cluster.isPrimary) return runClusterWorker(level);
  if (file === undefined) {
    throw new SwitchyardError('SY_CLI_USAGE', 'run: no config given. Use: switchyard run -c FILE (or `switchyard demo` to try it)');
  }
  const result = await loadAnyConfigFile(file);
  const notice = conversionNotice(file, result);
  if (notice !== undefined) io.err(`${notice}\n`);
  if (!result.ok) {
    io.err(`${formatIssues(result.issues)}\n${file}: ${result.issues.length} problem${result.issues.length === 1 ? '' : 's'}; not started\n`);
    return EXIT.failed;
  }
  const log = createLogger({ level: level ?? result.config.logLevel });
  // The text that was validated (read once), in its object form for the control plane's edits.
  const text = result.text;
  const { input } = readConfigText(text, file);
  const serve = { file, text, input, log, watchIntervalMs };
  if (result.config.workers > 1) return runClusterPrimary({ ...serve, config: result.config });
  log.info({ event: 'start', config: file, pid: process.pid, node: process.version }, `switchyard starting with ${file}`);
  return serveControlled(new Balancer(result.config, { logger: log }), serve);
}
