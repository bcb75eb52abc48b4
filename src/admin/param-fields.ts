/**
 * What a command's parameter schema says about each field, read from the zod schema itself:
 * which JSON types it takes, its choices and bounds, whether it is required. The REST API uses
 * it to turn query strings into values, `switchyard ctl` to build its flags and help; neither
 * keeps a list of its own. Also the one wording of a rejected parameter ("weight: must be
 * 0–1000, got 5000").
 */
import { z } from 'zod';
import { describeValue, renderPath, suggestion, translateZodIssue, type LocatedIssue } from '../config/format-issues.js';

export type ValueKind = 'string' | 'number' | 'boolean' | 'array';

/** The parameter that is a whole configuration's text: the API also takes it as a raw YAML body, `ctl` reads it from a file. */
export const CONFIG_TEXT_PARAM = 'config';

export interface ParamField {
  readonly name: string;
  /** Neither optional nor defaulted. */
  readonly required: boolean;
  /** The JSON types the field takes (an array's elements are read as strings, numbers or booleans the same way). */
  readonly kinds: ReadonlySet<ValueKind>;
  /** The element kinds of an array field. */
  readonly elementKinds: ReadonlySet<ValueKind>;
  /** Allowed values of an enum field. */
  readonly choices: readonly string[] | undefined;
  readonly min: number | undefined;
  readonly max: number | undefined;
  readonly description: string | undefined;
}

/** One rejected parameter: its path ("weight", "backends[1]") and why. */
export interface ParamIssue {
  readonly path: string;
  readonly message: string;
}

interface Shape {
  kinds: Set<ValueKind>;
  elementKinds: Set<ValueKind>;
  choices: string[] | undefined;
  min: number | undefined;
  max: number | undefined;
  required: boolean;
}

function inspect(schema: z.core.$ZodType, into: Shape, inArray: boolean): void {
  const kinds = inArray ? into.elementKinds : into.kinds;
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodDefault) {
    if (!inArray) into.required = false;
    inspect(schema.def.innerType, into, inArray);
  } else if (schema instanceof z.ZodPipe) {
    inspect(schema.def.in, into, inArray);
  } else if (schema instanceof z.ZodUnion) {
    for (const option of schema.def.options) inspect(option, into, inArray);
  } else if (schema instanceof z.ZodArray) {
    kinds.add('array');
    if (!inArray) inspect(schema.def.element, into, true);
  } else if (schema instanceof z.ZodEnum) {
    kinds.add('string');
    if (!inArray) into.choices = schema.options.map(String);
  } else if (schema instanceof z.ZodNumber) {
    kinds.add('number');
    if (!inArray) {
      into.min = schema.minValue ?? undefined;
      into.max = schema.maxValue ?? undefined;
    }
  } else if (schema instanceof z.ZodBoolean) {
    kinds.add('boolean');
  } else {
    kinds.add('string');
  }
}

const fieldCache = new WeakMap<z.ZodObject, readonly ParamField[]>();

/** The fields of a command's parameter object, in declaration order. */
export function paramFields(params: z.ZodObject): readonly ParamField[] {
  const cached = fieldCache.get(params);
  if (cached !== undefined) return cached;
  const shape: Readonly<Record<string, z.core.$ZodType>> = params.shape;
  const fields = Object.entries(shape).map(([name, schema]): ParamField => {
    const s: Shape = { kinds: new Set(), elementKinds: new Set(), choices: undefined, min: undefined, max: undefined, required: true };
    inspect(schema, s, false);
    const description = z.globalRegistry.get(schema)?.description;
    return { name, required: s.required, kinds: s.kinds, elementKinds: s.elementKinds, choices: s.choices, min: s.min, max: s.max, description };
  });
  fieldCache.set(params, fields);
  return fields;
}

const NUMBER_TEXT = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;

