/**
 * The entry point for older config files: recognise, convert to Switchyard YAML, validate.
 * `loadAnyConfigFile` reads either kind of file and answers like `loadConfigFile`, plus the
 * notes of what a conversion could not carry over, the format it came from and the text read.
 */
import { basename } from 'node:path';
import { compareIssues } from '../format-issues.js';
import { parseConfigText, readConfigFile, type ValidateResult } from '../load.js';
import type { ConfigIssue, RuntimeConfig } from '../model.js';
import { detectLegacyKind, type LegacyKind } from './detect.js';
import { convertDirectorXml } from './director-xml.js';
import { emitDraft } from './emit.js';
import { convertMiniLbJson } from './mini-lb.js';
import { convertPumpkinIni } from './pumpkinlb.js';
import { LEGACY_FORMAT_NAMES, type Draft, type ImportNote, type LegacyFormat } from './types.js';

export type ImportResult =
  | { readonly ok: true; readonly format: LegacyFormat; readonly yaml: string; readonly config: RuntimeConfig; readonly notes: readonly ImportNote[] }
  | { readonly ok: false; readonly format: LegacyFormat; readonly issues: ConfigIssue[]; readonly notes: readonly ImportNote[] };

/** `text` is the text read: always there when ok, undefined when the file could not be read. */
export type AnyLoadResult = (
  | (Extract<ValidateResult, { ok: true }> & { readonly text: string })
  | (Extract<ValidateResult, { ok: false }> & { readonly text: string | undefined })
) & {
  /** The older format the file was converted from; undefined for a Switchyard YAML or JSON file. */
  readonly convertedFrom: LegacyFormat | undefined;
  readonly notes: readonly ImportNote[];
};

const CONVERTERS: Readonly<Record<LegacyKind, (text: string, file: string) => Draft>> = {
  xml: convertDirectorXml,
  ini: convertPumpkinIni,
  json: convertMiniLbJson,
};

/**
 * Converts an older config's text to Switchyard YAML and validates the result. Undefined when
 * the text is none of the older formats. Pure: nothing is read, resolved or bound.
 */
export function importLegacyText(text: string, file: string): ImportResult | undefined {
  const kind = detectLegacyKind(text);
  if (kind === undefined) return undefined;
  const draft = CONVERTERS[kind](text, file);
  const format = draft.format;
  const notes = [...draft.notes].sort(compareIssues);
  if (draft.issues.length > 0) return { ok: false, format, issues: draft.issues, notes };
  const yaml = emitDraft(draft, basename(file));
  const checked = parseConfigText(yaml, file, 'yaml');
  if (!checked.ok) {
    // Positions would point into text the user has not seen: name the converted key instead.
    const issues = checked.issues.map((i) => ({ file, path: i.path, message: `in the converted config: ${i.message}` }));
    return { ok: false, format, issues, notes };
  }
  return { ok: true, format, yaml, config: checked.config, notes };
}

/**
 * Reads a Switchyard config, or an older balancer's config converted on the fly, from one read of
 * the file (the text it validated comes with the result). Never throws.
 */
export async function loadAnyConfigFile(file: string): Promise<AnyLoadResult> {
  const read = await readConfigFile(file);
  if (!read.ok) return { ...read, convertedFrom: undefined, notes: [], text: undefined };
  const text = read.text;
  const imported = importLegacyText(text, file);
  if (imported === undefined) return { ...parseConfigText(text, file), convertedFrom: undefined, notes: [], text };
  if (!imported.ok) return { ok: false, issues: imported.issues, convertedFrom: imported.format, notes: imported.notes, text };
  return { ok: true, config: imported.config, convertedFrom: imported.format, notes: imported.notes, text };
}

/** The one line `check` and `run` print for a converted file. */
export function conversionNotice(file: string, result: Pick<AnyLoadResult, 'ok' | 'convertedFrom' | 'notes'>): string | undefined {
  if (result.convertedFrom === undefined) return undefined;
  if (!result.ok) return `${file}: read as ${LEGACY_FORMAT_NAMES[result.convertedFrom]}, which cannot be converted as it is:`;
  const n = result.notes.length;
  const notes = n === 0 ? '' : ` (${n} note${n === 1 ? '' : 's'} on what could not be carried over exactly)`;
  return `${file}: converted from ${LEGACY_FORMAT_NAMES[result.convertedFrom]}${notes}; write it out with: switchyard import ${file} -o switchyard.yaml`;
}
