import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../src/config/load.js';
import { validateConfig } from '../../src/config/validate.js';
import { formatIssues } from '../../src/config/format-issues.js';

/** Lines after the header are the pool "web" with these backend lines. */
const HEAD = 'listeners:\n  web:\n    bind: "*:8080"\n    pool: web\npools:\n  web:\n';

interface Row {
  readonly name: string;
  readonly text: string;
  readonly file?: string;
  readonly expected: readonly string[];
}

const TABLE: readonly Row[] = [
  {
    name: 'a backend object with port 70000 points at the port value',
    text: `${HEAD}    backends:\n      - 10.0.0.1:8001\n      - 10.0.0.2:8001\n      - host: 10.0.0.3\n        port: 70000\n`,
    expected: ['switchyard.yaml:11:15: pools.web.backends[2].port: must be 1–65535, got 70000'],
  },
  {
    name: 'a backend string with port 0 is reported on the string',
    text: `${HEAD}    backends:\n      - 10.0.0.1:0\n`,
    expected: ['switchyard.yaml:8:9: pools.web.backends[0]: port must be 1–65535, got 0'],
  },
  {
    name: 'a backend string with port 99999 is reported on the string',
    text: `${HEAD}    backends: ["10.0.0.1:99999"]\n`,
    expected: ['switchyard.yaml:7:16: pools.web.backends[0]: port must be 1–65535, got 99999'],
  },
  {
    name: 'a bind address without a port is reported',
    text: 'listeners:\n  web:\n    bind: localhost\n    pool: web\npools:\n  web:\n    backends: ["h:1"]\n',
    expected: ['switchyard.yaml:3:11: listeners.web.bind: must be "host:port", got "localhost" (no port)'],
  },
  {
    name: 'an IPv6 bind address without brackets is reported with the fix',
    text: 'listeners:\n  web:\n    bind: ["*:80", "::1:8080"]\n    pool: web\npools:\n  web:\n    backends: ["h:1"]\n',
    expected: ['switchyard.yaml:3:20: listeners.web.bind[1]: IPv6 addresses need brackets, as in "[::1]:8080"'],
  },
  {
    name: 'an unknown key points at the key and suggests the known one',
    text: `listeners:\n  web:\n    bind: "*:8080"\n    pool: web\n    maxconn: 10\npools:\n  web:\n    backends: ["h:1"]\n`,
    expected: ['switchyard.yaml:5:5: listeners.web.maxconn: unknown key "maxconn" (did you mean "maxConnections"?)'],
  },
  {
    name: 'an unknown top-level key suggests the known one',
    text: `${HEAD}    backends: ["h:1"]\ntimeout:\n  connect: 1s\n`,
    expected: ['switchyard.yaml:8:1: timeout: unknown key "timeout" (did you mean "timeouts"?)'],
  },
  {
    name: 'a misspelled policy lists the policies and suggests the closest',
    text: `${HEAD}    policy: roundrobin\n    backends: ["h:1"]\n`,
    expected: [
      'switchyard.yaml:7:13: pools.web.policy: must be one of round-robin, weighted-round-robin, random, least-conn, least-conn-rr, weighted-least-conn, source-hash, power-of-two, got "roundrobin" (did you mean "round-robin"?)',
    ],
  },
  {
    name: 'a string where a number belongs is reported with the value',
    text: `listeners:\n  web:\n    bind: "*:8080"\n    pool: web\n    maxConnections: lots\npools:\n  web:\n    backends: ["h:1"]\n`,
    expected: ['switchyard.yaml:5:21: listeners.web.maxConnections: must be a number, got "lots"'],
  },
  {
    name: 'a string where a list belongs is reported by kind',
    text: `${HEAD}    backends: 10.0.0.1:80\n`,
    expected: ['switchyard.yaml:7:15: pools.web.backends: must be a list, got a string'],
  },
  {
    name: 'missing backends point at the pool',
    text: `${HEAD}    policy: random\n`,
    expected: ['switchyard.yaml:6:3: pools.web.backends: is required'],
  },
  {
    name: 'a missing bind points at the listener',
    text: 'listeners:\n  web:\n    pool: web\npools:\n  web:\n    backends: ["h:1"]\n',
    expected: ['switchyard.yaml:2:3: listeners.web.bind: is required'],
  },
  {
    name: 'an unknown pool is reported with the pools that exist',
    text:
      'listeners:\n  web:\n    bind: "*:80"\n    pools: [blue, gren]\npools:\n  blue:\n    backends: ["h:1"]\n  green:\n    backends: ["h:2"]\n',
    expected: ['switchyard.yaml:4:19: listeners.web.pools[1]: no pool named "gren" (pools: blue, green)'],
  },
  {
    name: 'an activePool outside the listener pools is reported',
    text:
      'listeners:\n  web:\n    bind: "*:80"\n    pools: [blue, green]\n    activePool: red\npools:\n  blue:\n    backends: ["h:1"]\n  green:\n    backends: ["h:2"]\n',
    expected: ['switchyard.yaml:5:17: listeners.web.activePool: must be one of the listener\'s pools (blue, green), got "red"'],
  },
  {
    name: 'a listener with both pool and pools is reported once, naming both',
    text: 'listeners:\n  web:\n    bind: "*:80"\n    pool: web\n    pools: [web]\npools:\n  web:\n    backends: ["h:1"]\n',
    expected: ['switchyard.yaml:2:3: listeners.web: has both "pool" and "pools"; set "pool" for one pool or "pools" for several, not both'],
  },
  {
    name: 'a listener with neither pool nor pools is reported',
    text: 'listeners:\n  web:\n    bind: "*:80"\npools:\n  web:\n    backends: ["h:1"]\n',
    expected: ['switchyard.yaml:2:3: listeners.web.pool: is required: set "pool" (one pool) or "pools" (several)'],
  },
  {
    name: 'the same host:port twice without names is a duplicate backend',
    text: `${HEAD}    backends:\n      - 10.0.0.1:80\n      - { host: 10.0.0.1, port: 80 }\n`,
    expected: ['switchyard.yaml:9:9: pools.web.backends[1]: duplicate backend name "10.0.0.1:80" (also backends[0]); give one of them a "name"'],
  },
  {
    name: 'a duplicate backend name points at the second name',
    text: `${HEAD}    backends:\n      - { host: a, port: 1, name: app }\n      - { host: b, port: 1, name: app }\n`,
    expected: ['switchyard.yaml:9:35: pools.web.backends[1].name: duplicate backend name "app" (also backends[0])'],
  },
  {
    name: 'the same bind address in two listeners is reported on the second',
    text:
      'listeners:\n  web:\n    bind: "*:80"\n    pool: web\n  api:\n    bind: ":80"\n    pool: web\npools:\n  web:\n    backends: ["h:1"]\n',
    expected: ['switchyard.yaml:6:11: listeners.api.bind: address *:80 is also bound by listener "web"'],
  },
  {
    name: 'the same bind address twice in one listener is reported',
    text: 'listeners:\n  web:\n    bind: ["127.0.0.1:80", "127.0.0.1:80", ":0", ":0"]\n    pool: web\npools:\n  web:\n    backends: ["h:1"]\n',
    expected: ['switchyard.yaml:3:28: listeners.web.bind[1]: address 127.0.0.1:80 is listed twice in this listener'],
  },
  {
    name: 'a duration with a spelled-out unit is reported',
    text: `${HEAD}    backends: ["h:1"]\ntimeouts:\n  connect: 5 sec\n`,
    expected: ['switchyard.yaml:9:12: timeouts.connect: must be a duration like "500ms", "5s", "2m" or "1h", got "5 sec"'],
  },
  {
    name: 'a bad size is reported',
    text: `${HEAD}    backends: ["h:1"]\nbufferSize: 64 kilobytes\n`,
    expected: ['switchyard.yaml:8:13: bufferSize: must be a size like "16KiB", "1MiB" or a number of bytes, got "64 kilobytes"'],
  },
  {
    name: 'a negative weight is reported with its bound',
    text: `${HEAD}    backends:\n      - { host: a, port: 1, weight: -1 }\n`,
    expected: ['switchyard.yaml:8:37: pools.web.backends[0].weight: must be at least 0, got -1'],
  },
  {
    name: 'a weight above 1000 is reported with its bound',
    text: `${HEAD}    backends:\n      - { host: a, port: 1, weight: 5000 }\n`,
    expected: ['switchyard.yaml:8:37: pools.web.backends[0].weight: must be at most 1000, got 5000'],
  },
  {
    name: 'an empty bind list is reported',
    text: 'listeners:\n  web:\n    bind: []\n    pool: web\npools:\n  web:\n    backends: ["h:1"]\n',
    expected: ['switchyard.yaml:3:11: listeners.web.bind: must have at least 1 entry, got 0'],
  },
  {
    name: 'an active pool without backends is reported',
    text: `${HEAD}    backends: []\n  spare:\n    backends: []\n`,
    expected: ['switchyard.yaml:7:15: pools.web.backends: must have at least one backend (listener "web" sends to this pool)'],
  },
  {
    name: 'a listener name with a space is reported on the key',
    text: 'listeners:\n  "my web":\n    bind: "*:80"\n    pool: web\npools:\n  web:\n    backends: ["h:1"]\n',
    expected: [
      'switchyard.yaml:2:3: listeners["my web"]: name must be 1–64 letters, digits, "_", "." or "-", starting with a letter or digit, got "my web"',
    ],
  },
  {
    name: 'a backend name that breaks the naming rule is reported with the rule',
    text: `${HEAD}    backends:\n      - { host: a, port: 1, name: "app 1" }\n`,
    expected: ['switchyard.yaml:8:35: pools.web.backends[0].name: must be 1–64 letters, digits, "_", "." or "-", starting with a letter or digit, got "app 1"'],
  },
  {
    name: 'a fractional port is reported with the port range',
    text: `${HEAD}    backends:\n      - { host: a, port: 80.5 }\n`,
    expected: ['switchyard.yaml:8:26: pools.web.backends[0].port: must be 1–65535, got 80.5'],
  },
  {
    name: 'a file with two YAML documents is reported at the second',
    text: `${HEAD}    backends: ["h:1"]\n---\nlog: { level: debug }\n`,
    expected: ['switchyard.yaml:8:1: the file holds several YAML documents ("---"); a config is one document'],
  },
  {
    name: 'a YAML syntax error is reported with the parser message',
    text: 'listeners:\n  web:\n    bind: ["*:80"\n    pool: web\n',
    expected: ['switchyard.yaml:4:5: Flow sequence in block collection must be sufficiently indented and end with a ]'],
  },
  {
    name: 'a duplicate YAML key is reported on the second key',
    text: `${HEAD}    backends: ["h:1"]\n    policy: random\n    policy: least-conn\n`,
    expected: ['switchyard.yaml:9:5: pools.web.policy: duplicate key "policy" (first set on line 8)'],
  },
  {
    name: 'a JSON syntax error is one issue at its position',
    file: 'switchyard.json',
    text: '{\n  "listeners": {},\n  "pools": {\n    "web": { "backends": ["h:1"], }\n  }\n}\n',
    expected: ['switchyard.json:4:35: invalid JSON: expected a property name in double quotes'],
  },
  {
    name: 'an empty file is one issue',
    text: '\n  \n',
    expected: ['switchyard.yaml:1:1: the file is empty; a config needs "listeners" and "pools"'],
  },
  {
    name: 'a file that is a list is reported on the whole file',
    text: '- a\n- b\n',
    expected: ['switchyard.yaml:1:1: must be an object, got a list'],
  },
  {
    name: 'several problems at once are all reported, in file order',
    text: [
      'listeners:',
      '  web:',
      '    bind: "*:80"',
      '    pools: [blue, gren]',
      '    maxconn: 5',
      'pools:',
      '  blue:',
      '    policy: least',
      '    backends:',
      '      - 10.0.0.1:70000',
      '      - { host: b, port: 80, weight: -1 }',
      'timeouts:',
      '  idle: true',
      '',
    ].join('\n'),
    expected: [
      'switchyard.yaml:4:19: listeners.web.pools[1]: no pool named "gren" (pools: blue)',
      'switchyard.yaml:5:5: listeners.web.maxconn: unknown key "maxconn" (did you mean "maxConnections"?)',
      'switchyard.yaml:8:13: pools.blue.policy: must be one of round-robin, weighted-round-robin, random, least-conn, least-conn-rr, weighted-least-conn, source-hash, power-of-two, got "least" (did you mean "least-conn"?)',
      'switchyard.yaml:10:9: pools.blue.backends[0]: port must be 1–65535, got 70000',
      'switchyard.yaml:11:38: pools.blue.backends[1].weight: must be at least 0, got -1',
      'switchyard.yaml:13:9: timeouts.idle: must be a string or a number, got true',
    ],
  },
];

