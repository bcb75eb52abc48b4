/**
 * Policy-specific behaviour: the pick sequences and properties that set each policy apart.
 * The properties every policy shares live in contract.test.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../src/core/random.js';
import type { Random } from '../../src/core/random.js';
import { createRoundRobin } from '../../src/balancing/round-robin.js';
import { createWeightedRoundRobin } from '../../src/balancing/weighted-round-robin.js';
import { createRandom } from '../../src/balancing/random.js';
import { createLeastConn } from '../../src/balancing/least-conn.js';
import { createLeastConnRr } from '../../src/balancing/least-conn-rr.js';
import { createWeightedLeastConn } from '../../src/balancing/weighted-least-conn.js';
import { createSourceHash, hashKey } from '../../src/balancing/source-hash.js';
import { createPowerOfTwo } from '../../src/balancing/power-of-two.js';
import type { Candidate, PickContext, Picker } from '../../src/balancing/types.js';

interface TestCandidate extends Candidate {
  readonly id: string;
  weight: number;
  active: number;
}

const deps = { random: seededRandom(7) };

function pool(spec: Readonly<Record<string, { weight?: number; active?: number }>>): TestCandidate[] {
  return Object.entries(spec).map(([id, s]) => ({ id, weight: s.weight ?? 1, active: s.active ?? 0 }));
}

function named(ids: readonly string[]): TestCandidate[] {
  return ids.map((id) => ({ id, weight: 1, active: 0 }));
}

function sequence(picker: Picker<TestCandidate>, n: number, ctx?: PickContext): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(picker.pick(ctx)?.id ?? '-');
  return out;
}

function count(seq: readonly string[], id: string): number {
  return seq.filter((x) => x === id).length;
}

function at(cands: readonly TestCandidate[], i: number): TestCandidate {
  const c = cands[i];
  assert.ok(c !== undefined);
  return c;
}

/** A Random that replays the given values in a loop. */
function scripted(values: readonly number[]): Random {
  let i = 0;
  return { next: () => values[i++ % values.length] ?? 0 };
}

void describe('round-robin', () => {
  void it('cycles through the candidates in list order', () => {
    const picker = createRoundRobin(named(['a', 'b', 'c']), deps);
    assert.deepEqual(sequence(picker, 7), ['a', 'b', 'c', 'a', 'b', 'c', 'a']);
  });

  void it('ignores weights', () => {
    const picker = createRoundRobin(pool({ a: { weight: 9 }, b: {}, c: {} }), deps);
    assert.deepEqual(sequence(picker, 6), ['a', 'b', 'c', 'a', 'b', 'c']);
  });

  void it('skips an excluded candidate and carries on after the one it returned', () => {
    const picker = createRoundRobin(named(['a', 'b', 'c']), deps);
    assert.equal(picker.pick()?.id, 'a');
    assert.equal(picker.pick({ exclude: new Set(['b']) })?.id, 'c');
    assert.deepEqual(sequence(picker, 3), ['a', 'b', 'c']);
  });
});

void describe('weighted-round-robin', () => {
  void it('interleaves a weight-5 backend with weight-1 ones instead of sending it 5 in a row', () => {
    const picker = createWeightedRoundRobin(pool({ a: { weight: 5 }, b: {}, c: {} }), deps);
    const seq = sequence(picker, 70);
    assert.deepEqual(seq.slice(0, 7), ['a', 'a', 'b', 'a', 'c', 'a', 'a']);
    assert.ok(!seq.join('').includes('aaaaa'), 'no run of five a');
  });

  void it('gives exactly 5/1/1 picks in every window of 7 for weights 5/1/1', () => {
    const picker = createWeightedRoundRobin(pool({ a: { weight: 5 }, b: {}, c: {} }), deps);
    for (let round = 0; round < 20; round++) {
      const window = sequence(picker, 7);
      assert.deepEqual([count(window, 'a'), count(window, 'b'), count(window, 'c')], [5, 1, 1]);
    }
  });

  void it('reads weights live, so a weight raised after creation (slow start) takes effect', () => {
    const cands = pool({ a: { weight: 1 }, b: { weight: 1 } });
    const picker = createWeightedRoundRobin(cands, deps);
    sequence(picker, 10);
    at(cands, 1).weight = 3;
    const seq = sequence(picker, 400);
    assert.equal(count(seq, 'b'), 300);
  });

  void it('shares the remaining weights when one candidate is excluded', () => {
    const picker = createWeightedRoundRobin(pool({ a: { weight: 5 }, b: { weight: 2 }, c: {} }), deps);
    const seq = sequence(picker, 30, { exclude: new Set(['a']) });
    assert.equal(count(seq, 'b'), 20);
    assert.equal(count(seq, 'c'), 10);
  });
});

