import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateSchedule } from '../../src/loadtest/rate-schedule.js';

void test('request i falls due at start + i / rate, whatever happened before', () => {
  const s = new RateSchedule(100, 1000);
  assert.equal(s.dueAt(0), 1000);
  assert.equal(s.dueAt(1), 1010);
  assert.equal(s.dueAt(250), 3500);
});

void test('dueBy counts the requests due by a time, the one due exactly then included', () => {
  const s = new RateSchedule(100, 1000);
  assert.equal(s.dueBy(999), 0);
  assert.equal(s.dueBy(1000), 1);
  assert.equal(s.dueBy(1009.9), 1);
  assert.equal(s.dueBy(1010), 2);
  assert.equal(s.dueBy(2000), 101);
});

void test('a count and an end bound the schedule; rates that do not divide a second stay exact', () => {
  assert.equal(new RateSchedule(100, 0, 50).total(), 50);
  assert.equal(new RateSchedule(100, 0, 50).dueBy(10_000), 50);
  assert.equal(new RateSchedule(3, 0, Infinity, 10_000).total(), 30);
  assert.equal(new RateSchedule(3, 0, Infinity, 10_000).dueBy(20_000), 30);
  assert.equal(new RateSchedule(1000, 0, Infinity, 1500).total(), 1500);
  assert.equal(new RateSchedule(100, 0, 20, 1000).total(), 20);
  assert.equal(new RateSchedule(100, 0).total(), Infinity);
});
