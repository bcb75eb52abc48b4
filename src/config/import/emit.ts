/** A Draft → YAML text, with each note written as a comment at the place it concerns. */
import { Document, isMap, isPair, isScalar, isSeq, visit, type Node } from 'yaml';
import type { PathKey } from '../format-issues.js';
import { LEGACY_FORMAT_NAMES, type Draft } from './types.js';

const WIDTH = 100;
/** Maps of plain values written on one line under these keys (`http` only inside `active`). */
const FLOW_KEYS = new Set(['failover', 'passive']);

/** Words wrapped to `width`, continuation lines indented by two spaces; each line starts with a space (after "#"). */
export function wrapComment(text: string, width = WIDTH): string {
  const out: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(' ')) {
      if (line !== '' && line.length + 1 + word.length > width) {
        out.push(line);
        line = `  ${word}`;
      } else line = line === '' ? word : `${line} ${word}`;
    }
    out.push(line);
  }
  return out.map((l) => ` ${l}`).join('\n');
}

function addBefore(node: { commentBefore?: string | null }, text: string): void {
  node.commentBefore = node.commentBefore ? `${node.commentBefore}\n${text}` : text;
}

/** The node that a comment at `path` goes before: the key of a map entry or an item of a list. */
function commentTarget(doc: Document, path: readonly PathKey[]): { commentBefore?: string | null } | undefined {
  let node: unknown = doc.contents;
  let target: { commentBefore?: string | null } | undefined;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (pair === undefined || !isScalar(pair.key)) return target;
      target = pair.key;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
      target = node.items[seg] as Node;
      node = target;
    } else return target;
  }
  return target;
}

function setStyles(doc: Document): void {
  visit(doc, {
    Seq(_key, seq) {
      if (seq.items.every((i) => isScalar(i))) seq.flow = true;
      for (const item of seq.items) {
        if (isMap(item) && item.items.every((p) => isScalar(p.value))) item.flow = true;
      }
    },
    Pair(_key, pair, path) {
      if (!isScalar(pair.key) || !isMap(pair.value) || !pair.value.items.every((p) => isScalar(p.value))) return;
      const key = String(pair.key.value);
      const parent = path[path.length - 2];
      const inActive = isPair(parent) && isScalar(parent.key) && parent.key.value === 'active';
      if (FLOW_KEYS.has(key) || (key === 'http' && inActive)) pair.value.flow = true;
    },
  });
}

/** The YAML text of a draft: a header naming the source, the config, comments, then the block of what was left out. */
export function emitDraft(draft: Draft, sourceName: string): string {
  const doc = new Document(draft.config);
  setStyles(doc);
  const head = [`Converted by \`switchyard import\` from ${sourceName} (${LEGACY_FORMAT_NAMES[draft.format]}).`];
  if (draft.notes.length > 0) head.push('Comments that name a place in the source file say what could not be carried over exactly.');
  doc.commentBefore = wrapComment(head.join('\n'));
  for (const c of draft.comments) {
    const text = wrapComment(c.text);
    if (c.at.length === 0) addBefore(doc, text);
    else {
      const target = commentTarget(doc, c.at);
      if (target === undefined) addBefore(doc, text);
      else addBefore(target, text);
    }
  }
  if (draft.trailer.length > 0) {
    doc.comment = draft.trailer.map((t) => (t.includes('\n') ? t.split('\n').map((l) => ` ${l}`).join('\n') : wrapComment(t))).join('\n\n');
  }
  return doc.toString({ lineWidth: 0 });
}
