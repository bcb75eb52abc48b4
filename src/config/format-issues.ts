/**
 * How config issues read: field paths ("pools.web.backends[2].port"), values quoted in
 * messages, "did you mean" suggestions, and the one-line "file:line:col: path: reason" form.
 */
import { z } from 'zod';
import { ConfigSchema, NAME_RE, NAME_RULE } from './schema.js';
import type { ConfigIssue } from './model.js';

export type PathKey = string | number;

/** What an issue points at in the file: the value, the key itself, or (missing) the parent. */
export type IssueTarget = 'value' | 'key' | 'missing';

/** An issue before positions: raw path and target, so a loader can find its YAML node. */
export interface LocatedIssue {
  readonly path: readonly PathKey[];
  readonly message: string;
  readonly target: IssueTarget;
}

const PLAIN_KEY_RE = /^[A-Za-z0-9_-]+$/;

/** ["pools", "web", "backends", 2, "port"] → "pools.web.backends[2].port"; odd keys become ["a.b"]. */
export function renderPath(path: readonly PathKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (PLAIN_KEY_RE.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(key)}]`;
  }
  return out;
}

/** What kind of value this is, in words: "a string", "a list", "an object", "null". */
export function describeKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
    case 'bigint':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    case 'undefined':
      return 'nothing';
    case 'object':
      return 'an object';
    default:
      return `a ${typeof value}`;
  }
}

/** A value as it appears in a message: strings quoted (and shortened), containers by kind. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    const s = value.length > 40 ? `${value.slice(0, 37)}...` : value;
    return JSON.stringify(s);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return describeKind(value);
}

/** Control characters (a newline in a key, say) escaped, so that every message stays on one line. */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));
}

/** Levenshtein distance (insert, delete, substitute; each costs 1). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/**
 * The candidate the user most likely meant, if one is close: same letters ignoring case
 * and punctuation, a prefix of at least 3 letters ("maxconn" → "maxConnections"), or a
 * small edit distance ("roundrobin" → "round-robin", "gren" → "green").
 */
export function didYouMean(input: string, candidates: readonly string[]): string | undefined {
  const squash = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]/g, '');
  const want = squash(input);
  if (want === '') return undefined;
  let best: { name: string; score: number } | undefined;
  for (const name of candidates) {
    if (name === input) continue;
    const have = squash(name);
    let score: number;
    if (have === want) score = 0;
    else if (want.length >= 3 && (have.startsWith(want) || want.startsWith(have))) score = 1 + Math.abs(have.length - want.length) / 100;
    else {
      const d = editDistance(want, have);
      if (d > Math.max(1, Math.floor(Math.max(want.length, have.length) / 3))) continue;
      score = 1 + d;
    }
    if (best === undefined || score < best.score) best = { name, score };
  }
  return best?.name;
}

/** " (did you mean "x"?)" or "". */
export function suggestion(input: unknown, candidates: readonly string[]): string {
  if (typeof input !== 'string') return '';
  const hit = didYouMean(input, candidates);
  return hit === undefined ? '' : ` (did you mean "${hit}"?)`;
}

// ---- zod issues in our own words ----

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  record: 'an object',
};
const CONTAINERS = new Set(['array', 'object', 'record']);

function mustBe(expected: readonly string[], input: unknown): string {
  const names = [...new Set(expected.map((e) => EXPECTED[e] ?? e))];
  const got = expected.every((e) => CONTAINERS.has(e)) ? describeKind(input) : describeValue(input);
  return `must be ${names.join(' or ')}, got ${got}`;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (;;) {
    if (s instanceof z.ZodDefault || s instanceof z.ZodPrefault || s instanceof z.ZodOptional) s = s.def.innerType as z.ZodType;
    else return s;
  }
}

/** The keys an object at this path may have (every object branch of a union counts). */
function knownKeysAt(schema: z.ZodType, path: readonly PathKey[]): string[] {
  const s = unwrap(schema);
  if (s instanceof z.ZodUnion) return (s.options as readonly z.ZodType[]).flatMap((o) => knownKeysAt(o, path));
  const [head, ...rest] = path;
  if (head === undefined) return s instanceof z.ZodObject ? Object.keys(s.shape) : [];
  if (s instanceof z.ZodObject) {
    const shape = s.shape as Record<string, z.ZodType>;
    return Object.hasOwn(shape, head) ? knownKeysAt(shape[head] as z.ZodType, rest) : [];
  }
  if (s instanceof z.ZodRecord) return knownKeysAt(s.def.valueType as z.ZodType, rest);
  if (s instanceof z.ZodArray) return knownKeysAt(s.def.element as z.ZodType, rest);
  return [];
}

function bound(kind: 'least' | 'most', origin: string, limit: number | bigint, inclusive: boolean, input: unknown): string {
  if (origin === 'array' && Array.isArray(input)) {
    const n = Number(limit);
    return `must have at ${kind} ${n} ${n === 1 ? 'entry' : 'entries'}, got ${input.length}`;
  }
  if (origin === 'string' && typeof input === 'string') return `must be at ${kind} ${limit} characters long, got ${input.length}`;
  const word = inclusive ? `at ${kind}` : kind === 'least' ? 'more than' : 'less than';
  return `must be ${word} ${limit}, got ${describeValue(input)}`;
}

/** Turns one zod issue (under `base`) into our issues, choosing the union branch that fits. */
export function translateZodIssue(issue: z.core.$ZodIssue, base: readonly PathKey[], out: LocatedIssue[]): void {
  const path = [...base, ...issue.path.filter((k): k is PathKey => typeof k !== 'symbol')];
  const add = (message: string, target: LocatedIssue['target'] = 'value'): void => {
    out.push({ path, message, target });
  };
  if (issue.input === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_union')) {
    add('is required', 'missing');
    return;
  }
  switch (issue.code) {
    case 'invalid_type':
      add(mustBe([issue.expected], issue.input));
      return;
    case 'invalid_union': {
      const rootMismatch = (e: z.core.$ZodIssue): boolean => e.code === 'invalid_type' && e.path.length === 0;
      const fitting = issue.errors.find((branch) => branch.length > 0 && !branch.some(rootMismatch));
      if (fitting !== undefined) {
        for (const e of fitting) translateZodIssue(e, path, out);
        return;
      }
      const expected = issue.errors.flatMap((b) => b.flatMap((e) => (e.code === 'invalid_type' ? [e.expected] : [])));
      add(expected.length > 0 ? mustBe(expected, issue.input) : `is not valid, got ${describeValue(issue.input)}`);
      return;
    }
    case 'unrecognized_keys': {
      const known = knownKeysAt(ConfigSchema, path);
      for (const key of issue.keys) {
        out.push({ path: [...path, key], message: `unknown key ${describeValue(key)}${suggestion(key, known)}`, target: 'key' });
      }
      return;
    }
    case 'invalid_value': {
      const values = issue.values.map(String);
      const list = values.length === 1 ? `"${values[0] ?? ''}"` : `one of ${values.join(', ')}`;
      add(`must be ${list}, got ${describeValue(issue.input)}${suggestion(issue.input, values)}`);
      return;
    }
    case 'too_small':
      add(bound('least', issue.origin, issue.minimum, issue.inclusive ?? true, issue.input));
      return;
    case 'too_big':
      add(bound('most', issue.origin, issue.maximum, issue.inclusive ?? true, issue.input));
      return;
    case 'invalid_format':
      if (issue.pattern === String(NAME_RE)) add(`${NAME_RULE}, got ${describeValue(issue.input)}`);
      else add(`must be a valid ${issue.format}, got ${describeValue(issue.input)}`);
      return;
    case 'custom':
      add(issue.message);
      return;
    default:
      add(`${issue.message.charAt(0).toLowerCase()}${issue.message.slice(1)}`);
  }
}

/** One issue per field and target: zod may report several for one value (e.g. -1.5). */
export function dedupeIssues(issues: readonly LocatedIssue[]): LocatedIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.target}\0${JSON.stringify(i.path)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** "switchyard.yaml:12:9: pools.web.backends[2].port: must be 1–65535, got 70000" */
export function formatIssue(issue: ConfigIssue): string {
  let where = issue.file ?? '';
  if (issue.line !== undefined) {
    where += `${where === '' ? '' : ':'}${issue.line}`;
    if (issue.column !== undefined) where += `:${issue.column}`;
  }
  return [where, issue.path, issue.message].filter((part) => part !== '').join(': ');
}

/** Orders issues by file, then line, then column; issues without a position come first. */
export function compareIssues(a: ConfigIssue, b: ConfigIssue): number {
  const fa = a.file ?? '';
  const fb = b.file ?? '';
  if (fa !== fb) return fa < fb ? -1 : 1;
  return (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0);
}

/** One line per issue, sorted by line then column. */
export function formatIssues(issues: readonly ConfigIssue[]): string {
  return [...issues].sort(compareIssues).map(formatIssue).join('\n');
}
