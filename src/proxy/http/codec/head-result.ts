/**
 * What the head parsers return. Every result is a preallocated, frozen object: a parse
 * never allocates its result. The facts of a parsed head are written into the caller's
 * reusable head object (`RequestHead` / `ResponseHead`), including `headLength`.
 */

/** Limits applied while a head is parsed. */
export interface HeadLimits {
  /** Largest head in bytes, from the first byte (leading empty lines included) to the final CRLFCRLF. Over it: 431 (502 for a response). */
  readonly maxHeadBytes: number;
  /** Longest request-target in bytes. Over it: 414, found as soon as the target is that long. */
  readonly maxUriBytes: number;
  /** Most header fields. Over it: 431 (502 for a response). */
  readonly maxHeaders: number;
}

export const DEFAULT_HEAD_LIMITS: HeadLimits = Object.freeze({ maxHeadBytes: 16 * 1024, maxUriBytes: 8 * 1024, maxHeaders: 100 });

/** The status the proxy answers with. Response heads always give 502. */
export type HeadErrorStatus = 400 | 414 | 431 | 501 | 502 | 505;

/** The head is not complete yet: call again with more bytes (from the same start). */
export interface HeadIncomplete {
  readonly type: 'incomplete';
}

/** The head is complete and valid; its facts (and `headLength`) are in the head object. */
export interface HeadComplete {
  readonly type: 'complete';
}

/** The head is invalid; answer `status` and close. `reason` is short, for the log. */
export interface HeadError {
  readonly type: 'error';
  readonly status: HeadErrorStatus;
  readonly reason: string;
}

export type HeadResult = HeadIncomplete | HeadComplete | HeadError;

export const INCOMPLETE: HeadIncomplete = Object.freeze({ type: 'incomplete' });
export const COMPLETE: HeadComplete = Object.freeze({ type: 'complete' });

/** A frozen error result; parsers build all of theirs once, at load. */
export function headError(status: HeadErrorStatus, reason: string): HeadError {
  return Object.freeze({ type: 'error', status, reason });
}
