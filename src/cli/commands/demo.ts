/**
 * `switchyard demo` (what `npm start` runs): three demo backends and a balancer in front of
 * them on built-in defaults, then prints what to curl.
 */
import { startDemoBackend, type DemoBackend } from '../../demo/demo-backend.js';
import { parseDemoBackendArgs, DEMO_BACKEND_USAGE } from '../../demo/demo-backend-cli.js';
import { validateConfig } from '../../config/validate.js';
import { formatIssues } from '../../config/format-issues.js';
import { SwitchyardError } from '../../core/errors.js';
import { Balancer } from '../../runtime/balancer.js';
import { BalancerControl } from '../../runtime/control.js';
import { startAdmin, type AdminSurfaces } from '../../runtime/admin.js';
import { renderPrometheus } from '../../observability/metrics.js';
import { version } from '../../core/version.js';
import type { AdminSpec } from '../../config/model.js';
import { createLogger } from '../../observability/logger.js';
import { parseCommandArgs, stringOption } from '../args.js';
import { logLevelOption } from './run.js';
import { EXIT, type CliIo } from '../io.js';
import { serveUntilSignal } from '../serve.js';

export async function demoCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs('demo', argv, {
    port: { type: 'string', short: 'p' },
    'admin-port': { type: 'string' },
    policy: { type: 'string' },
    'log-level': { type: 'string' },
    verbose: { type: 'boolean', short: 'v' },
  });
  const portText = stringOption(values, 'port') ?? '8080';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new SwitchyardError('SY_CLI_USAGE', `--port: must be 0–65535, got "${portText}"`);
  const adminText = stringOption(values, 'admin-port') ?? '9000';
  const adminPort = Number(adminText);
  if (!/^\d+$/.test(adminText) || adminPort > 65535) throw new SwitchyardError('SY_CLI_USAGE', `--admin-port: must be 0–65535, got "${adminText}"`);
  const level = logLevelOption(stringOption(values, 'log-level'), values.verbose === true) ?? 'info';
  const log = createLogger({ level });

  const backends: DemoBackend[] = [];
  const closeBackends = async (): Promise<void> => {
    await Promise.all(backends.map((b) => b.close()));
  };
  for (let i = 1; i <= 3; i++) backends.push(await startDemoBackend({ port: 0, host: '127.0.0.1', name: `backend-${i}` }));
  const input = {
    listeners: { demo: { bind: `127.0.0.1:${port}`, pool: 'demo' } },
    pools: { demo: { policy: stringOption(values, 'policy') ?? 'round-robin', backends: backends.map((b) => `127.0.0.1:${b.port}`) } },
    timeouts: { drain: '2s' },
    // Loopback only, so it needs no token.
    admin: { bind: `127.0.0.1:${adminPort}` },
  };
  const config = validateConfig(input);
  if (!config.ok) {
    await closeBackends();
    throw new SwitchyardError('SY_CLI_USAGE', `demo: ${formatIssues(config.issues)}`);
  }
  const balancer = new Balancer(config.config, { logger: log });
  const control = new BalancerControl(balancer, { input, version: version(), metrics: () => renderPrometheus(balancer.snapshot(), { version: version() }) });
  let admin: AdminSurfaces | undefined;
  const started = (async () => {
    await balancer.start();
    admin = await startAdmin(config.config.admin as AdminSpec, control, log, () => balancer.config.admin);
  })();
  const serving = serveUntilSignal(balancer, log, started, async () => {
    await admin?.close();
    await closeBackends();
  });
  try {
    await started;
  } catch (err) {
    serving.dispose();
    await balancer.stop({ drainTimeoutMs: 0 });
    await closeBackends();
    throw err;
  }
  const bound = balancer.addresses('demo')[0];
  const url = `http://127.0.0.1:${bound?.port ?? port}/`;
  io.out(
    [
      '',
      `Switchyard demo: a TCP balancer on ${url} in front of 3 demo backends (${config.config.pools[0]?.policy ?? ''}):`,
      ...backends.map((b) => `  ${b.name} on 127.0.0.1:${b.port}`),
      '',
      'Try:',
      `  curl ${url}          # answers backend-1, backend-2, backend-3 in turn`,
      `  for i in 1 2 3 4 5 6; do curl -s ${url}; done`,
      '',
      `Dashboard: ${admin?.url ?? ''}/   (admin API: switchyard ctl --url ${admin?.url ?? ''} status)`,
      '',
      'Ctrl-C stops it.',
      '',
    ].join('\n'),
  );
  return serving.done;
}

export async function demoBackendCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseDemoBackendArgs(argv);
  if (!parsed.ok) throw new SwitchyardError('SY_CLI_USAGE', `demo-backend: ${parsed.error}`);
  if (parsed.help) {
    io.out(DEMO_BACKEND_USAGE);
    return EXIT.ok;
  }
  const backend = await startDemoBackend(parsed.options);
  io.out(`demo backend "${backend.name}" listening on http://${backend.host}:${backend.port}/\n`);
  return new Promise((resolve) => {
    const stop = (): void => {
      process.removeListener('SIGTERM', stop);
      process.removeListener('SIGINT', stop);
      backend.close().then(
        () => resolve(EXIT.ok),
        () => resolve(EXIT.failed),
      );
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
