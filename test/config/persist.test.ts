import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { editConfigText, writeConfigAtomically } from '../../src/config/persist.js';
import { applyEdits, type ConfigEdit } from '../../src/config/edits.js';
import { parseConfigText } from '../../src/config/load.js';
import { SwitchyardError } from '../../src/core/errors.js';
import { tempFile } from '../helpers/files.js';

const YAML = [
  '# Switchyard: the shop front',
  'listeners:',
  '  web:',
  '    bind: "*:8080"   # public side',
  '    pool: web',
  '',
  '',
  'pools:',
  '  # the main pool',
  '  web:',
  '    # spread by open connections',
  '    policy: round-robin   # change with care',
  '    backends:',
  '      # first rack',
  '      - 10.0.0.5:8000   # app 1',
  '      - host: 10.0.0.6',
  '        port: 8000',
  '        weight: 2    # the big one',
  '  api:',
  '    backends: [ "10.0.1.1:9000", "10.0.1.2:9000" ]   # flow style',
  '  # kept for rollback',
  '  old:',
  '    backends:',
  '      - 10.0.2.1:7000',
  '',
  'timeouts:',
  '  connect: 1s  # LAN',
  '',
].join('\n');

/** The line numbers (1-based) whose text differs, for two texts of the same length. */
function changedLines(before: string, after: string): number[] {
  const a = before.split('\n');
  const b = after.split('\n');
  assert.equal(b.length, a.length, `expected the same number of lines, got:\n${after}`);
  return a.flatMap((line, i) => (line === b[i] ? [] : [i + 1]));
}

function edit(edits: ConfigEdit[], text = YAML, file = 'switchyard.yaml'): string {
  const out = editConfigText(text, file, edits);
  const parsed = parseConfigText(out, file);
  assert.ok(parsed.ok, `the edited file must stay valid:\n${out}`);
  return out;
}

