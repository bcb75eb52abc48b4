import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseConfigText } from '../../src/config/load.js';
import { formatIssues } from '../../src/config/format-issues.js';
import { POLICY_NAMES } from '../../src/config/policy-names.js';
import { USAGE } from '../../src/cli/main.js';

const README = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const CI = readFileSync(new URL('../../../.ci/run', import.meta.url), 'utf8');

void test('the README opens with the install-and-demo command and the test command that CI runs', () => {
  const block = /```sh\n([^`]+)```/.exec(README)?.[1] ?? '';
  const commands = block.split('\n').map((l) => l.split('#')[0]?.trim()).filter(Boolean);
  assert.deepEqual(commands, ['npm install && npm start', 'npm test']);
  assert.ok(README.indexOf('```sh') < 40, 'the commands come first');
  assert.match(CI, /\bnpm test\b/);
});

void test('the README describes every policy', () => {
  for (const name of POLICY_NAMES) assert.ok(README.includes(`| \`${name}\` |`), `policy ${name} is in the README's table`);
});

void test('the README lists every command of the CLI', () => {
  const commands = [...USAGE.matchAll(/^ {2}([a-z-]+)/gm)].map((m) => m[1]);
  assert.ok(commands.length >= 5);
  for (const c of commands) assert.ok(README.includes(`switchyard ${c}`), `command ${c ?? ''} is in the README`);
});

void test('every YAML config in the README validates', () => {
  const blocks = [...README.matchAll(/```yaml\n([^`]+)```/g)].map((m) => m[1] ?? '');
  const configs = blocks.filter((b) => /^listeners:/m.test(b));
  assert.ok(configs.length >= 2, 'the README shows full configs');
  for (const text of configs) {
    const r = parseConfigText(text, 'README.md');
    assert.ok(r.ok, r.ok ? '' : formatIssues(r.issues));
  }
  // A block showing one section is checked inside a minimal config.
  for (const text of blocks.filter((b) => /^pools:/m.test(b) && !/^listeners:/m.test(b))) {
    const pool = /^pools:\n {2}(\S+):/m.exec(text)?.[1] ?? '';
    const r = parseConfigText(`listeners:\n  l: { bind: "127.0.0.1:0", pool: ${pool} }\n${text}`, 'README.md');
    assert.ok(r.ok, r.ok ? '' : formatIssues(r.issues));
  }
});
