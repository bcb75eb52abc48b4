/** `switchyard run -c FILE`: load, validate, start, and serve until a signal. */
import cluster from 'node:cluster';
import { conversionNotice, loadAnyConfigFile } from '../../config/import/load-any.js';
import { formatIssues } from '../../config/format-issues.js';
import { SwitchyardError } from '../../core/errors.js';
import { readFile } from 'node:fs/promises';
import { Balancer } from '../../runtime/balancer.js';
import { BalancerControl, readConfigText } from '../../runtime/control.js';
import { startAdmin, type AdminSurfaces } from '../../runtime/admin.js';
import { renderPrometheus } from '../../observability/metrics.js';
import { version } from '../../core/version.js';
import { createLogger, type LogLevel } from '../../observability/logger.js';
import { parseCommandArgs, stringOption } from '../args.js';
import { EXIT, type CliIo } from '../io.js';
import { serveUntilSignal } from '../serve.js';
import { runClusterPrimary, runClusterWorker } from './run-cluster.js';

export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export function logLevelOption(value: string | undefined, verbose: boolean): LogLevel | undefined {
  if (value === undefined) return verbose ? 'debug' : undefined;
  if (!(LOG_LEVELS as readonly string[]).includes(value)) {
    throw new SwitchyardError('SY_CLI_USAGE', `--log-level: must be one of ${LOG_LEVELS.join(', ')}, got "${value}"`);
  }
  return value as LogLevel;
}

export async function runCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'run',
    argv,
    { config: { type: 'string', short: 'c' }, 'log-level': { type: 'string' }, verbose: { type: 'boolean', short: 'v' } },
    1,
  );
  const file = stringOption(values, 'config') ?? positionals[0];
  const level = logLevelOption(stringOption(values, 'log-level'), values.verbose === true);
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
  const { input } = readConfigText(await readFile(file, 'utf8'), file);
  if (result.config.workers > 1) return runClusterPrimary({ file, input, config: result.config, log });
  const balancer = new Balancer(result.config, { logger: log });
  const control = new BalancerControl(balancer, { input, file, version: version(), metrics: () => renderPrometheus(balancer.snapshot(), { version: version() }) });
  log.info({ event: 'start', config: file, pid: process.pid, node: process.version }, `switchyard starting with ${file}`);
  let admin: AdminSurfaces | undefined;
  const started = (async () => {
    await balancer.start();
    const spec = balancer.config.admin;
    if (spec) admin = await startAdmin(spec, control, log, () => balancer.config.admin);
  })();
  const serving = serveUntilSignal(balancer, log, started, async () => {
    process.removeListener('SIGHUP', onHangup);
    await admin?.close();
  });
  // SIGHUP reloads the config file: a file with any problem is refused whole and the running config stays.
  function onHangup(): void {
    log.info({ event: 'reload-requested', signal: 'SIGHUP' }, `SIGHUP: reloading ${file}`);
    control.reload().then(
      (r) => log.info({ event: 'reload', changes: r.changes.map((c) => c.summary) }, `reloaded ${file}: ${r.plan.split('\n').at(-1) ?? ''}`),
      (err: unknown) => {
        const issues = (err as { details?: { issues?: unknown } }).details?.issues;
        log.error({ event: 'reload-refused', issues, err: err instanceof Error ? err.message : String(err) }, `reload of ${file} refused; the running configuration is kept`);
      },
    );
  }
  process.on('SIGHUP', onHangup);
  try {
    await started;
  } catch (err) {
    process.removeListener('SIGHUP', onHangup);
    serving.dispose();
    await balancer.stop({ drainTimeoutMs: 0 });
    throw err;
  }
  return serving.done;
}
