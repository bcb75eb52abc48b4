/** The shapes shared by the importers of older balancers' config files. */
import type { PathKey } from '../format-issues.js';
import type { ConfigIssue } from '../model.js';

/** The config formats `switchyard import` reads. */
export type LegacyFormat = 'txloadbalancer-xml' | 'pythondirector-xml' | 'pumpkinlb-ini' | 'mini-load-balancer-json';

/** How each format is named in messages. */
export const LEGACY_FORMAT_NAMES: Readonly<Record<LegacyFormat, string>> = Object.freeze({
  'txloadbalancer-xml': 'txLoadBalancer XML',
  'pythondirector-xml': 'PythonDirector XML',
  'pumpkinlb-ini': 'PumpkinLB ini',
  'mini-load-balancer-json': 'mini-load-balancer JSON',
});

/**
 * Something the conversion could not carry over exactly. `path` names the source element or
 * line ("<hostCheck>", "mapping \"24003\""), `line` its line in the source file.
 */
export type ImportNote = ConfigIssue;

/** A YAML comment to write before the key (or list item) at `at` in the output; [] = the file's head. */
export interface DraftComment {
  readonly at: readonly PathKey[];
  readonly text: string;
}

/** A converted config before it is written: plain values, comments, notes and errors. */
export interface Draft {
  readonly format: LegacyFormat;
  /** The Switchyard config as plain values, in the order it is written. */
  readonly config: Record<string, unknown>;
  readonly comments: DraftComment[];
  /** Lines of a commented-out block written at the end of the file. */
  readonly trailer: string[];
  readonly notes: ImportNote[];
  /** Problems in the source file that stop the conversion. */
  readonly issues: ConfigIssue[];
}
