/** Temporary files for tests. */
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempFile(name: string, content: string): { path: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-test-'));
  const path = join(dir, name);
  writeFileSync(path, content);
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