void describe('random', () => {
  void it('draws uniformly through deps.random, ignoring weights', () => {
    const picker = createRandom(pool({ a: { weight: 100 }, b: {}, c: {}, d: {} }), { random: scripted([0, 0.25, 0.5, 0.99]) });
    assert.deepEqual(sequence(picker, 4), ['a', 'b', 'c', 'd']);
  });

  void it('draws among the eligible candidates only', () => {
    const picker = createRandom(named(['a', 'b', 'c', 'd']), { random: scripted([0, 0.5, 0.99]) });
    assert.deepEqual(sequence(picker, 3, { exclude: new Set(['a', 'c']) }), ['b', 'd', 'd']);
  });

  void it('stays in range even if the random source returns 1 or NaN', () => {
    const picker = createRandom(named(['a', 'b']), { random: scripted([1, Number.NaN]) });
    assert.deepEqual(sequence(picker, 2), ['b', 'a']);
  });
});

void describe('least-conn', () => {
  void it('picks the candidate with the lowest active count', () => {
    const cands = pool({ a: { active: 4 }, b: { active: 2 }, c: { active: 3 } });
    const picker = createLeastConn(cands, deps);
    assert.equal(picker.pick()?.id, 'b');
  });

  void it('reads active counts live and breaks ties by list order', () => {
    const cands = pool({ a: { active: 1 }, b: { active: 1 }, c: { active: 1 } });
    const picker = createLeastConn(cands, deps);
    assert.equal(picker.pick()?.id, 'a');
    at(cands, 0).active = 5;
    assert.equal(picker.pick()?.id, 'b');
  });

  void it('falls back to the next least loaded when the least loaded is excluded', () => {
    const picker = createLeastConn(pool({ a: { active: 4 }, b: { active: 0 }, c: { active: 3 } }), deps);
    assert.equal(picker.pick({ exclude: new Set(['b']) })?.id, 'c');
  });
});

void describe('least-conn-rr', () => {
  void it('rotates through equally loaded candidates, least recently picked first', () => {
    const picker = createLeastConnRr(named(['a', 'b', 'c']), deps);
    assert.deepEqual(sequence(picker, 6), ['a', 'b', 'c', 'a', 'b', 'c']);
  });

  void it('prefers a lower active count over rotation', () => {
    const cands = pool({ a: { active: 0 }, b: { active: 2 }, c: { active: 2 } });
    const picker = createLeastConnRr(cands, deps);
    assert.deepEqual(sequence(picker, 3), ['a', 'a', 'a']);
  });

  void it('rotates among the tied least loaded, skipping a busier one', () => {
    const cands = pool({ a: { active: 3 }, b: { active: 1 }, c: { active: 1 }, d: { active: 1 } });
    const picker = createLeastConnRr(cands, deps);
    assert.deepEqual(sequence(picker, 6), ['b', 'c', 'd', 'b', 'c', 'd']);
  });

  void it('returns to the least recently picked when the load evens out', () => {
    const cands = named(['a', 'b', 'c']);
    const picker = createLeastConnRr(cands, deps);
    assert.deepEqual(sequence(picker, 2), ['a', 'b']);
    at(cands, 2).active = 1;
    assert.equal(picker.pick()?.id, 'a'); // c is busier; a was picked before b
    at(cands, 2).active = 0;
    assert.equal(picker.pick()?.id, 'c'); // never picked, so least recently picked
  });
});

void describe('weighted-least-conn', () => {
  void it('picks the smallest active/weight, not the smallest active', () => {
    // a: 2/3 ≈ 0.67, b: 1/1 = 1, c: 3/2 = 1.5
    const picker = createWeightedLeastConn(pool({ a: { weight: 3, active: 2 }, b: { active: 1 }, c: { weight: 2, active: 3 } }), deps);
    assert.equal(picker.pick()?.id, 'a');
  });

  void it('shares an idle pool by weight through smooth round robin among the tied', () => {
    const picker = createWeightedLeastConn(pool({ a: { weight: 2 }, b: { weight: 1 } }), deps);
    assert.deepEqual(sequence(picker, 6), ['a', 'b', 'a', 'a', 'b', 'a']);
  });

  void it('treats equal ratios as ties even when the counts differ', () => {
    // a: 2/2 = b: 1/1, c: 2/1 is busier
    const picker = createWeightedLeastConn(pool({ a: { weight: 2, active: 2 }, b: { active: 1 }, c: { active: 2 } }), deps);
    const seq = sequence(picker, 30);
    assert.equal(count(seq, 'a'), 20);
    assert.equal(count(seq, 'b'), 10);
  });

  void it('keeps active/weight level when every pick opens a connection', () => {
    const cands = pool({ a: { weight: 1 }, b: { weight: 2 }, c: { weight: 5 } });
    const picker = createWeightedLeastConn(cands, deps);
    for (let i = 0; i < 80; i++) {
      const c = picker.pick();
      assert.ok(c !== undefined);
      c.active++;
    }
    assert.deepEqual(cands.map((c) => c.active), [10, 20, 50]);
  });
});

