import { describe, expect, it } from 'vitest';
import { sampleTask } from '../testing/sample-items';
import { pairHarness } from './harness.test-support';

/** Counts the status store's transactions (each is one commit, one round trip or more, on a database). */
function countTransactions(status: ReturnType<typeof pairHarness>['status']) {
  let transactions = 0;
  const real = status.transaction.bind(status);
  status.transaction = (pair, fn) => {
    transactions += 1;
    return real(pair, fn);
  };
  return () => transactions;
}

describe('status writes are committed a page of items at a time', () => {
  it('a first run of 250 items commits 3 pages, the last rows and the tokens: 5 transactions, not 500', async () => {
    const h = pairHarness();
    for (let i = 0; i < 250; i++) h.a.put(sampleTask(`t${i}`));
    const transactions = countTransactions(h.status);
    const r = await h.sync();
    expect(r.outcome).toBe('success');
    expect(r.counts.a_to_b?.create).toBe(250);
    expect(transactions()).toBe(5);
    expect(await h.status.rows('p1')).toHaveLength(250);
    expect((await h.status.rows('p1')).filter((row) => row.pendingCreate !== undefined)).toEqual([]);
    // Every row names both copies: the echo of the creates is a no-op.
    const echo = await h.sync();
    expect(echo.plan).toEqual([]);
  });

  it('every pending row is committed before its create, so a crash between them is re-linked, not duplicated', async () => {
    const h = pairHarness();
    for (let i = 0; i < 150; i++) h.a.put(sampleTask(`t${i}`));
    // Each create checks that its pending row is already in the status store (committed), not only gathered.
    const create = h.b.create.bind(h.b);
    let checked = 0;
    h.b.create = async (item, options, signal) => {
      const rows = await h.status.rows('p1');
      expect(rows.find((row) => row.ident === options.marker)?.pendingCreate).toBe('b');
      checked += 1;
      if (checked === 120) throw new Error('the process died');
      return create(item, options, signal);
    };
    await expect(h.sync()).rejects.toThrow('the process died');
    h.b.create = create;
    const again = await h.sync();
    expect(again.outcome).toBe('success');
    expect(h.b.entries()).toHaveLength(150);
    expect(new Set(h.b.entries().map((e) => e.item.uid)).size).toBe(150);
  });

  it('a run stopped by refused credentials keeps the rows of what it wrote and none for what it did not start', async () => {
    const h = pairHarness();
    for (let i = 0; i < 150; i++) h.a.put(sampleTask(`t${i}`));
    const { AuthError } = await import('../ports/errors');
    const create = h.b.create.bind(h.b);
    let n = 0;
    h.b.create = async (item, options, signal) => {
      if (++n === 130) throw new AuthError('401');
      return create(item, options, signal);
    };
    const r = await h.sync();
    expect(r.outcome).toBe('auth-failed');
    const rows = await h.status.rows('p1');
    expect(rows.filter((row) => row.b !== undefined)).toHaveLength(129);
    expect(rows.filter((row) => row.pendingCreate !== undefined)).toEqual([]);
  });
});
