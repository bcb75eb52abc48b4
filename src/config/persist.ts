/**
 * Write-back: config edits applied to the text of the user's file, keeping what a person
 * wrote around them (YAML comments, key order, quoting, blank lines), and the atomic
 * replacement of the file on disk with a backup of what it held before.
 *
 * YAML is edited through the yaml Document API, which keeps comments and quoting but
 * re-renders some spacing (runs of blanks before a comment, blank lines in a row); lines the
 * edits did not touch are then taken back verbatim from the original. The result is parsed
 * again and must hold exactly the data `applyEdits` gives, or the plain rendering is used.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, open, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { isAlias, isCollection, isMap, isScalar, isSeq, parseDocument, type Document, type Node, type YAMLMap, type YAMLSeq } from 'yaml';
import { SwitchyardError } from '../core/errors.js';
import { applyEdits, type ConfigEdit, type ConfigPath } from './edits.js';
import { detectFormat } from './load.js';
import { renderPath } from './format-issues.js';

type Doc = Document.Parsed;
type Collection = YAMLMap | YAMLSeq;
type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isScalarValue(v: unknown): boolean {
  return v === null || (typeof v !== 'object' && typeof v !== 'function');
}

function cannotEdit(file: string, reason: string, path = ''): never {
  const message = `cannot be edited: ${reason}`;
  throw new SwitchyardError('SY_CONFIG_INVALID', `${file}: ${path === '' ? '' : `${path}: `}${message}`, { details: { issues: [{ file, path, message }] } });
}

// ---- editing the YAML document -------------------------------------------------------

/** New list items look like their neighbours: quoted like them; a short map is one flow line where a scalar was or all items are one line. */
function newNode(doc: Doc, parent: Collection, value: unknown, old: unknown): Node {
  const node = doc.createNode(value) as Node;
  if (!isSeq(parent)) return node;
  const siblings = parent.items.filter((item) => item !== old);
  if (isScalar(node) && typeof value === 'string') {
    const like = siblings.findLast((item) => isScalar(item) && typeof item.value === 'string');
    if (isScalar(like) && (like.type === 'QUOTE_DOUBLE' || like.type === 'QUOTE_SINGLE')) node.type = like.type;
  } else if (isMap(node) && isObj(value)) {
    const simple = Object.values(value).every(isScalarValue);
    const oneLine = isScalar(old) || siblings.every((item) => !isCollection(item) || item.flow === true);
    const short = JSON.stringify(value).length <= 72;
    if (parent.flow === true || (simple && short && oneLine)) node.flow = true;
  }
  return node;
}

/** Sets `key` of `parent` to `value`, updating the node in place where it can (comments stay). */
function put(doc: Doc, parent: Collection, key: string | number, value: unknown): void {
  const old: unknown = parent.get(key, true);
  if (isScalar(old) && isScalarValue(value)) {
    old.value = value;
    return;
  }
  if (isMap(old) && isObj(value)) {
    for (const k of old.items.map((pair) => (isScalar(pair.key) ? String(pair.key.value) : undefined))) {
      if (k !== undefined && !Object.hasOwn(value, k)) old.delete(k);
    }
    for (const [k, v] of Object.entries(value)) put(doc, old, k, v);
    return;
  }
  if (isSeq(old) && Array.isArray(value) && old.items.length === value.length) {
    value.forEach((v, i) => put(doc, old, i, v));
    return;
  }
  const node = newNode(doc, parent, value, old);
  if (isScalar(old) || isCollection(old)) {
    node.commentBefore = old.commentBefore ?? null;
    node.comment = old.comment ?? null;
    node.spaceBefore = old.spaceBefore ?? false;
  }
  parent.set(key, node);
}

/** The value to store at `path[from]` so that the rest of the path exists. */
function nested(path: ConfigPath, from: number, value: unknown): unknown {
  let out = value;
  for (let i = path.length - 1; i > from; i--) out = typeof path[i] === 'number' ? [out] : { [String(path[i])]: out };
  return out;
}

function keyIn(parent: Collection, key: string | number): string | number {
  return isSeq(parent) ? Math.min(Number(key), parent.items.length) : String(key);
}

function editDoc(doc: Doc, file: string, edit: ConfigEdit): void {
  const { path } = edit;
  if (path.length === 0) {
    if (edit.op === 'set') doc.contents = doc.createNode(edit.value) as Doc['contents'];
    return;
  }
  if (!isCollection(doc.contents)) {
    if (edit.op === 'delete') return;
    doc.contents = doc.createNode(nested(path, -1, edit.value)) as Doc['contents'];
    return;
  }
  let parent: Collection = doc.contents;
  for (let i = 0; i < path.length; i++) {
    const key = keyIn(parent, path[i] as string | number);
    if (i === path.length - 1) {
      if (edit.op === 'set') put(doc, parent, key, edit.value);
      else if (!isSeq(parent) || (key as number) < parent.items.length) parent.delete(key);
      return;
    }
    const child: unknown = parent.get(key, true);
    if (isAlias(child)) cannotEdit(file, 'it goes through a YAML alias ("*name"); edit the anchored value instead', renderPath(path.slice(0, i + 1)));
    if (!isCollection(child)) {
      if (edit.op === 'set') put(doc, parent, key, nested(path, i, edit.value));
      return;
    }
    parent = child;
  }
}