void describe('editConfigText on YAML', () => {
  void test('changing a scalar changes only its line and keeps the comments above and beside it', () => {
    const out = edit([{ op: 'set', path: ['pools', 'web', 'policy'], value: 'least-conn' }]);
    assert.deepEqual(changedLines(YAML, out), [12]);
    assert.equal(out.split('\n')[11], '    policy: least-conn # change with care');
  });

  void test('changing a key inside a backend object changes only that line', () => {
    const out = edit([{ op: 'set', path: ['pools', 'web', 'backends', 1, 'weight'], value: 3 }]);
    assert.deepEqual(changedLines(YAML, out), [18]);
    assert.equal(out.split('\n')[17], '        weight: 3 # the big one');
  });

  void test('a "host:port" item set to an object becomes a flow map on its own line, comment kept', () => {
    const out = edit([{ op: 'set', path: ['pools', 'web', 'backends', 0], value: { host: '10.0.0.5', port: 8000, state: 'drain' } }]);
    assert.deepEqual(changedLines(YAML, out), [15]);
    assert.equal(out.split('\n')[14], '      - { host: 10.0.0.5, port: 8000, state: drain } # app 1');
  });

  void test('setting a whole backend object keeps the comments on its unchanged keys', () => {
    const out = edit([{ op: 'set', path: ['pools', 'web', 'backends', 1], value: { host: '10.0.0.6', port: 8000, weight: 5 } }]);
    assert.deepEqual(changedLines(YAML, out), [18]);
  });

  void test('a new backend is appended to a block list as a new item line', () => {
    const out = edit([{ op: 'set', path: ['pools', 'web', 'backends', 2], value: '10.0.0.7:8000' }]);
    const lines = out.split('\n');
    assert.deepEqual(lines, [...YAML.split('\n').slice(0, 18), '      - 10.0.0.7:8000', ...YAML.split('\n').slice(18)]);
  });

  void test('a short new backend object among one-line items is appended as a flow map', () => {
    const out = edit([{ op: 'set', path: ['pools', 'old', 'backends', 1], value: { host: '10.0.2.2', port: 7000, weight: 3 } }]);
    const lines = YAML.split('\n');
    assert.deepEqual(out.split('\n'), [...lines.slice(0, 24), '      - { host: 10.0.2.2, port: 7000, weight: 3 }', ...lines.slice(24)]);
  });

  void test('a new backend object among block maps is appended in block style', () => {
    const out = edit([{ op: 'set', path: ['pools', 'web', 'backends', 2], value: { host: '10.0.0.7', port: 8000, weight: 3 } }]);
    const lines = YAML.split('\n');
    assert.deepEqual(out.split('\n'), [...lines.slice(0, 18), '      - host: 10.0.0.7', '        port: 8000', '        weight: 3', ...lines.slice(18)]);
  });

  void test('a long new backend object is appended in block style', () => {
    const value = { host: 'app-7.backend.internal', port: 8000, weight: 3, state: 'maint', name: 'spare', maxConnections: 100 };
    const out = edit([{ op: 'set', path: ['pools', 'old', 'backends', 1], value }]);
    assert.match(out, /\n {6}- 10\.0\.2\.1:7000\n {6}- host: app-7\.backend\.internal\n {8}port: 8000\n/);
  });

  void test('a new backend is appended to a flow list in the same line, quoted like its neighbours', () => {
    const out = edit([{ op: 'set', path: ['pools', 'api', 'backends', 2], value: '10.0.1.3:9000' }]);
    assert.deepEqual(changedLines(YAML, out), [20]);
    assert.equal(out.split('\n')[19], '    backends: [ "10.0.1.1:9000", "10.0.1.2:9000", "10.0.1.3:9000" ] # flow style');
  });

  void test('deleting a pool removes its lines and its comment, and nothing else', () => {
    const out = edit([{ op: 'delete', path: ['pools', 'old'] }]);
    const lines = YAML.split('\n');
    assert.deepEqual(out.split('\n'), [...lines.slice(0, 20), ...lines.slice(24)]);
  });

  void test('deleting a backend item removes only its line', () => {
    const out = edit([{ op: 'delete', path: ['pools', 'web', 'backends', 1] }]);
    const lines = YAML.split('\n');
    assert.deepEqual(out.split('\n'), [...lines.slice(0, 15), ...lines.slice(18)]);
  });

  void test('a new pool and a listener switch to it keep every untouched line', () => {
    const out = edit([
      { op: 'set', path: ['pools', 'green'], value: { policy: 'least-conn', backends: ['10.0.3.1:8000'] } },
      { op: 'set', path: ['listeners', 'web', 'pools'], value: ['web', 'green'] },
      { op: 'delete', path: ['listeners', 'web', 'pool'] },
      { op: 'set', path: ['listeners', 'web', 'activePool'], value: 'green' },
    ]);
    const before = YAML.split('\n');
    const after = out.split('\n');
    assert.deepEqual(after.slice(0, 4), before.slice(0, 4));
    assert.deepEqual(after.slice(4, 8), ['    pools:', '      - web', '      - green', '    activePool: green']);
    assert.deepEqual(after.slice(8, 8 + 19), before.slice(5, 24));
    assert.deepEqual(after.slice(27, 31), ['  green:', '    policy: least-conn', '    backends:', '      - 10.0.3.1:8000']);
    assert.deepEqual(after.slice(31), before.slice(24));
  });

  void test('a file whose lists sit at the key\'s own indent and 4-space indent keeps that layout', () => {
    const text = 'listeners:\n    web:\n        bind: ":8080"\n        pool: web\npools:\n    web:\n        backends:\n        - 10.0.0.5:8000\n';
    const out = edit([{ op: 'set', path: ['pools', 'web', 'backends', 1], value: '10.0.0.6:8000' }], text);
    assert.equal(out, `${text}        - 10.0.0.6:8000\n`);
  });

  void test('Windows line endings are kept', () => {
    const text = YAML.replace(/\n/g, '\r\n');
    const out = editConfigText(text, 'switchyard.yaml', [{ op: 'set', path: ['timeouts', 'connect'], value: '2s' }]);
    assert.equal(out, text.replace('connect: 1s  # LAN', 'connect: 2s # LAN'));
  });

  void test('the edited text reads back as applyEdits of the original', () => {
    const edits: ConfigEdit[] = [
      { op: 'delete', path: ['pools', 'web', 'backends', 0] },
      { op: 'set', path: ['pools', 'web', 'backends', 5], value: { host: '10.0.0.8', port: 8000 } },
      { op: 'set', path: ['bufferSize'], value: '128KiB' },
    ];
    const out = edit(edits);
    assert.deepEqual(parse(out), applyEdits(parse(YAML), edits));
  });

  void test('a path through a scalar fails with SY_CONFIG_INVALID naming the path', () => {
    assert.throws(
      () => editConfigText(YAML, 'switchyard.yaml', [{ op: 'set', path: ['pools', 'web', 'backends', 0, 'weight'], value: 2 }]),
      (err: unknown) => err instanceof SwitchyardError && err.code === 'SY_CONFIG_INVALID' && err.message.startsWith('pools.web.backends[0]: is a string'),
    );
  });

  void test('text that is not YAML fails with SY_CONFIG_INVALID naming the file', () => {
    assert.throws(
      () => editConfigText('pools: [a\n', 'broken.yaml', []),
      (err: unknown) => err instanceof SwitchyardError && err.code === 'SY_CONFIG_INVALID' && err.message.startsWith('broken.yaml: cannot be edited: it is not valid YAML'),
    );
  });

  void test('an edit through a YAML alias is refused rather than changing both places', () => {
    const text = 'common: &c\n  policy: random\n  backends: ["h:1"]\npools:\n  web: *c\n';
    assert.throws(
      () => editConfigText(text, 'a.yaml', [{ op: 'set', path: ['pools', 'web', 'policy'], value: 'least-conn' }]),
      (err: unknown) => err instanceof SwitchyardError && err.message === 'a.yaml: pools.web: cannot be edited: it goes through a YAML alias ("*name"); edit the anchored value instead',
    );
  });
});

