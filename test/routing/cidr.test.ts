import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCidr, cidrContains, CidrSet, ipBytes, type Cidr } from '../../src/core/cidr.js';

function cidr(t: string): Cidr {
  const r = parseCidr(t);
  if (!r.ok) throw new Error(r.reason);
  return r.value;
}

void test('IPv4 ranges contain exactly their addresses', () => {
  const c = cidr('10.1.0.0/16');
  assert.equal(cidrContains(c, '10.1.255.3'), true);
  assert.equal(cidrContains(c, '10.2.0.1'), false);
  assert.equal(cidrContains(cidr('192.168.1.7'), '192.168.1.7'), true, 'a single address is a /32');
  assert.equal(cidrContains(cidr('192.168.1.7'), '192.168.1.8'), false);
  assert.equal(cidrContains(cidr('0.0.0.0/0'), '8.8.8.8'), true);
  assert.equal(cidrContains(cidr('10.0.0.0/9'), '10.127.0.1'), true);
  assert.equal(cidrContains(cidr('10.0.0.0/9'), '10.128.0.1'), false, 'prefixes that split a byte');
});

void test('IPv6 ranges, compressed forms and IPv4-mapped addresses', () => {
  assert.equal(cidrContains(cidr('fd00::/8'), 'fd12:3456::1'), true);
  assert.equal(cidrContains(cidr('fd00::/8'), 'fe80::1'), false);
  assert.equal(cidrContains(cidr('::1'), '::1'), true);
  assert.equal(cidrContains(cidr('2001:db8::/32'), '2001:db8:ffff::'), true);
  assert.equal(cidrContains(cidr('127.0.0.0/8'), '::ffff:127.0.0.1'), true, 'IPv4-mapped addresses match IPv4 ranges');
  assert.deepEqual([...(ipBytes('::ffff:1.2.3.4') ?? [])], [1, 2, 3, 4]);
});

void test('malformed ranges are refused with a reason', () => {
  for (const bad of ['10.0.0.0/33', 'fd00::/129', 'not-an-ip', '10.0.0.0/x', '']) {
    const r = parseCidr(bad);
    assert.equal(r.ok, false, bad);
  }
});

void test('a set matches when any of its ranges does', () => {
  const s = new CidrSet([cidr('10.0.0.0/8'), cidr('::1')]);
  assert.equal(s.contains('10.9.9.9'), true);
  assert.equal(s.contains('::1'), true);
  assert.equal(s.contains('127.0.0.1'), false);
  assert.equal(s.contains('garbage'), false);
});