function scalarFromText(kinds: ReadonlySet<ValueKind>, raw: string): unknown {
  if (kinds.has('string')) return raw;
  if (kinds.has('boolean') && (raw === 'true' || raw === 'false')) return raw === 'true';
  if (kinds.has('number') && NUMBER_TEXT.test(raw)) return Number(raw);
  return raw;
}

/**
 * The value a field gets from text (a query string or a command line). `true`/`false` become
 * booleans and numerals numbers where the field takes them and not a string; a field that
 * takes a list gets one from repeated values (or one value, when it cannot take a single one).
 * A value that fits nothing is passed on as text, for the schema to reject with a reason.
 */
export function valueFromTexts(field: ParamField, raws: readonly string[]): unknown {
  const takesList = field.kinds.has('array');
  const takesScalar = [...field.kinds].some((k) => k !== 'array');
  if (takesList && (raws.length > 1 || !takesScalar)) return raws.map((r) => scalarFromText(field.elementKinds, r));
  if (raws.length === 1) return scalarFromText(field.kinds, raws[0] ?? '');
  return raws.map((r) => scalarFromText(field.kinds, r));
}

function rangeOf(field: ParamField | undefined): string | undefined {
  if (field?.min === undefined || field.max === undefined) return undefined;
  // Bounds only an integer check set (±2^53) say nothing useful.
  if (Math.abs(field.min) > 1e12 || Math.abs(field.max) > 1e12) return undefined;
  return `${field.min}–${field.max}`;
}

/** Every issue zod found in a command's parameters, each with the field it concerns. */
export function paramIssues(params: z.ZodObject, error: z.ZodError): ParamIssue[] {
  const fields = paramFields(params);
  const known = fields.map((f) => f.name);
  const out: ParamIssue[] = [];
  const seen = new Set<string>();
  const push = (path: string, message: string): void => {
    if (seen.has(path)) return;
    seen.add(path);
    out.push({ path, message });
  };
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) push(key, `unknown parameter${suggestion(key, known)}; known: ${known.length === 0 ? 'none' : known.join(', ')}`);
      continue;
    }
    const top = issue.path[0];
    const field = fields.find((f) => f.name === top);
    const range = issue.path.length === 1 ? rangeOf(field) : undefined;
    if ((issue.code === 'too_small' || issue.code === 'too_big') && issue.origin === 'number' && range !== undefined) {
      push(String(top), `must be ${range}, got ${describeValue(issue.input)}`);
      continue;
    }
    const located: LocatedIssue[] = [];
    translateZodIssue(issue, [], located);
    for (const l of located) push(renderPath(l.path), l.message);
  }
  return out;
}

/** A command's parameters checked by its schema (defaults filled in), or every issue found. */
export function parseParams(params: z.ZodObject, raw: Readonly<Record<string, unknown>>): { readonly ok: true; readonly value: Record<string, unknown> } | { readonly ok: false; readonly issues: ParamIssue[] } {
  // A coercing schema would see a missing or non-numeric value only as NaN: say what was given.
  const early: ParamIssue[] = [];
  for (const f of paramFields(params)) {
    const v = raw[f.name];
    if (v === undefined && f.required) early.push({ path: f.name, message: 'is required' });
    else if (typeof v === 'string' && f.kinds.has('number') && !f.kinds.has('string') && !NUMBER_TEXT.test(v)) early.push({ path: f.name, message: `must be a number, got ${describeValue(v)}` });
  }
  const r = params.safeParse(raw, { reportInput: true });
  if (r.success && early.length === 0) return { ok: true, value: r.data };
  const later = r.success ? [] : paramIssues(params, r.error).filter((i) => !early.some((e) => e.path === i.path));
  return { ok: false, issues: [...early, ...later] };
}

/** "weight: must be 0–1000, got 5000" (several joined by "; "). */
export function formatParamIssues(issues: readonly ParamIssue[]): string {
  return issues.map((i) => (i.path === '' ? i.message : `${i.path}: ${i.message}`)).join('; ');
}
