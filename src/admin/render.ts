/**
 * What the admin surfaces send back, made safe and readable: token hashes are redacted from
 * every answer (the running config, the file on disk, change plans), and the running config is
 * rendered as YAML or JSON.
 */
import { stringify } from 'yaml';

export const REDACTED = '<redacted>';

/** Keys whose string values are secrets (a token, or a hash of one). */
const SECRET_KEYS = new Set(['token', 'tokenHash', 'tokenSha256']);
/** A SHA-256 in hex, with or without the "sha256:" of `tokenHash`: nothing else in an answer looks like one. */
const DIGEST_RE = /\b(?:sha256:)?[0-9a-fA-F]{64}\b/g;

/** Replaces every token hash in `text` with "<redacted>" (a config file's text, a plan line). */
export function redactText(text: string): string {
  return text.replace(DIGEST_RE, REDACTED);
}

/** A deep copy of a JSON-like value with every secret replaced by "<redacted>". */
export function redactSecrets(value: unknown): unknown {
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEYS.has(k) && typeof v === 'string' ? REDACTED : redactSecrets(v);
    return out;
  }
  return value;
}

/** The running configuration as YAML text, secrets redacted. */
export function configYaml(config: unknown): string {
  return stringify(redactSecrets(config), { lineWidth: 0 });
}
