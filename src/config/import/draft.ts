/** Building a Draft: notes that also become comments, errors, and the name and unit helpers every importer uses. */
import { parseEndpoint, type Endpoint } from '../../core/address.js';
import { formatDuration } from '../../core/units.js';
import { NAME_RE } from '../schema.js';
import type { PathKey } from '../format-issues.js';
import type { ConfigIssue } from '../model.js';
import type { Draft, LegacyFormat } from './types.js';

/** A place in the source file: an element or line ("<host name=\"x\">", "mapping \"80\"") and its line number. */
export interface SourcePlace {
  readonly path: string;
  readonly line?: number | undefined;
  readonly column?: number | undefined;
}

/** Where a note's comment goes: before the key at a path of the output ([] = the file's head), or in the block at its end. */
export type CommentPlace = readonly PathKey[] | 'end';

export class DraftBuilder {
  readonly draft: Draft;

  constructor(
    format: LegacyFormat,
    readonly file: string,
  ) {
    this.draft = { format, config: {}, comments: [], trailer: [], notes: [], issues: [] };
  }

  private issue(place: SourcePlace, message: string): ConfigIssue {
    const base = { file: this.file, path: place.path, message };
    if (place.line === undefined) return base;
    return place.column === undefined ? { ...base, line: place.line } : { ...base, line: place.line, column: place.column };
  }

  /** Something not carried over exactly: listed for stderr and written as a comment at each of `at`. */
  note(place: SourcePlace, message: string, ...at: CommentPlace[]): void {
    this.draft.notes.push(this.issue(place, message));
    const text = `${describePlace(place)}: ${message}`;
    for (const where of at) {
      if (where === 'end') this.draft.trailer.push(text);
      else this.comment(where, text);
    }
  }

  /** A comment only (what the output says of itself, not a loss). */
  comment(at: readonly PathKey[], text: string): void {
    this.draft.comments.push({ at, text });
  }

  /** A problem in the source that stops the conversion. */
  fail(place: SourcePlace, message: string): void {
    this.draft.issues.push(this.issue(place, message));
  }

  get failed(): boolean {
    return this.draft.issues.length > 0;
  }
}

/** "<hostCheck> (line 41)" */
export function describePlace(place: SourcePlace): string {
  return place.line === undefined ? place.path : `${place.path} (line ${place.line})`;
}

/** A name the schema accepts, made from `raw`: other characters become "-", at most 64 long. */
export function safeName(raw: string, fallback: string): string {
  const cleaned = raw
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 64);
  return NAME_RE.test(cleaned) ? cleaned : fallback;
}

/** `name`, or `name-2`, `name-3`… if taken; the result is added to `taken`. */
export function uniqueName(name: string, taken: Set<string>): string {
  let candidate = name;
  for (let i = 2; taken.has(candidate); i++) {
    const suffix = `-${i}`;
    candidate = `${name.slice(0, 64 - suffix.length)}${suffix}`;
  }
  taken.add(candidate);
  return candidate;
}

/** A count of seconds as written in the older files ("30", "0.5"), or undefined. */
export function parseSeconds(text: string): number | undefined {
  if (!/^\s*\d+(?:\.\d+)?\s*$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** Seconds as a Switchyard duration string with its unit: 30 → "30s", 0.5 → "500ms", 600 → "10m". */
export function secondsToDuration(seconds: number): string {
  return formatDuration(Math.round(seconds * 1000));
}

/** A whole number in 0–1000 (a backend weight), or a reason. */
export function weightReason(text: string): { weight: number } | { reason: string } {
  if (!/^\s*\d+\s*$/.test(text)) return { reason: `weight must be a whole number, got "${text}"` };
  const weight = Number(text);
  if (weight > 1000) return { reason: `weight ${weight} is above 1000, the most Switchyard takes (scale the group's weights down)` };
  return { weight };
}

/**
 * Checks an older file's "host:port" (`what` names it in the message: 'ip "x"', 'worker "x"').
 * Bind addresses may use "*", "0.0.0.0" or an empty host for all interfaces.
 */
export function parseLegacyAddress(text: string, what: string, bind: boolean): { ok: true; value: Endpoint } | { ok: false; reason: string } {
  const s = text.trim();
  const colon = s.lastIndexOf(':');
  if (colon < 0 || (s.startsWith('[') && !s.slice(s.lastIndexOf(']')).includes(':'))) return { ok: false, reason: `${what} has no port` };
  const portText = s.slice(colon + 1);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < (bind ? 0 : 1) || port > 65535) {
    return { ok: false, reason: `${what} has a bad port (${bind ? '0' : '1'}–65535, got "${portText}")` };
  }
  const r = parseEndpoint(s, { allowWildcard: bind, allowZero: bind });
  if (!r.ok) return { ok: false, reason: `${what}: ${r.reason}` };
  return r;
}
