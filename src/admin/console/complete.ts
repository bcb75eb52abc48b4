/**
 * Tab completion for the console: command words from the command table, then pool, backend
 * and listener names from the running balancer, enum values and `--options`.
 */
import { COMMANDS, commandForWords, type Command } from '../commands.js';
import type { StatusView } from '../control-plane.js';
import { paramFields } from '../param-fields.js';
import { isFlag, optionFields } from './params.js';

export const BUILTIN_WORDS = ['help', 'exit', 'quit'] as const;

export interface Completion {
  /** Text to insert at the cursor (may be empty). */
  readonly insert: string;
  /** Every candidate, when there is more than one. */
  readonly candidates: readonly string[];
}

/** The next command word after `done`, for every command that continues it. */
function nextCommandWords(done: readonly string[]): string[] {
  const out = new Set<string>();
  for (const c of COMMANDS) {
    const w = c.cli.words;
    if (w.length > done.length && done.every((d, i) => w[i] === d)) out.add(w[done.length] ?? '');
  }
  if (done.length === 0) for (const b of BUILTIN_WORDS) out.add(b);
  return [...out];
}

function namesFor(param: string, command: Command, rest: readonly string[], status: StatusView | undefined): string[] {
  if (status === undefined) return [];
  if (param === 'pool') return status.pools.map((p) => p.name);
  if (param === 'listener') return status.listeners.map((l) => l.name);
  if (param === 'backend') {
    const poolIndex = command.cli.positional.indexOf('pool');
    const pool = poolIndex === -1 ? undefined : positionalValues(command, rest)[poolIndex];
    return status.pools.filter((p) => pool === undefined || p.name === pool).flatMap((p) => p.backends.map((b) => b.name));
  }
  return [];
}

/** The positional words among `rest` (options and their values left out). */
function positionalValues(command: Command, rest: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i] ?? '';
    if (w.startsWith('--') && w.length > 2) {
      const field = optionFields(command).find((f) => f.name === w.slice(2));
      if (!w.includes('=') && field !== undefined && !isFlag(field)) i++;
    } else out.push(w);
  }
  return out;
}

function valuesFor(param: string, command: Command, rest: readonly string[], status: StatusView | undefined): string[] {
  const choices = paramFields(command.params).find((f) => f.name === param)?.choices;
  return choices ? [...choices] : namesFor(param, command, rest, status);
}

function argumentCandidates(command: Command, rest: readonly string[], partial: string, status: StatusView | undefined): string[] {
  const prev = rest[rest.length - 1];
  if (prev !== undefined && prev.startsWith('--') && !prev.includes('=')) {
    const field = optionFields(command).find((f) => f.name === prev.slice(2));
    if (field !== undefined && !isFlag(field)) return valuesFor(field.name, command, rest, status);
  }
  if (partial.startsWith('-')) return optionFields(command).map((o) => `--${o.name}`);
  const param = command.cli.positional[positionalValues(command, rest).length];
  return param === undefined ? [] : valuesFor(param, command, rest, status);
}

function commonPrefix(words: readonly string[]): string {
  let prefix = words[0] ?? '';
  for (const w of words) while (!w.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix;
}

/** Completes the last word of `before` (the line up to the cursor). */
export function complete(before: string, status: StatusView | undefined): Completion {
  const m = /(\S*)$/.exec(before);
  const partial = m?.[1] ?? '';
  const done = before.slice(0, before.length - partial.length).split(/\s+/).filter((w) => w !== '');
  let words = done;
  if (done[0] === 'help') words = done.slice(1);
  const pool = new Set(nextCommandWords(words));
  const found = commandForWords(words);
  if (done[0] !== 'help' && found !== undefined) for (const c of argumentCandidates(found.command, found.rest, partial, status)) pool.add(c);
  if (done[0] === 'help' && done.length === 1) pool.delete('help');
  const candidates = [...pool].filter((c) => c.startsWith(partial)).sort();
  if (candidates.length === 0) return { insert: '', candidates: [] };
  if (candidates.length === 1) return { insert: `${(candidates[0] ?? '').slice(partial.length)} `, candidates: [] };
  const insert = commonPrefix(candidates).slice(partial.length);
  return { insert, candidates: insert === '' ? candidates : [] };
}
