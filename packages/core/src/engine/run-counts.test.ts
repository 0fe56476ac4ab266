import { describe, expect, it } from 'vitest';
import { RetryableError } from '../ports/errors';
import { sampleTask } from '../testing/sample-items';
import { pairHarness } from './harness.test-support';
import { defaultGuard, defaultPolicy } from './policy';

/**
 * A run's counts (what the runs API and the run log show): per direction and action, and for conflicts, held
 * deletions and failed writes. (pnpm mutation showed the last three unasserted.)
 */
describe('run counts', () => {
  it('a conflict is counted under its policy, beside the write that settles it', async () => {
    const h = pairHarness();
    h.a.put(sampleTask('t1'));
    await h.sync();
    h.a.put(sampleTask('t1', { summary: 'from a' }));
    h.b.put(sampleTask('t1', { summary: 'from b' }));
    const r = await h.sync();
    expect(r.counts).toEqual({ conflict: { 'side-wins': 1 }, a_to_b: { update: 1 } });
  });

  it('a failed write is counted as failed, by action', async () => {
    const h = pairHarness();
    h.a.put(sampleTask('t1'));
    await h.sync();
    h.a.put(sampleTask('t1', { summary: 'edit' }));
    h.b.failNextWrite(new RetryableError('503'));
    const r = await h.sync();
    expect(r.counts).toEqual({ failed: { update: 1 } });
  });

  it('held deletions are counted under quarantine, and nothing is deleted', async () => {
    const h = pairHarness({
      policy: { ...defaultPolicy('a'), deletions: { type: 'quarantine' }, guard: defaultGuard },
    });
    h.a.put(sampleTask('t1'));
    h.a.put(sampleTask('t2'));
    await h.sync();
    for (const e of h.a.entries()) h.a.delete(e.href);
    const r = await h.sync();
    expect(r.counts).toEqual({ quarantine: { delete: 2 } });
    expect(h.b.entries()).toHaveLength(2);
  });
});
