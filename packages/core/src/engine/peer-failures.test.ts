// One test per failure users of other sync tools hit most (reference/peers.md §2), named after it.
import { describe, expect, it } from 'vitest';
import type { EventItem } from '../model/event';
import type { ChangeSet } from '../ports/collection-store';
import { AuthError, NotFoundError, RetryableError } from '../ports/errors';
import { MemoryStore } from '../testing/memory-store';
import { sampleEvent, sampleTask, utc } from '../testing/sample-items';
import { pairHarness, summaryOf, WINDOW } from './harness.test-support';
import { RECONCILE_EVERY_MS, syncPair } from './sync-pair';

const writesOf = (store: MemoryStore) => store.calls.filter((c) => c === 'create' || c === 'update' || c === 'remove');

describe('1. duplicate events', () => {
  it('an item reported as created on one delta page and updated on the next is created once', async () => {
    const h = pairHarness();
    await h.sync();
    const ref = h.a.put(sampleTask('t1'));
    h.a.put(sampleTask('t1', { summary: 'edited' }));
    const changesSince = h.a.changesSince.bind(h.a);
    let first = true;
    h.a.changesSince = async (token, signal): Promise<ChangeSet> => {
      if (!first) return changesSince(token, signal);
      first = false;
      return { changes: [{ type: 'upsert', ref }], nextToken: token, more: true };
    };
    const r = await h.sync();
    expect(r.counts).toEqual({ a_to_b: { create: 1 } });
    expect(h.b.entries()).toHaveLength(1);
    expect(summaryOf(h.b, 't1')).toBe('edited');
  });

  it('an invitation already on both sides before the first run is linked, not copied', async () => {
    const h = pairHarness();
    h.a.put(sampleEvent('meeting', '2030-02-01T10:00:00Z'));
    h.b.put(sampleEvent('meeting', '2030-02-01T10:00:00Z'));
    const r = await h.sync();
    expect(r.counts).toEqual({});
    expect(h.a.entries()).toHaveLength(1);
    expect(h.b.entries()).toHaveLength(1);
  });

  it('after the status was lost, an item we created on a side that assigns its own UID is re-linked by our marker', async () => {
    const h = pairHarness();
    h.a.put(sampleTask('t1'));
    h.b.put(sampleTask('server-assigned-id', { summary: 'Task t1' }), { marker: 't1' });
    const r = await h.sync();
    expect(r.counts).toEqual({});
    expect(h.a.entries()).toHaveLength(1);
    expect(h.b.entries()).toHaveLength(1);
  });

  it('a crash between the remote create and the status update is re-linked on the next run, not created twice', async () => {
    const h = pairHarness();
    h.a.put(sampleTask('t1'));
    // The process dies right after the remote create: the status store never hears of it again.
    const create = h.b.create.bind(h.b);
    const transaction = h.status.transaction.bind(h.status);
    let dead = false;
    h.b.create = async (item, options, signal) => {
      const result = await create(item, options, signal);
      dead = true;
      return result;
    };
    h.status.transaction = (pair, fn) => (dead ? Promise.reject(new Error('process killed')) : transaction(pair, fn));
    await expect(h.sync()).rejects.toThrow('process killed');
    expect((await h.status.rows('p1'))[0]?.pendingCreate).toBe('b');
    h.b.create = create;
    h.status.transaction = transaction;
    const r = await h.sync();
    expect(r.outcome).toBe('success');
    expect(h.b.calls.filter((c) => c === 'create')).toHaveLength(1);
    expect(h.b.entries()).toHaveLength(1);
    expect((await h.status.rows('p1'))[0]).toMatchObject({ ident: 't1', b: { href: '/b/t1' } });
  });

  it('two runs of one pair at once: the second is refused by the pair lock', async () => {
    const h = pairHarness();
    for (let i = 0; i < 5; i++) h.a.put(sampleTask(`t${i}`));
    const [x, y] = await Promise.all([h.sync(), h.sync()]);
    expect([x.outcome, y.outcome].sort()).toEqual(['locked', 'success']);
    expect(h.b.entries()).toHaveLength(5);
    expect(h.lock.isHeld('p1')).toBe(false);
  });
});

