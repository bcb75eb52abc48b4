import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { importLegacyText, type ImportResult } from '../../../src/config/import/load-any.js';
import { parseConfigText } from '../../../src/config/load.js';
import type { RuntimeConfig } from '../../../src/config/model.js';
import { PYDIR, TXLB, legacyText } from './legacy.js';

type Ok = Extract<ImportResult, { ok: true }>;
type Failed = Extract<ImportResult, { ok: false }>;

function converted(text: string, file = 'config.xml'): Ok {
  const r = importLegacyText(text, file);
  assert.ok(r !== undefined, 'recognised');
  assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.issues));
  return r;
}

function failed(text: string, file = 'config.xml'): Failed {
  const r = importLegacyText(text, file);
  assert.ok(r !== undefined && !r.ok, 'the conversion fails');
  return r;
}

/** What the written YAML validates to: the same check `switchyard check` runs. */
function validated(yaml: string): RuntimeConfig {
  const r = parseConfigText(yaml, 'switchyard.yaml', 'yaml');
  assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.issues));
  return r.config;
}

function listenersOf(c: RuntimeConfig): unknown[] {
  return c.listeners.map((l) => ({ name: l.name, protocol: l.protocol, bind: l.bind.map((b) => `${b.host}:${b.port}`), pools: l.pools, activePool: l.activePool }));
}

function poolsOf(c: RuntimeConfig): unknown[] {
  return c.pools.map((p) => ({ name: p.name, policy: p.policy, backends: p.backends.map((b) => `${b.name}=${b.host}:${b.port}*${b.weight}`) }));
}

function service(groups: string, extra = ''): string {
  return `<config>\n  <service name="svc">\n    <listen ip="127.0.0.1:0"/>\n${groups}${extra}  </service>\n</config>\n`;
}

void test('the txLoadBalancer file becomes three TCP listeners with their binds, pools and active pools', (t) => {
  const text = legacyText(t, TXLB);
  if (text === undefined) return;
  const r = converted(text, TXLB);
  assert.equal(r.format, 'txloadbalancer-xml');
  assert.deepEqual(listenersOf(validated(r.yaml)), [
    { name: 'twisted-lorien', protocol: 'tcp', bind: ['0.0.0.0:8080', '0.0.0.0:8081'], pools: ['twisted-lorien-servers1', 'twisted-lorien-servers2'], activePool: 'twisted-lorien-servers1' },
    { name: 'twisted-fangorn', protocol: 'tcp', bind: ['0.0.0.0:6080'], pools: ['twisted-fangorn-servers'], activePool: 'twisted-fangorn-servers' },
    { name: 'apache', protocol: 'tcp', bind: ['0.0.0.0:9080'], pools: ['apache-servers'], activePool: 'apache-servers' },
  ]);
});

void test('the txLoadBalancer groups become pools with the mapped policies, backends and weights', (t) => {
  const text = legacyText(t, TXLB);
  if (text === undefined) return;
  assert.deepEqual(poolsOf(validated(converted(text, TXLB).yaml)), [
    {
      name: 'twisted-lorien-servers1',
      policy: 'weighted-round-robin',
      backends: ['test1=lorien:1901*1', 'server1=lorien:7001*5', 'server2=lorien:7002*1', 'server3=rivendel:7001*20', 'server4=rivendel:7002*10'],
    },
    { name: 'twisted-lorien-servers2', policy: 'least-conn', backends: ['server3=lorien:7003*1', 'server4=lorien:7004*1', 'server5=lorien:7005*1', 'server21=lorien:7021*1'] },
    { name: 'twisted-fangorn-servers', policy: 'round-robin', backends: ['server1=fangorn:7001*1', 'server2=fangorn:7002*1'] },
    { name: 'apache-servers', policy: 'round-robin', backends: ['server1=rivendel:80*1', 'server2=lorien:80*1'] },
  ]);
});

