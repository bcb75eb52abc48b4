/**
 * The console's command interpreter: a line of words becomes a command of the table
 * (`commandForWords`), its parameters are checked by the command's own schema, the user's
 * access is checked, and the ControlPlane's answer is rendered for a terminal. Besides the
 * table, only `help [COMMAND]`, `exit` and `quit` exist.
 *
 * A `config` parameter (diff, apply) is not taken from the line: it is read from standard
 * input, as in `ssh -p 2222 ops@lb apply < switchyard.yaml`. The file being edited lives on
 * the operator's machine; and reading paths on the balancer's host would let anyone who may
 * run `diff` (readonly users) probe that host's files through the error messages.
 */
import type { Logger } from '../../observability/logger.js';
import { SwitchyardError, isSwitchyardError } from '../../core/errors.js';
import { COMMANDS, commandForWords, type Access, type Command } from '../commands.js';
import type { ControlPlane } from '../control-plane.js';
import { CONFIG_TEXT_PARAM, paramFields } from '../param-fields.js';
import { isChangeResult, table } from '../result-text.js';
import { checkParams, isFlag, parseArgs, splitWords, usageLine } from './params.js';
import { formatError, renderResult } from './format.js';

export interface ConsoleUser {
  readonly name: string;
  readonly access: Access;
}

export interface ConsoleContext {
  readonly control: ControlPlane;
  readonly user: ConsoleUser;
  readonly logger: Logger;
  /** Standard input of a one-command session, for a `config` parameter; undefined in the interactive console. */
  readonly readInput?: (() => Promise<string>) | undefined;
}

export interface Reply {
  /** What to print, without a final newline; "" prints nothing. */
  readonly text: string;
  readonly ok: boolean;
  /** The user asked to leave. */
  readonly exit?: boolean;
}

/** The parameter read from standard input instead of the line. */
const INPUT_PARAM = CONFIG_TEXT_PARAM;

const usage = (message: string): SwitchyardError => new SwitchyardError('SY_CLI_USAGE', message);

function commandsStartingWith(words: readonly string[]): Command[] {
  return COMMANDS.filter((c) => words.length > 0 && words.every((w, i) => c.cli.words[i] === w));
}

/** Every command with its summary; for a readonly user, those needing full access are marked. */
export function helpList(user: ConsoleUser, only: readonly Command[] = COMMANDS): string {
  const marked = user.access === 'readonly';
  const rows = only.map((c) => [usageLine(c, [INPUT_PARAM]), `${c.summary}${marked && c.access === 'full' ? ' (full access)' : ''}`]);
  if (only === COMMANDS) {
    rows.push(['help [COMMAND]', 'This list, or one command in detail.']);
    rows.push(['exit, quit', 'Leave the console (also Ctrl-D).']);
  }
  return table(['COMMAND', 'DESCRIPTION'], rows);
}

function helpCommand(c: Command): string {
  const lines = [`usage: ${usageLine(c, [INPUT_PARAM])}`, '', c.summary, `access: ${c.access === 'full' ? 'full' : 'readonly (any user)'}`];
  const fields = paramFields(c.params);
  if (fields.length > 0) {
    const rows = fields.map((f) => {
      const where = f.name === INPUT_PARAM ? '< FILE' : c.cli.positional.includes(f.name) ? f.name.toUpperCase() : `--${f.name}${isFlag(f) ? '' : ` ${f.name.toUpperCase()}`}`;
      const choices = f.choices ? ` One of: ${f.choices.join(', ')}.` : '';
      const from = f.name === INPUT_PARAM ? ` Read from standard input: ssh … ${c.cli.words.join(' ')} < FILE.` : '';
      return [where, `${f.description ?? ''}${choices}${from}${f.required ? '' : ' (optional)'}`];
    });
    lines.push('', 'parameters:', table(['', ''], rows, '  ').split('\n').slice(1).join('\n'));
  }
  return lines.join('\n');
}

function help(words: readonly string[], user: ConsoleUser): Reply {
  if (words.length === 0) return { text: helpList(user), ok: true };
  const found = commandForWords(words);
  if (found !== undefined && found.rest.length === 0) return { text: helpCommand(found.command), ok: true };
  const group = commandsStartingWith(words);
  if (group.length > 0) return { text: helpList(user, group), ok: true };
  return { text: formatError(usage(`no command "${words.join(' ')}"; type help for the list`)), ok: false };
}

function safeConfigFile(control: ControlPlane): string | null | undefined {
  try {
    return control.status().configFile;
  } catch {
    return undefined;
  }
}

function unknownCommand(words: readonly string[]): SwitchyardError {
  const group = commandsStartingWith(words.slice(0, 1));
  if (group.length > 0) return usage(`"${words.join(' ')}" is not a command; ${words[0]} commands: ${group.map((c) => c.cli.words.join(' ')).join(', ')}`);
  return usage(`unknown command "${words[0] ?? ''}"; type help for the list`);
}

/** Runs one console line. Never throws: every failure is a Reply. */
export async function runLine(ctx: ConsoleContext, line: string): Promise<Reply> {
  let words: string[];
  try {
    words = splitWords(line);
  } catch (err) {
    return { text: formatError(err), ok: false };
  }
  const first = words[0];
  if (first === undefined) return { text: '', ok: true };
  if (first === 'exit' || first === 'quit') return { text: '', ok: true, exit: true };
  if (first === 'help' || first === '?') return help(words.slice(1), ctx.user);

  const found = commandForWords(words);
  const log = ctx.logger.child({ user: ctx.user.name });
  if (found === undefined) {
    log.info({ line: line.slice(0, 200) }, 'console: unknown command');
    return { text: formatError(unknownCommand(words)), ok: false };
  }
  const { command, rest } = found;
  const spoken = command.cli.words.join(' ');
  if (ctx.user.access === 'readonly' && command.access !== 'readonly') {
    log.info({ command: command.name }, 'console: permission denied');
    return { text: `permission denied: ${spoken} needs full access`, ok: false };
  }
  try {
    const raw = parseArgs(command, rest, [INPUT_PARAM]);
    if (INPUT_PARAM in command.params.shape) {
      if (raw[INPUT_PARAM] !== undefined) throw usage(`${spoken} reads the configuration from standard input, not the line: ssh … ${spoken} < FILE`);
      if (ctx.readInput === undefined) throw usage(`${spoken} reads the configuration from standard input; in the interactive console it is not available: run ssh … ${spoken} < FILE`);
      raw[INPUT_PARAM] = await ctx.readInput();
    }
    const params = checkParams(command, raw);
    log.info({ command: command.name, line: line.slice(0, 200) }, 'console: command');
    const result: unknown = await command.run(ctx.control, params);
    const configFile = isChangeResult(result) && result.persisted === true ? safeConfigFile(ctx.control) : undefined;
    return { text: renderResult(command, params, result, configFile).trimEnd(), ok: true };
  } catch (err) {
    if (isSwitchyardError(err)) log.info({ command: command.name, code: err.code }, 'console: command failed');
    else log.error({ err, command: command.name }, 'console: command failed unexpectedly');
    return { text: formatError(err), ok: false };
  }
}