void describe('config validation reports every problem with file, line, column and path', () => {
  for (const row of TABLE) {
    void test(row.name, () => {
      const result = parseConfigText(row.text, row.file ?? 'switchyard.yaml');
      assert.equal(result.ok, false, 'expected the config to be rejected');
      if (result.ok) return;
      assert.deepEqual(formatIssues(result.issues).split('\n'), row.expected);
    });
  }

  void test('the table covers at least twenty invalid configs', () => {
    assert.ok(TABLE.length >= 20);
  });
});

void describe('validateConfig on JS objects', () => {
  void test('issues have a path and a message but no position', () => {
    const result = validateConfig({ listeners: { web: { bind: '*:80', pool: 'web' } }, pools: { web: { backends: [{ host: 'a', port: 0 }] } } });
    assert.deepEqual(result, { ok: false, issues: [{ path: 'pools.web.backends[0].port', message: 'must be 1–65535, got 0' }] });
  });

  void test('a missing listeners and pools are both required', () => {
    const result = validateConfig({});
    assert.deepEqual(result.ok ? [] : result.issues.map((i) => `${i.path}: ${i.message}`), ['listeners: is required', 'pools: is required']);
  });

  void test('empty listeners and pools are each reported', () => {
    const result = validateConfig({ listeners: {}, pools: {} });
    assert.deepEqual(result.ok ? [] : result.issues.map((i) => `${i.path}: ${i.message}`), [
      'listeners: must define at least one listener',
      'pools: must define at least one pool',
    ]);
  });

  void test('null is reported as not an object', () => {
    const result = validateConfig(null);
    assert.deepEqual(result, { ok: false, issues: [{ path: '', message: 'must be an object, got null' }] });
  });

  void test('a pool unused by any listener may have no backends', () => {
    const result = validateConfig({ listeners: { web: { bind: ':80', pool: 'web' } }, pools: { web: { backends: ['h:1'] }, spare: { backends: [] } } });
    assert.equal(result.ok, true);
  });
});
