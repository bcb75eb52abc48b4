import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { OutlierDetector } from '../../src/health/passive/outlier-detector.js';
import type { Ejection, Outcome, OutlierOptions } from '../../src/health/passive/outlier-detector.js';

const OPTIONS: OutlierOptions = {
  consecutiveLocalFailures: 5,
  consecutive5xx: 3,
  baseEjectionMs: 1000,
  maxEjectionMs: 2500,
  maxEjectedPercent: 100,
};

function ids(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `b${i}`);
}

function detector(n: number, over: Partial<OutlierOptions> = {}): OutlierDetector {
  const d = new OutlierDetector({ ...OPTIONS, ...over });
  d.setMembers(ids(n));
  return d;
}

/** Records `outcome` `times` times at `now`; returns the ejections that happened. */
function repeat(d: OutlierDetector, id: string, outcome: Outcome, times: number, now: number): Ejection[] {
  const out: Ejection[] = [];
  for (let i = 0; i < times; i++) {
    const e = d.record(id, outcome, now);
    if (e !== undefined) out.push(e);
  }
  return out;
}

/** Ejects `id` at `now` with local failures and checks that it happened. */
function eject(d: OutlierDetector, id: string, now: number): Ejection {
  const e = repeat(d, id, 'local-failure', OPTIONS.consecutiveLocalFailures, now);
  assert.equal(e.length, 1, `${id} ejected once`);
  return e[0] as Ejection;
}

void describe('outlier detector: thresholds', () => {
  void it('ejects at exactly the configured number of local failures in a row, not before', () => {
    const d = detector(3);
    assert.deepEqual(repeat(d, 'b0', 'local-failure', 4, 0), []);
    assert.equal(d.isEjected('b0'), false);
    const e = d.record('b0', 'local-failure', 0);
    assert.deepEqual(e, {
      id: 'b0',
      until: 1000,
      durationMs: 1000,
      count: 1,
      multiplier: 1,
      cause: '5 consecutive local failures (connect, reset or timeout)',
    });
    assert.equal(d.isEjected('b0'), true);
  });

  void it('ejects at exactly the configured number of 5xx responses in a row, not before', () => {
    const d = detector(3);
    assert.deepEqual(repeat(d, 'b1', '5xx', 2, 0), []);
    const e = d.record('b1', '5xx', 0);
    assert.equal(e?.cause, '3 consecutive 5xx responses');
    assert.equal(d.isEjected('b1'), true);
  });

  void it('starts the local-failure run again after a success in between', () => {
    const d = detector(3);
    repeat(d, 'b0', 'local-failure', 4, 0);
    d.record('b0', 'success', 0);
    assert.deepEqual(repeat(d, 'b0', 'local-failure', 4, 0), []);
    assert.equal(d.view('b0')?.consecutiveLocalFailures, 4);
  });

  void it('starts the 5xx run again after a success in between', () => {
    const d = detector(3);
    repeat(d, 'b0', '5xx', 2, 0);
    d.record('b0', 'success', 0);
    assert.deepEqual(repeat(d, 'b0', '5xx', 2, 0), []);
    assert.equal(d.isEjected('b0'), false);
  });

  void it('lets a 5xx break a local-failure run, since the connection worked', () => {
    const d = detector(3);
    repeat(d, 'b0', 'local-failure', 4, 0);
    d.record('b0', '5xx', 0);
    assert.equal(d.view('b0')?.consecutiveLocalFailures, 0);
    assert.equal(d.record('b0', 'local-failure', 0), undefined);
  });

  void it('keeps the 5xx run through a local failure', () => {
    const d = detector(3);
    repeat(d, 'b0', '5xx', 2, 0);
    d.record('b0', 'local-failure', 0);
    assert.equal(d.record('b0', '5xx', 0)?.cause, '3 consecutive 5xx responses');
  });

  void it('never ejects for a kind whose threshold is 0', () => {
    const d = detector(3, { consecutiveLocalFailures: 0, consecutive5xx: 0 });
    assert.deepEqual(repeat(d, 'b0', 'local-failure', 100, 0), []);
    assert.deepEqual(repeat(d, 'b0', '5xx', 100, 0), []);
  });

  void it('resets both runs when the backend is ejected', () => {
    const d = detector(3);
    repeat(d, 'b0', '5xx', 2, 0);
    repeat(d, 'b0', 'local-failure', 5, 0);
    assert.equal(d.view('b0')?.consecutiveLocalFailures, 0);
    assert.equal(d.view('b0')?.consecutive5xx, 0);
  });

  void it('only counts outcomes for a backend that is already ejected', () => {
    const d = detector(3);
    eject(d, 'b0', 0);
    assert.deepEqual(repeat(d, 'b0', 'local-failure', 12, 10), []);
    assert.equal(d.view('b0')?.consecutiveLocalFailures, 12);
    assert.equal(d.view('b0')?.ejections, 1);
    assert.equal(d.view('b0')?.until, 1000);
  });

  void it('ignores outcomes for an id that is not a member', () => {
    const d = detector(3);
    assert.deepEqual(repeat(d, 'gone', 'local-failure', 10, 0), []);
    assert.equal(d.view('gone'), undefined);
    assert.equal(d.isEjected('gone'), false);
  });
});

