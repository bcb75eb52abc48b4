/**
 * `switchyard loadtest URL`: drives HTTP/1.1 load at a server (or at Switchyard in front of
 * backends) and prints requests/s, latency percentiles, status codes, errors by kind and how
 * many responses each backend gave.
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { SwitchyardError } from '../../core/errors.js';
import { ProgressReporter } from '../../loadtest/progress.js';
import { startLoadtest } from '../../loadtest/run.js';
import { resolveSettings, type LoadtestSettings } from '../../loadtest/settings.js';
import { formatSummary } from '../../loadtest/summary.js';
import { parseCommandArgs, stringOption } from '../args.js';
import { EXIT, processIo, type CliIo } from '../io.js';

export const LOADTEST_USAGE = `Usage: switchyard loadtest [options] http://HOST:PORT/PATH

Sends HTTP/1.1 requests over -c connections and prints requests/s, latency percentiles,
counts per status code, errors by kind, and how many responses each backend gave.

Options:
  -n, --requests N        stop after N requests
  -d, --duration T        stop after T ("10s", "2m"; a bare number is seconds; at most 1h)
                          (default: 10s when neither -n nor -d is given; both: whichever comes first)
  -c, --connections N     connections, 1 to 10,000 (default 10)
  --rate N                open model: send N requests/s on a fixed schedule; latency counts from
                          each request's scheduled time, so a stalled server cannot hide it
  --path P                request this path instead of the URL's
  -m, --method M          request method (default GET, or POST with a body)
  -H, --header "N: V"     add a header (repeatable)
  --body TEXT             send TEXT as the body
  --body-file FILE        send the file's contents as the body
  --keep-alive            reuse connections (default)
  --no-keep-alive         a new connection for every request
  --timeout T             most time for one request (default 10s)
  --backend-header NAME   the response header naming the backend (default x-backend)
  -o, --output FILE       write the full result as JSON to FILE
  --json                  print the result as JSON on stdout (progress stays on stderr)
  -h, --help              print this help

Exit codes: 0 the run got responses, 1 it got none, 2 a usage mistake.
`;

const OPTIONS = {
  requests: { type: 'string', short: 'n' },
  duration: { type: 'string', short: 'd' },
  connections: { type: 'string', short: 'c' },
  rate: { type: 'string' },
  path: { type: 'string' },
  method: { type: 'string', short: 'm' },
  header: { type: 'string', short: 'H', multiple: true },
  body: { type: 'string' },
  'body-file': { type: 'string' },
  'keep-alive': { type: 'boolean' },
  'no-keep-alive': { type: 'boolean' },
  timeout: { type: 'string' },
  'backend-header': { type: 'string' },
  output: { type: 'string', short: 'o' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function usage(message: string): SwitchyardError {
  return new SwitchyardError('SY_CLI_USAGE', `loadtest: ${message}`);
}

function readBody(text: string | undefined, file: string | undefined): Buffer | undefined {
  if (text !== undefined && file !== undefined) throw usage('give --body or --body-file, not both');
  if (text !== undefined) return Buffer.from(text, 'utf8');
  if (file === undefined) return undefined;
  try {
    return readFileSync(file);
  } catch (err) {
    throw usage(`--body-file: cannot read "${file}" (${(err as { code?: string }).code ?? String(err)})`);
  }
}

function openOutput(file: string | undefined): number | undefined {
  if (file === undefined) return undefined;
  try {
    return openSync(file, 'w');
  } catch (err) {
    throw usage(`-o/--output: cannot write "${file}" (${(err as { code?: string }).code ?? String(err)})`);
  }
}

function describe(s: LoadtestSettings): string {
  const bound = [s.requests === undefined ? '' : `${s.requests} requests`, s.durationMs === undefined ? '' : `${s.durationMs / 1000}s`].filter(Boolean).join(' or ');
  const rate = s.rate === undefined ? '' : ` at ${s.rate} req/s`;
  return `loadtest: ${s.method} ${s.url} with ${s.connections} connection${s.connections === 1 ? '' : 's'} for ${bound}${rate}\n`;
}

export async function loadtestCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('loadtest', argv, OPTIONS, 1);
  if (values.help === true) {
    io.out(LOADTEST_USAGE);
    return EXIT.ok;
  }
  if (values['keep-alive'] === true && values['no-keep-alive'] === true) throw usage('give --keep-alive or --no-keep-alive, not both');
  const headers = (values as Record<string, unknown>).header;
  const settings = resolveSettings({
    url: positionals[0],
    requests: stringOption(values, 'requests'),
    duration: stringOption(values, 'duration'),
    connections: stringOption(values, 'connections'),
    rate: stringOption(values, 'rate'),
    path: stringOption(values, 'path'),
    method: stringOption(values, 'method'),
    headers: Array.isArray(headers) ? headers.filter((h): h is string => typeof h === 'string') : undefined,
    body: readBody(stringOption(values, 'body'), stringOption(values, 'body-file')),
    keepAlive: values['no-keep-alive'] !== true,
    timeout: stringOption(values, 'timeout'),
    backendHeader: stringOption(values, 'backend-header'),
  });
  const outputFile = stringOption(values, 'output');
  const output = openOutput(outputFile);
  try {
    const run = await startLoadtest(settings);
    io.err(describe(settings));
    const tty = io === processIo && process.stderr.isTTY === true;
    const progress = new ProgressReporter(() => run.progress(), (t) => io.err(t), tty, settings);
    const stop = (): void => run.stop();
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    const result = await run.done.finally(() => {
      progress.stop();
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    });
    const json = `${JSON.stringify(result, null, 2)}\n`;
    if (output !== undefined) writeSync(output, json);
    if (values.json === true) io.out(json);
    else io.out(formatSummary(result));
    if (outputFile !== undefined) io.err(`loadtest: result written to ${outputFile}\n`);
    return result.summary.responses > 0 ? EXIT.ok : EXIT.failed;
  } finally {
    if (output !== undefined) closeSync(output);
  }
}
