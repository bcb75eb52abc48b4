import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSwitchyardError } from '../../src/core/errors.js';
import { serializeRequest } from '../../src/loadtest/request.js';
import { resolveSettings, type LoadtestFlags } from '../../src/loadtest/settings.js';

function usageMessage(flags: LoadtestFlags): string {
  try {
    resolveSettings(flags);
  } catch (err) {
    assert.ok(isSwitchyardError(err));
    assert.equal(err.code, 'SY_CLI_USAGE');
    return err.message;
  }
  assert.fail('expected a usage error');
}

const URL_OK = 'http://127.0.0.1:8080/x?y=1';

void test('without -n or -d a run lasts 10 seconds over 10 keep-alive connections with GET', () => {
  const s = resolveSettings({ url: URL_OK });
  assert.equal(s.durationMs, 10_000);
  assert.equal(s.requests, undefined);
  assert.equal(s.connections, 10);
  assert.equal(s.keepAlive, true);
  assert.equal(s.method, 'GET');
  assert.equal(s.timeoutMs, 10_000);
  assert.equal(s.backendHeader, 'x-backend');
  assert.equal(s.host, '127.0.0.1');
  assert.equal(s.port, 8080);
  assert.equal(s.path, '/x?y=1');
});

void test('-n alone bounds the run by count only, and a bare -d number is seconds', () => {
  assert.equal(resolveSettings({ url: URL_OK, requests: '500' }).durationMs, undefined);
  assert.equal(resolveSettings({ url: URL_OK, duration: '3' }).durationMs, 3000);
  assert.equal(resolveSettings({ url: URL_OK, duration: '250ms' }).durationMs, 250);
});

void test('--path replaces the URL path and a body makes the default method POST', () => {
  const s = resolveSettings({ url: URL_OK, path: '/other?q', body: Buffer.from('{}') });
  assert.equal(s.path, '/other?q');
  assert.equal(s.url, 'http://127.0.0.1:8080/other?q');
  assert.equal(s.method, 'POST');
});

void test('an IPv6 URL connects to the address without brackets and sends them in Host', () => {
  const s = resolveSettings({ url: 'http://[::1]:9000/' });
  assert.equal(s.host, '::1');
  assert.equal(s.authority, '[::1]:9000');
});

void test('absurd values are refused with a message naming the flag and the value', () => {
  assert.match(usageMessage({ url: URL_OK, connections: '0' }), /^loadtest: -c\/--connections: must be a whole number from 1 to 10,000, got "0"$/);
  assert.match(usageMessage({ url: URL_OK, connections: '20000' }), /-c\/--connections/);
  assert.match(usageMessage({ url: URL_OK, requests: '1.5' }), /-n\/--requests: .*got "1.5"/);
  assert.match(usageMessage({ url: URL_OK, rate: '-5' }), /^loadtest: --rate: .*got "-5"$/);
  assert.match(usageMessage({ url: URL_OK, rate: '0' }), /--rate/);
  assert.match(usageMessage({ url: URL_OK, duration: '2h' }), /^loadtest: -d\/--duration: must be at most 60 minutes, got "2h"$/);
  assert.match(usageMessage({ url: URL_OK, duration: '0s' }), /-d\/--duration: must be longer than 0/);
  assert.match(usageMessage({ url: URL_OK, duration: 'soon' }), /-d\/--duration: must be a duration/);
  assert.match(usageMessage({ url: URL_OK, timeout: 'x' }), /--timeout/);
  assert.match(usageMessage({ url: URL_OK, method: 'GE T' }), /-m\/--method/);
  assert.match(usageMessage({ url: URL_OK, path: 'no-slash' }), /--path: must start with "\/"/);
  assert.match(usageMessage({ url: URL_OK, backendHeader: 'bad header' }), /--backend-header/);
});

void test('a missing URL, https and other schemes are refused clearly', () => {
  assert.match(usageMessage({}), /which URL\?/);
  assert.match(usageMessage({ url: 'https://127.0.0.1/' }), /https is not supported yet/);
  assert.match(usageMessage({ url: 'ftp://127.0.0.1/' }), /must start with http:\/\//);
  assert.match(usageMessage({ url: 'not a url' }), /not a valid URL/);
});

void test('headers must be "Name: value", and framing headers are refused', () => {
  const s = resolveSettings({ url: URL_OK, headers: ['Accept: text/plain', 'X-Empty:'] });
  assert.deepEqual(s.headers, [['Accept', 'text/plain'], ['X-Empty', '']]);
  assert.match(usageMessage({ url: URL_OK, headers: ['NoColon'] }), /-H\/--header: must be "Name: value"/);
  assert.match(usageMessage({ url: URL_OK, headers: ['Content-Length: 5'] }), /"Content-Length" is set by loadtest itself/);
  assert.match(usageMessage({ url: URL_OK, headers: ['Connection: close'] }), /--no-keep-alive/);
});

void test('the request is serialised once with Host, the headers given, Content-Length and Connection: close', () => {
  const s = resolveSettings({ url: URL_OK, headers: ['X-A: 1'], body: Buffer.from('hello'), keepAlive: false, method: 'PUT' });
  assert.equal(
    serializeRequest(s).toString('latin1'),
    'PUT /x?y=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: switchyard-loadtest\r\nX-A: 1\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello',
  );
  const own = resolveSettings({ url: URL_OK, headers: ['Host: example.test', 'User-Agent: me'] });
  assert.equal(serializeRequest(own).toString('latin1'), 'GET /x?y=1 HTTP/1.1\r\nHost: example.test\r\nUser-Agent: me\r\n\r\n');
});
