import { describe, expect, it } from 'vitest';
import { AuthError, RetryableError } from '../ports/errors';
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

describe('syncPair, what a run reports and records', () => {
  it('a side failing while read ends the run unavailable with nothing done, no retry advice when the peer gave none', async () => {
    const h = pairHarness();
    h.a.put(sampleTask('t1'));
    h.b.failNext(new RetryableError('503', { retryAfterMs: 0 }), ['listWindow']);
    const report = await h.sync();
    expect(report).toEqual({
      outcome: 'unavailable',
      counts: {},
      plan: [],
      needsReview: false,
      modes: { a: 'delta', b: 'delta' },
      parked: { a: [], b: [] },
      errors: ['RetryableError: 503'],
    });
    expect((await h.status.runs('p1')).map((r) => [r.outcome, r.error])).toEqual([['failed', 'RetryableError: 503']]);
  });

  it('refused access says what was refused', async () => {
    const h = pairHarness();
    h.a.failNext(new AuthError('no mailbox', { refused: 'mailbox-missing' }), ['listWindow']);
    const report = await h.sync();
    expect([report.outcome, report.refused]).toEqual(['auth-failed', 'mailbox-missing']);
  });

  it('a run cancelled before it reads is recorded as cancelled and decides nothing', async () => {
    const h = pairHarness();
    h.a.put(sampleTask('t1'));
    const stop = new AbortController();
    stop.abort();
    const report = await h.sync({ signal: stop.signal, syncId: 'sync-1' });
    expect(report).toEqual({
      outcome: 'unavailable',
      counts: {},
      plan: [],
      needsReview: false,
      modes: { a: 'delta', b: 'delta' },
      parked: { a: [], b: [] },
      errors: ['The run was cancelled: the worker stopped.'],
    });
    expect(h.b.entries()).toEqual([]);
    const [run] = await h.status.runs('p1');
    expect(run).toMatchObject({ outcome: 'cancelled', error: 'The run was cancelled: the worker stopped.' });
  });

  it('a dry run reports its plan, no errors, nothing parked, and records a successful dry run', async () => {
    const h = pairHarness();
    h.a.put(sampleTask('t1'));
    const dry = await h.sync({ dryRun: true });
    expect([dry.outcome, dry.errors, dry.parked, dry.plan.length]).toEqual(['dry-run', [], { a: [], b: [] }, 1]);
    expect((await h.status.runs('p1')).map((r) => [r.dryRun, r.outcome])).toEqual([[true, 'success']]);
  });

  it('the plan a run reports lists each item it wrote and only those; a clean run records no error', async () => {
    const h = pairHarness();
    h.a.put(sampleTask('t1'));
    h.a.put(sampleTask('t2'));
    const first = await h.sync();
    expect(first.plan.map((p) => p.ident).sort()).toEqual(['t1', 't2']);
    h.a.put(sampleTask('t1', { summary: 'changed' }));
    const second = await h.sync();
    expect(second.plan.map((p) => p.ident)).toEqual(['t1']);
    expect((await h.sync()).plan).toEqual([]);
    const runs = await h.status.runs('p1');
    expect(runs.map((r) => r.outcome)).toEqual(['success', 'success', 'success']);
    expect(runs.every((r) => r.error === undefined)).toBe(true);
  });

  it('a partial run records its item errors, joined', async () => {
    const h = pairHarness();
    h.a.put(sampleTask('t1'));
    h.a.put(sampleTask('t2'));
    h.b.failNextWrite(new RetryableError('first'));
    h.b.failNextWrite(new RetryableError('second'));
    const report = await h.sync();
    expect(report.outcome).toBe('partial');
    const [run] = await h.status.runs('p1');
    expect(run).toMatchObject({ outcome: 'partial', error: report.errors.join('; ') });
    expect(report.errors).toHaveLength(2);
  });

  it('a decided deletion the item was edited since is reported by the run that tried it', async () => {
    const h = pairHarness();
    for (let i = 0; i < 10; i++) h.a.put(sampleTask(`t${i}`));
    await h.sync();
    for (let i = 0; i < 8; i++) h.a.delete(`/a/t${i}`);
    await h.sync();
    const [q] = await h.status.quarantined('p1');
    await h.status.decideQuarantine('p1', q!.id, 'apply');
    h.b.put(sampleTask(q!.ident, { summary: 'still needed' }));
    const run = await h.sync();
    expect(run.errors).toContain(
      `${q!.ident}: the held deletion was not applied: the item was edited since, and the edit wins`,
    );
    const quiet = await h.sync();
    expect(quiet.errors).toEqual([]);
  });

  it('a run where only one side was listed whole is no full sync: the periodic reconcile is still due', async () => {
    for (const side of ['a', 'b'] as const) {
      const h = pairHarness();
      h.a.put(sampleTask('t1'));
      const t0 = Date.parse('2030-02-01T00:00:00Z');
      const at = (ms: number) => () => new Date(t0 + ms);
      await h.sync({ now: at(0), reconcileEveryMs: 1000 });
      h[side].invalidateTokens();
      expect((await h.sync({ now: at(500), reconcileEveryMs: 1000 })).modes[side]).toBe('reconcile');
      expect((await h.sync({ now: at(1000), reconcileEveryMs: 1000 })).modes).toEqual({
        a: 'reconcile',
        b: 'reconcile',
      });
    }
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
