import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { detectLegacyKind } from '../../../src/config/import/detect.js';
import { conversionNotice, loadAnyConfigFile } from '../../../src/config/import/load-any.js';
import { tempFile } from '../../helpers/files.js';
import { MINI, PUMPKIN, PYDIR, TXLB, legacyPath, legacyText } from './legacy.js';

void test('each older format is recognised by its content, whatever the file is called', () => {
  assert.equal(detectLegacyKind('<?xml version="1.0"?>\n<config/>'), 'xml');
  assert.equal(detectLegacyKind('  <pdconfig></pdconfig>'), 'xml');
  assert.equal(detectLegacyKind('# PumpkinLB\n[mappings]\n80=a:1\n'), 'ini');
  assert.equal(detectLegacyKind('stray line\n[mappings]\n'), 'ini');
  assert.equal(detectLegacyKind('{"backend_servers": []}'), 'json');
  assert.equal(detectLegacyKind('{"backend_servers": [,]}'), 'json', 'malformed, but plainly mini-load-balancer');
});

void test('Switchyard YAML and JSON configs are not taken for an older format', () => {
  const examples = ['full.yaml', 'full.json', 'minimal.yaml', 'invalid.yaml', 'sniffed.conf'];
  for (const name of examples) {
    const text = readFileSync(new URL(`../../../../test/fixtures/config/${name}`, import.meta.url), 'utf8');
    assert.equal(detectLegacyKind(text), undefined, name);
  }
  assert.equal(detectLegacyKind('{"listeners": {}, "pools": {}}'), undefined);
});

void test('loadAnyConfigFile converts each shared file and says which format it came from', async (t) => {
  if (legacyText(t, TXLB) === undefined) return;
  const expected: [string, string][] = [
    [TXLB, 'txloadbalancer-xml'],
    [PYDIR, 'pythondirector-xml'],
    [PUMPKIN, 'pumpkinlb-ini'],
    [MINI, 'mini-load-balancer-json'],
  ];
  for (const [name, format] of expected) {
    const r = await loadAnyConfigFile(legacyPath(name));
    assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.issues));
    assert.equal(r.convertedFrom, format);
    assert.ok(r.notes.length > 0, `${name} has notes`);
  }
});

void test('loadAnyConfigFile reads a legacy file with another extension, and a Switchyard file as before', async () => {
  const xml = tempFile('balancer.conf', '<pdconfig><service name="s"><listen ip="*:0"/><group name="g" scheduler="random"><client name="a" ip="127.0.0.1:1"/></group></service></pdconfig>');
  const yaml = tempFile('switchyard.yaml', 'listeners: { web: { bind: "127.0.0.1:0", pool: app } }\npools: { app: { backends: ["127.0.0.1:1"] } }\n');
  try {
    const a = await loadAnyConfigFile(xml.path);
    assert.ok(a.ok);
    assert.equal(a.convertedFrom, 'pythondirector-xml');
    assert.equal(conversionNotice('balancer.conf', a), 'balancer.conf: converted from PythonDirector XML; write it out with: switchyard import balancer.conf -o switchyard.yaml');
    const b = await loadAnyConfigFile(yaml.path);
    assert.ok(b.ok);
    assert.equal(b.text, readFileSync(yaml.path, 'utf8'), 'the text validated comes with the result');
    assert.equal(b.convertedFrom, undefined);
    assert.equal(conversionNotice(yaml.path, b), undefined);
  } finally {
    xml.remove();
    yaml.remove();
  }
});

void test('loadAnyConfigFile reports a missing file as loadConfigFile does', async () => {
  const r = await loadAnyConfigFile('/nonexistent/switchyard.cfg');
  assert.deepEqual(r, { ok: false, issues: [{ file: '/nonexistent/switchyard.cfg', path: '', message: 'cannot read file: no such file' }], convertedFrom: undefined, notes: [], text: undefined });
});
