/**
 * The `switchyard` command. Dispatches to a subcommand and turns every user mistake into
 * one clear line on stderr and an exit code; no stack trace unless it is a real fault.
 *
 * A subcommand's module is loaded when it runs: `run` (and each worker process) does not carry
 * the load tester, the simulator or the config converters in its heap.
 */
import { version } from '../core/version.js';
import { isSwitchyardError } from '../core/errors.js';
import { EXIT, processIo, type CliIo } from './io.js';

export const USAGE = `Usage: switchyard <command> [options]

Commands:
  run -c FILE          Start the balancer with a YAML or JSON config
                         --log-level LEVEL   trace, debug, info, warn, error, fatal or silent
                         -v, --verbose       same as --log-level debug
                         --watch             reload the config file when it changes
                         --watch-interval T  how often to look at it (default 1s)
  check -c FILE        Validate a config: every problem with file:line:column, exit 1 if any
  import FILE [-o OUT] Convert a txLoadBalancer, PythonDirector, PumpkinLB or mini-load-balancer config
  schema               Print the config's JSON Schema (switchyard schema > switchyard.schema.json)
  demo                 Three demo backends, a balancer on 127.0.0.1:8080 and the dashboard on :9000
                         (--port, --admin-port, --policy)
  demo-backend         A small HTTP test backend (--port, --name, --latency, --fail-rate; --help)
  loadtest URL         Load-test an HTTP server: requests/s, latency percentiles, statuses, backends
                         (-n N or -d 10s, -c 10, --rate N, -H, --body, -o FILE, --json; --help)
  simulate             Compare every policy's tail latency and load share on a simulated workload
                         (--backends, --latency, --slow I:F, --failing I:R, --policies; --help)
  ctl COMMAND ...      Manage a running balancer through its admin API: status, backend drain,
                         pool create, diff/apply FILE, … (--url, --token; ctl --help lists them)
  token                Make an admin API token and its config entry (--name, --access)
  version              Print the version
  help                 Print this help

Signals: SIGTERM or SIGINT drains open connections (up to timeouts.drain), a second one exits at once;
SIGHUP reloads the config file; SIGUSR2 restarts the worker processes one by one (workers > 1).
`;

export { version };

export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'run':
        return await (await import('./commands/run.js')).runCommand(rest, io);
      case 'check':
        return await (await import('./commands/check.js')).checkCommand(rest, io);
      case 'import':
        return await (await import('./commands/import.js')).importCommand(rest, io);
      case 'schema':
        return (await import('./commands/schema.js')).schemaCommand(rest, io);
      case 'demo':
        return await (await import('./commands/demo.js')).demoCommand(rest, io);
      case 'demo-backend':
        return await (await import('./commands/demo.js')).demoBackendCommand(rest, io);
      case 'loadtest':
        return await (await import('./commands/loadtest.js')).loadtestCommand(rest, io);
      case 'simulate':
        return await (await import('./commands/simulate.js')).simulateCommand(rest, io);
      case 'ctl':
        return await (await import('./commands/ctl.js')).ctlCommand(rest, io);
      case 'token':
        return (await import('./commands/token.js')).tokenCommand(rest, io);
      case 'version':
      case '--version':
      case '-V':
        io.out(`switchyard ${version()}\n`);
        return EXIT.ok;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE);
        return EXIT.ok;
      default:
        io.err(`switchyard: unknown command "${command}"\n\n${USAGE}`);
        return EXIT.usage;
    }
  } catch (err) {
    if (isSwitchyardError(err)) {
      io.err(`switchyard: ${err.message}\n`);
      if (err.code === 'SY_CLI_USAGE') {
        io.err(`Run 'switchyard help' for usage.\n`);
        return EXIT.usage;
      }
      return EXIT.failed;
    }
    throw err;
  }
}
