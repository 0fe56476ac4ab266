import { describe, expect, it } from 'vitest';
import { RetryableError } from '../ports/errors';
import { sampleTask } from '../testing/sample-items';
import { pairHarness, summaryOf } from './harness.test-support';

/**
 * A create whose answer is lost (the peer saved it, then the connection broke or it answered 5xx) may or may not
 * have happened. Its pending row must survive the failure: it is what tells the next run that the object carrying
 * our marker is our own create, not a new item of the user's. (Found by the model test, sync-model.test-support.)
 */
describe('a create of unknown outcome', () => {
  const savedBut500 = (h: ReturnType<typeof pairHarness>) => {
    const create = h.b.create.bind(h.b);
    let once = false;
    h.b.create = async (item, options, signal) => {
      const result = await create(item, options, signal);
      if (once) return result;
      once = true;
      throw new RetryableError('502 after the object was stored');
    };
  };

  it('then deleted by the user on the source side: the deletion wins, the item is not resurrected', async () => {
    const h = pairHarness();
    h.a.put(sampleTask('t1'));
    savedBut500(h);
    expect((await h.sync()).outcome).toBe('partial');
    expect(h.b.findByUid('t1')).toBeDefined(); // the create did land
    h.a.delete(h.a.findByUid('t1')!.href);
    const next = await h.sync();
    expect(next.errors).toEqual([]);
    expect(h.a.entries()).toEqual([]);
    expect(h.b.entries()).toEqual([]);
  });

  it('then edited by the user on the source side: the edit wins even where the policy favours the other side', async () => {
    const h = pairHarness({ policy: { ...pairHarness().policy, conflict: { type: 'side-wins', side: 'b' } } });
    h.a.put(sampleTask('t1'));
    savedBut500(h);
    await h.sync();
    h.a.put(sampleTask('t1', { summary: 'edited after the failed create' }));
    await h.sync();
    expect(summaryOf(h.a, 't1')).toBe('edited after the failed create');
    expect(summaryOf(h.b, 't1')).toBe('edited after the failed create');
  });
});
