/** The older balancers' config files in ../shared/legacy-configs, and rewrites of them that point at loopback. */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** From dist/test/config/import/ up to the directory that holds the checkout and `shared/`. */
export const LEGACY_DIR = fileURLToPath(new URL('../../../../../shared/legacy-configs/', import.meta.url));
export const MISSING_REASON = '../shared/legacy-configs is not here';

export const TXLB = 'txloadbalancer-config.xml';
export const PYDIR = 'pythondirector-confex.xml';
export const PUMPKIN = 'pumpkinlb-example.cfg';
export const MINI = 'mini-load-balancer-config.json';

export function legacyPath(name: string): string {
  return `${LEGACY_DIR}${name}`;
}

/** The file's text, or undefined (and the test skipped) when the shared directory is absent. */
export function legacyText(t: { skip: (message: string) => void }, name: string): string | undefined {
  const path = legacyPath(name);
  if (!existsSync(path)) {
    t.skip(MISSING_REASON);
    return undefined;
  }
  return readFileSync(path, 'utf8');
}

/** Every `<listen ip>` → 127.0.0.1:0; the n-th `<host>`/`<client>` ip → 127.0.0.1:ports[n]. */
export function rewriteDirectorXml(text: string, ports: readonly number[]): string {
  let i = 0;
  return text
    .replace(/(<listen\b[^>]*\bip=")[^"]*(")/g, '$1127.0.0.1:0$2')
    .replace(/(<(?:host|client)\b[^>]*\bip=")[^"]*(")/g, (_m, a: string, b: string) => `${a}127.0.0.1:${ports[i++] ?? 1}${b}`);
}

/** How many `<host>`/`<client>` elements the text has. */
export function countDirectorHosts(text: string): number {
  return [...text.matchAll(/<(?:host|client)\b/g)].length;
}