void describe('outlier detector: ejection time', () => {
  void it('makes each ejection in a row one base longer, capped at the maximum', () => {
    const d = detector(3);
    const durations: number[] = [];
    let now = 0;
    for (let i = 0; i < 5; i++) {
      const e = eject(d, 'b0', now);
      durations.push(e.durationMs);
      now = e.until;
      assert.deepEqual(d.expire(now), ['b0']);
    }
    assert.deepEqual(durations, [1000, 2000, 2500, 2500, 2500]);
  });

  void it('counts every ejection of a backend', () => {
    const d = detector(3);
    const first = eject(d, 'b0', 0);
    d.expire(first.until);
    const second = eject(d, 'b0', first.until);
    assert.equal(second.count, 2);
    assert.equal(d.view('b0')?.ejections, 2);
  });

  void it('takes one off the multiplier for every full base period spent back in rotation', () => {
    const d = detector(3, { maxEjectionMs: 10_000 });
    let now = 0;
    for (let i = 0; i < 3; i++) {
      now = eject(d, 'b0', now).until;
      d.expire(now);
    }
    // Three ejections in a row (1 s, 2 s, 3 s); back at 6000 with multiplier 3.
    assert.equal(now, 6000);
    assert.equal(d.multiplier('b0', 6000), 3);
    assert.equal(d.multiplier('b0', 6999), 3);
    assert.equal(d.multiplier('b0', 7000), 2);
    assert.equal(d.multiplier('b0', 8500), 1);
    assert.equal(d.multiplier('b0', 9000), 0);
    assert.equal(d.multiplier('b0', 60_000), 0);
  });

  void it('sizes the next ejection from the decayed multiplier', () => {
    const d = detector(3, { maxEjectionMs: 10_000 });
    let now = 0;
    for (let i = 0; i < 3; i++) {
      now = eject(d, 'b0', now).until;
      d.expire(now);
    }
    // Back at 6000 with multiplier 3; 1.5 base periods later it has decayed to 2, so 3 × base.
    const e = eject(d, 'b0', 7500);
    assert.equal(e.multiplier, 3);
    assert.equal(e.durationMs, 3000);
    d.expire(e.until);
    // Far later it has decayed to 0: back to one base.
    assert.equal(eject(d, 'b0', e.until + 50_000).durationMs, 1000);
  });

  void it('does not let the multiplier grow past the first value that reaches the maximum', () => {
    const d = detector(3);
    let now = 0;
    for (let i = 0; i < 10; i++) {
      now = eject(d, 'b0', now).until;
      d.expire(now);
    }
    // Max 2500 with base 1000 → the multiplier stops at 3, so three base periods clear it.
    assert.equal(d.multiplier('b0', now), 3);
    assert.equal(d.multiplier('b0', now + 3000), 0);
  });
});

