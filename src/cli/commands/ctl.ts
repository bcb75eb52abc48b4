/**
 * `switchyard ctl`: the admin API from the command line. Every subcommand, flag and help line is
 * generated from the admin command table; this file only sends the request and prints the
 * answer (tables for the status, the plan for a change, YAML for the rest; `--json` for tools).
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { SwitchyardError } from '../../core/errors.js';
import { commandHelp, commandList, commandTitle, findCommand, parseCommandLine } from '../../admin/command-line.js';
import { CONFIG_TEXT_PARAM, formatParamIssues, parseParams } from '../../admin/param-fields.js';
import { changeText, genericText, isChangeResult, statusText } from '../../admin/result-text.js';
import type { Command } from '../../admin/commands.js';
import type { StatusView } from '../../admin/control-plane.js';
import { EXIT, type CliIo } from '../io.js';

export const DEFAULT_ADMIN_URL = 'http://127.0.0.1:9000';
/** The server could not be reached (refused, unresolvable, timed out). */
export const EXIT_UNREACHABLE = 3;
const TIMEOUT_MS = 30_000;

const OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  'token-file': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function ctlUsage(): string {
  return `Usage: switchyard ctl COMMAND [ARGS] [--flags] [options]

Runs an admin operation on a running balancer through its admin API.

Commands:
${commandList('')}

Options:
  --url URL          the admin API (default: $SWITCHYARD_ADMIN_URL, else ${DEFAULT_ADMIN_URL})
  --token TOKEN      bearer token (default: $SWITCHYARD_TOKEN)
  --token-file FILE  read the bearer token from FILE
  --json             print the result as JSON
  -h, --help         this help; \`switchyard ctl COMMAND --help\` for one command

diff and apply read a YAML or JSON config file ("-" for stdin) and send its text.
For HTTPS with a private CA, set NODE_EXTRA_CA_CERTS=ca.pem.
Exit codes: 0 done, 1 the server refused (the reason is printed), 2 a usage mistake,
3 the server could not be reached.
`;
}

function usage(message: string): SwitchyardError {
  return new SwitchyardError('SY_CLI_USAGE', message);
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    throw usage(`${what}: cannot read "${file}" (${(err as { code?: string }).code ?? String(err)})`);
  }
}

function adminUrl(given: string | undefined, env: NodeJS.ProcessEnv): URL {
  const text = given ?? (env['SWITCHYARD_ADMIN_URL'] || DEFAULT_ADMIN_URL);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usage(`ctl: --url: "${text}" is not a URL (e.g. ${DEFAULT_ADMIN_URL})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usage(`ctl: --url: "${text}" must be http:// or https://`);
  return url;
}

function bearer(values: Record<string, unknown>, env: NodeJS.ProcessEnv): string | undefined {
  const given = values['token'];
  const file = values['token-file'];
  if (typeof given === 'string' && typeof file === 'string') throw usage('ctl: give --token or --token-file, not both');
  if (typeof given === 'string') return given;
  if (typeof file === 'string') {
    const token = readText(file, 'ctl: --token-file').trim();
    if (token === '') throw usage(`ctl: --token-file: "${file}" is empty`);
    return token;
  }
  return env['SWITCHYARD_TOKEN'] || undefined;
}

/** The request a command's checked-by-the-user parameters make. */
function request(base: URL, c: Command, params: Readonly<Record<string, unknown>>): { url: URL; body: string | undefined } {
  const rest = { ...params };
  const path = c.http.path.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => {
    const v = rest[name];
    delete rest[name];
    return encodeURIComponent(String(v));
  });
  const url = new URL(base.pathname.replace(/\/+$/, '') + path, base);
  if (c.http.method === 'GET' || c.http.method === 'DELETE') {
    for (const [k, v] of Object.entries(rest)) for (const item of Array.isArray(v) ? v : [v]) url.searchParams.append(k, String(item));
    return { url, body: undefined };
  }
  return { url, body: JSON.stringify(rest) };
}

interface Reply {
  readonly status: number;
  readonly type: string;
  readonly text: string;
}

class Unreachable extends Error {}

async function send(url: URL, method: string, token: string | undefined, body: string | undefined): Promise<Reply> {
  const headers: Record<string, string> = { accept: 'application/json, text/plain;q=0.9, */*;q=0.5' };
  if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  try {
    const res = await fetch(url, { method, headers, ...(body === undefined ? {} : { body }), signal: AbortSignal.timeout(TIMEOUT_MS), redirect: 'manual' });
    return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
  } catch (err) {
    const e = err as { name?: string; cause?: { code?: string; message?: string } };
    const why = e.name === 'TimeoutError' ? `no answer within ${TIMEOUT_MS / 1000}s` : (e.cause?.code ?? e.cause?.message ?? String(err));
    throw new Unreachable(`ctl: cannot reach the admin API at ${url.origin} (${why})`);
  }
}

