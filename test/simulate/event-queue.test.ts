import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventQueue } from '../../src/simulate/event-queue.js';
import { seededRandom } from '../../src/core/random.js';

void test('the event queue pops events in time order, ties in the order they were pushed', () => {
  const q = new EventQueue<string>();
  const random = seededRandom(3);
  const pushed: { at: number; name: string }[] = [];
  for (let i = 0; i < 500; i++) {
    const at = Math.floor(random.next() * 50);
    pushed.push({ at, name: `e${i}` });
    q.push(at, `e${i}`);
  }
  const expected = pushed.slice().sort((a, b) => a.at - b.at).map((e) => e.name);
  const popped: string[] = [];
  for (let e = q.pop(); e !== undefined; e = q.pop()) popped.push(e.event);
  assert.deepEqual(popped, expected);
  assert.equal(q.size, 0);
  assert.equal(q.peekTime(), Number.POSITIVE_INFINITY);
});