void describe('outlier detector: share of the pool', () => {
  void it('ejects at most 2 of 10 backends at 20%', () => {
    const d = detector(10, { maxEjectedPercent: 20 });
    const ejected = ids(10).filter((id) => repeat(d, id, '5xx', 3, 0).length > 0);
    assert.deepEqual(ejected, ['b0', 'b1']);
    assert.equal(d.ejectedCount(), 2);
    assert.equal(d.maxEjected(), 2);
  });

  void it('still allows one ejection in a pool of 3 at 10%', () => {
    const d = detector(3, { maxEjectedPercent: 10 });
    assert.equal(d.maxEjected(), 1);
    eject(d, 'b0', 0);
    assert.deepEqual(repeat(d, 'b1', 'local-failure', 5, 0), []);
    assert.equal(d.ejectedCount(), 1);
  });

  void it('ejects nothing at 0%', () => {
    const d = detector(3, { maxEjectedPercent: 0 });
    assert.deepEqual(repeat(d, 'b0', 'local-failure', 20, 0), []);
    assert.equal(d.ejectedCount(), 0);
  });

  void it('keeps a refused run at its threshold and ejects on the next failure once there is room', () => {
    const d = detector(3, { maxEjectedPercent: 10 });
    const first = eject(d, 'b0', 0);
    assert.deepEqual(repeat(d, 'b1', 'local-failure', 5, 0), []);
    assert.equal(d.view('b1')?.consecutiveLocalFailures, 5);
    d.expire(first.until);
    const e = d.record('b1', 'local-failure', first.until);
    assert.equal(e?.cause, '6 consecutive local failures (connect, reset or timeout)');
  });

  void it('clears a refused run on a success', () => {
    const d = detector(3, { maxEjectedPercent: 10 });
    const first = eject(d, 'b0', 0);
    repeat(d, 'b1', 'local-failure', 5, 0);
    d.record('b1', 'success', 0);
    d.expire(first.until);
    assert.equal(d.record('b1', 'local-failure', first.until), undefined);
  });
});

void describe('outlier detector: expiry and membership', () => {
  void it('returns exactly the backends whose ejection is due, and only once', () => {
    const d = detector(4);
    eject(d, 'b0', 0); // until 1000
    eject(d, 'b1', 500); // until 1500
    eject(d, 'b2', 900); // until 1900
    assert.deepEqual(d.expire(999), []);
    assert.deepEqual(d.expire(1500), ['b0', 'b1']);
    assert.deepEqual(d.expire(1500), []);
    assert.equal(d.isEjected('b0'), false);
    assert.equal(d.isEjected('b2'), true);
    assert.equal(d.ejectedCount(), 1);
    assert.deepEqual(d.expire(5000), ['b2']);
    assert.equal(d.ejectedCount(), 0);
  });

  void it('keeps a backend ejected past its end time until expire is called', () => {
    const d = detector(3);
    eject(d, 'b0', 0);
    assert.equal(d.isEjected('b0'), true);
    assert.equal(d.record('b0', 'local-failure', 5000), undefined);
    assert.equal(d.isEjected('b0'), true);
  });

  void it('reports the earliest end time for one timer, or undefined when nothing is ejected', () => {
    const d = detector(3);
    assert.equal(d.nextExpiry(), undefined);
    eject(d, 'b1', 700); // until 1700
    eject(d, 'b0', 300); // until 1300
    assert.equal(d.nextExpiry(), 1300);
    d.expire(1300);
    assert.equal(d.nextExpiry(), 1700);
    d.expire(1700);
    assert.equal(d.nextExpiry(), undefined);
  });

  void it('keeps the state of members that remain and drops the others', () => {
    const d = detector(3);
    eject(d, 'b0', 0);
    repeat(d, 'b1', '5xx', 2, 0);
    eject(d, 'b2', 0);
    d.setMembers(['b0', 'b1', 'b3']);
    assert.equal(d.isEjected('b0'), true);
    assert.equal(d.view('b1')?.consecutive5xx, 2);
    assert.equal(d.view('b2'), undefined);
    assert.deepEqual(d.view('b3'), { ejected: false, until: undefined, ejections: 0, consecutiveLocalFailures: 0, consecutive5xx: 0 });
    assert.equal(d.ejectedCount(), 1);
    assert.equal(d.nextExpiry(), 1000);
  });

  void it('forgets a removed backend entirely, so it comes back with a clean slate', () => {
    const d = detector(3);
    eject(d, 'b0', 0);
    d.setMembers(['b1', 'b2']);
    d.setMembers(['b0', 'b1', 'b2']);
    assert.deepEqual(d.view('b0'), { ejected: false, until: undefined, ejections: 0, consecutiveLocalFailures: 0, consecutive5xx: 0 });
    assert.deepEqual(d.expire(10_000), []);
  });

  void it('applies new options to the next outcomes and keeps current ejections and runs', () => {
    const d = detector(3);
    eject(d, 'b0', 0);
    repeat(d, 'b1', 'local-failure', 2, 0);
    d.setOptions({ ...OPTIONS, consecutiveLocalFailures: 3, baseEjectionMs: 400 });
    assert.equal(d.view('b0')?.until, 1000);
    assert.equal(d.record('b1', 'local-failure', 0)?.durationMs, 400);
  });
});

