import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LiveList, type LiveNode } from '../../src/core/live-list.js';

void test('a live list holds what was added until its node is deleted', () => {
  const list = new LiveList<string>();
  const a = list.add('a');
  const b = list.add('b');
  const c = list.add('c');
  assert.equal(list.size, 3);
  assert.deepEqual(list.values(), ['c', 'b', 'a']);
  list.delete(b);
  assert.deepEqual([...list], ['c', 'a']);
  list.delete(b);
  assert.equal(list.size, 2, 'deleting twice changes nothing');
  list.delete(c);
  list.delete(a);
  assert.equal(list.size, 0);
  assert.deepEqual(list.values(), []);
});

void test('iterating a live list is over a copy: the loop may delete and add', () => {
  const list = new LiveList<number>();
  const nodes = [1, 2, 3, 4].map((n) => list.add(n));
  const seen: number[] = [];
  for (const v of list) {
    seen.push(v);
    for (const n of nodes) list.delete(n);
    list.add(v * 10);
  }
  assert.deepEqual(seen, [4, 3, 2, 1]);
  assert.deepEqual(list.values().sort((x, y) => x - y), [10, 20, 30, 40]);
});

void test('clear empties a live list, and its old nodes delete nothing', () => {
  const list = new LiveList<string>();
  const a = list.add('a');
  list.add('b');
  list.clear();
  assert.equal(list.size, 0);
  list.add('c');
  list.delete(a);
  assert.deepEqual(list.values(), ['c']);
});

void test('a live list behaves as a set of its nodes under any sequence of adds and deletes', () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.constant(-1), fc.nat(40)), { maxLength: 200 }), (ops) => {
      const list = new LiveList<number>();
      const model = new Map<LiveNode<number>, number>();
      const all: LiveNode<number>[] = [];
      let next = 0;
      for (const op of ops) {
        if (op === -1 || all.length === 0) {
          const v = next++;
          const node = list.add(v);
          all.push(node);
          model.set(node, v);
        } else {
          const node = all[op % all.length] as LiveNode<number>;
          list.delete(node);
          model.delete(node);
        }
        assert.equal(list.size, model.size);
      }
      assert.deepEqual(list.values().sort((x, y) => x - y), [...model.values()].sort((x, y) => x - y));
    }),
  );
});
