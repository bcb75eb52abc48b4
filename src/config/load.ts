/**
 * Loading: YAML or JSON text → validated runtime config, or every issue with its file, line
 * and column. YAML is parsed into a document (with a LineCounter) so that each issue's
 * field path maps back to its node; JSON is checked strictly first, then located the same
 * way (YAML 1.2 reads JSON). Nothing here throws.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node, type Pair } from 'yaml';
import { checkConfig, type LocatedIssue, type ValidateResult } from './validate.js';
import { compareIssues, describeValue, oneLine, renderPath, type PathKey } from './format-issues.js';
import type { ConfigIssue } from './model.js';

export type Format = 'yaml' | 'json';
export type { ValidateResult } from './validate.js';

type Pos = { line: number; column: number };
type YamlDoc = Document.Parsed;

/** .json → json, .yaml/.yml → yaml; otherwise a first non-space "{" means JSON. */
export function detectFormat(file: string, text: string): Format {
  const ext = extname(file).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  return text.trimStart().startsWith('{') ? 'json' : 'yaml';
}

function keyName(key: unknown): string | undefined {
  return isScalar(key) ? String(key.value) : undefined;
}

function startOf(node: unknown, lc: LineCounter): Pos | undefined {
  const range = (node as Node | null)?.range;
  if (!range) return undefined;
  const p = lc.linePos(range[0]);
  return { line: p.line, column: p.col };
}

/** The node at `path` (the last pair wins, as when the file is read) and the key that holds it. */
function walk(doc: YamlDoc, path: readonly PathKey[]): { node: unknown; key: unknown; found: boolean } {
  let node: unknown = doc.contents;
  let key: unknown = null;
  for (const seg of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.findLast((p) => keyName(p.key) === String(seg));
      if (pair === undefined) return { node, key, found: false };
      key = pair.key;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number' && seg < node.items.length) {
      key = null;
      node = node.items[seg];
    } else return { node, key, found: false };
  }
  return { node, key, found: true };
}

/** Where an issue points: the value, the key (unknown keys), or the parent (missing keys). */
function locate(doc: YamlDoc, lc: LineCounter, issue: LocatedIssue): Pos | undefined {
  if (issue.target === 'missing') {
    const parent = walk(doc, issue.path.slice(0, -1));
    return startOf(parent.key, lc) ?? startOf(parent.node, lc);
  }
  const at = walk(doc, issue.path);
  if (!at.found) return startOf(at.key, lc) ?? startOf(at.node, lc);
  if (issue.target === 'key') return startOf(at.key, lc) ?? startOf(at.node, lc);
  return startOf(at.node, lc) ?? startOf(at.key, lc);
}

class JsonStop extends Error {
  constructor(readonly offset: number, readonly reason: string) {
    super(reason);
  }
}

const NUMBER_RE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** Finds where and why strict JSON parsing fails, in the same words on every Node version. */
export function jsonSyntaxError(text: string): { offset: number; reason: string } | undefined {
  let i = 0;
  const stop = (reason: string): never => {
    throw new JsonStop(i, i >= text.length ? `unexpected end of file (${reason})` : reason);
  };
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text.charAt(i))) i++;
  };
  const str = (): void => {
    for (i++; ; i++) {
      const c = text.charAt(i);
      if (i >= text.length) stop('unterminated string');
      if (c === '"') return void i++;
      if (c < ' ') stop('control character in string');
      if (c === '\\') {
        i++;
        if (text.charAt(i) === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) i += 4;
        else if (!'"\\/bfnrt'.includes(text.charAt(i)) || i >= text.length) stop('bad escape in string');
      }
    }
  };
  const list = (close: string, item: () => void, what: string): void => {
    i++;
    ws();
    if (text.charAt(i) === close) return void i++;
    for (;;) {
      item();
      ws();
      if (text.charAt(i) === ',') i++;
      else if (text.charAt(i) === close) return void i++;
      else stop(`expected "," or "${close}" after ${what}`);
    }
  };
  const value = (): void => {
    ws();
    const c = text.charAt(i);
    if (c === '{') {
      list('}', () => {
        ws();
        if (text.charAt(i) !== '"') stop('expected a property name in double quotes');
        str();
        ws();
        if (text.charAt(i) !== ':') stop('expected ":" after property name');
        i++;
        value();
      }, 'a property value');
    } else if (c === '[') list(']', value, 'a list item');
    else if (c === '"') str();
    else {
      const lit = ['true', 'false', 'null'].find((w) => text.startsWith(w, i));
      NUMBER_RE.lastIndex = i;
      if (lit !== undefined) i += lit.length;
      else if (NUMBER_RE.test(text)) i = NUMBER_RE.lastIndex;
      else stop(i >= text.length ? 'expected a value' : `expected a value, got ${JSON.stringify(c)}`);
    }
  };
  try {
    value();
    ws();
    if (i < text.length) stop('unexpected text after the end of the JSON value');
    return undefined;
  } catch (err) {
    return err instanceof JsonStop ? { offset: err.offset, reason: err.reason } : undefined;
  }
}

