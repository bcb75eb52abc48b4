/**
 * Argument parsing for `switchyard demo-backend`. Pure: no I/O, never throws; every mistake
 * comes back as one message that names the flag and the value given.
 */
import { parseDuration } from '../core/units.js';
import type { DemoBackendOptions } from './demo-backend.js';

export type DemoBackendArgs =
  | { ok: true; help: false; options: DemoBackendOptions }
  | { ok: true; help: true; usage: string }
  | { ok: false; error: string };

export const DEMO_BACKEND_USAGE = `Usage: switchyard demo-backend --port N [options]

Starts a small HTTP server to put behind Switchyard. GET /health answers {"status":"ok"};
any other path answers the backend's name (JSON echo with ?format=json).

Options:
  --port N          port to listen on, 0 to 65535 (0 = any free port; required)
  --name S          name answered in every response (default backend-<port>)
  --host H          address to listen on (default 127.0.0.1)
  --latency MS      delay before every response, in milliseconds (default 0)
  --jitter MS       extra random delay of 0..MS milliseconds (default 0)
  --fail-rate F     share of requests answered 500, from 0 to 1 (default 0; not /health)
  --help            print this help
`;

const FLAGS = ['--port', '--name', '--host', '--latency', '--jitter', '--fail-rate'] as const;
type Flag = (typeof FLAGS)[number];

function isFlag(s: string): s is Flag {
  return (FLAGS as readonly string[]).includes(s);
}

const INTEGER_RE = /^\d+$/;
const FRACTION_RE = /^(?:\d+(?:\.\d*)?|\.\d+)$/;

function parsePort(value: string): number | string {
  const n = Number(value);
  if (!INTEGER_RE.test(value) || n > 65535) return `--port: must be an integer from 0 to 65535, got "${value}"`;
  return n;
}

/** Milliseconds: a plain number ("250") or a duration ("250ms", "1.5s"). */
function parseMs(flag: Flag, value: string): number | string {
  if (FRACTION_RE.test(value)) return Number(value);
  const d = parseDuration(value);
  if (d.ok) return d.value;
  return `${flag}: must be a non-negative number of milliseconds, got "${value}"`;
}

function parseFailRate(value: string): number | string {
  const n = Number(value);
  if (!FRACTION_RE.test(value) || n > 1) return `--fail-rate: must be a number from 0 to 1, got "${value}"`;
  return n;
}

export function parseDemoBackendArgs(argv: readonly string[]): DemoBackendArgs {
  const given = new Map<Flag, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') return { ok: true, help: true, usage: DEMO_BACKEND_USAGE };
    if (!arg.startsWith('-')) return { ok: false, error: `unexpected argument "${arg}"` };
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    if (!isFlag(flag)) return { ok: false, error: `unknown option "${flag}"` };
    let value: string | undefined;
    if (eq !== -1) {
      value = arg.slice(eq + 1);
    } else {
      value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) return { ok: false, error: `${flag}: missing value` };
      i++;
    }
    if (given.has(flag)) return { ok: false, error: `${flag}: given more than once` };
    given.set(flag, value);
  }

  const portArg = given.get('--port');
  if (portArg === undefined) return { ok: false, error: 'missing required option "--port"' };
  const port = parsePort(portArg);
  if (typeof port === 'string') return { ok: false, error: port };

  const name = given.get('--name') ?? `backend-${port}`;
  if (name.length === 0) return { ok: false, error: '--name: must not be empty' };
  const options: DemoBackendOptions = { port, name };

  const host = given.get('--host');
  if (host !== undefined) {
    if (host.length === 0) return { ok: false, error: '--host: must not be empty' };
    options.host = host;
  }
  const latency = given.get('--latency');
  if (latency !== undefined) {
    const ms = parseMs('--latency', latency);
    if (typeof ms === 'string') return { ok: false, error: ms };
    options.latencyMs = ms;
  }
  const jitter = given.get('--jitter');
  if (jitter !== undefined) {
    const ms = parseMs('--jitter', jitter);
    if (typeof ms === 'string') return { ok: false, error: ms };
    options.latencyJitterMs = ms;
  }
  const failRate = given.get('--fail-rate');
  if (failRate !== undefined) {
    const rate = parseFailRate(failRate);
    if (typeof rate === 'string') return { ok: false, error: rate };
    options.failRate = rate;
  }
  return { ok: true, help: false, options };
}