interface ErrorBody {
  readonly error?: { readonly code?: string; readonly message?: string; readonly details?: { readonly issues?: readonly { readonly path?: string; readonly message?: string }[] } };
}

function refusal(reply: Reply): string {
  let body: ErrorBody | undefined;
  try {
    body = JSON.parse(reply.text) as ErrorBody;
  } catch {
    body = undefined;
  }
  const e = body?.error;
  if (e === undefined) return `ctl: HTTP ${reply.status}: ${reply.text.trim().split('\n')[0] ?? ''}\n`;
  const lines = [`ctl: ${e.code ?? `HTTP ${reply.status}`}: ${e.message ?? ''}`];
  for (const i of e.details?.issues ?? []) lines.push(`  ${i.path === undefined || i.path === '' ? '' : `${i.path}: `}${i.message ?? ''}`);
  if (e.code === 'SY_UNAUTHORIZED') lines.push('  (give --token, --token-file or set SWITCHYARD_TOKEN)');
  return `${lines.join('\n')}\n`;
}

async function configFileOf(base: URL, token: string | undefined): Promise<string | null | undefined> {
  try {
    const reply = await send(new URL(`${base.pathname.replace(/\/+$/, '')}/api/v1/status`, base), 'GET', token, undefined);
    if (reply.status !== 200) return undefined;
    return (JSON.parse(reply.text) as { result: StatusView }).result.configFile;
  } catch {
    return undefined;
  }
}

async function human(c: Command, result: unknown, base: URL, token: string | undefined): Promise<string> {
  if (c.name === 'status') return statusText(result as StatusView);
  if (isChangeResult(result)) {
    const applied = c.access === 'full';
    const configFile = applied && result.persisted === true ? await configFileOf(base, token) : undefined;
    return changeText(result, { applied, ...(configFile === undefined ? {} : { configFile }) });
  }
  if (typeof result === 'object' && result !== null && 'text' in result && typeof result.text === 'string' && 'file' in result) return result.text;
  return genericText(result);
}

export async function ctlCommand(argv: readonly string[], io: CliIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    const c = findCommand('ctl', argv, OPTIONS);
    io.out(c === undefined ? ctlUsage() : commandHelp('switchyard ctl', c));
    return EXIT.ok;
  }
  const line = parseCommandLine('ctl', argv, OPTIONS);
  const command = line.command;
  if (command === undefined) throw usage('ctl: name a command, e.g. `switchyard ctl status` (`switchyard ctl --help` lists them)');
  const title = commandTitle('ctl', command);
  const base = adminUrl(typeof line.options['url'] === 'string' ? line.options['url'] : undefined, env);
  const token = bearer(line.options, env);
  const params = { ...line.params };
  const file = params[CONFIG_TEXT_PARAM];
  if (Object.hasOwn(command.params.shape, CONFIG_TEXT_PARAM) && typeof file === 'string') params[CONFIG_TEXT_PARAM] = file === '-' ? readText('-', title) : await readFile(file, 'utf8').catch((err: unknown) => readFailure(title, file, err));
  const json = line.options['json'] === true;
  if (json && Object.hasOwn(command.params.shape, 'format') && params['format'] === undefined) params['format'] = 'json';
  const checked = parseParams(command.params, params);
  if (!checked.ok) throw usage(`${title}: ${formatParamIssues(checked.issues)}`);

  const { url, body } = request(base, command, params);
  let reply: Reply;
  try {
    reply = await send(url, command.http.method, token, body);
  } catch (err) {
    if (!(err instanceof Unreachable)) throw err;
    io.err(`${err.message}\n`);
    return EXIT_UNREACHABLE;
  }
  if (reply.status < 200 || reply.status >= 300) {
    io.err(refusal(reply));
    return EXIT.failed;
  }
  if (!reply.type.startsWith('application/json')) {
    io.out(reply.text.endsWith('\n') || reply.text === '' ? reply.text : `${reply.text}\n`);
    return EXIT.ok;
  }
  const result = (JSON.parse(reply.text) as { result: unknown }).result;
  io.out(json ? `${JSON.stringify(result, null, 2)}\n` : await human(command, result, base, token));
  return EXIT.ok;
}

function readFailure(title: string, file: string, err: unknown): never {
  throw usage(`${title}: cannot read "${file}" (${(err as { code?: string }).code ?? String(err)})`);
}
