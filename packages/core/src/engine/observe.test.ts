import { describe, expect, it } from 'vitest';
import type { CollectionStore } from '../ports/collection-store';
import { InvalidItemError, InvalidSyncTokenError, RetryableError } from '../ports/errors';
import { MemoryStore } from '../testing/memory-store';
import { sampleTask } from '../testing/sample-items';
import { WINDOW } from './harness.test-support';
import type { ReadSideInput } from './observe';
import { readOne, readSide } from './observe';
import type { RunProgress } from './sync-pair';
import type { StatusRow } from './types';

/** How one side's changes are learnt (readSide), checked on the side alone; the engine tests cover it in a run. */
async function linkedStore(n: number) {
  const store = new MemoryStore({ hrefPrefix: '/a/' });
  for (let i = 0; i < n; i++) store.put(sampleTask(`t${i}`));
  const rows: StatusRow[] = store.entries().map((e) => ({
    ident: e.item.uid,
    a: { href: e.href, version: e.version, hash: '', raw: e.raw },
    base: e.item,
  }));
  return { store, rows };
}
const input = (
  store: CollectionStore,
  rows: readonly StatusRow[],
  extra: Partial<ReadSideInput> = {},
): ReadSideInput => ({
  side: 'a',
  store,
  rows: async () => rows,
  token: undefined,
  retry: [],
  window: WINDOW,
  reconcile: false,
  ...extra,
});
const fetchedHrefs = (store: MemoryStore, from: number) =>
  store.calls.slice(from).filter((c) => c === 'getMany').length;

