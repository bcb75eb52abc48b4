import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openFilesLimit, openFilesNeeded } from '../../src/runtime/fd-limit.js';
import { tempFile } from '../helpers/files.js';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`;

void test('the soft open-files limit is read from the limits file', () => {
  const f = tempFile('limits', LIMITS);
  try {
    assert.equal(openFilesLimit(f.path), 1024);
  } finally {
    f.remove();
  }
});

void test('an unreadable limits file gives no limit rather than an error', () => {
  assert.equal(openFilesLimit('/nonexistent/limits'), undefined);
});

void test('each allowed connection needs two descriptors, plus one per bound address and a margin', () => {
  assert.equal(openFilesNeeded([{ maxConnections: 1000, bind: [1, 2] }, { maxConnections: 10, bind: [1] }]), 64 + 2002 + 21);
  assert.equal(openFilesNeeded([{ maxConnections: 0, bind: [1] }]), undefined, 'unlimited has no bound');
});