describe('2. silent mass deletion', () => {
  it('a side that suddenly lists nothing (a re-pointed or wiped collection) deletes nothing: quarantined, pair needs review', async () => {
    const h = pairHarness();
    for (let i = 0; i < 3; i++) h.a.put(sampleTask(`t${i}`));
    await h.sync();
    const empty = new MemoryStore({ hrefPrefix: '/a/' });
    const r = await syncPair(
      { a: empty, b: h.b, status: h.status, lock: h.lock },
      { pair: 'p1', policy: h.policy, window: WINDOW },
    );
    expect(r.modes.a).toBe('reconcile');
    expect(r.needsReview).toBe(true);
    expect(h.b.entries()).toHaveLength(3);
    expect((await h.status.quarantined('p1')).map((q) => q.reason)).toEqual([
      'emptied-side',
      'emptied-side',
      'emptied-side',
    ]);
    expect((await h.status.pairState('p1')).needsReview).toBe(true);
    // Seen again, the same deletions are not quarantined twice.
    await syncPair(
      { a: empty, b: h.b, status: h.status, lock: h.lock },
      { pair: 'p1', policy: h.policy, window: WINDOW, reconcile: true },
    );
    expect(await h.status.quarantined('p1')).toHaveLength(3);
  });

  it('more deletions in one run than the threshold are quarantined, not applied', async () => {
    const h = pairHarness();
    for (let i = 0; i < 20; i++) h.a.put(sampleTask(`t${i}`));
    await h.sync();
    for (let i = 0; i < 12; i++) h.a.delete(`/a/t${i}`);
    const r = await h.sync();
    expect(r.needsReview).toBe(true);
    expect(h.b.entries()).toHaveLength(20);
    expect(writesOf(h.b).filter((c) => c === 'remove')).toEqual([]);
    expect(await h.status.quarantined('p1')).toHaveLength(12);
  });

  it('a few deletions go through', async () => {
    const h = pairHarness();
    for (let i = 0; i < 20; i++) h.a.put(sampleTask(`t${i}`));
    await h.sync();
    h.a.delete('/a/t0');
    const r = await h.sync();
    expect(r.needsReview).toBe(false);
    expect(h.b.entries()).toHaveLength(19);
  });

  it('a 404 on an update is not turned into deleting the source: the item is re-created', async () => {
    const h = pairHarness();
    h.a.put(sampleTask('t1'));
    await h.sync();
    h.a.put(sampleTask('t1', { summary: 'edited' }));
    h.b.delete('/b/t1'); // the server lost it (or it was deleted) after our last read
    const r = await h.sync();
    expect(r.outcome).toBe('success');
    expect(summaryOf(h.a, 't1')).toBe('edited');
    expect(summaryOf(h.b, 't1')).toBe('edited');
  });

  it('a 404 reported on update while the item still exists deletes nothing', async () => {
    const h = pairHarness();
    h.a.put(sampleTask('t1'));
    await h.sync();
    h.a.put(sampleTask('t1', { summary: 'edited' }));
    h.b.failNext(new NotFoundError('404 from a confused proxy'), ['update']);
    await h.sync();
    await h.sync();
    expect(summaryOf(h.a, 't1')).toBe('edited');
    expect(summaryOf(h.b, 't1')).toBe('edited');
  });

  it('a 404 on a delete is checked by a direct read: an item that still exists is deleted for real, not forgotten', async () => {
    const h = pairHarness();
    h.a.put(sampleTask('t1'));
    await h.sync();
    h.a.delete('/a/t1');
    h.b.failNext(new NotFoundError('404 from a confused proxy'), ['remove']);
    await h.sync();
    expect(h.b.entries()).toEqual([]);
    expect(await h.status.rows('p1')).toEqual([]);
  });

  it('an item the listing does not show yet is not deleted (absence from a listing is never deletion)', async () => {
    const h = pairHarness();
    h.a.put(sampleTask('t1'));
    h.a.put(sampleTask('t2'));
    await h.sync();
    const listWindow = h.b.listWindow.bind(h.b);
    h.b.listWindow = async function* (window, signal) {
      for await (const item of listWindow(window, signal)) if (item.href !== '/b/t2') yield item;
    };
    const r = await h.sync({ reconcile: true });
    expect(r.counts).toEqual({});
    expect(h.a.findByUid('t2')).toBeDefined();
  });
});

