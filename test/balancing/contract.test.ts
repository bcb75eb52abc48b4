/**
 * The shared contract every balancing policy must pass, run against each entry of the registry:
 * exclusion is honoured (including property-based checks), empty and fully excluded pools give
 * undefined, long-run shares follow the weights (or are even), and picks are deterministic for a
 * seeded random source.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { POLICY_NAMES } from '../../src/config/policy-names.js';
import { seededRandom } from '../../src/core/random.js';
import { POLICIES, createPicker, policyList } from '../../src/balancing/registry.js';
import type { Candidate, PolicyInfo } from '../../src/balancing/types.js';

interface TestCandidate extends Candidate {
  readonly id: string;
  weight: number;
  active: number;
}

function makeCandidates(weights: readonly number[]): TestCandidate[] {
  return weights.map((weight, i) => ({ id: `b${i}`, weight, active: 0 }));
}

/** A distinct client address per index, like the keys a listener would pass. */
function clientKey(i: number): string {
  return `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;
}

/**
 * Runs `picks` picks with a fixed concurrency: every pick opens a connection on the chosen
 * candidate (active + 1) and, once `concurrency` are open, the oldest one closes first (active - 1).
 * Returns how many times each candidate was picked.
 */
function simulate(info: PolicyInfo, cands: TestCandidate[], picks: number, concurrency: number, seed: number): Map<string, number> {
  const picker = info.create(cands, { random: seededRandom(seed) });
  const counts = new Map<string, number>(cands.map((c) => [c.id, 0]));
  const open: TestCandidate[] = [];
  for (let i = 0; i < picks; i++) {
    if (open.length >= concurrency) {
      const oldest = open.shift();
      if (oldest !== undefined) oldest.active--;
    }
    const c = picker.pick({ key: clientKey(i) });
    assert.ok(c !== undefined, 'a pool with candidates and no exclusions must give one');
    c.active++;
    open.push(c);
    counts.set(c.id, (counts.get(c.id) ?? 0) + 1);
  }
  return counts;
}

/**
 * Relative tolerance of a long-run share. Consistent hashing follows the weights only as closely
 * as its ring's arcs do (a few hundred points per backend: about ±8% per unit of weight); the
 * others are exact or converge with the number of picks.
 */
function shareTolerance(info: PolicyInfo): number {
  return info.name === 'source-hash' ? 0.2 : 0.1;
}

/** The share of picks each candidate should get in the long run. */
function expectedShares(info: PolicyInfo, weights: readonly number[]): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => (info.weighted ? w / total : 1 / weights.length));
}

void describe('balancing registry', () => {
  void it('has exactly one policy per name, filed under its own name', () => {
    assert.deepEqual(Object.keys(POLICIES).sort(), [...POLICY_NAMES].sort());
    for (const name of POLICY_NAMES) assert.equal(POLICIES[name].name, name);
  });

  void it('lists the policies in POLICY_NAMES order', () => {
    assert.deepEqual(
      policyList().map((p) => p.name),
      [...POLICY_NAMES],
    );
  });

  void it('gives every policy a one-line summary', () => {
    for (const info of policyList()) {
      assert.ok(info.summary.length > 10, `${info.name} summary is too short`);
      assert.ok(!info.summary.includes('\n'), `${info.name} summary spans lines`);
      assert.ok(info.summary.length <= 140, `${info.name} summary is longer than 140 characters`);
    }
  });

  void it('builds a working picker by name with createPicker', () => {
    const cands = makeCandidates([1, 1]);
    for (const name of POLICY_NAMES) {
      const picker = createPicker(name, cands, { random: seededRandom(1) });
      const c = picker.pick({ key: 'k' });
      assert.ok(c !== undefined && cands.includes(c), `${name} returned a foreign candidate`);
    }
  });
});

for (const info of policyList()) {
  void describe(`policy contract: ${info.name}`, () => {
    void it('returns undefined when there are no candidates', () => {
      const picker = info.create([], { random: seededRandom(1) });
      assert.equal(picker.pick(), undefined);
      assert.equal(picker.pick({ key: '10.0.0.1' }), undefined);
      assert.equal(picker.pick({ exclude: new Set(['b0']) }), undefined);
    });

    void it('returns undefined when every candidate is excluded', () => {
      const cands = makeCandidates([1, 2, 3]);
      const picker = info.create(cands, { random: seededRandom(1) });
      const exclude = new Set(cands.map((c) => c.id));
      for (let i = 0; i < 10; i++) assert.equal(picker.pick({ exclude, key: clientKey(i) }), undefined);
    });

    void it('returns the only eligible candidate when all others are excluded', () => {
      const cands = makeCandidates([3, 1, 2, 5]);
      const picker = info.create(cands, { random: seededRandom(2) });
      const exclude = new Set(['b0', 'b1', 'b3']);
      for (let i = 0; i < 20; i++) assert.equal(picker.pick({ exclude, key: clientKey(i) }), cands[2]);
    });

    void it('picks without a context and ignores exclusions of unknown ids', () => {
      const cands = makeCandidates([1, 1, 1]);
      const picker = info.create(cands, { random: seededRandom(3) });
      for (let i = 0; i < 10; i++) {
        const a = picker.pick();
        assert.ok(a !== undefined && cands.includes(a));
        const b = picker.pick({ exclude: new Set(['nope']) });
        assert.ok(b !== undefined && cands.includes(b));
      }
    });

    void it('never returns an excluded candidate, whatever the weights, loads and exclusions', () => {
      const scenario = fc.record({
        pool: fc.array(
          fc.record({ weight: fc.integer({ min: 1, max: 10 }), active: fc.nat({ max: 50 }), excluded: fc.boolean() }),
          { maxLength: 12 },
        ),
        keys: fc.array(fc.option(fc.string({ maxLength: 16 }), { nil: undefined }), { minLength: 1, maxLength: 30 }),
        seed: fc.integer(),
      });
      fc.assert(
        fc.property(scenario, ({ pool, keys, seed }) => {
          const cands: TestCandidate[] = pool.map((p, i) => ({ id: `b${i}`, weight: p.weight, active: p.active }));
          const exclude = new Set(pool.flatMap((p, i) => (p.excluded ? [`b${i}`] : [])));
          const anyEligible = pool.some((p) => !p.excluded);
          const picker = info.create(cands, { random: seededRandom(seed) });
          for (const key of keys) {
            const c = picker.pick({ key, exclude });
            if (!anyEligible) {
              assert.equal(c, undefined);
              continue;
            }
            assert.ok(c !== undefined, 'an eligible candidate exists, so one must be returned');
            assert.ok(cands.includes(c), 'the result must be one of the candidates');
            assert.ok(!exclude.has(c.id), `excluded ${c.id} was returned`);
            c.active++; // the load changes between picks, as in a live pool
          }
        }),
        { numRuns: 300 },
      );
    });

    void it('keeps honouring exclusions that change from pick to pick', () => {
      fc.assert(
        fc.property(
          fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 8 }),
          fc.array(fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }), { minLength: 1, maxLength: 20 }),
          fc.integer(),
          (weights, masks, seed) => {
            const cands = makeCandidates(weights);
            const picker = info.create(cands, { random: seededRandom(seed) });
            masks.forEach((mask, n) => {
              const exclude = new Set(cands.filter((_, i) => mask[i] === true).map((c) => c.id));
              const c = picker.pick({ key: clientKey(n), exclude });
              if (exclude.size === cands.length) assert.equal(c, undefined);
              else assert.ok(c !== undefined && !exclude.has(c.id));
            });
          },
        ),
        { numRuns: 200 },
      );
    });

    void it(`gives each backend a long-run share ${info.weighted ? 'proportional to its weight' : 'that is even'}`, () => {
      const weights = [1, 2, 3, 4];
      const picks = 20000;
      const cands = makeCandidates(weights);
      const counts = simulate(info, cands, picks, 100, 42);
      const expected = expectedShares(info, weights);
      cands.forEach((c, i) => {
        const share = (counts.get(c.id) ?? 0) / picks;
        const want = expected[i] ?? 0;
        assert.ok(
          Math.abs(share - want) <= shareTolerance(info) * want + 0.005,
          `${c.id} (weight ${c.weight}) got ${share.toFixed(4)}, expected about ${want.toFixed(4)}`,
        );
      });
    });

    void it('gives an even share to equal weights', () => {
      const weights = [5, 5, 5, 5, 5];
      const picks = 20000;
      const cands = makeCandidates(weights);
      const counts = simulate(info, cands, picks, 50, 7);
      for (const c of cands) {
        const share = (counts.get(c.id) ?? 0) / picks;
        assert.ok(Math.abs(share - 0.2) <= shareTolerance(info) * 0.2 + 0.005, `${c.id} got ${share.toFixed(4)}, expected about 0.2`);
      }
    });

    void it('produces the same sequence from the same seed and inputs', () => {
      const run = (): string[] => {
        const cands = makeCandidates([3, 1, 4, 1, 5, 9, 2, 6]);
        const picker = info.create(cands, { random: seededRandom(1234) });
        const script = seededRandom(99); // drives exclusions, keys and load identically in both runs
        const out: string[] = [];
        for (let i = 0; i < 2000; i++) {
          const exclude = new Set<string>();
          for (const c of cands) if (script.next() < 0.15) exclude.add(c.id);
          const key = script.next() < 0.1 ? undefined : clientKey(Math.floor(script.next() * 500));
          const c = picker.pick({ key, exclude });
          out.push(c?.id ?? '-');
          if (c !== undefined) c.active++;
          const closing = cands[Math.floor(script.next() * cands.length)];
          if (closing !== undefined && closing.active > 0) closing.active--;
        }
        return out;
      };
      assert.deepEqual(run(), run());
    });
  });
}
