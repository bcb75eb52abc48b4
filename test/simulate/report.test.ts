/** The simulator's outputs: table, terminal chart, SVG and HTML. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { XMLValidator } from 'fast-xml-parser';
import { simulate } from '../../src/simulate/runner.js';
import { specFromFlags } from '../../src/simulate/options.js';
import { renderTable, renderTerminalChart, apportion } from '../../src/simulate/table.js';
import { renderSvg } from '../../src/simulate/svg.js';
import { renderHtml } from '../../src/simulate/html.js';
import { POLICY_NAMES } from '../../src/config/policy-names.js';

const report = simulate(specFromFlags({ requests: '2000', slow: ['1:3'], failing: ['2:0.1'], retry: true }));

void test('the table has a header and one row per policy with a share column per backend', () => {
  const lines = renderTable(report).trimEnd().split('\n');
  const header = lines.findIndex((l) => l.startsWith('policy'));
  assert.ok(header > 0);
  assert.match(lines[header] ?? '', /p50 +p90 +p99 +p99\.9 +mean +errors +retried +max in-flight +b1 % +b2 % +b3 % +b4 % +b5 %$/);
  const rows = lines.slice(header + 1);
  assert.deepEqual(
    rows.map((l) => l.split(/\s+/)[0]),
    [...POLICY_NAMES],
  );
});

void test('the terminal chart has a p99 bar and a 50-cell load-share bar per policy', () => {
  const chart = renderTerminalChart(report);
  for (const name of POLICY_NAMES) {
    const lines = chart.split('\n').filter((l) => l.startsWith(`${name} `));
    assert.equal(lines.length, 2, name);
    assert.match(lines[0] ?? '', /█+ \S+$/);
    assert.match(lines[1] ?? '', /^\S+ +[1-5]{50}$/);
  }
});

void test('apportion splits cells in proportion and sums exactly to the total', () => {
  assert.deepEqual(apportion([33.3, 33.3, 33.4], 50), [17, 16, 17]);
  assert.deepEqual(apportion([0, 0], 10), [0, 0]);
});

void test('the SVG chart is well-formed XML, self-contained, and names every policy', () => {
  const svg = renderSvg(report);
  assert.equal(XMLValidator.validate(svg), true);
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.doesNotMatch(svg, /<script|href=|url\(/);
  for (const name of POLICY_NAMES) assert.ok(svg.includes(`>${name}</text>`), name);
});

void test('the HTML page is well-formed, self-contained, and names every policy in its table and chart', () => {
  const html = renderHtml(report);
  assert.match(html, /^<!DOCTYPE html>\n/);
  const body = html.replace(/^<!DOCTYPE html>\n/, '');
  assert.equal(XMLValidator.validate(body), true);
  assert.doesNotMatch(html, /<script|<link|src=|href=/);
  for (const name of POLICY_NAMES) {
    assert.ok(html.includes(`<th scope="row">${name}</th>`), name);
    assert.ok(html.includes(`>${name}</text>`), name);
  }
});

void test('the JSON form of a report round-trips', () => {
  const parsed = JSON.parse(JSON.stringify(report)) as typeof report;
  assert.deepEqual(parsed.results.map((r) => r.policy), [...POLICY_NAMES]);
  assert.equal(parsed.results[0]?.backends.length, 5);
});
