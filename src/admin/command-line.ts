/**
 * Admin commands as command lines, generated from the command table: `backend drain POOL
 * BACKEND [--force]`. Finds the command by its words, takes its positional parameters in order
 * and one `--flag` per parameter (booleans bare, lists repeated), and writes each command's
 * usage and help. The values are raw: the command's schema checks them.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { SwitchyardError } from '../core/errors.js';
import { didYouMean } from '../config/format-issues.js';
import { COMMANDS, commandForWords, type Command } from './commands.js';
import { paramFields, valueFromTexts, type ParamField } from './param-fields.js';

type Options = NonNullable<ParseArgsConfig['options']>;
type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface CommandLine {
  /** The command the words name, or undefined when there were no words. */
  readonly command: Command | undefined;
  /** Its parameters as given (positionals and flags, coerced from text as the schema's types say), not yet checked. */
  readonly params: Record<string, unknown>;
  /** Values of the caller's own options. */
  readonly options: Values;
}

function usage(message: string): SwitchyardError {
  return new SwitchyardError('SY_CLI_USAGE', message);
}

function isFlagOnly(f: ParamField): boolean {
  return f.kinds.size === 1 && f.kinds.has('boolean');
}

function argReason(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const msg = (e.message ?? String(err)).split('\n')[0] ?? '';
  const quoted = /'([^']+)'/.exec(msg)?.[1];
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option "${quoted ?? msg}"`;
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && quoted !== undefined) {
    const flag = quoted.split(' ')[0] ?? quoted;
    return msg.includes('does not take an argument') ? `option "${flag}" takes no value` : `option "${flag}" needs a value`;
  }
  return msg;
}

function parse(argv: readonly string[], options: Options, strict: boolean): { values: Values; positionals: string[] } {
  const r = parseArgs({ args: [...argv], options, allowPositionals: true, strict });
  return { values: r.values, positionals: r.positionals };
}

/** The flags of a command's parameters. */
function commandOptions(c: Command): Options {
  const out: Options = {};
  for (const f of paramFields(c.params)) out[f.name] = isFlagOnly(f) ? { type: 'boolean' } : { type: 'string', multiple: true };
  return out;
}

/** "ctl backend drain", for messages. */
export function commandTitle(prefix: string, c: Command): string {
  return [prefix, ...c.cli.words].join(' ');
}

/** The command the words of `argv` name (undefined when there are none), without checking its arguments. */
export function findCommand(prefix: string, argv: readonly string[], options: Options): Command | undefined {
  let first: { values: Values; positionals: string[] };
  try {
    first = parse(argv, options, false);
  } catch (err) {
    throw usage(`${prefix}: ${argReason(err)}`);
  }
  if (first.positionals.length === 0) return undefined;
  const found = commandForWords(first.positionals);
  if (found === undefined) {
    const words = first.positionals.slice(0, 2).join(' ');
    const known = COMMANDS.map((c) => c.cli.words.join(' '));
    const hit = didYouMean(words, known) ?? didYouMean(first.positionals[0] ?? '', known);
    throw usage(`${prefix}: unknown command "${words}"${hit === undefined ? '' : ` (did you mean "${hit}"?)`}; \`switchyard ${prefix} --help\` lists them`);
  }
  return found.command;
}

/**
 * Parses `argv` for `prefix` (e.g. "ctl"): the caller's `options` anywhere, then the command's
 * words, positionals and flags. A mistake throws SY_CLI_USAGE naming it.
 */