// ---- keeping the original layout -------------------------------------------------------

interface Style {
  readonly indent: number;
  readonly indentSeq: boolean;
  readonly flowCollectionPadding: boolean;
  readonly lineWidth: number;
}

const CONTENT_RE = /^( *)[^\s#]/;

/** Indent step, list indentation and flow spacing as the file has them. */
function styleOf(lines: readonly string[]): Style {
  let indent = 0;
  let indentSeq: boolean | undefined;
  let padded = 0;
  let tight = 0;
  let lastKey: number | undefined;
  for (const line of lines) {
    const m = CONTENT_RE.exec(line);
    if (m === null) continue;
    const depth = (m[1] ?? '').length;
    if (depth > 0 && (indent === 0 || depth < indent)) indent = depth;
    const item = line.slice(depth).startsWith('- ');
    if (lastKey !== undefined && item && indentSeq === undefined) indentSeq = depth > lastKey;
    lastKey = /^[^\s#][^#]*:\s*(#.*)?$/.test(line.slice(depth)) && !item ? depth : undefined;
    padded += (line.match(/[[{] [^\s\]}]/g) ?? []).length;
    tight += (line.match(/[[{][^\s\]}]/g) ?? []).length;
  }
  const longest = lines.reduce((n, l) => Math.max(n, l.length), 0);
  return { indent: indent === 0 ? 2 : Math.min(indent, 8), indentSeq: indentSeq ?? true, flowCollectionPadding: padded >= tight, lineWidth: Math.max(80, longest + 1) };
}

/** What must match for an untouched line to be taken back: the text without blanks, and the indentation unless `anyIndent`. */
function lineKey(line: string, anyIndent: boolean): string {
  const trimmed = line.trim();
  if (anyIndent || trimmed.startsWith('#')) return trimmed.startsWith('#') ? trimmed : trimmed.replace(/\s+/g, '');
  return `${/^\s*/.exec(line)?.[0] ?? ''}${trimmed.replace(/\s+/g, '')}`;
}

function indentOf(line: string): number {
  return /^ */.exec(line)?.[0].length ?? 0;
}

/** Where a new line indented `by` in the rendering goes: shifted as the nearest known indentation at or left of it was. */
function reindent(indents: ReadonlyMap<number, number>, by: number): number {
  let from = -1;
  for (const k of indents.keys()) if (k <= by && k > from) from = k;
  return from < 0 ? by : Math.max(0, by + (indents.get(from) ?? from) - from);
}

const MAX_CELLS = 4_000_000;

/**
 * The rendered lines, with each one that corresponds to an original line replaced by it.
 * With `anyIndent`, lines match whatever their indentation, and new lines are moved to the
 * indentation the original uses where the rendering used theirs (the yaml library cannot
 * write every indentation style, e.g. "- " items at a 4-space key's own level).
 */
function restoreLines(original: readonly string[], rendered: readonly string[], anyIndent: boolean): string[] | undefined {
  let head = 0;
  while (head < original.length && head < rendered.length && original[head] === rendered[head]) head++;
  let tail = 0;
  while (tail < original.length - head && tail < rendered.length - head && original[original.length - 1 - tail] === rendered[rendered.length - 1 - tail]) tail++;
  const a = original.slice(head, original.length - tail).map((l) => lineKey(l, anyIndent));
  const b = rendered.slice(head, rendered.length - tail).map((l) => lineKey(l, anyIndent));
  if ((a.length + 1) * (b.length + 1) > MAX_CELLS) return undefined;
  const w = b.length + 1;
  const lcs = new Uint32Array((a.length + 1) * w);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i * w + j] = a[i] === b[j] ? (lcs[(i + 1) * w + j + 1] ?? 0) + 1 : Math.max(lcs[(i + 1) * w + j] ?? 0, lcs[i * w + j + 1] ?? 0);
    }
  }
  const out = rendered.slice(0, head);
  const indents = new Map<number, number>();
  let i = 0;
  let j = 0;
  let dropped: string[] = [];
  let inserted = false;
  const flush = (): void => {
    if (!inserted && dropped.length > 0 && dropped.every((l) => l.trim() === '')) out.push(...dropped);
    dropped = [];
    inserted = false;
  };
  while (i < a.length || j < b.length) {
    const was = original[head + i] as string;
    const now = rendered[head + j] as string;
    if (i < a.length && j < b.length && a[i] === b[j]) {
      flush();
      if (now.trim() !== '') indents.set(indentOf(now), indentOf(was));
      out.push(was);
      i++;
      j++;
    } else if (j < b.length && (i >= a.length || (lcs[i * w + j + 1] ?? 0) >= (lcs[(i + 1) * w + j] ?? 0))) {
      out.push(now.trim() === '' ? now : ' '.repeat(reindent(indents, indentOf(now))) + now.trimStart());
      inserted = true;
      j++;
    } else {
      dropped.push(was);
      i++;
    }
  }
  flush();
  out.push(...rendered.slice(rendered.length - tail));
  return out;
}

