import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { didYouMean, editDistance, formatIssue, formatIssues, renderPath } from '../../src/config/format-issues.js';

void describe('formatting issues', () => {
  void test('an issue with every field reads file:line:col: path: reason', () => {
    const line = formatIssue({ file: 'switchyard.yaml', line: 12, column: 9, path: 'pools.web.backends[2].port', message: 'must be 1–65535, got 70000' });
    assert.equal(line, 'switchyard.yaml:12:9: pools.web.backends[2].port: must be 1–65535, got 70000');
  });

  void test('missing parts are left out', () => {
    assert.equal(formatIssue({ path: 'pools', message: 'is required' }), 'pools: is required');
    assert.equal(formatIssue({ file: 'a.yaml', path: '', message: 'cannot read file: no such file' }), 'a.yaml: cannot read file: no such file');
  });

  void test('issues are sorted by line then column, one per line', () => {
    const text = formatIssues([
      { file: 'f', line: 3, column: 1, path: 'c', message: 'm' },
      { file: 'f', line: 1, column: 9, path: 'b', message: 'm' },
      { file: 'f', line: 1, column: 2, path: 'a', message: 'm' },
    ]);
    assert.equal(text, 'f:1:2: a: m\nf:1:9: b: m\nf:3:1: c: m');
  });

  void test('paths use dots for keys, [i] for items and quotes for odd keys', () => {
    assert.equal(renderPath(['pools', 'web', 'backends', 2, 'port']), 'pools.web.backends[2].port');
    assert.equal(renderPath(['pools', 'api.v2', 'policy']), 'pools["api.v2"].policy');
    assert.equal(renderPath([]), '');
  });
});

void describe('suggestions', () => {
  void test('edit distance counts single-character edits', () => {
    assert.equal(editDistance('gren', 'green'), 1);
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('', 'abc'), 3);
  });

  void test('close names are suggested and far ones are not', () => {
    assert.equal(didYouMean('roundrobin', ['round-robin', 'random']), 'round-robin');
    assert.equal(didYouMean('maxconn', ['maxConnections', 'bind']), 'maxConnections');
    assert.equal(didYouMean('gren', ['blue', 'green']), 'green');
    assert.equal(didYouMean('zzz', ['blue', 'green']), undefined);
  });
});
