import { afterEach, describe, expect, it } from 'vitest';
import type { CollectionKind, PimItem, SyncWindow } from '../model';
import type { Change, CollectionStore, FetchedItem, FetchResult, ItemRef } from '../ports';
import {
  InvalidSyncTokenError,
  NotFoundError,
  PreconditionFailedError,
  RejectedError,
  type StoreError,
} from '../ports';
import { sampleContact, sampleEvent, sampleTask, utc } from './sample-items';

/** A fresh, empty collection for one test, and how to throw it away. */
export interface ContractFixture {
  readonly store: CollectionStore;
  readonly cleanup?: () => Promise<void> | void;
}

export interface CollectionStoreContractOptions {
  /** Makes a new empty collection of `kind`; called once per test. */
  readonly createStore: (kind: CollectionKind) => Promise<ContractFixture> | ContractFixture;
  /** Collection kinds the store under test can hold. Default: all three. */
  readonly kinds?: readonly CollectionKind[];
  /** A token the store never issued. Default: a URI from a foreign server. */
  readonly invalidToken?: string;
  /** Skips the whole suite (e.g. a live server is not installed), with the reason as the suite's name. */
  readonly skip?: string | false;
}

/** The window every listing test uses; far in the future so no server's "now" matters. */
export const CONTRACT_WINDOW: SyncWindow = { start: '2030-03-01T00:00:00Z', end: '2030-04-01T00:00:00Z' };

/**
 * Registers the `CollectionStore` contract as Vitest tests. Every store (memory, DAV, EWS, Graph) must pass it:
 * the engine relies on exactly these behaviours and nothing else.
 */