function dataOf(text: string): { ok: true; value: unknown } | { ok: false } {
  const doc = parseDocument(text, { uniqueKeys: false });
  if (doc.errors.length > 0) return { ok: false };
  return { ok: true, value: doc.toJS({ maxAliasCount: 100 }) };
}

function editYaml(source: string, file: string, edits: readonly ConfigEdit[]): string {
  const doc = parseDocument(source, { uniqueKeys: false });
  const first = doc.errors[0];
  if (first !== undefined) cannotEdit(file, `it is not valid YAML (${(first.message.split('\n')[0] ?? '').trim()})`);
  const expected = applyEdits(doc.toJS({ maxAliasCount: 100 }), edits);
  for (const edit of edits) editDoc(doc, file, edit);
  const lines = source.split('\n');
  const rendered = doc.toString(styleOf(lines));
  const candidates = [true, false].flatMap((anyIndent) => restoreLines(lines, rendered.split('\n'), anyIndent)?.join('\n') ?? []);
  for (const candidate of [...candidates, rendered]) {
    const data = dataOf(candidate);
    if (data.ok && isDeepStrictEqual(data.value, expected)) return candidate;
  }
  return cannotEdit(file, 'the change cannot be written as YAML that reads back the same');
}

/**
 * Applies `edits` to the text of a YAML or JSON config (format as detectFormat decides),
 * keeping YAML comments, key order and layout; JSON is re-serialized with 2-space indent.
 * Throws SY_CONFIG_INVALID when the text cannot be read or a path goes through a scalar.
 */
export function editConfigText(text: string, file: string, edits: readonly ConfigEdit[]): string {
  const bom = text.startsWith('\uFEFF') ? '\uFEFF' : '';
  const source = text.slice(bom.length).replace(/\r\n/g, '\n');
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  let out: string;
  if (detectFormat(file, source) === 'json') {
    let value: unknown;
    try {
      value = JSON.parse(source);
    } catch (err) {
      return cannotEdit(file, `it is not valid JSON (${err instanceof Error ? (err.message.split('\n')[0] ?? '') : 'unreadable'})`);
    }
    out = `${JSON.stringify(applyEdits(value, edits), null, 2)}\n`;
  } else out = editYaml(source, file, edits);
  return bom + (eol === '\n' ? out : out.replace(/\n/g, eol));
}

// ---- atomic write ------------------------------------------------------------------------

const OS_REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EISDIR: 'is a directory',
  EBUSY: 'resource busy',
  EEXIST: 'already exists',
};

function osReason(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return `${OS_REASONS[code] ?? 'system error'} (${code})`;
  return err instanceof Error ? (err.message.split('\n')[0] ?? 'unknown error') : 'unknown error';
}

/** The result, or undefined when the file does not exist. */
async function unlessMissing<T>(work: Promise<T>): Promise<T | undefined> {
  try {
    return await work;
  } catch (err) {
    if ((err as { code?: unknown } | null)?.code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Replaces `file` with `text` atomically: a temporary file in the same directory is written,
 * flushed to disk and renamed over it, so readers see the old file or the new one, never a
 * part. The previous content is kept as `${file}.bak` (replacing an older backup) and the
 * file mode is kept. A symbolic link is followed: the file it points to is replaced.
 * Rejects with SY_PERSIST_FAILED naming the file and the OS reason; the file is then untouched.
 */
export async function writeConfigAtomically(file: string, text: string): Promise<void> {
  let step = `reading ${file}`;
  const temps: string[] = [];
  try {
    const target = (await unlessMissing(realpath(file))) ?? file;
    const before = await unlessMissing(stat(target));
    const mode = before === undefined ? 0o644 : before.mode & 0o7777;
    const dir = dirname(target);
    const tempName = (what: string): string => join(dir, `.${basename(target)}.${what}-${process.pid}-${randomBytes(4).toString('hex')}`);
    const temp = tempName('new');
    step = `creating a temporary file in ${dir}`;
    const handle = await open(temp, 'wx', mode);
    temps.push(temp);
    try {
      step = `writing ${temp}`;
      await handle.writeFile(text, 'utf8');
      await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (before !== undefined) {
      step = `keeping the previous content in ${target}.bak`;
      const backup = tempName('bak');
      temps.push(backup);
      await copyFile(target, backup);
      await rename(backup, `${target}.bak`);
    }
    step = `replacing ${target}`;
    await rename(temp, target);
    temps.length = 0;
    await syncDirectory(dir);
  } catch (err) {
    await Promise.all(temps.map((t) => unlink(t).catch(() => undefined)));
    const reason = osReason(err);
    throw new SwitchyardError('SY_PERSIST_FAILED', `cannot write ${file}: ${step}: ${reason}`, { cause: err, details: { file, reason } });
  }
}

/** Makes the rename durable; not every platform can open a directory, so failures are ignored. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort
  }
}
