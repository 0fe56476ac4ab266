import { describe, expect, it } from 'vitest';
import type { Capabilities, FieldCapabilities, TaskItem } from '../model';
import { notHeldField } from '../model';
import { NotFoundError, PreconditionFailedError, RejectedError, RetryableError } from '../ports/errors';
import { MemoryStore } from '../testing/memory-store';
import { sampleTask } from '../testing/sample-items';
import { pairHarness, summaryOf, WINDOW } from './harness.test-support';
import { MemoryPairLock, MemoryStatusStore } from './memory-status-store';
import { defaultPolicy } from './policy';
import { syncPair } from './sync-pair';

/**
 * The executor's failure paths one by one (pnpm mutation showed them reached only by chance in the model test:
 * it injects faults at random writes). Each test names what must happen to the item and to the run.
 */
const updatesOf = (calls: readonly string[]) => calls.filter((c) => c === 'update').length;

/** A linked task t1, then edited on a: the next run updates b. */
async function editedOnA(h = pairHarness()) {
  h.a.put(sampleTask('t1'));
  await h.sync();
  h.a.put(sampleTask('t1', { summary: 'edited' }));
  h.b.calls.length = 0;
  return h;
}

describe('a lost race is re-read and re-planned once', () => {
  it('a retryable failure is no lost race: the update is not tried again in the same run, the item is parked', async () => {
    const h = await editedOnA();
    h.b.failNext(new RetryableError('503'), ['update']);
    const r = await h.sync();
    expect(updatesOf(h.b.calls)).toBe(1);
    expect(r.counts).toEqual({ failed: { update: 1 } });
    expect(r.parked.b).toEqual(['/b/t1']);
    expect(summaryOf(h.b, 't1')).toBe('Task t1');
  });

  it('a second lost race in the same run is not chased: the item is parked for the next run', async () => {
    const h = await editedOnA();
    h.b.failNext(new PreconditionFailedError('412'), ['update']);
    h.b.failNext(new PreconditionFailedError('412 again'), ['update']);
    const r = await h.sync();
    expect(updatesOf(h.b.calls)).toBe(2);
    expect(r.counts).toEqual({ failed: { update: 1 } });
    expect(summaryOf(h.b, 't1')).toBe('Task t1');
    await h.sync();
    expect(summaryOf(h.b, 't1')).toBe('edited');
  });

  it('a lost race on a later write of a plan is not re-planned: the earlier write landed, the next run settles it', async () => {
    const h = pairHarness();
    h.a.put(sampleTask('t1'));
    await h.sync();
    h.a.put(sampleTask('t1', { summary: 'renamed on a' }));
    h.b.put(sampleTask('t1', { description: 'notes added on b' }));
    h.a.calls.length = 0;
    h.b.failNext(new PreconditionFailedError('412'), ['update']);
    const r = await h.sync();
    expect(updatesOf(h.a.calls)).toBe(1); // a was updated once, not again from a re-plan on its stale listing
    expect(r.counts).toEqual({ b_to_a: { update: 1 }, failed: { update: 1 } });
    await h.sync();
    const both = { summary: 'renamed on a', description: 'notes added on b' };
    expect(h.a.findByUid('t1')?.item).toMatchObject(both);
    expect(h.b.findByUid('t1')?.item).toMatchObject(both);
  });

  it('a lost race whose re-read fails is not retried blindly: the item is parked', async () => {
    const h = await editedOnA();
    const update = h.b.update.bind(h.b);
    h.b.update = async () => {
      h.b.update = update;
      h.b.failNext(new RetryableError('read failed'), ['getMany']);
      throw new PreconditionFailedError('412');
    };
    const r = await h.sync();
    expect(r.counts).toEqual({ failed: { update: 1 } });
    expect(summaryOf(h.b, 't1')).toBe('Task t1');
  });

  it('a re-create refused with 412 is re-read at the href the row knew and re-planned: it lands in the same run', async () => {
    const h = pairHarness();
    h.a.put(sampleTask('t1'));
    await h.sync();
    h.a.put(sampleTask('t1', { summary: 'edited' }));
    h.b.delete('/b/t1'); // modify-vs-delete: the row knows b, the plan re-creates it there
    h.b.failNext(new PreconditionFailedError('412 on If-None-Match'), ['create']);
    const r = await h.sync();
    expect(r.outcome).toBe('success');
    expect(summaryOf(h.b, 't1')).toBe('edited');
  });

  it('a retried create refused with 412 and no href to re-read is parked', async () => {
    const h = pairHarness();
    h.a.put(sampleTask('t1'));
    h.b.failNext(new RetryableError('503 before anything was stored'), ['create']);
    await h.sync();
    expect((await h.status.rows('p1'))[0]?.pendingCreate).toBe('b');
    h.b.failNext(new PreconditionFailedError('412'), ['create']);
    const r = await h.sync();
    expect(r.outcome).toBe('partial');
    expect(r.counts).toEqual({ failed: { create: 1 } });
  });
});

