import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../testing/memory-store';
import { sampleTask } from '../testing/sample-items';
import { pairHarness, WINDOW } from './harness.test-support';
import type { SyncPolicy } from './policy';
import { defaultPolicy } from './policy';
import { effectivePolicy } from './sync-pair';

/** The run around the plan: when a run reconciles, what a refused run reports, which side a read-only store makes. */
describe('syncPair, the run', () => {
  it('a run refused by the pair lock reads nothing, writes nothing and reports nothing done', async () => {
    const h = pairHarness();
    h.a.put(sampleTask('t1'));
    const release = await h.lock.tryAcquire('p1');
    const report = await h.sync();
    await release!();
    expect(report).toEqual({
      outcome: 'locked',
      counts: {},
      plan: [],
      needsReview: false,
      modes: { a: 'delta', b: 'delta' },
      parked: { a: [], b: [] },
      errors: [],
    });
    expect([...h.a.calls, ...h.b.calls]).toEqual([]);
    expect(await h.status.runs('p1')).toEqual([]);
  });

  it('the periodic reconcile comes when the last full sync is exactly reconcileEveryMs old, not a moment before', async () => {
    const h = pairHarness();
    h.a.put(sampleTask('t1'));
    const t0 = Date.parse('2030-02-01T00:00:00Z');
    const at = (ms: number) => () => new Date(t0 + ms);
    expect((await h.sync({ now: at(0), reconcileEveryMs: 1000 })).modes).toEqual({ a: 'reconcile', b: 'reconcile' });
    expect((await h.sync({ now: at(999), reconcileEveryMs: 1000 })).modes).toEqual({ a: 'delta', b: 'delta' });
    expect((await h.sync({ now: at(1000), reconcileEveryMs: 1000 })).modes).toEqual({
      a: 'reconcile',
      b: 'reconcile',
    });
    // Counted from the last full sync, not from the last run.
    expect((await h.sync({ now: at(1500), reconcileEveryMs: 1000 })).modes).toEqual({ a: 'delta', b: 'delta' });
  });

  it('a moved window forces a reconcile; the same window spelt with milliseconds does not', async () => {
    const h = pairHarness();
    h.a.put(sampleTask('t1'));
    await h.sync();
    const sameInstants = { start: '2030-01-01T00:00:00.000Z', end: '2030-07-01T00:00:00.000Z' };
    expect((await h.sync({ window: sameInstants })).modes).toEqual({ a: 'delta', b: 'delta' });
    expect((await h.sync({ window: { ...WINDOW, end: '2030-08-01T00:00:00Z' } })).modes.a).toBe('reconcile');
    expect((await h.sync({ window: { ...WINDOW, end: '2030-08-01T00:00:00Z' } })).modes.a).toBe('delta');
    expect(
      (await h.sync({ window: { ...WINDOW, start: '2029-12-01T00:00:00Z', end: '2030-08-01T00:00:00Z' } })).modes.b,
    ).toBe('reconcile');
  });
});

describe('effectivePolicy', () => {
  const rw = new MemoryStore();
  const ro = new MemoryStore({ readOnly: true });
  const revertFromB: SyncPolicy = {
    ...defaultPolicy('a'),
    direction: { type: 'one-way', from: 'b', readOnlyEdits: 'revert' },
  };

  it('two writable stores keep the configured policy', () => {
    expect(effectivePolicy(revertFromB, { a: rw, b: rw })).toBe(revertFromB);
  });

  it('a read-only store becomes the source, its edits left alone — unless the pair already flows from it as configured', () => {
    expect(effectivePolicy(defaultPolicy('a'), { a: rw, b: ro }).direction).toEqual({
      type: 'one-way',
      from: 'b',
      readOnlyEdits: 'ignore',
    });
    expect(effectivePolicy(revertFromB, { a: rw, b: ro })).toBe(revertFromB);
    expect(effectivePolicy(revertFromB, { a: ro, b: rw }).direction).toEqual({
      type: 'one-way',
      from: 'a',
      readOnlyEdits: 'ignore',
    });
  });

  it('two read-only stores are refused, saying there is nothing to sync into', () => {
    expect(() => effectivePolicy(defaultPolicy('a'), { a: ro, b: ro })).toThrow(/Both collections .* read-only/);
  });
});
