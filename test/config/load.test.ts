import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { detectFormat, loadConfigFile, parseConfigText } from '../../src/config/load.js';
import { formatIssues } from '../../src/config/format-issues.js';

const ROOT = new URL('../../../', import.meta.url);
const at = (rel: string): string => fileURLToPath(new URL(rel, ROOT));

void describe('loading config files', () => {
  void test('the example config validates', async () => {
    const result = await loadConfigFile(at('examples/switchyard.yaml'));
    assert.ok(result.ok, result.ok ? '' : formatIssues(result.issues));
    assert.deepEqual(result.config.listeners.map((l) => l.name), ['web', 'site', 'api', 'db']);
    assert.deepEqual(result.config.listeners[0]?.pools, ['blue', 'green']);
  });

  void test('a missing file is one issue with an empty path, not a throw', async () => {
    const file = at('test/fixtures/config/does-not-exist.yaml');
    const result = await loadConfigFile(file);
    assert.deepEqual(result, { ok: false, issues: [{ file, path: '', message: 'cannot read file: no such file' }] });
  });

  void test('a directory is one issue saying so', async () => {
    const file = at('test/fixtures/config');
    const result = await loadConfigFile(file);
    assert.deepEqual(result, { ok: false, issues: [{ file, path: '', message: 'cannot read file: it is a directory' }] });
  });

  void test('a JSON file and a YAML file with the same content load the same config', async () => {
    const json = await loadConfigFile(at('test/fixtures/config/full.json'));
    const yaml = await loadConfigFile(at('test/fixtures/config/full.yaml'));
    assert.ok(json.ok && yaml.ok);
    assert.deepEqual(json.config, yaml.config);
  });

  void test('a file without a known extension is sniffed as JSON when it starts with "{"', async () => {
    const sniffed = await loadConfigFile(at('test/fixtures/config/sniffed.conf'));
    const yaml = await loadConfigFile(at('test/fixtures/config/full.yaml'));
    assert.ok(sniffed.ok && yaml.ok);
    assert.deepEqual(sniffed.config, yaml.config);
  });

  void test('issues from a file carry its name, line and column', async () => {
    const file = at('test/fixtures/config/invalid.yaml');
    const result = await loadConfigFile(file);
    assert.ok(!result.ok);
    assert.deepEqual(formatIssues(result.issues).split('\n'), [
      `${file}:4:11: listeners.web.pool: no pool named "webb" (pools: web)`,
      `${file}:7:13: pools.web.policy: must be one of round-robin, weighted-round-robin, random, least-conn, least-conn-rr, weighted-least-conn, source-hash, power-of-two, got "least-connections" (did you mean "least-conn"?)`,
      `${file}:10:15: pools.web.backends[0].port: must be 1–65535, got 70000`,
    ]);
  });
});

void describe('parsing config text', () => {
  void test('the format comes from the extension, else from the first character', () => {
    assert.equal(detectFormat('a.json', 'x: 1'), 'json');
    assert.equal(detectFormat('a.YML', '{}'), 'yaml');
    assert.equal(detectFormat('a.yaml', '{}'), 'yaml');
    assert.equal(detectFormat('a.conf', '  \n{"a": 1}'), 'json');
    assert.equal(detectFormat('a', 'a: 1'), 'yaml');
  });

  void test('an explicit format wins over the file name', () => {
    const result = parseConfigText('listeners: {}', 'switchyard.json', 'yaml');
    assert.ok(!result.ok);
    assert.deepEqual(formatIssues(result.issues).split('\n'), [
      'switchyard.json:1:1: pools: is required',
      'switchyard.json:1:12: listeners: must define at least one listener',
    ]);
  });

  void test('JSON is strict: a comment is a syntax error', () => {
    const result = parseConfigText('{\n  // no\n}', 'c.json');
    assert.deepEqual(result, { ok: false, issues: [{ file: 'c.json', path: '', message: 'invalid JSON: expected a property name in double quotes', line: 2, column: 3 }] });
  });

  void test('JSON cut short says the file ended', () => {
    const result = parseConfigText('{"listeners": {', 'c.json');
    assert.ok(!result.ok);
    assert.equal(formatIssues(result.issues), 'c.json:1:16: invalid JSON: unexpected end of file (expected a property name in double quotes)');
  });

  void test('a duplicate key in JSON is reported too', () => {
    const text = '{"listeners": {"a": {"bind": ":1", "pool": "p"}},\n "pools": {"p": {"backends": ["h:1"]}},\n "pools": {"p": {"backends": ["h:1"]}}}';
    const result = parseConfigText(text, 'c.json');
    assert.ok(!result.ok);
    assert.equal(formatIssues(result.issues), 'c.json:3:2: pools: duplicate key "pools" (first set on line 2)');
  });

  void test('a YAML file with only comments is one issue', () => {
    const result = parseConfigText('# nothing yet\n', 'switchyard.yaml');
    assert.ok(!result.ok);
    assert.equal(formatIssues(result.issues), 'switchyard.yaml:1:1: the file has no settings; a config needs "listeners" and "pools"');
  });

  void test('YAML aliases are followed to locate issues', () => {
    const text = 'pools:\n  p:\n    backends: &b ["h:1", "h:99999"]\n  q:\n    backends: *b\nlisteners:\n  a: { bind: ":1", pool: p }\n';
    const result = parseConfigText(text, 's.yaml');
    assert.ok(!result.ok);
    assert.deepEqual(formatIssues(result.issues).split('\n'), [
      's.yaml:3:26: pools.p.backends[1]: port must be 1–65535, got 99999',
      's.yaml:3:26: pools.q.backends[1]: port must be 1–65535, got 99999',
    ]);
  });

  void test('a leading byte order mark is ignored', () => {
    const result = parseConfigText('\uFEFF{"listeners": {"a": {"bind": ":1", "pool": "p"}}, "pools": {"p": {"backends": ["h:1"]}}}', 'c.json');
    assert.equal(result.ok, true);
  });
});