describe('deletes', () => {
  it('a delete that fails retryably is not chased in the same run: the item stays, the row too', async () => {
    const h = pairHarness();
    h.a.put(sampleTask('t1'));
    await h.sync();
    h.a.delete('/a/t1');
    h.b.failNext(new RetryableError('503'), ['remove']);
    const r = await h.sync();
    expect(r.counts).toEqual({ failed: { delete: 1 } });
    expect(h.b.entries()).toHaveLength(1);
    expect(await h.status.rows('p1')).toHaveLength(1);
  });

  it('a 404 on a delete of an item that is really gone completes the delete', async () => {
    const h = pairHarness();
    h.a.put(sampleTask('t1'));
    await h.sync();
    h.a.delete('/a/t1');
    const remove = h.b.remove.bind(h.b);
    h.b.remove = async (ref, signal) => {
      await remove(ref, signal);
      throw new NotFoundError('404: deleted meanwhile by someone else');
    };
    const r = await h.sync();
    expect(r.counts).toEqual({ a_to_b: { delete: 1 } });
    expect(r.errors).toEqual([]);
    expect(await h.status.rows('p1')).toEqual([]);
  });
});

describe('throttling and refusals', () => {
  it('a retryable failure without a wait (or a zero wait) fails the item, the run goes on', async () => {
    for (const retryAfterMs of [undefined, 0]) {
      const h = await editedOnA();
      h.a.put(sampleTask('t2'));
      h.b.failNext(new RetryableError('503', retryAfterMs === undefined ? {} : { retryAfterMs }), ['update']);
      const r = await h.sync();
      expect(r.outcome).toBe('partial');
      expect(summaryOf(h.b, 't2')).toBe('Task t2');
    }
  });

  it('a retryable failure with a wait stops the run as throttled', async () => {
    const h = await editedOnA();
    h.b.failNext(new RetryableError('429', { retryAfterMs: 30_000 }), ['update']);
    expect((await h.sync()).outcome).toBe('throttled');
  });

  it('a UID conflict is parked for the next run; content refused for good is not', async () => {
    const conflict = pairHarness();
    conflict.a.put(sampleTask('t1'));
    conflict.b.failNext(new RejectedError('UID in use', 'uid-conflict'), ['create']);
    expect((await conflict.sync()).parked.a).toEqual(['/a/t1']);

    const refused = pairHarness();
    refused.a.put(sampleTask('t1'));
    refused.b.failNext(new RejectedError('too large', 'too-large'), ['create']);
    expect((await refused.sync()).parked.a).toEqual([]);
  });
});

