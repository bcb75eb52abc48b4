/**
 * Generated reference docs: docs/config-reference.md from the config schema (every key as a
 * dotted path, with its type, default, description and an example) and docs/error-codes.md
 * from ERROR_CODES. scripts/gen-docs.js writes them; a test keeps the committed files current.
 */
import { z } from 'zod';
import { stringify } from 'yaml';
import { BackendAddress, ConfigSchema, Duration, Size } from './schema.js';
import { ERROR_CODES } from '../core/errors.js';

interface Row {
  readonly path: string;
  readonly type: string;
  readonly default: string;
  readonly description: string;
  readonly example: string;
}

interface Found {
  readonly schema: z.ZodType;
  readonly description: string | undefined;
  readonly examples: readonly unknown[] | undefined;
  readonly default: { value: unknown } | undefined;
  readonly optional: boolean;
}

/** Peels optional/default/prefault wrappers, keeping the outermost description and examples. */
function peel(schema: z.ZodType): Found {
  let s = schema;
  let description: string | undefined;
  let examples: readonly unknown[] | undefined;
  let def: { value: unknown } | undefined;
  let optional = false;
  for (;;) {
    const meta = s.meta();
    description ??= meta?.description;
    examples ??= Array.isArray(meta?.examples) ? (meta.examples as unknown[]) : undefined;
    if (s instanceof z.ZodDefault || s instanceof z.ZodPrefault) {
      def ??= { value: s.def.defaultValue };
      s = s.def.innerType as z.ZodType;
    } else if (s instanceof z.ZodOptional) {
      optional = true;
      s = s.def.innerType as z.ZodType;
    } else break;
  }
  return { schema: s, description, examples, default: def, optional };
}

function typeName(schema: z.ZodType): string {
  const s = peel(schema).schema;
  if (s === Duration) return 'duration';
  if (s === Size) return 'size';
  if (s === BackendAddress) return 'address';
  if (s instanceof z.ZodEnum) return (s.options as readonly unknown[]).map((o) => JSON.stringify(o)).join(' \\| ');
  if (s instanceof z.ZodNumber) {
    const { minValue: min, maxValue: max } = s;
    const bounded = max !== null && max < Number.MAX_SAFE_INTEGER;
    const range = min !== null && bounded ? ` ${min}–${max}` : min !== null && min > Number.MIN_SAFE_INTEGER ? ` ≥ ${min}` : '';
    return `${s.isInt ? 'integer' : 'number'}${range}`;
  }
  if (s instanceof z.ZodString) return 'string';
  if (s instanceof z.ZodBoolean) return 'boolean';
  if (s instanceof z.ZodArray) {
    const item = typeName(s.def.element as z.ZodType);
    return item.includes(' ') ? `list of (${item})` : `list of ${item}`;
  }
  if (s instanceof z.ZodRecord) return 'map of name → object';
  if (s instanceof z.ZodObject) return 'object';
  if (s instanceof z.ZodUnion) return (s.options as readonly z.ZodType[]).map(typeName).join(' or ');
  return 'value';
}

function code(value: unknown): string {
  const text = stringify(value, { flow: true, lineWidth: 0 }).trim();
  return `\`${text.replace(/\|/g, '\\|')}\``;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function row(path: string, schema: z.ZodType, required: boolean): Row {
  const f = peel(schema);
  const example = f.examples?.[0] ?? (f.default !== undefined && !(f.schema instanceof z.ZodObject) ? f.default.value : undefined);
  let dflt = required ? 'required' : '—';
  if (f.default !== undefined && !(f.schema instanceof z.ZodObject)) dflt = code(f.default.value);
  return { path: `\`${path}\``, type: typeName(schema), default: dflt, description: cell(f.description ?? ''), example: example === undefined ? '' : code(example) };
}

/** One row per key, depth first: records add "<name>", arrays add "[]". */
function collect(path: string, schema: z.ZodType, required: boolean, out: Row[]): void {
  if (path !== '') out.push(row(path, schema, required));
  const s = peel(schema).schema;
  if (s instanceof z.ZodObject) {
    for (const [key, field] of Object.entries<z.ZodType>(s.shape)) {
      const inner = peel(field);
      collect(path === '' ? key : `${path}.${key}`, field, !inner.optional && inner.default === undefined, out);
    }
  } else if (s instanceof z.ZodRecord) {
    collect(`${path}.<name>`, s.def.valueType as z.ZodType, false, out);
  } else if (s instanceof z.ZodArray) {
    const element = peel(s.def.element as z.ZodType).schema;
    if (element instanceof z.ZodUnion) {
      for (const option of element.options as readonly z.ZodType[]) if (peel(option).schema instanceof z.ZodObject) collect(`${path}[]`, option, false, out);
    } else if (element instanceof z.ZodObject) collect(`${path}[]`, element, false, out);
  }
}

const INTRO = `Every key of a Switchyard config file (YAML or JSON), as a dotted path: \`<name>\` stands
for a name you choose (a listener or pool name: 1–64 letters, digits, "_", "." or "-",
starting with a letter or digit) and \`[]\` for an item of a list.

- **duration**: \`"250ms"\`, \`"5s"\`, \`"2m"\`, \`"1h"\`, or a number of milliseconds.
- **size**: \`"16KiB"\`, \`"1MiB"\`, \`"64KB"\`, or a number of bytes.
- **address**: \`"host:port"\` or \`"[ipv6]:port"\`; bind addresses also take \`"*:port"\` or
  \`":port"\` (all interfaces), and port 0 (any free port).
- A backend may be written as an address string (weight 1) or as an object.

Run \`switchyard check <file>\` to validate a file; every problem is reported at once with its
line, column and key path.`;

/** docs/config-reference.md */
export function renderConfigReference(): string {
  const rows: Row[] = [];
  collect('', ConfigSchema, true, rows);
  const lines = [
    '<!-- Generated by scripts/gen-docs.js from src/config/schema.ts. Do not edit: run `npm run docs`. -->',
    '',
    '# Configuration reference',
    '',
    INTRO,
    '',
    '| Key | Type | Default | Description | Example |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.path} | ${r.type} | ${r.default} | ${r.description} | ${r.example} |`),
    '',
  ];
  return lines.join('\n');
}

/** docs/error-codes.md */
export function renderErrorCodes(): string {
  const lines = [
    '<!-- Generated by scripts/gen-docs.js from src/core/errors.ts. Do not edit: run `npm run docs`. -->',
    '',
    '# Error codes',
    '',
    'Every error Switchyard raises on purpose is a `SwitchyardError` with a stable `code`.',
    'Branch on `code`, never on `message`. `retryable` says whether the same operation may',
    'succeed if tried again unchanged.',
    '',
    '| Code | Source | Retryable | Description |',
    '|---|---|---|---|',
    ...Object.entries(ERROR_CODES).map(([c, info]) => `| \`${c}\` | ${info.source} | ${info.retryable ? 'yes' : 'no'} | ${cell(info.description)} |`),
    '',
  ];
  return lines.join('\n');
}
