/**
 * What the console prints for a command's answer: the same text as `switchyard ctl` (status
 * tables, a change's plan and where it went, YAML for the rest; ../result-text.ts), with
 * secrets redacted as the REST API does (../render.ts); and errors as "error: CODE: message".
 */
import { isSwitchyardError } from '../../core/errors.js';
import { formatIssue } from '../../config/format-issues.js';
import type { ConfigIssue } from '../../config/model.js';
import type { Command } from '../commands.js';
import type { StatusView } from '../control-plane.js';
import { changeText, genericText, isChangeResult, statusText } from '../result-text.js';
import { configYaml, redactSecrets, redactText } from '../render.js';

/** A command's result as text; `configFile` names where a persisted change went. */
export function renderResult(command: Command, params: Readonly<Record<string, unknown>>, result: unknown, configFile: string | null | undefined): string {
  if (command.name === 'status') return statusText(result as StatusView);
  if (command.name === 'config.show') return params['format'] === 'json' ? `${JSON.stringify(redactSecrets(result), null, 2)}\n` : configYaml(result);
  if (isChangeResult(result)) {
    const applied = command.access === 'full';
    return redactText(changeText(result, { applied, ...(applied && result.persisted === true && configFile !== undefined ? { configFile } : {}) }));
  }
  if (typeof result === 'object' && result !== null && 'text' in result && typeof result.text === 'string' && 'file' in result) return redactText(result.text);
  return genericText(redactSecrets(result));
}

/** "error: CODE: message", then one indented line per config issue. Errors of no known kind are not shown (the caller logs them). */
export function formatError(err: unknown): string {
  if (!isSwitchyardError(err)) return 'error: internal error (see the balancer\'s log)';
  const [first = '', ...more] = redactText(err.message).split('\n');
  const lines = [`error: ${err.code}: ${first}`];
  const issues = err.details?.['issues'];
  if (Array.isArray(issues)) for (const issue of issues as ConfigIssue[]) lines.push(`  ${redactText(formatIssue(issue))}`);
  else lines.push(...more.map((l) => `  ${l.trim()}`));
  return lines.join('\n');
}