describe('3. invitation storms', () => {
  it('an edit is an update in place, never a delete and re-create', async () => {
    const h = pairHarness();
    h.a.put(sampleEvent('m1', '2030-02-01T10:00:00Z'));
    await h.sync();
    h.a.put(sampleEvent('m1', '2030-02-01T11:00:00Z'));
    await h.sync();
    expect(writesOf(h.b)).toEqual(['create', 'update']);
  });
});

describe('4. time-window edges', () => {
  const slid = { start: '2030-03-01T00:00:00Z', end: '2030-09-01T00:00:00Z' };

  it('an item leaving the window as it slides stays on both sides, linked and dormant', async () => {
    const h = pairHarness();
    h.a.put(sampleEvent('old', '2030-01-15T10:00:00Z'));
    h.a.put(sampleEvent('new', '2030-04-15T10:00:00Z'));
    await h.sync();
    const r = await h.sync({ window: slid });
    expect(r.modes).toEqual({ a: 'reconcile', b: 'reconcile' });
    expect(r.counts).toEqual({});
    expect(h.b.findByUid('old')).toBeDefined();
    expect((await h.status.rows('p1')).find((x) => x.ident === 'old')?.dormant).toBe(true);
  });

  it('a windowed feed saying "left the window" is not a deletion', async () => {
    const h = pairHarness();
    h.a.put(sampleEvent('e1', '2030-02-01T10:00:00Z'));
    await h.sync();
    const changesSince = h.a.changesSince.bind(h.a);
    h.a.changesSince = async (token, signal) => {
      const page = await changesSince(token, signal);
      return { ...page, changes: [{ type: 'delete', href: '/a/e1', reason: 'left-window' }] };
    };
    await h.sync();
    expect(h.b.findByUid('e1')).toBeDefined();
    expect((await h.status.rows('p1'))[0]?.dormant).toBe(true);
  });

  it('an item dragged into the window from outside is synced, not deleted', async () => {
    const h = pairHarness();
    h.a.put(sampleEvent('far', '2031-06-01T10:00:00Z'));
    await h.sync();
    expect(h.b.findByUid('far')).toBeUndefined();
    h.a.put(sampleEvent('far', '2030-02-01T10:00:00Z'));
    await h.sync();
    expect(h.b.findByUid('far')).toBeDefined();
    expect(h.a.findByUid('far')).toBeDefined();
  });

  it('a recurring series that started before the window is synced whole (master and exceptions)', async () => {
    const h = pairHarness();
    const series = sampleEvent('weekly', '2029-06-04T09:00:00Z', {
      recurrence: { freq: 'WEEKLY' },
      exceptions: [{ ...sampleEvent('x', '2030-02-05T10:00:00Z'), recurrenceId: utc('2030-02-04T09:00:00Z') }],
    });
    h.a.put(series);
    await h.sync();
    expect((h.b.findByUid('weekly')!.item as EventItem).exceptions).toHaveLength(1);
  });
});