function positionOf(text: string, offset: number): Pos {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

function issueAt(file: string, path: string, message: string, pos: Pos | undefined): ConfigIssue {
  const m = oneLine(message);
  return pos === undefined ? { file, path, message: m } : { file, path, message: m, line: pos.line, column: pos.column };
}

/** Keys given twice in one mapping: the file means one of them, and we cannot tell which. */
function duplicateKeys(node: unknown, path: PathKey[], lc: LineCounter, file: string, out: ConfigIssue[]): void {
  if (isMap(node)) {
    const first = new Map<string, Pair>();
    for (const pair of node.items) {
      const k = keyName(pair.key);
      if (k !== undefined) {
        const earlier = first.get(k);
        if (earlier === undefined) first.set(k, pair);
        else {
          const line = startOf(earlier.key, lc)?.line;
          const where = line === undefined ? '' : ` (first set on line ${line})`;
          out.push(issueAt(file, renderPath([...path, k]), `duplicate key ${describeValue(k)}${where}`, startOf(pair.key, lc)));
        }
      }
      duplicateKeys(pair.value, k === undefined ? path : [...path, k], lc, file, out);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => duplicateKeys(item, [...path, i], lc, file, out));
  }
}

function fail(issues: ConfigIssue[]): ValidateResult {
  return { ok: false, issues: issues.sort(compareIssues) };
}

/** Parses and validates config text; every issue carries file, line and column where known. */
export function parseConfigText(text: string, file: string, format?: Format): ValidateResult {
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const fmt = format ?? detectFormat(file, source);
  if (source.trim() === '') {
    return fail([{ file, path: '', message: 'the file is empty; a config needs "listeners" and "pools"', line: 1, column: 1 }]);
  }
  let value: unknown;
  if (fmt === 'json') {
    try {
      value = JSON.parse(source);
    } catch (err) {
      const found = jsonSyntaxError(source);
      const reason = found?.reason ?? (err instanceof Error ? (err.message.split('\n')[0] ?? '') : 'not valid JSON');
      return fail([issueAt(file, '', `invalid JSON: ${reason}`, positionOf(source, found?.offset ?? 0))]);
    }
  }
  const lc = new LineCounter();
  const doc = parseDocument(source, { lineCounter: lc, prettyErrors: false, uniqueKeys: false });
  const issues: ConfigIssue[] = [];
  if (fmt === 'yaml') {
    for (const err of doc.errors) {
      const p = lc.linePos(err.pos[0]);
      const message = err.code === 'MULTIPLE_DOCS' ? 'the file holds several YAML documents ("---"); a config is one document' : err.message;
      issues.push(issueAt(file, '', (message.split('\n')[0] ?? '').trim(), { line: p.line, column: p.col }));
    }
    if (issues.length > 0) return fail(issues);
    if (doc.contents === null) return fail([issueAt(file, '', 'the file has no settings; a config needs "listeners" and "pools"', { line: 1, column: 1 })]);
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      const reason = err instanceof Error ? (err.message.split('\n')[0] ?? '') : 'cannot be read';
      return fail([issueAt(file, '', reason, { line: 1, column: 1 })]);
    }
  }
  duplicateKeys(doc.contents, [], lc, file, issues);
  const result = checkConfig(value);
  if (result.ok && issues.length === 0) return result;
  if (!result.ok) for (const i of result.issues) issues.push(issueAt(file, renderPath(i.path), i.message, locate(doc, lc, i)));
  return fail(issues);
}

function readReason(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  if (err instanceof Error) return err.message.split('\n')[0] ?? 'unknown error';
  return 'unknown error';
}

/** Reads a config file's text; a missing or unreadable file is one issue naming why, never a throw. */
export async function readConfigFile(file: string): Promise<{ readonly ok: true; readonly text: string } | { readonly ok: false; readonly issues: ConfigIssue[] }> {
  try {
    return { ok: true, text: await readFile(file, 'utf8') };
  } catch (err) {
    return { ok: false, issues: [{ file, path: '', message: `cannot read file: ${readReason(err)}` }] };
  }
}

/** Reads and validates a config file. A missing or unreadable file is one issue, never a throw. */
export async function loadConfigFile(file: string): Promise<ValidateResult> {
  const read = await readConfigFile(file);
  if (!read.ok) return read;
  return parseConfigText(read.text, file, detectFormat(file, read.text));
}
