import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderConfigReference, renderErrorCodes } from '../../src/config/docs.js';
import { ERROR_CODES } from '../../src/core/errors.js';

/** The compiled test lives in dist/test/config/: the repo root is three levels up. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function committed(rel: string): string {
  try {
    return readFileSync(join(ROOT, rel), 'utf8');
  } catch {
    return '';
  }
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return name.endsWith('.ts') ? [p] : [];
  });
}

void describe('generated docs', () => {
  void test('docs/config-reference.md matches the schema', () => {
    assert.ok(committed('docs/config-reference.md') === renderConfigReference(), 'docs/config-reference.md is out of date: run `npm run docs` and commit the result');
  });

  void test('docs/error-codes.md matches ERROR_CODES', () => {
    assert.ok(committed('docs/error-codes.md') === renderErrorCodes(), 'docs/error-codes.md is out of date: run `npm run docs` and commit the result');
  });

  void test('the config reference lists every key, with <name> for records and [] for lists', () => {
    const text = renderConfigReference();
    for (const key of ['listeners.<name>.bind', 'pools.<name>.backends[].port', 'pools.<name>.health.active.allDownInterval', 'timeouts.drain', 'log.level']) {
      assert.ok(text.includes(`| \`${key}\` |`), `missing ${key}`);
    }
  });
});

void describe('error codes', () => {
  void test('every code in ERROR_CODES appears in docs/error-codes.md', () => {
    const docs = committed('docs/error-codes.md');
    const missing = Object.keys(ERROR_CODES).filter((code) => !docs.includes(`\`${code}\``));
    assert.deepEqual(missing, [], 'run `npm run docs`');
  });

  void test('every SY_ code used in src/ exists in ERROR_CODES', () => {
    const used = new Map<string, string>();
    for (const file of sourceFiles(join(ROOT, 'src'))) {
      for (const [code] of readFileSync(file, 'utf8').matchAll(/\bSY_[A-Z_]+\b/g)) if (!used.has(code)) used.set(code, file.slice(ROOT.length));
    }
    const unknown = [...used].filter(([code]) => !Object.hasOwn(ERROR_CODES, code)).map(([code, file]) => `${code} (${file})`);
    assert.deepEqual(unknown, [], 'add these codes to ERROR_CODES in src/core/errors.ts, then run `npm run docs`');
    assert.ok(used.size > 0);
  });

  void test('every code in ERROR_CODES is raised somewhere in src/', () => {
    const raised = new Set<string>();
    for (const file of sourceFiles(join(ROOT, 'src'))) {
      if (file.endsWith(join('core', 'errors.ts'))) continue;
      for (const [, code] of readFileSync(file, 'utf8').matchAll(/'(SY_[A-Z_]+)'/g)) raised.add(code ?? '');
    }
    const phantom = Object.keys(ERROR_CODES).filter((code) => !raised.has(code));
    assert.deepEqual(phantom, [], 'these codes are documented but nothing raises them');
  });
});
