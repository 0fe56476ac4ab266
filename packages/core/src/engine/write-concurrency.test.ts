import { describe, expect, it } from 'vitest';
import { AuthError } from '../ports/errors';
import { sampleTask } from '../testing/sample-items';
import { pairHarness } from './harness.test-support';
import { PageWrites } from './page-writes';
import type { StatusStore } from './status-store';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Wraps the B side's create: waits `ms` (a peer's round trip) and records how many creates were in flight. */
function slowCreates(h: ReturnType<typeof pairHarness>, ms = 2) {
  const create = h.b.create.bind(h.b);
  const seen = { inFlight: 0, max: 0, calls: 0 };
  h.b.create = async (item, options, signal) => {
    seen.calls += 1;
    seen.inFlight += 1;
    seen.max = Math.max(seen.max, seen.inFlight);
    try {
      await tick(ms);
      return await create(item, options, signal);
    } finally {
      seen.inFlight -= 1;
    }
  };
  return seen;
}

describe('writes of a page run with bounded concurrency (writeConcurrency)', () => {
  it('one at a time by default', async () => {
    const h = pairHarness();
    for (let i = 0; i < 30; i++) h.a.put(sampleTask(`t${i}`));
    const seen = slowCreates(h, 1);
    const r = await h.sync();
    expect(r.outcome).toBe('success');
    expect(seen.max).toBe(1);
  });

  it('at most writeConcurrency creates in flight, and the outcome of the sequential run', async () => {
    const h = pairHarness();
    for (let i = 0; i < 250; i++) h.a.put(sampleTask(`t${i}`));
    const seen = slowCreates(h);
    let transactions = 0;
    const real = h.status.transaction.bind(h.status);
    h.status.transaction = (pair, fn) => {
      transactions += 1;
      return real(pair, fn);
    };
    const r = await h.sync({ writeConcurrency: 4 });
    expect(r.outcome).toBe('success');
    expect(seen.max).toBe(4);
    expect(r.counts.a_to_b?.create).toBe(250);
    // Still one commit per page (3), the last rows and the tokens.
    expect(transactions).toBe(5);
    const rows = await h.status.rows('p1');
    expect(rows).toHaveLength(250);
    expect(rows.filter((row) => row.pendingCreate !== undefined)).toEqual([]);
    expect(new Set(h.b.entries().map((e) => e.item.uid)).size).toBe(250);
    expect((await h.sync({ writeConcurrency: 4 })).plan).toEqual([]);
  });

  it('every pending row is committed before its create, and a crash mid-page is re-linked, not duplicated', async () => {
    const h = pairHarness();
    for (let i = 0; i < 150; i++) h.a.put(sampleTask(`t${i}`));
    const create = h.b.create.bind(h.b);
    let calls = 0;
    h.b.create = async (item, options, signal) => {
      const rows = await h.status.rows('p1');
      expect(rows.find((row) => row.ident === options.marker)?.pendingCreate).toBe('b');
      if (++calls === 120) throw new Error('the process died');
      await tick(1);
      return create(item, options, signal);
    };
    await expect(h.sync({ writeConcurrency: 4 })).rejects.toThrow('the process died');
    h.b.create = create;
    const again = await h.sync({ writeConcurrency: 4 });
    expect(again.outcome).toBe('success');
    expect(h.b.entries()).toHaveLength(150);
    expect(new Set(h.b.entries().map((e) => e.item.uid)).size).toBe(150);
  });

  it('a stop starts nothing more, lets the writes in flight finish and keeps exactly their rows', async () => {
    const h = pairHarness();
    for (let i = 0; i < 150; i++) h.a.put(sampleTask(`t${i}`));
    const create = h.b.create.bind(h.b);
    let calls = 0;
    let done = 0;
    let startedAfterStop = 0;
    let stopped = false;
    h.b.create = async (item, options, signal) => {
      if (stopped) startedAfterStop += 1;
      if (++calls === 130) {
        stopped = true;
        throw new AuthError('401');
      }
      await tick(2);
      const result = await create(item, options, signal);
      done += 1;
      return result;
    };
    const r = await h.sync({ writeConcurrency: 4 });
    expect(r.outcome).toBe('auth-failed');
    // The three other lanes were already waiting on their creates; nothing started after the refusal.
    expect(startedAfterStop).toBe(0);
    const rows = await h.status.rows('p1');
    expect(h.b.entries()).toHaveLength(done);
    expect(rows.filter((row) => row.b !== undefined)).toHaveLength(done);
    expect(rows.filter((row) => row.pendingCreate !== undefined)).toEqual([]);
  });
});

describe('PageWrites.flush with items written concurrently', () => {
  it('a flush that finds nothing left to commit still waits for the commit in flight that took its writes', async () => {
    const events: string[] = [];
    const slow = {
      transaction: async (_pair: string, fn: (tx: unknown) => Promise<unknown>) => {
        await tick(5);
        await fn({ put: async () => {} });
        events.push('committed');
      },
    } as unknown as StatusStore;
    const page = new PageWrites(slow, 'p1');
    await page.gather(async (tx) => tx.put({ ident: 'x' }));
    const first = page.flush();
    // Another item's create asks for durability now: its rows went out with the first flush, not yet committed.
    await page.flush().then(() => events.push('second flush returned'));
    await first;
    expect(events).toEqual(['committed', 'second flush returned']);
  });
});
