/** XML text → a small element tree with line numbers, or the first syntax error with its line and column. */
import { createRequire } from 'node:module';
import type * as FastXmlParser from 'fast-xml-parser';

type Fxp = typeof FastXmlParser;

// Loaded on first use: only an older balancer's XML config needs it, and a running balancer's
// heap is kept small (bench/gc-promotion.sh: a larger heap makes V8 promote closed connections).
let fxp: Fxp | undefined;
function xmlParser(): Fxp {
  return (fxp ??= createRequire(import.meta.url)('fast-xml-parser') as Fxp);
}

export interface XmlElement {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  /** 1-based line of the element's start tag. */
  readonly line: number | undefined;
}

export type XmlParseResult = { ok: true; root: XmlElement } | { ok: false; reason: string; line: number; column: number };

type RawNode = Record<string, unknown>;

function lineAt(text: string, offset: number | undefined): number | undefined {
  if (offset === undefined) return undefined;
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** `meta` is the parser's metadata symbol (where each element starts in the text). */
function toElements(nodes: unknown, text: string, meta: symbol): XmlElement[] {
  if (!Array.isArray(nodes)) return [];
  const out: XmlElement[] = [];
  for (const node of nodes as RawNode[]) {
    const name = Object.keys(node).find((k) => k !== ':@');
    if (name === undefined || name.startsWith('#') || name.startsWith('?')) continue;
    const attrs: Record<string, string> = {};
    const rawAttrs = node[':@'];
    if (typeof rawAttrs === 'object' && rawAttrs !== null) {
      for (const [k, v] of Object.entries(rawAttrs)) attrs[k] = typeof v === 'string' ? v : String(v);
    }
    const at = (node as Record<symbol, { startIndex?: number } | undefined>)[meta];
    out.push({ name, attrs, children: toElements(node[name], text, meta), line: lineAt(text, at?.startIndex) });
  }
  return out;
}

/** Parses `text`; a document needs exactly one root element. */
export function parseXmlTree(text: string): XmlParseResult {
  const { XMLParser, XMLValidator } = xmlParser();
  const valid = XMLValidator.validate(text, { allowBooleanAttributes: false });
  if (valid !== true) {
    const { msg, line, col } = valid.err;
    return { ok: false, reason: msg.replace(/\s+/g, ' ').trim(), line, column: col };
  }
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    preserveOrder: true,
    captureMetaData: true,
    parseAttributeValue: false,
    parseTagValue: false,
    trimValues: true,
    processEntities: true,
  });
  const roots = toElements(parser.parse(text) as unknown, text, XMLParser.getMetaDataSymbol() as symbol);
  const root = roots[0];
  if (root === undefined) return { ok: false, reason: 'no root element', line: 1, column: 1 };
  return { ok: true, root };
}

/** `<host name="x">`: an element as it reads in messages, with its identifying attribute. */
export function describeElement(el: XmlElement, attr = 'name'): string {
  const value = el.attrs[attr];
  return value === undefined ? `<${el.name}>` : `<${el.name} ${attr}="${value}">`;
}