void describe('editConfigText on JSON', () => {
  void test('a JSON file is re-serialized with 2-space indent, key order kept', () => {
    const text = '{"listeners":{"web":{"bind":"*:8080","pool":"web"}},"pools":{"web":{"backends":["10.0.0.5:8000"],"policy":"random"}}}';
    const out = editConfigText(text, 'switchyard.json', [{ op: 'set', path: ['pools', 'web', 'backends', 1], value: { host: '10.0.0.6', port: 8000 } }]);
    assert.equal(
      out,
      [
        '{',
        '  "listeners": {',
        '    "web": {',
        '      "bind": "*:8080",',
        '      "pool": "web"',
        '    }',
        '  },',
        '  "pools": {',
        '    "web": {',
        '      "backends": [',
        '        "10.0.0.5:8000",',
        '        {',
        '          "host": "10.0.0.6",',
        '          "port": 8000',
        '        }',
        '      ],',
        '      "policy": "random"',
        '    }',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
  });

  void test('a file without extension that starts with "{" is edited as JSON', () => {
    const out = editConfigText('{"a": 1}', 'config', [{ op: 'delete', path: ['a'] }]);
    assert.equal(out, '{}\n');
  });

  void test('invalid JSON fails with SY_CONFIG_INVALID naming the file', () => {
    assert.throws(
      () => editConfigText('{"a": ', 'switchyard.json', []),
      (err: unknown) => err instanceof SwitchyardError && err.code === 'SY_CONFIG_INVALID' && err.message.startsWith('switchyard.json: cannot be edited: it is not valid JSON'),
    );
  });
});

function persistFailure(err: unknown, file: string): boolean {
  return err instanceof SwitchyardError && err.code === 'SY_PERSIST_FAILED' && err.message.startsWith(`cannot write ${file}: `) && err.details?.file === file;
}

void describe('writeConfigAtomically', () => {
  void test('the content is replaced and the previous content is kept in .bak', async () => {
    const f = tempFile('switchyard.yaml', 'old: 1\n');
    try {
      await writeConfigAtomically(f.path, 'new: 2\n');
      assert.equal(readFileSync(f.path, 'utf8'), 'new: 2\n');
      assert.equal(readFileSync(`${f.path}.bak`, 'utf8'), 'old: 1\n');
    } finally {
      f.remove();
    }
  });

  void test('a second write replaces the older backup', async () => {
    const f = tempFile('switchyard.yaml', 'one\n');
    try {
      await writeConfigAtomically(f.path, 'two\n');
      await writeConfigAtomically(f.path, 'three\n');
      assert.equal(readFileSync(f.path, 'utf8'), 'three\n');
      assert.equal(readFileSync(`${f.path}.bak`, 'utf8'), 'two\n');
    } finally {
      f.remove();
    }
  });

  void test('the file mode is kept', async () => {
    const f = tempFile('switchyard.yaml', 'old\n');
    try {
      chmodSync(f.path, 0o640);
      await writeConfigAtomically(f.path, 'new\n');
      assert.equal(statSync(f.path).mode & 0o777, 0o640);
    } finally {
      f.remove();
    }
  });

  void test('no temporary file is left in the directory', async () => {
    const f = tempFile('switchyard.yaml', 'old\n');
    try {
      await writeConfigAtomically(f.path, 'new\n');
      assert.deepEqual(readdirSync(dirname(f.path)).sort(), ['switchyard.yaml', 'switchyard.yaml.bak']);
    } finally {
      f.remove();
    }
  });

  void test('a file that does not exist yet is created, with no backup', async () => {
    const f = tempFile('other', '');
    const file = join(dirname(f.path), 'switchyard.yaml');
    try {
      await writeConfigAtomically(file, 'new\n');
      assert.equal(readFileSync(file, 'utf8'), 'new\n');
      assert.deepEqual(readdirSync(dirname(f.path)).sort(), ['other', 'switchyard.yaml']);
    } finally {
      f.remove();
    }
  });

  void test('a symbolic link is followed: the file it points to is replaced and the link stays', async () => {
    const f = tempFile('real.yaml', 'old\n');
    const link = join(dirname(f.path), 'switchyard.yaml');
    try {
      symlinkSync(f.path, link);
      await writeConfigAtomically(link, 'new\n');
      assert.equal(readFileSync(f.path, 'utf8'), 'new\n');
      assert.equal(readFileSync(link, 'utf8'), 'new\n');
      assert.equal(readFileSync(`${f.path}.bak`, 'utf8'), 'old\n');
    } finally {
      f.remove();
    }
  });

  void test('a file under a directory that does not exist fails with SY_PERSIST_FAILED naming the file and the reason', async () => {
    const f = tempFile('other', '');
    const file = join(dirname(f.path), 'missing', 'switchyard.yaml');
    try {
      await assert.rejects(writeConfigAtomically(file, 'new\n'), (err: unknown) => persistFailure(err, file) && (err as Error).message.endsWith('no such file or directory (ENOENT)'));
    } finally {
      f.remove();
    }
  });

  void test('a file whose directory is a file fails with SY_PERSIST_FAILED', async () => {
    const f = tempFile('plain', 'x');
    const file = join(f.path, 'switchyard.yaml');
    try {
      await assert.rejects(writeConfigAtomically(file, 'new\n'), (err: unknown) => persistFailure(err, file) && (err as Error).message.includes('(ENOTDIR)'));
    } finally {
      f.remove();
    }
  });

  void test('when the backup cannot be written the file is left intact and no temporary file remains', async () => {
    const f = tempFile('switchyard.yaml', 'old\n');
    try {
      mkdirSync(`${f.path}.bak`);
      writeFileSync(join(`${f.path}.bak`, 'keep'), '');
      await assert.rejects(writeConfigAtomically(f.path, 'new\n'), (err: unknown) => persistFailure(err, f.path));
      assert.equal(readFileSync(f.path, 'utf8'), 'old\n');
      assert.deepEqual(readdirSync(dirname(f.path)).sort(), ['switchyard.yaml', 'switchyard.yaml.bak']);
    } finally {
      f.remove();
    }
  });

  void test('a read-only directory fails with SY_PERSIST_FAILED and leaves the file intact', { skip: process.getuid?.() === 0 ? 'root bypasses directory permissions' : false }, async () => {
    const f = tempFile('switchyard.yaml', 'old\n');
    const dir = dirname(f.path);
    try {
      chmodSync(dir, 0o555);
      await assert.rejects(writeConfigAtomically(f.path, 'new\n'), (err: unknown) => persistFailure(err, f.path) && (err as Error).message.includes('permission denied'));
      assert.equal(readFileSync(f.path, 'utf8'), 'old\n');
    } finally {
      chmodSync(dir, 0o755);
      f.remove();
    }
  });
});