describe('keep-both', () => {
  it('creates the copy before overwriting: a failed copy leaves both versions as they were', async () => {
    const h = pairHarness({ policy: { ...pairHarness().policy, conflict: { type: 'keep-both', keep: 'a' } } });
    h.a.put(sampleTask('t1'));
    await h.sync();
    h.a.put(sampleTask('t1', { summary: 'A' }));
    h.b.put(sampleTask('t1', { summary: 'B' }));
    h.a.failNext(new RetryableError('503'), ['create']);
    const r = await h.sync();
    expect(r.outcome).toBe('partial');
    expect(summaryOf(h.b, 't1')).toBe('B');
    expect(h.b.entries()).toHaveLength(1);
  });
});

describe('a store whose writes return only a ref', () => {
  const refOnly = (h: ReturnType<typeof pairHarness>) => {
    const update = h.b.update.bind(h.b);
    h.b.update = async (...args) => {
      const { ref } = await update(...args);
      return { ref };
    };
    return update;
  };

  it('is read back, so the echo of our write is quiet', async () => {
    const h = await editedOnA();
    refOnly(h);
    await h.sync();
    const row = (await h.status.rows('p1'))[0]!;
    const entry = h.b.findByUid('t1')!;
    expect(row.b).toMatchObject({ href: entry.href, version: entry.version, raw: entry.raw });
    expect(row.b?.hash).not.toBe('');
    expect((await h.sync()).counts).toEqual({});
  });

  it('a read-back showing someone else’s newer version does not swallow their edit', async () => {
    const h = await editedOnA();
    const update = refOnly(h);
    const refOnlyUpdate = h.b.update;
    h.b.update = async (...args) => {
      const result = await refOnlyUpdate(...args);
      h.b.update = update;
      h.b.put(sampleTask('t1', { summary: 'edited', description: 'added in Outlook meanwhile' }));
      return result;
    };
    await h.sync();
    const row = (await h.status.rows('p1'))[0]!;
    expect(row.b).toMatchObject({ hash: '', raw: '' });
    await h.sync();
    expect(h.a.findByUid('t1')?.item).toMatchObject({ description: 'added in Outlook meanwhile' });
  });

  it('without a read-back the row keeps the written version and no hash', async () => {
    const h = await editedOnA();
    refOnly(h);
    // The listing of b reads through getMany too: fail only the read after the write.
    const update = h.b.update;
    h.b.update = async (...args) => {
      const result = await update(...args);
      h.b.failNext(new RetryableError('read-back failed'), ['getMany']);
      return result;
    };
    await h.sync();
    const row = (await h.status.rows('p1'))[0]!;
    expect(row.b).toEqual({ href: '/b/t1', version: h.b.findByUid('t1')!.version, hash: '', raw: '' });
  });
});

describe('a lost race on a store that does not hold every field', () => {
  it('is re-planned through what each side holds: the field the store cannot hold survives on the other side', async () => {
    const noDescription: Capabilities = {
      task: { description: notHeldField('no body') } as unknown as FieldCapabilities<TaskItem>,
    };
    const a = new MemoryStore({ hrefPrefix: '/a/' });
    const b = new MemoryStore({ hrefPrefix: '/b/', holds: noDescription });
    const status = new MemoryStatusStore();
    const sync = () =>
      syncPair({ a, b, status, lock: new MemoryPairLock() }, { pair: 'p', policy: defaultPolicy('a'), window: WINDOW });
    a.put(sampleTask('t1', { description: 'notes only a can hold' }));
    await sync();
    a.put(sampleTask('t1', { description: 'notes only a can hold', priority: 1 }));
    // Our update of b loses a race with a rename made in Outlook at that moment.
    const update = b.update.bind(b);
    b.update = async () => {
      b.update = update;
      b.put(sampleTask('t1', { summary: 'renamed in Outlook' }));
      throw new PreconditionFailedError('412');
    };
    const r = await sync();
    expect(r.outcome).toBe('success');
    expect(a.findByUid('t1')?.item).toMatchObject({
      summary: 'renamed in Outlook',
      priority: 1,
      description: 'notes only a can hold',
    });
    expect(b.findByUid('t1')?.item).toMatchObject({ summary: 'renamed in Outlook', priority: 1 });
  });
});