describe('readSide', () => {
  it('asks for the status rows only when the delta reports a change (a quiet side loads none)', async () => {
    const { store, rows } = await linkedStore(2);
    const token = (await readSide(input(store, rows))).nextToken;
    let asked = 0;
    const counted = () => {
      asked += 1;
      return Promise.resolve(rows);
    };
    const quiet = await readSide({ ...input(store, rows, { token }), rows: counted });
    expect([quiet.mode, quiet.observations.size, asked]).toEqual(['delta', 0, 0]);
    const first = store.entries()[0]!;
    store.put({ ...first.item, summary: 'edited' } as typeof first.item, { href: first.href });
    const changed = await readSide({ ...input(store, rows, { token }), rows: counted });
    expect([changed.observations.size, asked]).toEqual([1, 1]);
  });

  it('a first read is a reconcile, not a refused token; a stored token reads the delta; a refused one falls back and says so', async () => {
    const { store, rows } = await linkedStore(2);
    const first = await readSide(input(store, rows));
    expect([first.mode, first.tokenInvalid]).toEqual(['reconcile', false]);
    expect(store.calls).not.toContain('changesSince');
    const delta = await readSide(input(store, rows, { token: first.nextToken }));
    expect([delta.mode, delta.tokenInvalid]).toEqual(['delta', false]);
    store.invalidateTokens();
    const refused = await readSide(input(store, rows, { token: first.nextToken }));
    expect([refused.mode, refused.tokenInvalid]).toEqual(['reconcile', true]);
  });

  it('a reconcile takes an item listed at the version its row holds as unchanged, without reading it', async () => {
    const { store, rows } = await linkedStore(3);
    const read = await readSide(input(store, rows, { reconcile: true }));
    expect([...read.observations.values()].map((o) => o.type)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    expect(store.calls).not.toContain('getMany');
  });

  it('a side listing nothing is "emptied" only when the pair had live items there', async () => {
    const empty = new MemoryStore({ hrefPrefix: '/a/' });
    const { rows } = await linkedStore(2);
    expect((await readSide(input(empty, rows))).emptied).toBe(true);
    expect((await readSide(input(empty, []))).emptied).toBe(false);
    const { store, rows: some } = await linkedStore(2);
    store.delete(some[0]!.a!.href);
    expect((await readSide(input(store, some))).emptied).toBe(false);
  });

  it('an item that left the window (dormant row) is neither read again nor counted as live on a reconcile', async () => {
    const { rows } = await linkedStore(2);
    const dormant = rows.map((r) => ({ ...r, dormant: true }));
    const empty = new MemoryStore({ hrefPrefix: '/a/' });
    const read = await readSide(input(empty, dormant, { reconcile: true }));
    expect(read.emptied).toBe(false);
    expect(read.observations.size).toBe(0);
    expect(empty.calls).not.toContain('getMany');
  });

  it('a parked item the delta already settled (deleted) is not read again; one the delta did not name is read', async () => {
    const { store, rows } = await linkedStore(2);
    const token = (await readSide(input(store, rows))).nextToken;
    store.delete(rows[0]!.a!.href);
    const before = store.calls.length;
    const read = await readSide(input(store, rows, { token, retry: [rows[0]!.a!.href] }));
    expect(fetchedHrefs(store, before)).toBe(0);
    expect(read.observations.get(rows[0]!.a!.href)?.type).toBe('gone');
    const again = store.calls.length;
    const retried = await readSide(input(store, rows, { token: read.nextToken, retry: [rows[1]!.a!.href] }));
    expect(fetchedHrefs(store, again)).toBe(1);
    expect(retried.observations.get(rows[1]!.a!.href)?.type).toBe('present');
  });

  it('reports listing progress from zero, also while reading a delta', async () => {
    const { store, rows } = await linkedStore(2);
    const token = (await readSide(input(store, rows))).nextToken;
    store.put(sampleTask('t0', { summary: 'changed' }));
    const seen: RunProgress[] = [];
    await readSide(input(store, rows, { token, onProgress: (p) => seen.push(p) }));
    expect(seen.slice(0, 2)).toEqual([
      { phase: 'listing', side: 'a', done: 0, planned: null },
      { phase: 'listing', side: 'a', done: 1, planned: null },
    ]);
  });

  it('a change that carries its content (Graph delta) is taken as read, without another request', async () => {
    const { store, rows } = await linkedStore(1);
    const token = (await readSide(input(store, rows))).nextToken;
    store.put(sampleTask('t0', { summary: 'changed' }));
    const current = await readOne(store, rows[0]!.a!.href);
    if (current.type !== 'present') throw new Error('expected the item');
    const carrying: CollectionStore = {
      caps: store.caps,
      create: (i, o, sig) => store.create(i, o, sig),
      update: (b, i, sig) => store.update(b, i, sig),
      remove: (r, sig) => store.remove(r, sig),
      listWindow: (w, s) => store.listWindow(w, s),
      getMany: (h, s) => store.getMany(h, s),
      startToken: (w, s) => store.startToken(w, s),
      changesSince: async (t, s) => {
        const page = await store.changesSince(t, s);
        return {
          ...page,
          changes: page.changes.map((c) => (c.type === 'upsert' ? { ...c, fetched: current.fetched } : c)),
        };
      },
    };
    const before = store.calls.length;
    const read = await readSide(input(carrying, rows, { token }));
    expect(read.observations.get(rows[0]!.a!.href)).toEqual({ type: 'present', fetched: current.fetched });
    expect(fetchedHrefs(store, before)).toBe(0);
  });

  it('a malformed item spoils its batch: the others are read one by one, it is reported, nothing else appears', async () => {
    const { store, rows } = await linkedStore(3);
    const token = (await readSide(input(store, rows))).nextToken;
    for (const r of rows) store.put({ ...(r.base as ReturnType<typeof sampleTask>), summary: 'changed' });
    store.failNext(new InvalidItemError('spoilt batch'), ['getMany']);
    store.failNext(new InvalidItemError('bad DTSTART'), ['getMany']);
    const read = await readSide(input(store, rows, { token }));
    expect(read.unreadable).toEqual([{ href: rows[0]!.a!.href, reason: 'bad DTSTART' }]);
    expect([...read.observations.keys()].sort()).toEqual([rows[1]!.a!.href, rows[2]!.a!.href]);
  });

  it('a healthy batch is read in one request', async () => {
    const { store, rows } = await linkedStore(3);
    const token = (await readSide(input(store, rows))).nextToken;
    for (const r of rows) store.put({ ...(r.base as ReturnType<typeof sampleTask>), summary: 'changed' });
    const before = store.calls.length;
    await readSide(input(store, rows, { token }));
    expect(fetchedHrefs(store, before)).toBe(1);
  });

  it('a peer failing while the spoilt batch is read item by item fails the read, it does not hide the item as unreadable', async () => {
    const { store, rows } = await linkedStore(2);
    const token = (await readSide(input(store, rows))).nextToken;
    for (const r of rows) store.put({ ...(r.base as ReturnType<typeof sampleTask>), summary: 'changed' });
    store.failNext(new InvalidItemError('spoilt batch'), ['getMany']);
    store.failNext(new RetryableError('503'), ['getMany']);
    await expect(readSide(input(store, rows, { token }))).rejects.toBeInstanceOf(RetryableError);
  });

  it('a peer failing while a batch is read fails the read', async () => {
    const { store, rows } = await linkedStore(2);
    const token = (await readSide(input(store, rows))).nextToken;
    store.put(sampleTask('t0', { summary: 'changed' }));
    store.failNext(new RetryableError('503'), ['getMany']);
    await expect(readSide(input(store, rows, { token }))).rejects.toBeInstanceOf(RetryableError);
    store.failNext(new InvalidSyncTokenError('gone'), ['getMany']);
    await expect(readSide(input(store, rows, { token }))).rejects.toBeInstanceOf(InvalidSyncTokenError);
  });
});
