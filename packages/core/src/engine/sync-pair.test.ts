import { describe, expect, it } from 'vitest';
import { AuthError, InvalidItemError, PreconditionFailedError, RejectedError, RetryableError } from '../ports/errors';
import { MemoryStore } from '../testing/memory-store';
import { sampleTask } from '../testing/sample-items';
import { pairHarness, summaryOf, WINDOW } from './harness.test-support';
import { syncPair } from './sync-pair';

describe('syncPair', () => {
  it('first run copies each side’s items to the other, and a second run does nothing (echo is a no-op)', async () => {
    const h = pairHarness();
    h.a.put(sampleTask('t1'));
    h.b.put(sampleTask('t2'));
    const first = await h.sync();
    expect(first.outcome).toBe('success');
    expect(first.counts).toEqual({ a_to_b: { create: 1 }, b_to_a: { create: 1 } });
    expect(h.contents(h.a)).toEqual(h.contents(h.b));
    const callsBefore = h.a.calls.length + h.b.calls.length;
    const second = await h.sync();
    expect(second.modes).toEqual({ a: 'delta', b: 'delta' });
    expect(second.counts).toEqual({});
    // One delta request per side, and one look at what the first run created (a side may report nothing for an
    // item created and deleted since its token).
    expect(h.a.calls.length + h.b.calls.length - callsBefore).toBe(4);
    const callsThen = h.a.calls.length + h.b.calls.length;
    expect((await h.sync()).counts).toEqual({});
    // One request per side when nothing changed.
    expect(h.a.calls.length + h.b.calls.length - callsThen).toBe(2);
  });

  it('stamps the status row ident as our marker on every created item', async () => {
    const h = pairHarness();
    h.a.put(sampleTask('t1'));
    await h.sync();
    expect(h.b.findByUid('t1')?.marker).toBe('t1');
  });

  it('an edit is written as an update of the same object (never delete + create)', async () => {
    const h = pairHarness();
    h.a.put(sampleTask('t1'));
    await h.sync();
    const href = h.b.findByUid('t1')!.href;
    h.a.put(sampleTask('t1', { summary: 'changed' }));
    const r = await h.sync();
    expect(r.counts).toEqual({ a_to_b: { update: 1 } });
    expect(h.b.get(href)?.item).toMatchObject({ summary: 'changed' });
  });

  it('dry run returns and stores the plan, writes nothing and moves no token', async () => {
    const h = pairHarness();
    h.a.put(sampleTask('t1'));
    const dry = await h.sync({ dryRun: true });
    expect(dry.outcome).toBe('dry-run');
    expect(dry.plan).toEqual([{ ident: 't1', cell: 'a-new/b-absent', writes: [{ type: 'create', side: 'b' }] }]);
    expect(h.b.entries()).toEqual([]);
    expect(await h.status.rows('p1')).toEqual([]);
    expect((await h.status.pairState('p1')).tokens).toEqual({});
    const runs = await h.status.runs('p1');
    expect(runs.map((r) => [r.dryRun, r.plan?.length])).toEqual([[true, 1]]);
  });

  it('AuthError aborts the run: no further request, tokens not advanced', async () => {
    const h = pairHarness();
    h.a.put(sampleTask('t1'));
    h.a.put(sampleTask('t2'));
    h.b.failNext(new AuthError('401'), ['create']);
    const r = await h.sync();
    expect(r.outcome).toBe('auth-failed');
    expect(h.b.calls.filter((c) => c === 'create')).toHaveLength(1);
    expect((await h.status.pairState('p1')).tokens).toEqual({});
    expect(await h.status.rows('p1')).toEqual([]);
  });

  it('a throttle (retry-after) stops the run politely and says when to come back', async () => {
    const h = pairHarness();
    h.a.put(sampleTask('t1'));
    h.a.put(sampleTask('t2'));
    h.b.failNext(new RetryableError('429', { retryAfterMs: 30_000 }), ['create']);
    const r = await h.sync();
    expect(r).toMatchObject({ outcome: 'throttled', retryAfterMs: 30_000 });
    expect(h.b.calls.filter((c) => c === 'create')).toHaveLength(1);
    const again = await h.sync();
    expect(again.outcome).toBe('success');
    expect(h.contents(h.a)).toEqual(h.contents(h.b));
  });

  it('a store that cannot be read ends the run as unavailable, deciding nothing', async () => {
    const h = pairHarness();
    h.a.put(sampleTask('t1'));
    await h.sync();
    h.a.put(sampleTask('t1', { summary: 'x' }));
    h.b.failNext(new RetryableError('503'), ['changesSince']);
    const r = await h.sync();
    expect(r.outcome).toBe('unavailable');
    expect(summaryOf(h.b, 't1')).toBe('Task t1');
    expect((await h.sync()).outcome).toBe('success');
    expect(summaryOf(h.b, 't1')).toBe('x');
  });

  it('a failed write rolls back only that item, parks it, and the next run retries it', async () => {
    const h = pairHarness();
    h.a.put(sampleTask('t1'));
    await h.sync();
    h.a.put(sampleTask('t1', { summary: 'edit' }));
    h.a.put(sampleTask('t2'));
    h.b.failNext(new RetryableError('503'), ['update']);
    const r = await h.sync();
    expect(r.outcome).toBe('partial');
    expect(r.parked.a).toEqual(['/a/t1']);
    expect(h.b.findByUid('t2')).toBeDefined();
    expect(summaryOf(h.b, 't1')).toBe('Task t1');
    const next = await h.sync();
    expect(next.outcome).toBe('success');
    expect(summaryOf(h.b, 't1')).toBe('edit');
  });

  it('a lost race (precondition failed) is re-read and re-planned at once, merging both edits', async () => {
    const h = pairHarness();
    h.a.put(sampleTask('t1'));
    await h.sync();
    h.a.put(sampleTask('t1', { summary: 'from a' }));
    // Another client edits b between our read and our write: simulated by editing b when the update is attempted.
    const update = h.b.update.bind(h.b);
    let raced = false;
    h.b.update = async (base, item, signal) => {
      if (!raced) {
        raced = true;
        h.b.put(sampleTask('t1', { priority: 1 }));
      }
      return update(base, item, signal);
    };
    const r = await h.sync();
    expect(r.outcome).toBe('success');
    expect(h.a.findByUid('t1')?.item).toMatchObject({ summary: 'from a', priority: 1 });
    expect(h.b.findByUid('t1')?.item).toMatchObject({ summary: 'from a', priority: 1 });
  });

  it('a precondition failure twice in a row parks the item instead of looping', async () => {
    const h = pairHarness();
    h.a.put(sampleTask('t1'));
    await h.sync();
    h.a.put(sampleTask('t1', { summary: 'x' }));
    h.b.failNext(new PreconditionFailedError('412'), ['update']);
    h.b.failNext(new PreconditionFailedError('412'), ['update']);
    const r = await h.sync();
    expect(r.outcome).toBe('partial');
    expect((await h.sync()).outcome).toBe('success');
    expect(summaryOf(h.b, 't1')).toBe('x');
  });

  it('an unreadable item is skipped and reported with why, the rest still sync, nothing is deleted or retried in a loop', async () => {
    const h = pairHarness();
    h.a.put(sampleTask('t1'));
    h.a.put(sampleTask('t2'));
    const getMany = h.a.getMany.bind(h.a);
    h.a.getMany = (hrefs, signal) => {
      if (hrefs.includes('/a/t2')) throw new InvalidItemError('bad iCalendar');
      return getMany(hrefs, signal);
    };
    const r = await h.sync();
    expect(r.errors).toEqual(['unreadable item /a/t2: bad iCalendar']);
    expect(Object.keys(h.contents(h.b))).toEqual(['t1']);
    const callsBefore = h.a.calls.filter((c) => c === 'getMany').length;
    expect((await h.sync()).errors).toEqual([]);
    expect(h.a.calls.filter((c) => c === 'getMany').length - callsBefore, 'not read again until it changes').toBe(0);
  });

  it('an item the other side refuses for good is reported with why, not retried every run, and tried again once edited', async () => {
    const h = pairHarness();
    h.a.put(sampleTask('t1'));
    h.a.put(sampleTask('t2'));
    const create = h.b.create.bind(h.b);
    h.b.create = (item, options, signal) => {
      if (item.uid === 't2') throw new RejectedError('Exchange refuses an end before the start', 'unsupported');
      return create(item, options, signal);
    };
    const first = await h.sync();
    expect(first.outcome).toBe('partial');
    expect(first.errors).toEqual(['t2: RejectedError: Exchange refuses an end before the start']);
    expect(first.parked).toEqual({ a: [], b: [] });
    const second = await h.sync();
    expect(second).toMatchObject({ outcome: 'success', counts: {}, errors: [] });
    h.a.put(sampleTask('t2', { summary: 'edited' }));
    const third = await h.sync();
    expect(third.errors).toEqual(['t2: RejectedError: Exchange refuses an end before the start']);
  });

  it('conflicts are recorded with both versions', async () => {
    const h = pairHarness();
    h.a.put(sampleTask('t1'));
    await h.sync();
    h.a.put(sampleTask('t1', { summary: 'A' }));
    h.b.put(sampleTask('t1', { summary: 'B' }));
    await h.sync();
    const [c] = await h.status.conflicts('p1');
    expect(c).toMatchObject({ ident: 't1', fields: ['summary'], winner: 'a' });
    expect(c?.aItem).toMatchObject({ summary: 'A' });
    expect(c?.bItem).toMatchObject({ summary: 'B' });
    expect(c?.aRaw).toContain('"A"');
    expect(c?.bRaw).toContain('"B"');
    expect(summaryOf(h.b, 't1')).toBe('A');
  });

  it('a read-only store is never written, whatever the configured direction', async () => {
    const a = new MemoryStore({ hrefPrefix: '/a/', readOnly: true });
    const b = new MemoryStore({ hrefPrefix: '/b/' });
    const h = pairHarness();
    a.put(sampleTask('t1'));
    b.put(sampleTask('t2'));
    const r = await syncPair(
      { a, b, status: h.status, lock: h.lock },
      { pair: 'p1', policy: h.policy, window: WINDOW },
    );
    expect(r.outcome).toBe('success');
    expect(b.findByUid('t1')).toBeDefined();
    expect(a.calls.filter((c) => c === 'create' || c === 'update' || c === 'remove')).toEqual([]);
  });

  it('a one-way pair never writes to its source', async () => {
    const h = pairHarness({
      policy: {
        ...pairHarness().policy,
        direction: { type: 'one-way', from: 'a', readOnlyEdits: 'revert' },
      },
    });
    h.a.put(sampleTask('t1'));
    h.b.put(sampleTask('t2'));
    await h.sync();
    h.b.put(sampleTask('t1', { summary: 'local' }));
    await h.sync();
    expect(h.a.calls.filter((c) => c === 'create' || c === 'update' || c === 'remove')).toEqual([]);
    expect(summaryOf(h.b, 't1')).toBe('Task t1');
    expect(h.a.findByUid('t2')).toBeUndefined();
  });
});
