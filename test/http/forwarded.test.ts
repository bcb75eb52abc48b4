import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forwardedTail, forwardedNode, type ForwardedOptions } from '../../src/proxy/http/forwarded.js';

const ALL: ForwardedOptions = { xForwarded: true, forwarded: true, via: undefined };
const SPOOFED = { xForwardedFor: '1.2.3.4', xForwardedProto: 'https', xForwardedHost: 'evil.test', forwarded: 'for=1.2.3.4' };

void test('an untrusted client\'s forwarding headers are replaced with what Switchyard saw', () => {
  assert.equal(
    forwardedTail(ALL, '203.0.113.7', 'shop.test', 'http', false, SPOOFED),
    'x-forwarded-for: 203.0.113.7\r\nx-forwarded-proto: http\r\nx-forwarded-host: shop.test\r\nforwarded: for=203.0.113.7;proto=http;host=shop.test\r\n',
  );
});

void test('a trusted proxy\'s chains are kept and Switchyard\'s hop appended', () => {
  assert.equal(
    forwardedTail(ALL, '10.0.0.2', 'shop.test', 'http', true, SPOOFED),
    'x-forwarded-for: 1.2.3.4, 10.0.0.2\r\nx-forwarded-proto: https\r\nx-forwarded-host: evil.test\r\nforwarded: for=1.2.3.4, for=10.0.0.2;proto=http;host=shop.test\r\n',
  );
  assert.equal(forwardedTail(ALL, '10.0.0.2', 'h', 'http', true, {}), 'x-forwarded-for: 10.0.0.2\r\nx-forwarded-proto: http\r\nx-forwarded-host: h\r\nforwarded: for=10.0.0.2;proto=http;host=h\r\n');
});

void test('IPv6 peers are bracketed and quoted in Forwarded, and odd hosts quoted', () => {
  assert.equal(forwardedNode('::1'), '"[::1]"');
  assert.equal(forwardedNode('example.com:8080'), '"example.com:8080"');
  assert.equal(forwardedNode('example.com'), 'example.com');
  assert.equal(forwardedNode('a"b'), '"a\\"b"');
});

void test('each header family can be turned off, and Via is added when named', () => {
  assert.equal(forwardedTail({ xForwarded: false, forwarded: false, via: undefined }, '1.1.1.1', 'h', 'http', false, SPOOFED), '');
  assert.equal(forwardedTail({ xForwarded: false, forwarded: false, via: 'switchyard' }, '1.1.1.1', 'h', 'http', false, { via: '1.0 fred' }), 'via: 1.0 fred, 1.1 switchyard\r\n');
  assert.equal(forwardedTail({ xForwarded: true, forwarded: false, via: undefined }, '1.1.1.1', undefined, 'http', false, {}), 'x-forwarded-for: 1.1.1.1\r\nx-forwarded-proto: http\r\n');
});