describe('5. recurring exceptions and EXDATE', () => {
  const base = () =>
    sampleEvent('weekly', '2030-01-07T09:00:00Z', { summary: 'Standup', recurrence: { freq: 'WEEKLY', count: 20 } });

  it('an occurrence moved on one side and the series renamed on the other both survive', async () => {
    const h = pairHarness();
    h.a.put(base());
    await h.sync();
    const moved = { ...sampleEvent('x', '2030-01-15T10:00:00Z'), recurrenceId: utc('2030-01-14T09:00:00Z') };
    h.a.put({ ...base(), exceptions: [moved] });
    h.b.put({ ...base(), summary: 'Daily standup' });
    await h.sync();
    for (const side of [h.a, h.b]) {
      const item = side.findByUid('weekly')!.item as EventItem;
      expect(item.summary).toBe('Daily standup');
      expect(item.exceptions).toHaveLength(1);
    }
    expect(await h.status.conflicts('p1')).toEqual([]);
  });

  it('a deleted occurrence (EXDATE) propagates as an update of the series, never as deleting it', async () => {
    const h = pairHarness();
    h.a.put(base());
    await h.sync();
    h.b.put({ ...base(), excludedDates: [utc('2030-01-21T09:00:00Z')] });
    await h.sync();
    expect((h.a.findByUid('weekly')!.item as EventItem).excludedDates).toEqual([utc('2030-01-21T09:00:00Z')]);
    expect(writesOf(h.a)).toEqual(['update']);
  });
});

describe('8. conflict handling loses edits', () => {
  it('a write the server saved while answering 500 loses neither side’s edits', async () => {
    const h = pairHarness();
    h.a.put(sampleTask('t1'));
    await h.sync();
    h.a.put(sampleTask('t1', { summary: 'from a' }));
    const update = h.b.update.bind(h.b);
    h.b.update = async (base, item, signal) => {
      h.b.update = update;
      await update(base, item, signal);
      throw new RetryableError('500 Internal Server Error');
    };
    const r = await h.sync();
    expect(r.outcome).toBe('partial');
    h.b.put(sampleTask('t1', { summary: 'from a', priority: 1 }));
    await h.sync();
    for (const side of [h.a, h.b]) expect(side.findByUid('t1')?.item).toMatchObject({ summary: 'from a', priority: 1 });
    expect(await h.status.conflicts('p1')).toEqual([]);
  });

  it('newest-wins settles only the field both changed: a later edit of another field does not undo an earlier time edit', async () => {
    const h = pairHarness({
      policy: { ...pairHarness().policy, conflict: { type: 'newest', fallback: 'a' } },
    });
    h.a.put(sampleEvent('m', '2030-02-01T10:00:00Z'));
    await h.sync();
    h.a.put(sampleEvent('m', '2030-02-01T14:00:00Z')); // moved first
    await new Promise((r) => setTimeout(r, 5));
    h.b.put(sampleEvent('m', '2030-02-01T10:00:00Z', { description: 'agenda' })); // touched later
    await h.sync();
    for (const side of [h.a, h.b]) {
      expect(side.findByUid('m')?.item).toMatchObject({ start: utc('2030-02-01T14:00:00Z'), description: 'agenda' });
    }
  });

  it('keep-both keeps the losing version as an item of its own on both sides', async () => {
    const h = pairHarness({ policy: { ...pairHarness().policy, conflict: { type: 'keep-both', keep: 'a' } } });
    h.a.put(sampleTask('t1'));
    await h.sync();
    h.a.put(sampleTask('t1', { summary: 'A' }));
    h.b.put(sampleTask('t1', { summary: 'B' }));
    await h.sync();
    const summaries = (s: MemoryStore) =>
      s
        .entries()
        .map((e) => (e.item as { summary?: string }).summary)
        .sort();
    expect(summaries(h.a)).toEqual(['A', 'B']);
    expect(summaries(h.b)).toEqual(['A', 'B']);
    expect((await h.sync()).counts).toEqual({});
  });
});