export function describeCollectionStoreContract(name: string, options: CollectionStoreContractOptions): void {
  const kinds = options.kinds ?? ['calendar', 'tasks', 'addressbook'];
  const invalidToken = options.invalidToken ?? 'http://example.invalid/ns/sync/never-issued';
  const suite = options.skip ? describe.skip : describe;

  suite(`CollectionStore contract: ${name}${options.skip ? ` (skipped: ${options.skip})` : ''}`, () => {
    const cleanups: (() => Promise<void> | void)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0)) await cleanup();
    });
    async function fresh(kind: CollectionKind): Promise<CollectionStore> {
      const fixture = await options.createStore(kind);
      if (fixture.cleanup) cleanups.push(fixture.cleanup);
      return fixture.store;
    }

    for (const kind of kinds) {
      const make = itemMaker(kind);

      describe(`${kind} collection`, () => {
        it('reads back a created item with its marker and the version create returned', async () => {
          const store = await fresh(kind);
          const created = await store.create(make('c-read-1', 'First'), { marker: 'marker-1' });
          expect(created.ref.href).toBeTruthy();
          expect(created.ref.version).toBeTruthy();
          const fetched = await fetchOne(store, created.ref.href);
          expect(fetched.ref).toEqual(created.ref);
          expect(fetched.item.kind).toBe(make('x', 'x').kind);
          expect(fetched.item.uid).toBe('c-read-1');
          expect(titleOf(fetched.item)).toBe('First');
          expect(fetched.marker).toBe('marker-1');
          expect(fetched.raw.length).toBeGreaterThan(0);
          expect(fetched.hash).toMatch(/\S/);
        });

        it('reports hrefs that do not exist as not found, next to the ones that do', async () => {
          const store = await fresh(kind);
          const created = await store.create(make('c-missing-1', 'Present'), { marker: 'm' });
          const missing = `${created.ref.href.replace(/[^/]*$/, '')}does-not-exist-${kind}.x`;
          const results = await collect(store.getMany([created.ref.href, missing]));
          expect(results).toHaveLength(2);
          const byHref = new Map(results.map((r) => [r.href, r]));
          expect(byHref.get(created.ref.href)?.found).toBe(true);
          expect(byHref.get(missing)?.found).toBe(false);
        });

        it('updates with a fresh version, returning a new version and keeping the marker', async () => {
          const store = await fresh(kind);
          const created = await store.create(make('c-update-1', 'Before'), { marker: 'keep-me' });
          const base = await fetchOne(store, created.ref.href);
          const updated = await store.update(base, retitle(base.item, 'After'));
          expect(updated.ref.href).toBe(created.ref.href);
          expect(updated.ref.version).not.toBe(created.ref.version);
          const after = await fetchOne(store, created.ref.href);
          expect(after.ref.version).toBe(updated.ref.version);
          expect(titleOf(after.item)).toBe('After');
          expect(after.marker).toBe('keep-me');
          expect(after.hash).not.toBe(base.hash);
        });

        it('refuses an update based on a stale version and leaves the item as it was', async () => {
          const store = await fresh(kind);
          const created = await store.create(make('c-stale-1', 'Original'), { marker: 'm' });
          const base = await fetchOne(store, created.ref.href);
          await store.update(base, retitle(base.item, 'Winner'));
          const error = await store.update(base, retitle(base.item, 'Loser')).catch((e: unknown) => e);
          expectStoreError(error, PreconditionFailedError);
          expect(titleOf((await fetchOne(store, created.ref.href)).item)).toBe('Winner');
        });

        it('rejects a second item with the same UID as a uid conflict', async () => {
          const store = await fresh(kind);
          await store.create(make('c-dup-1', 'One'), { marker: 'm1' });
          const error = await store.create(make('c-dup-1', 'Two'), { marker: 'm2' }).catch((e: unknown) => e);
          expectStoreError(error, RejectedError);
          expect((error as RejectedError).reason).toBe('uid-conflict');
        });

        it('deletes only with the current version, then reports the item gone', async () => {
          const store = await fresh(kind);
          const created = await store.create(make('c-del-1', 'Doomed'), { marker: 'm' });
          const base = await fetchOne(store, created.ref.href);
          const updated = await store.update(base, retitle(base.item, 'Changed'));
          const stale = await store.remove(created.ref).catch((e: unknown) => e);
          expectStoreError(stale, PreconditionFailedError);
          await store.remove(updated.ref);
          const [result] = await collect(store.getMany([created.ref.href]));
          expect(result).toEqual({ href: created.ref.href, found: false });
          const again = await store.remove(updated.ref).catch((e: unknown) => e);
          expectStoreError(again, NotFoundError);
        });

        it('reports changes since a token: creations, updates and deletions', async () => {
          const store = await fresh(kind);
          const kept = await store.create(make('c-chg-kept', 'Kept'), { marker: 'm' });
          const changed = await store.create(make('c-chg-changed', 'Changed'), { marker: 'm' });
          const removed = await store.create(make('c-chg-removed', 'Removed'), { marker: 'm' });
          const token = await store.startToken(CONTRACT_WINDOW);

          const quiet = await drain(store, token);
          expect(quiet.changes).toEqual([]);

          const added = await store.create(make('c-chg-added', 'Added'), { marker: 'm' });
          const base = await fetchOne(store, changed.ref.href);
          const updated = await store.update(base, retitle(base.item, 'Changed again'));
          await store.remove(removed.ref);

          const { changes, nextToken } = await drain(store, token);
          const upserts = new Map(
            changes.flatMap((c) => (c.type === 'upsert' ? [[c.ref.href, c.ref.version] as const] : [])),
          );
          const deletes = changes.flatMap((c) => (c.type === 'delete' ? [c.href] : []));
          expect(upserts.get(added.ref.href)).toBe(added.ref.version);
          expect(upserts.get(changed.ref.href)).toBe(updated.ref.version);
          expect(upserts.has(kept.ref.href)).toBe(false);
          expect(upserts.has(removed.ref.href)).toBe(false);
          expect(deletes).toEqual([removed.ref.href]);

          const after = await drain(store, nextToken);
          expect(after.changes).toEqual([]);
        });

        it('keeps one href for an item whose UID needs escaping, across create, listing and changes', async () => {
          const store = await fresh(kind);
          const token = await store.startToken(CONTRACT_WINDOW);
          const uid = 'odd uid+1@example.org/ü';
          const created = await store.create(make(uid, 'Odd'), { marker: 'm' });
          const fetched = await fetchOne(store, created.ref.href);
          expect(fetched.item.uid).toBe(uid);
          const listed = await listedRefs(store);
          expect(listed.get(created.ref.href)).toBe(created.ref.version);
          const { changes } = await drain(store, token);
          expect(changes).toEqual([{ type: 'upsert', ref: created.ref }]);
        });

        it('rejects a token it never issued as an invalid sync token', async () => {
          const store = await fresh(kind);
          await store.create(make('c-tok-1', 'Any'), { marker: 'm' });
          const error = await store.changesSince(invalidToken).catch((e: unknown) => e);
          expectStoreError(error, InvalidSyncTokenError);
        });

        if (kind === 'calendar') {
          it('lists events inside the window (series included) and not those outside it', async () => {
            const store = await fresh(kind);
            const inside = await store.create(sampleEvent('w-inside', '2030-03-10T10:00:00Z'), { marker: 'm' });
            const before = await store.create(sampleEvent('w-before', '2030-01-10T10:00:00Z'), { marker: 'm' });
            const after = await store.create(sampleEvent('w-after', '2030-06-10T10:00:00Z'), { marker: 'm' });
            const series = await store.create(
              sampleEvent('w-series', '2030-01-07T09:00:00Z', { recurrence: { freq: 'WEEKLY' } }),
              { marker: 'm' },
            );
            const ended = await store.create(
              sampleEvent('w-ended', '2029-01-01T09:00:00Z', {
                recurrence: { freq: 'DAILY', until: utc('2029-02-01T09:00:00Z') },
              }),
              { marker: 'm' },
            );
            const listed = await listedRefs(store);
            expect(listed.get(inside.ref.href)).toBe(inside.ref.version);
            expect(listed.get(series.ref.href)).toBe(series.ref.version);
            expect(listed.has(before.ref.href)).toBe(false);
            expect(listed.has(after.ref.href)).toBe(false);
            expect(listed.has(ended.ref.href)).toBe(false);
          });
        }

        if (kind === 'tasks') {
          it('lists tasks due inside the window and tasks without dates, not tasks due outside it', async () => {
            const store = await fresh(kind);
            const due = await store.create(sampleTask('t-due', { due: utc('2030-03-15T12:00:00Z') }), { marker: 'm' });
            const undated = await store.create(sampleTask('t-undated'), { marker: 'm' });
            const old = await store.create(sampleTask('t-old', { due: utc('2029-06-01T12:00:00Z') }), { marker: 'm' });
            const listed = await listedRefs(store);
            expect(listed.get(due.ref.href)).toBe(due.ref.version);
            expect(listed.get(undated.ref.href)).toBe(undated.ref.version);
            expect(listed.has(old.ref.href)).toBe(false);
          });
        }

        if (kind === 'addressbook') {
          it('lists every contact whatever the window', async () => {
            const store = await fresh(kind);
            const one = await store.create(sampleContact('p-one'), { marker: 'm' });
            const two = await store.create(sampleContact('p-two'), { marker: 'm' });
            const listed = await listedRefs(store, { start: '1990-01-01T00:00:00Z', end: '1990-01-02T00:00:00Z' });
            expect(listed.get(one.ref.href)).toBe(one.ref.version);
            expect(listed.get(two.ref.href)).toBe(two.ref.version);
          });
        }
      });
    }
  });
}

