// Every run is finished exactly once, whatever ends it; a programming error stops the run loudly, a bad item is
// parked with its reason and the run goes on.
import { describe, expect, it } from 'vitest';
import { InvalidItemError, RejectedError, RetryableError } from '../ports/errors';
import { sampleTask } from '../testing/sample-items';
import { pairHarness, WINDOW } from './harness.test-support';
import type { PairLock, RunRecord } from './status-store';
import { syncPair } from './sync-pair';

/** The harness, with every finishRun call recorded. */
function countingHarness() {
  const h = pairHarness();
  const finished: { run: string; record: RunRecord }[] = [];
  const finishRun = h.status.finishRun.bind(h.status);
  h.status.finishRun = async (run, record) => {
    finished.push({ run, record });
    return finishRun(run, record);
  };
  return { ...h, finished };
}

describe('run discipline', () => {
  it('a run that fails with an unexpected error is finished `failed` with the reason, once, and the error surfaces', async () => {
    const h = countingHarness();
    h.a.put(sampleTask('t1'));
    h.a.listWindow = () => {
      throw new TypeError("Cannot read properties of undefined (reading 'href')");
    };
    await expect(h.sync({ reconcile: true })).rejects.toThrow(TypeError);
    const runs = await h.status.runs('p1');
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ outcome: 'failed', error: expect.stringContaining('TypeError') });
    expect(runs[0]?.finishedAt).toBeDefined();
    expect(h.finished).toHaveLength(1);
  });

  it('finishes every run exactly once: success, throttled, and failed alike', async () => {
    const h = countingHarness();
    h.a.put(sampleTask('t1'));
    await h.sync();
    const changesSince = h.a.changesSince.bind(h.a);
    h.a.changesSince = async () => {
      throw new RetryableError('429', { retryAfterMs: 5000 });
    };
    expect((await h.sync()).outcome).toBe('throttled');
    h.a.changesSince = changesSince;
    h.b.create = async () => {
      throw new TypeError('x is not a function');
    };
    h.a.put(sampleTask('t2'));
    await expect(h.sync()).rejects.toThrow(TypeError);
    const runs = await h.status.runs('p1');
    expect(runs.map((r) => r.outcome)).toEqual(['success', 'failed', 'failed']);
    expect(h.finished.map((f) => f.run)).toEqual(runs.map((r) => r.id));
  });

  it('a programming error inside the executor stops the run (not parked as an item failure)', async () => {
    const h = countingHarness();
    for (let i = 0; i < 3; i++) h.a.put(sampleTask(`t${i}`));
    let creates = 0;
    h.b.create = async () => {
      creates++;
      throw new TypeError("Cannot read properties of undefined (reading 'uid')");
    };
    await expect(h.sync()).rejects.toThrow(TypeError);
    expect(creates).toBe(1); // the run stopped at the first one
    const [run] = await h.status.runs('p1');
    expect(run).toMatchObject({ outcome: 'failed', error: expect.stringContaining('TypeError') });
    expect(await h.status.pairState('p1')).toMatchObject({ tokens: {} }); // no token moved past what failed
  });

  it('item-level data errors (invalid item, rejected write) are parked with their reason and the run goes on', async () => {
    const h = countingHarness();
    for (let i = 0; i < 3; i++) h.a.put(sampleTask(`t${i}`));
    const create = h.b.create.bind(h.b);
    h.b.create = async (item, options, signal) => {
      if (item.uid === 't0') throw new InvalidItemError('t0 cannot be encoded');
      if (item.uid === 't1') throw new RejectedError('too large', 'too-large');
      return create(item, options, signal);
    };
    const r = await h.sync();
    expect(r.outcome).toBe('partial');
    expect(r.counts).toMatchObject({ a_to_b: { create: 1 }, failed: { create: 2 } });
    expect(r.errors.join('\n')).toMatch(/InvalidItemError: t0 cannot be encoded/);
    expect(r.errors.join('\n')).toMatch(/RejectedError: too large/);
    expect(h.finished).toHaveLength(1);
  });
});

describe('a cancelled run', () => {
  it('is finished `cancelled` (not failed, not thrown) when the worker stops it mid-write', async () => {
    const h = countingHarness();
    for (let i = 0; i < 3; i++) h.a.put(sampleTask(`t${i}`));
    const stop = new AbortController();
    h.b.create = async () => {
      stop.abort();
      throw new DOMException('This operation was aborted', 'AbortError');
    };
    const r = await h.sync({ signal: stop.signal });
    expect(r.outcome).toBe('unavailable');
    const runs = await h.status.runs('p1');
    expect(runs.map((x) => x.outcome)).toEqual(['cancelled']);
    expect(runs[0]?.finishedAt).toBeDefined();
    expect(h.finished).toHaveLength(1);
  });
});

describe('a lost pair lock', () => {
  it('stops the run: finished `failed` with the reason, reported unavailable (retried), nothing written after', async () => {
    const h = countingHarness();
    for (let i = 0; i < 3; i++) h.a.put(sampleTask(`t${i}`));
    const lost = new AbortController();
    const lock: PairLock = {
      async tryAcquire() {
        return Object.assign(async () => {}, { lost: lost.signal });
      },
    };
    const create = h.b.create.bind(h.b);
    let creates = 0;
    h.b.create = async (item, options, signal) => {
      creates++;
      const result = await create(item, options, signal);
      // The database connection holding the lock is terminated after the first write.
      lost.abort(new Error('The database connection was lost: terminating connection due to administrator command'));
      return result;
    };
    const r = await syncPair(
      { a: h.a, b: h.b, status: h.status, lock },
      { pair: 'p1', policy: h.policy, window: WINDOW },
    );
    expect(r.outcome).toBe('unavailable');
    expect(creates).toBe(1);
    const runs = await h.status.runs('p1');
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      outcome: 'failed',
      error: expect.stringContaining('database connection was lost'),
    });
  });
});
