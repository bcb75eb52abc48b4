/**
 * A console line as a command's parameters: words (with quotes), positional values in the
 * order the command table gives, `--name value` options for the rest of the params schema
 * (booleans bare, lists repeated), then the schema's own check. What each field takes and the
 * wording of a rejected value come from ../param-fields.ts, as for `switchyard ctl` and the
 * REST API. Every mistake is one SY_CLI_USAGE line naming the field.
 */
import { SwitchyardError } from '../../core/errors.js';
import type { Command } from '../commands.js';
import { formatParamIssues, paramFields, parseParams, valueFromTexts, type ParamField } from '../param-fields.js';

function usage(message: string): SwitchyardError {
  return new SwitchyardError('SY_CLI_USAGE', message);
}

/** Splits a line into words: blanks separate, '…' and "…" group, a backslash escapes the next character. */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] ?? '';
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      else if (ch === '\\' && quote === '"' && i + 1 < line.length) word += line[++i] ?? '';
      else word += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < line.length) {
      word += line[++i] ?? '';
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quote !== undefined) throw usage(`unterminated ${quote} quote`);
  if (inWord) words.push(word);
  return words;
}

export function isFlag(f: ParamField): boolean {
  return f.kinds.size === 1 && f.kinds.has('boolean');
}

/** The options a command takes: every parameter that is not positional. */
export function optionFields(command: Command): ParamField[] {
  return paramFields(command.params).filter((f) => !command.cli.positional.includes(f.name));
}

/**
 * "backend weight POOL BACKEND WEIGHT" with its options ("[--force]", "[--weight WEIGHT]"); a
 * parameter named in `fromInput` is shown as "< FILE". Enums of more than three values show
 * as their name (`help COMMAND` lists the values).
 */
export function usageLine(command: Command, fromInput: readonly string[] = []): string {
  const parts = [...command.cli.words, ...command.cli.positional.filter((p) => !fromInput.includes(p)).map((p) => p.toUpperCase())];
  for (const f of optionFields(command)) {
    const value = isFlag(f) ? '' : ` ${f.choices !== undefined && f.choices.length <= 3 ? f.choices.join('|') : f.name.toUpperCase()}`;
    const repeat = f.kinds.has('array') ? ' …' : '';
    parts.push(f.required ? `--${f.name}${value}${repeat}` : `[--${f.name}${value}${repeat}]`);
  }
  if (command.cli.positional.some((p) => fromInput.includes(p))) parts.push('< FILE');
  return parts.join(' ');
}

/**
 * The parameters of the words after a command's own words, converted as each field's kinds say
 * but not yet checked. A positional parameter named in `elsewhere` may be left out (the caller
 * fills it in from elsewhere).
 */
export function parseArgs(command: Command, args: readonly string[], elsewhere: readonly string[] = []): Record<string, unknown> {
  const fields = paramFields(command.params);
  const texts = new Map<string, string[]>();
  const add = (f: ParamField, value: string): void => {
    const list = texts.get(f.name) ?? [];
    if (list.length > 0 && !f.kinds.has('array')) throw usage(`${f.name}: given twice`);
    texts.set(f.name, [...list, value]);
  };
  let next = 0;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg.startsWith('--') && arg.length > 2) {
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq === -1 ? undefined : eq);
      const field = optionFields(command).find((f) => f.name === name);
      if (field === undefined) {
        const options = optionFields(command).map((o) => `--${o.name}`);
        throw usage(`unknown option --${name} for "${command.cli.words.join(' ')}"${options.length > 0 ? ` (options: ${options.join(', ')})` : ' (it takes no options)'}`);
      }
      let value: string | undefined = eq === -1 ? undefined : arg.slice(eq + 1);
      if (value === undefined && isFlag(field)) value = 'true';
      if (value === undefined) {
        value = args[++i];
        if (value === undefined) throw usage(`--${name} needs a value`);
      }
      add(field, value);
    } else {
      const name = command.cli.positional[next++];
      const field = fields.find((f) => f.name === name);
      if (field === undefined) throw usage(`unexpected "${arg}": usage: ${usageLine(command, elsewhere)}`);
      add(field, arg);
    }
  }
  const missing = command.cli.positional.filter((name) => !texts.has(name) && !elsewhere.includes(name) && fields.find((f) => f.name === name)?.required === true);
  if (missing.length > 0) throw usage(`missing ${missing.map((m) => m.toUpperCase()).join(' ')}: usage: ${usageLine(command, elsewhere)}`);
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const raws = texts.get(f.name);
    if (raws !== undefined) out[f.name] = valueFromTexts(f, raws);
  }
  return out;
}

/** Checks parameters with the command's schema; a bad value is one line naming its field ("weight: must be 0–1000, got 5000"). */
export function checkParams(command: Command, raw: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const r = parseParams(command.params, raw);
  if (r.ok) return r.value;
  throw usage(formatParamIssues(r.issues));
}
