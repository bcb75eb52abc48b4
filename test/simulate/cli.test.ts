/** `switchyard simulate` end to end, through the real CLI. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runCli } from '../helpers/cli.js';
import { tempFile } from '../helpers/files.js';
import type { SimulationReport } from '../../src/simulate/model.js';

void test('simulate prints a table with a row per chosen policy and exits 0', async () => {
  const r = await runCli(['simulate', '--requests', '2000', '--policies', 'round-robin,least-conn', '--slow', '1:4']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.match(r.stdout, /^faults: b1 4× slower; no retries$/m);
  assert.match(r.stdout, /^round-robin +\S+ms/m);
  assert.match(r.stdout, /^least-conn +\S+ms/m);
});

void test('simulate --json prints every result as JSON', async () => {
  const r = await runCli(['simulate', '--requests', '1000', '--json', '--policies', 'random']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as SimulationReport;
  assert.equal(report.results.length, 1);
  assert.equal(report.results[0]?.policy, 'random');
  assert.equal(report.results[0]?.requests, 1000);
});

void test('simulate --svg and --html write self-contained chart files', async () => {
  const svg = tempFile('chart.svg', '');
  const html = tempFile('chart.html', '');
  try {
    const r = await runCli(['simulate', '--requests', '1000', '--svg', svg.path, '--html', html.path]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(readFileSync(svg.path, 'utf8'), /^<svg [^]*<\/svg>\n$/);
    assert.match(readFileSync(html.path, 'utf8'), /^<!DOCTYPE html>[^]*<\/html>\n$/);
  } finally {
    svg.remove();
    html.remove();
  }
});

void test('a bad flag gives one clear line and exit code 2', async () => {
  const r = await runCli(['simulate', '--slow', '9:2']);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  const [first, ...rest] = r.stderr.trim().split('\n');
  assert.equal(first, 'switchyard: simulate: --slow: backend 9 does not exist (backends are numbered 1 to 5), got "9:2"');
  assert.deepEqual(rest, ["Run 'switchyard help' for usage."]);
});

void test('an unknown option gives one clear line and exit code 2', async () => {
  const r = await runCli(['simulate', '--backend', '3']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^switchyard: simulate: unknown option "--backend"\n/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

void test('an --svg file that cannot be written is named in one line, exit code 2', async () => {
  const r = await runCli(['simulate', '--requests', '100', '--svg', '/nonexistent-dir/chart.svg']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^switchyard: simulate: --svg: cannot write "\/nonexistent-dir\/chart.svg" \(ENOENT\)\n/);
});
