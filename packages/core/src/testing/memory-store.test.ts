import { describe, expect, it } from 'vitest';
import { InvalidSyncTokenError, RejectedError, RetryableError } from '../ports';
import { MemoryStore } from './memory-store';
import { sampleContact, sampleEvent } from './sample-items';

const window = { start: '2030-03-01T00:00:00Z', end: '2030-04-01T00:00:00Z' };

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of iterable) out.push(value);
  return out;
}

describe('MemoryStore fault injection and helpers', () => {
  it('fails the next write with the injected error, then works again', async () => {
    const store = new MemoryStore();
    store.failNextWrite(new RetryableError('busy', { retryAfterMs: 1500 }));
    const error = await store.create(sampleEvent('a', '2030-03-02T10:00:00Z'), { marker: 'm' }).catch((e) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as RetryableError).retryAfterMs).toBe(1500);
    expect(store.entries()).toHaveLength(0);
    await store.create(sampleEvent('a', '2030-03-02T10:00:00Z'), { marker: 'm' });
    expect(store.entries()).toHaveLength(1);
  });

  it('injects failures into reads only when asked to', async () => {
    const store = new MemoryStore();
    store.failNext(new RetryableError('timeout'), ['getMany']);
    await store.create(sampleEvent('a', '2030-03-02T10:00:00Z'), { marker: 'm' });
    await expect(collect(store.getMany(['x']))).rejects.toBeInstanceOf(RetryableError);
    await expect(collect(store.getMany(['x']))).resolves.toEqual([{ href: 'x', found: false }]);
  });

  it('with flaky versions, bumps versions on every read without changing the content hash', async () => {
    const store = new MemoryStore();
    const { ref } = await store.create(sampleEvent('a', '2030-03-02T10:00:00Z'), { marker: 'm' });
    const [first] = await collect(store.getMany([ref.href]));
    store.setFlakyVersions(true);
    const [second] = await collect(store.getMany([ref.href]));
    if (!first?.found || !second?.found) throw new Error('expected both reads to find the item');
    expect(second.fetched.ref.version).not.toBe(first.fetched.ref.version);
    expect(second.fetched.hash).toBe(first.fetched.hash);
  });

  it('rejects every earlier token after invalidateTokens', async () => {
    const store = new MemoryStore();
    const token = await store.startToken(window);
    store.invalidateTokens();
    await expect(store.changesSince(token)).rejects.toBeInstanceOf(InvalidSyncTokenError);
    const fresh = await store.startToken(window);
    await expect(store.changesSince(fresh)).resolves.toMatchObject({ changes: [], more: false });
  });

  it('after pruneJournal, an old token silently misses changes (as Nextcloud does)', async () => {
    const store = new MemoryStore();
    const token = await store.startToken(window);
    store.put(sampleEvent('lost', '2030-03-02T10:00:00Z'));
    store.pruneJournal();
    await expect(store.changesSince(token)).resolves.toMatchObject({ changes: [], more: false });
  });

  it('pages changes and resumes each page where the previous stopped', async () => {
    const store = new MemoryStore({ pageSize: 2 });
    let token = await store.startToken(window);
    for (const uid of ['a', 'b', 'c', 'd', 'e']) store.put(sampleContact(uid));
    const seen: string[] = [];
    let pages = 0;
    for (;;) {
      const set = await store.changesSince(token);
      pages += 1;
      for (const c of set.changes) if (c.type === 'upsert') seen.push(store.get(c.ref.href)?.item.uid ?? '?');
      token = set.nextToken;
      if (!set.more) break;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('reports external changes and deletions as another client would make them', async () => {
    const store = new MemoryStore();
    const ref = store.put(sampleContact('x'));
    const token = await store.startToken(window);
    const touched = store.touch(ref.href);
    expect(touched.version).not.toBe(ref.version);
    expect(store.delete(ref.href)).toBe(true);
    const set = await store.changesSince(token);
    expect(set.changes).toEqual([{ type: 'delete', href: ref.href, reason: 'deleted' }]);
  });

  it('refuses writes to a read-only collection and kinds it does not hold', async () => {
    const readOnly = new MemoryStore({ readOnly: true });
    const error = await readOnly.create(sampleContact('x'), { marker: 'm' }).catch((e) => e);
    expect(error).toBeInstanceOf(RejectedError);
    expect((error as RejectedError).reason).toBe('read-only');
    const events = new MemoryStore({ kinds: ['event'] });
    const wrongKind = await events.create(sampleContact('x'), { marker: 'm' }).catch((e) => e);
    expect((wrongKind as RejectedError).reason).toBe('unsupported');
  });

  it('records every port call so tests can count requests', async () => {
    const store = new MemoryStore();
    await store.startToken(window);
    await collect(store.listWindow(window));
    expect(store.calls).toEqual(['startToken', 'listWindow']);
  });

  it('treats an aborted signal as a retryable failure', async () => {
    const store = new MemoryStore();
    const controller = new AbortController();
    controller.abort();
    await expect(store.startToken(window, controller.signal)).rejects.toBeInstanceOf(RetryableError);
  });
});