void describe('source-hash', () => {
  const keys = Array.from({ length: 10000 }, (_, i) => `192.168.${(i >>> 8) & 255}.${i & 255}`);

  function assign(ids: readonly string[], ctx?: Omit<PickContext, 'key'>): Map<string, string> {
    const picker = createSourceHash(named(ids), deps);
    const out = new Map<string, string>();
    for (const key of keys) out.set(key, picker.pick({ ...ctx, key })?.id ?? '-');
    return out;
  }

  const ten = Array.from({ length: 10 }, (_, i) => `backend-${i}`);

  void it('sends the same key to the same backend, across pickers too', () => {
    const first = createSourceHash(named(ten), deps);
    const second = createSourceHash(named(ten), { random: seededRandom(999) });
    for (const key of keys.slice(0, 200)) {
      const a = first.pick({ key });
      assert.equal(first.pick({ key }), a);
      assert.equal(second.pick({ key })?.id, a?.id);
    }
  });

  void it('moves about 1/10 of 10000 keys when 1 of 10 backends is removed, and no others', () => {
    const before = assign(ten);
    const after = assign(ten.filter((id) => id !== 'backend-3'));
    let moved = 0;
    for (const key of keys) {
      const was = before.get(key);
      if (was === after.get(key)) continue;
      moved++;
      assert.equal(was, 'backend-3', `key ${key} moved from surviving ${was ?? '?'}`);
    }
    const share = moved / keys.length;
    assert.ok(share >= 0.05 && share <= 0.16, `moved ${share}`);
  });

  void it('moves about 1/(N+1) of keys when a backend is added, all to the newcomer', () => {
    const before = assign(ten);
    const after = assign([...ten, 'backend-new']);
    let moved = 0;
    for (const key of keys) {
      if (before.get(key) === after.get(key)) continue;
      moved++;
      assert.equal(after.get(key), 'backend-new');
    }
    const share = moved / keys.length;
    assert.ok(share >= 0.5 / 11 && share <= 1.6 / 11, `moved ${share}`);
  });

  void it('sends the keys of an excluded backend exactly where removing it would', () => {
    const excluded = assign(ten, { exclude: new Set(['backend-7']) });
    const removed = assign(ten.filter((id) => id !== 'backend-7'));
    assert.deepEqual(excluded, removed);
  });

  void it('gives a heavier backend a proportionally larger share of keys', () => {
    const picker = createSourceHash(pool({ heavy: { weight: 3 }, light: { weight: 1 } }), deps);
    let heavy = 0;
    for (const key of keys) if (picker.pick({ key })?.id === 'heavy') heavy++;
    const share = heavy / keys.length;
    assert.ok(share > 0.65 && share < 0.85, `heavy share ${share}`);
  });

  void it('falls back to deps.random when there is no key', () => {
    const picker = createSourceHash(named(ten), { random: seededRandom(5) });
    const seen = new Set(sequence(picker, 200));
    assert.ok(seen.size >= 8, `only ${seen.size} backends seen`);
  });

  void it('hashes keys to well spread 32-bit values', () => {
    const buckets = new Array<number>(16).fill(0);
    for (const key of keys) {
      const h = hashKey(key);
      assert.ok(Number.isInteger(h) && h >= 0 && h < 2 ** 32);
      const b = h >>> 28;
      buckets[b] = (buckets[b] ?? 0) + 1;
    }
    for (const count of buckets) assert.ok(count > 500 && count < 750, `bucket count ${count}`);
  });
});

void describe('power-of-two', () => {
  void it('rarely picks a heavily loaded candidate among idle ones', () => {
    const cands = pool({ loaded: { active: 100 }, a: {}, b: {}, c: {} });
    const picker = createPowerOfTwo(cands, { random: seededRandom(11) });
    const seq = sequence(picker, 4000);
    const share = count(seq, 'loaded') / seq.length;
    assert.ok(share < 0.25 / 4, `loaded share ${share}`);
  });

  void it('takes the less loaded of its two draws', () => {
    const picker = createPowerOfTwo(pool({ a: { active: 5 }, b: { active: 1 } }), { random: seededRandom(3) });
    assert.deepEqual(sequence(picker, 20), new Array<string>(20).fill('b'));
  });

  void it('compares load per unit of weight', () => {
    // a: 4/4 = 1 beats b: 2/1 = 2
    const picker = createPowerOfTwo(pool({ a: { weight: 4, active: 4 }, b: { active: 2 } }), { random: seededRandom(3) });
    assert.deepEqual(sequence(picker, 20), new Array<string>(20).fill('a'));
  });

  void it('shares an idle pool in proportion to the weights', () => {
    const picker = createPowerOfTwo(pool({ a: { weight: 1 }, b: { weight: 3 } }), { random: seededRandom(4) });
    const seq = sequence(picker, 20000);
    const share = count(seq, 'b') / seq.length;
    assert.ok(Math.abs(share - 0.75) < 0.02, `b share ${share}`);
  });
});