export function parseCommandLine(prefix: string, argv: readonly string[], options: Options): CommandLine {
  const command = findCommand(prefix, argv, options);
  if (command === undefined) {
    try {
      return { command: undefined, params: {}, options: parse(argv, options, true).values };
    } catch (err) {
      throw usage(`${prefix}: ${argReason(err)}`);
    }
  }
  const title = commandTitle(prefix, command);
  const fields = paramFields(command.params);
  let second: { values: Values; positionals: string[] };
  try {
    second = parse(argv, { ...commandOptions(command), ...options }, true);
  } catch (err) {
    throw usage(`${title}: ${argReason(err)} (usage: switchyard ${prefix} ${commandUsage(command)})`);
  }
  const rest = second.positionals.slice(command.cli.words.length);
  const positional = command.cli.positional;
  if (rest.length > positional.length) throw usage(`${title}: unexpected argument "${rest[positional.length] ?? ''}" (usage: switchyard ${prefix} ${commandUsage(command)})`);
  const params: Record<string, unknown> = {};
  positional.forEach((name, i) => {
    const value = rest[i];
    const field = fields.find((f) => f.name === name);
    if (value === undefined || field === undefined) return;
    if (second.values[name] !== undefined) throw usage(`${title}: ${name} is given twice (as an argument and as --${name})`);
    params[name] = valueFromTexts(field, [value]);
  });
  const missing = positional.filter((name) => params[name] === undefined && second.values[name] === undefined && fields.find((f) => f.name === name)?.required === true);
  if (missing.length > 0) throw usage(`${title}: missing ${missing.map((m) => m.toUpperCase()).join(' ')} (usage: switchyard ${prefix} ${commandUsage(command)})`);
  for (const f of fields) {
    const v = second.values[f.name];
    if (v === undefined) continue;
    params[f.name] = typeof v === 'boolean' ? v : valueFromTexts(f, (Array.isArray(v) ? v : [v]).map(String));
  }
  const own: Values = {};
  for (const key of Object.keys(options)) own[key] = second.values[key];
  return { command, params, options: own };
}

function flagUsage(f: ParamField): string {
  if (isFlagOnly(f)) return `--${f.name}`;
  const value = f.choices !== undefined && f.choices.length <= 4 ? f.choices.join('|') : f.name.toUpperCase();
  return `--${f.name} ${value}${f.kinds.has('array') ? ' …' : ''}`;
}

/** "backend drain POOL BACKEND [--force]" */
export function commandUsage(c: Command): string {
  const fields = paramFields(c.params);
  const parts = [...c.cli.words];
  for (const name of c.cli.positional) {
    const f = fields.find((x) => x.name === name);
    parts.push(f?.required === false ? `[${name.toUpperCase()}]` : name.toUpperCase());
  }
  for (const f of fields) {
    if (c.cli.positional.includes(f.name)) continue;
    parts.push(f.required ? flagUsage(f) : `[${flagUsage(f)}]`);
  }
  return parts.join(' ');
}

/** Every command, one per line with its summary. */
export function commandList(prefix: string, indent = '  '): string {
  const rows = COMMANDS.map((c) => ({ usage: `${prefix} ${commandUsage(c)}`.trim(), summary: c.summary }));
  const width = Math.min(48, Math.max(...rows.map((r) => r.usage.length)));
  return rows.map((r) => (r.usage.length <= width ? `${indent}${r.usage.padEnd(width)}  ${r.summary}` : `${indent}${r.usage}\n${indent}${' '.repeat(width)}  ${r.summary}`)).join('\n');
}

/** One command's help: usage, summary, access and each parameter. */
export function commandHelp(prefix: string, c: Command): string {
  const lines = [`Usage: ${prefix} ${commandUsage(c)}`, '', c.summary, `Needs ${c.access === 'full' ? 'a user with full access' : 'any user (readonly is enough)'}. API: ${c.http.method} ${c.http.path}`];
  const fields = paramFields(c.params);
  if (fields.length > 0) {
    lines.push('', 'Parameters:');
    const names = fields.map((f) => (c.cli.positional.includes(f.name) ? f.name.toUpperCase() : flagUsage(f)));
    const width = Math.max(...names.map((n) => n.length));
    fields.forEach((f, i) => {
      const choices = f.choices !== undefined && f.choices.length > 4 ? ` One of: ${f.choices.join(', ')}.` : '';
      lines.push(`  ${(names[i] ?? '').padEnd(width)}  ${f.description ?? ''}${choices}${f.required ? '' : ' (optional)'}`);
    });
  }
  return `${lines.join('\n')}\n`;
}