describe('9. incremental state that silently misses changes (expired tokens)', () => {
  it('an expired token falls back to a windowed reconcile that deletes nothing it merely does not list', async () => {
    const h = pairHarness();
    h.a.put(sampleEvent('in', '2030-02-01T10:00:00Z'));
    h.a.put(sampleTask('t1'));
    await h.sync();
    h.a.put(sampleTask('t1', { summary: 'edited' }));
    h.a.invalidateTokens();
    const r = await h.sync();
    expect(r.modes.a).toBe('reconcile');
    expect(r.counts).toEqual({ a_to_b: { update: 1 } });
    expect(h.b.entries()).toHaveLength(2);
  });

  it('a token advances only when every change is committed or parked: a failed item is retried by the next run', async () => {
    const h = pairHarness();
    h.a.put(sampleTask('t1'));
    h.b.failNextWrite(new RetryableError('503'));
    const r = await h.sync();
    expect(r.outcome).toBe('partial');
    expect(h.b.entries()).toEqual([]);
    const next = await h.sync();
    expect(next.modes.a).toBe('delta');
    expect(h.b.findByUid('t1')).toBeDefined();
  });

  it('the token is read before changes are applied: an edit made during a run is found by the next one', async () => {
    const h = pairHarness();
    h.a.put(sampleTask('t1'));
    h.a.put(sampleTask('t2'));
    await h.sync();
    h.a.put(sampleTask('t1', { summary: 'x' }));
    const update = h.b.update.bind(h.b);
    h.b.update = async (base, item, signal) => {
      h.a.put(sampleTask('t2', { summary: 'edited during the run' }));
      h.b.update = update;
      return update(base, item, signal);
    };
    await h.sync();
    await h.sync();
    expect(summaryOf(h.b, 't2')).toBe('edited during the run');
  });

  it('a periodic reconcile finds changes a pruned change log no longer reports', async () => {
    const h = pairHarness();
    h.a.put(sampleTask('t1'));
    await h.sync();
    h.a.put(sampleTask('t1', { summary: 'lost from the log' }));
    h.a.pruneJournal();
    await h.sync();
    expect(summaryOf(h.b, 't1')).toBe('Task t1');
    await h.sync({ reconcileEveryMs: 0 });
    expect(summaryOf(h.b, 't1')).toBe('lost from the log');
  });

  it('by default a run reconciles once the last full reconcile is six hours old, and not before', async () => {
    const h = pairHarness();
    const t0 = Date.parse('2026-03-02T08:00:00Z');
    h.a.put(sampleTask('t1'));
    expect((await h.sync({ now: () => new Date(t0) })).modes.a).toBe('reconcile');
    h.a.put(sampleTask('t1', { summary: 'lost from the log' }));
    h.a.pruneJournal();
    const early = await h.sync({ now: () => new Date(t0 + RECONCILE_EVERY_MS - 60_000) });
    expect(early.modes.a).toBe('delta');
    expect(summaryOf(h.b, 't1')).toBe('Task t1');
    const due = await h.sync({ now: () => new Date(t0 + RECONCILE_EVERY_MS) });
    expect(due.modes).toEqual({ a: 'reconcile', b: 'reconcile' });
    expect(summaryOf(h.b, 't1')).toBe('lost from the log');
    expect(RECONCILE_EVERY_MS).toBe(6 * 3600_000);
  });
});

describe('10. sync stops and nobody notices (auth, throttling)', () => {
  it('refused credentials stop the run at once and say so', async () => {
    const h = pairHarness();
    h.a.put(sampleTask('t1'));
    await h.sync();
    h.a.failNext(new AuthError('401'), ['changesSince']);
    const callsBefore = h.a.calls.length + h.b.calls.length;
    const r = await h.sync();
    expect(r.outcome).toBe('auth-failed');
    expect(h.a.calls.length + h.b.calls.length - callsBefore).toBe(1);
    expect((await h.status.runs('p1')).at(-1)).toMatchObject({ outcome: 'failed', error: 'AuthError: 401' });
  });
});