void describe('outlier detector: properties', () => {
  // Failures outnumber successes so that runs reach their thresholds and the share limit is hit.
  const outcome = fc.oneof(
    { weight: 1, arbitrary: fc.constant<Outcome>('success') },
    { weight: 3, arbitrary: fc.constant<Outcome>('local-failure') },
    { weight: 3, arbitrary: fc.constant<Outcome>('5xx') },
  );
  const options = fc.record({
    consecutiveLocalFailures: fc.integer({ min: 0, max: 4 }),
    consecutive5xx: fc.integer({ min: 0, max: 4 }),
    baseEjectionMs: fc.integer({ min: 1, max: 2000 }),
    maxEjectionMs: fc.integer({ min: 1, max: 10_000 }),
    maxEjectedPercent: fc.integer({ min: 0, max: 100 }),
  });
  const step = fc.record({ member: fc.nat(), outcome, advance: fc.integer({ min: 0, max: 700 }) });

  void it('never ejects more than the share allows, and every ejection lasts min(base × multiplier, max) and then ends', () => {
    let ejections = 0;
    let atLimit = 0;
    fc.assert(
      fc.property(options, fc.integer({ min: 1, max: 12 }), fc.array(step, { minLength: 20, maxLength: 300 }), (opts, n, steps) => {
        const members = ids(n);
        const d = new OutlierDetector(opts);
        d.setMembers(members);
        const limit = opts.maxEjectedPercent === 0 ? 0 : Math.max(1, Math.floor((n * opts.maxEjectedPercent) / 100));
        const open = new Map<string, Ejection>();
        let now = 0;
        for (const s of steps) {
          now += s.advance;
          for (const id of d.expire(now)) {
            const e = open.get(id);
            assert.ok(e !== undefined && e.until <= now, `${id} returned only when due`);
            open.delete(id);
          }
          for (const e of open.values()) assert.ok(e.until > now, 'nothing due is left ejected after expire');
          const next = d.nextExpiry();
          assert.equal(next, open.size === 0 ? undefined : Math.min(...[...open.values()].map((e) => e.until)));
          const id = members[s.member % n] ?? 'b0';
          const e = d.record(id, s.outcome, now);
          if (e !== undefined) {
            assert.ok(!open.has(id), 'an ejected backend is not ejected again');
            assert.ok(e.multiplier >= 1);
            assert.equal(e.durationMs, Math.min(opts.baseEjectionMs * e.multiplier, opts.maxEjectionMs));
            assert.ok(e.durationMs <= opts.maxEjectionMs);
            assert.equal(e.until, now + e.durationMs);
            open.set(id, e);
            ejections++;
          }
          if (limit > 0 && d.ejectedCount() === limit) atLimit++;
          assert.ok(d.ejectedCount() <= limit, `${d.ejectedCount()} ejected, limit ${limit}`);
          assert.equal(d.ejectedCount(), open.size);
        }
        // Every ejection ends by its own end time, which is at most max after it began.
        assert.deepEqual(d.expire(now + opts.maxEjectionMs).sort(), [...open.keys()].sort());
        assert.equal(d.ejectedCount(), 0);
      }),
      { numRuns: 300, seed: 20240611 },
    );
    // The runs must have exercised what they check.
    assert.ok(ejections >= 300, `${ejections} ejections`);
    assert.ok(atLimit >= 300, `${atLimit} steps at the limit`);
  });
});