function itemMaker(kind: CollectionKind): (uid: string, title: string) => PimItem {
  switch (kind) {
    case 'calendar':
      return (uid, title) => sampleEvent(uid, '2030-03-05T10:00:00Z', { summary: title });
    case 'tasks':
      return (uid, title) => sampleTask(uid, { summary: title, due: utc('2030-03-06T10:00:00Z') });
    case 'addressbook':
      return (uid, title) => sampleContact(uid, { formattedName: title });
  }
}

function titleOf(item: PimItem): string | undefined {
  switch (item.kind) {
    case 'event':
    case 'task':
      return item.summary;
    case 'contact':
      return item.formattedName;
    case 'group':
      return item.name;
  }
}

function retitle(item: PimItem, title: string): PimItem {
  switch (item.kind) {
    case 'event':
    case 'task':
      return { ...item, summary: title };
    case 'contact':
      return { ...item, formattedName: title };
    case 'group':
      return { ...item, name: title };
  }
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of iterable) out.push(value);
  return out;
}

async function fetchOne(store: CollectionStore, href: string): Promise<FetchedItem> {
  const results: FetchResult[] = await collect(store.getMany([href]));
  const result = results.find((r) => r.href === href);
  if (!result?.found) throw new Error(`expected ${href} to be found`);
  return result.fetched;
}

async function listedRefs(store: CollectionStore, window = CONTRACT_WINDOW): Promise<Map<string, string>> {
  const refs: ItemRef[] = await collect(store.listWindow(window));
  return new Map(refs.map((r) => [r.href, r.version]));
}

/** Follows `more` to the end, as the engine does. */
async function drain(store: CollectionStore, token: string): Promise<{ changes: Change[]; nextToken: string }> {
  const changes: Change[] = [];
  let next = token;
  for (let page = 0; page < 100; page++) {
    const set = await store.changesSince(next);
    changes.push(...set.changes);
    next = set.nextToken;
    if (!set.more) return { changes, nextToken: next };
  }
  throw new Error('changesSince never stopped reporting more pages');
}

function expectStoreError(error: unknown, type: abstract new (...args: never[]) => StoreError): void {
  expect(error, `expected a ${type.name}, got ${String(error)}`).toBeInstanceOf(type);
}