void test('the standby group is named in a comment next to the listener pools', (t) => {
  const text = legacyText(t, TXLB);
  if (text === undefined) return;
  assert.match(converted(text, TXLB).yaml, /# standing by for a switch-over: twisted-lorien-servers2\n\s+pools: \[ twisted-lorien-servers1, twisted-lorien-servers2 \]/);
});

void test('the hostCheck interval in seconds becomes each pool\'s health with its unit, a comment and one note', (t) => {
  const text = legacyText(t, TXLB);
  if (text === undefined) return;
  const r = converted(text, TXLB);
  const value = parse(r.yaml) as { pools: Record<string, { health?: unknown }> };
  for (const pool of Object.values(value.pools)) {
    assert.deepEqual(pool.health, { passive: { consecutiveFailures: 1, baseEjectionTime: '500s', maxEjectionTime: '500s' } });
  }
  const notes = r.notes.filter((n) => n.path === '<hostCheck interval="500">');
  assert.equal(notes.length, 1);
  assert.equal(notes[0]?.line, 39);
  assert.match(notes[0]?.message ?? '', /interval 500 is in seconds .*"500s"/);
  assert.match(r.yaml, /# <hostCheck interval="500"> \(line 39\): interval 500 is in seconds[^]*?\n\s+health:\n\s+passive:/);
});

void test('the crypt password hash is never copied; a comment and a note say a new secret is needed', (t) => {
  const text = legacyText(t, TXLB);
  if (text === undefined) return;
  const r = converted(text, TXLB);
  assert.ok(!r.yaml.includes('..xpoEyRReGzk'), 'the hash is not in the output, not even in a comment');
  const value = parse(r.yaml) as { admin?: { users?: unknown[] } };
  assert.deepEqual(value.admin?.users, [{ name: 'admin', access: 'full' }], 'the user keeps its name and access, and gets no credential');
  assert.match(r.yaml, /# <user name="admin"> \(line 36\): had a unix crypt\(\) password hash, which is not copied[^]*?\n\s+- \{ name: admin, access: full \}/);
  const note = r.notes.find((n) => n.path === '<user name="admin">');
  assert.equal(note?.line, 36);
  assert.match(note?.message ?? '', /unix crypt\(\) password hash, which is not copied \(Switchyard uses bearer tokens\): run `switchyard token --name admin --access full`/);
});

void test('the admin web listener becomes admin.bind, moved to loopback until users have tokens; the SSH console is noted', (t) => {
  const text = legacyText(t, TXLB);
  if (text === undefined) return;
  const r = converted(text, TXLB);
  const c = validated(r.yaml);
  assert.deepEqual(c.admin?.bind, { host: '127.0.0.1', port: 7000 });
  assert.equal(c.admin?.ssh, undefined, 'no host key in the old file: the console is not switched on');
  assert.match(r.yaml, /# <web listen="\*:7000"> \(line 34\): the web admin listened on \*:7000; it is moved to 127\.0\.0\.1:7000[^]*?\n {2}bind: 127\.0\.0\.1:7000/);
  assert.deepEqual(
    r.notes.filter((n) => n.path.startsWith('<web') || n.path.startsWith('<ssh')).map((n) => [n.path, n.line]),
    [
      ['<web listen="*:7000">', 34],
      ['<web refresh="10">', 34],
      ['<ssh listen="localhost:2222">', 35],
    ],
  );
  assert.match(r.notes.find((n) => n.path.startsWith('<ssh'))?.message ?? '', /needs a host key file and users' public keys/);
});

void test('configCheck and heartbeat are noted as not carried over, with their lines', (t) => {
  const text = legacyText(t, TXLB);
  if (text === undefined) return;
  const r = converted(text, TXLB);
  const byPath = new Map(r.notes.map((n) => [n.path, n]));
  assert.equal(byPath.get('<configCheck interval="10">')?.line, 40);
  assert.match(byPath.get('<configCheck interval="10">')?.message ?? '', /does not watch its file/);
  assert.equal(byPath.get('<heartbeat interval="20">')?.line, 41);
  assert.match(r.yaml, /^# <heartbeat interval="20"> \(line 41\): /m);
});

void test('the PythonDirector file: <client> backends, <enable group> names the active pool, leastconns is least-conn', (t) => {
  const text = legacyText(t, PYDIR);
  if (text === undefined) return;
  const r = converted(text, PYDIR);
  assert.equal(r.format, 'pythondirector-xml');
  const c = validated(r.yaml);
  assert.deepEqual(listenersOf(c), [
    { name: 'prod-ekit-http', protocol: 'tcp', bind: ['127.0.0.1:8000'], pools: ['prod-ekit-http-main', 'prod-ekit-http-upgrade'], activePool: 'prod-ekit-http-main' },
  ]);
  assert.deepEqual(poolsOf(c), [
    { name: 'prod-ekit-http-main', policy: 'least-conn', backends: ['two=127.0.0.1:8002*1', 'three=127.0.0.1:8003*1', 'four=127.0.0.1:8004*1'] },
    { name: 'prod-ekit-http-upgrade', policy: 'least-conn', backends: ['five=127.0.0.1:8005*1', 'six=127.0.0.1:8006*1', 'seven=127.0.0.1:8007*1'] },
  ]);
  assert.ok(!r.yaml.includes('iy910VlMkG1DE'), 'the hash is not copied');
  assert.deepEqual(c.admin?.bind, { host: '127.0.0.1', port: 7001 }, 'a loopback admin listener carries over as it is');
  assert.deepEqual(r.notes.map((n) => [n.path, n.line]), [['<user name="anthony">', 17]]);
});

void test('every scheduler name of txLoadBalancer and PythonDirector maps to its policy', () => {
  const expected: Record<string, string> = {
    random: 'random',
    roundrobin: 'round-robin',
    roundr: 'round-robin',
    leastconns: 'least-conn',
    leastc: 'least-conn',
    leastconnsrr: 'least-conn-rr',
    weightr: 'weighted-round-robin',
    weighted: 'weighted-round-robin',
  };
  for (const [scheduler, policy] of Object.entries(expected)) {
    const c = validated(converted(service(`    <group name="g" scheduler="${scheduler}"><host name="a" ip="127.0.0.1:1"/></group>\n`)).yaml);
    assert.equal(c.pools[0]?.policy, policy, scheduler);
  }
});

void test('a service with several groups and none enabled makes the first active and says so', () => {
  const r = converted(service('    <group name="a" scheduler="random"><host name="x" ip="127.0.0.1:1"/></group>\n    <group name="b" scheduler="random"><host name="y" ip="127.0.0.1:2"/></group>\n'));
  assert.equal(validated(r.yaml).listeners[0]?.activePool, 'svc-a');
  assert.deepEqual(r.notes.map((n) => [n.path, n.line, n.message]), [['<service name="svc">', 2, 'no group is enabled; the first, "a", is made the active pool']]);
  assert.match(r.yaml, /# <service name="svc"> \(line 2\): no group is enabled[^\n]*\n\s+activePool: svc-a/);
});

void test('a host ip without a port is an error naming the element and its line', () => {
  const r = failed(service('    <group name="g" scheduler="roundr" enable="true">\n      <host name="x" ip="lorien"/>\n    </group>\n'));
  assert.deepEqual(r.issues, [{ file: 'config.xml', path: '<host name="x">', message: 'ip "lorien" has no port', line: 5 }]);
});

void test('a bad port, weight or scheduler is an error naming the element', () => {
  const r = failed(service('    <group name="g" scheduler="fastest" enable="true">\n      <host name="x" ip="a:99999"/>\n      <host name="y" ip="a:1" weight="heavy"/>\n    </group>\n'));
  assert.deepEqual(
    r.issues.map((i) => `${i.line ?? ''}: ${i.path}: ${i.message}`),
    [
      '4: <group name="g">: scheduler must be one of random, roundrobin, roundr, leastconns, leastc, leastconnsrr, weightr, weighted; got "fastest"',
      '5: <host name="x">: ip "a:99999" has a bad port (1–65535, got "99999")',
      '6: <host name="y">: weight must be a whole number, got "heavy"',
    ],
  );
});

void test('two enabled groups in one service are an error naming both', () => {
  const r = failed(service('    <group name="a" scheduler="random" enable="true"><host name="x" ip="127.0.0.1:1"/></group>\n    <group name="b" scheduler="random"><host name="y" ip="127.0.0.1:2"/></group>\n', '    <enable group="b"/>\n'));
  assert.deepEqual(r.issues.map((i) => i.message), ['enables more than one group: <group name="a"> (line 4), <enable group="b"> (line 6); one group is active at a time']);
});

void test('malformed XML is an error with its line and column', () => {
  const r = failed('<config>\n  <service name="x">\n    <listen ip="0.0.0.0:80">\n  </service>\n</config>\n');
  assert.deepEqual(r.issues, [{ file: 'config.xml', path: '', line: 4, column: 3, message: "invalid XML: Expected closing tag 'listen' (opened in line 3, col 5) instead of closing tag 'service'." }]);
});

void test('an XML file whose root is neither <config> nor <pdconfig> is an error', () => {
  const r = failed('<balancer/>\n');
  assert.deepEqual(r.issues.map((i) => `${i.path}: ${i.message}`), ['<balancer>: the root element must be <config> (txLoadBalancer) or <pdconfig> (PythonDirector)']);
});
