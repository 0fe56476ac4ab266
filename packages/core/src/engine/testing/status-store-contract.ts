import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../testing/memory-store';
import { sampleTask } from '../../testing/sample-items';
import type { ConflictRecord } from '../plan-types';
import { defaultPolicy } from '../policy';
import type { PairLock, StatusStore } from '../status-store';
import { syncPair } from '../sync-pair';
import type { StatusRow } from '../types';

export interface StatusStoreFixture {
  readonly store: StatusStore;
  readonly lock: PairLock;
  /** A new, empty collection pair; returns its id. */
  newPair(): Promise<string>;
  /** A second lock on the same backing store, as another process would hold (defaults to `lock`). */
  readonly otherLock?: PairLock;
  dispose(): Promise<void>;
}

const task = sampleTask('t1', { summary: 'Lunch' });
const fullRow: StatusRow = {
  ident: 't1',
  a: { href: '/a/t1', version: '"1"', hash: 'ha', raw: 'BEGIN:VCALENDAR…' },
  b: { href: '/b/t1', version: 'ck-1', hash: 'hb', raw: '<t:Task/>' },
  base: task,
  pendingCreate: 'b',
  dormant: true,
};
const conflict: ConflictRecord = {
  ident: 't1',
  fields: ['summary'],
  policy: 'side-wins',
  winner: 'a',
  aRaw: 'raw a',
  bRaw: 'raw b',
  aItem: { ...task, summary: 'A' },
  bItem: { ...task, summary: 'B' },
};

/**
 * What every `StatusStore` and `PairLock` must do, run against the in-memory store in core and against
 * PostgreSQL and PGlite in `packages/db`.
 */
export function describeStatusStoreContract(name: string, setup: () => Promise<StatusStoreFixture>): void {
  describe(`StatusStore contract: ${name}`, () => {
    let f: StatusStoreFixture;
    beforeAll(async () => {
      f = await setup();
    });
    afterAll(async () => {
      await f?.dispose();
    });

    it('a new pair has no rows and an empty state', async () => {
      const pair = await f.newPair();
      expect(await f.store.rows(pair)).toEqual([]);
      expect(await f.store.pairState(pair)).toMatchObject({ tokens: {}, retry: { a: [], b: [] }, needsReview: false });
    });

    it('put stores a row exactly as given and replaces it by ident; drop removes it', async () => {
      const pair = await f.newPair();
      await f.store.transaction(pair, (tx) => tx.put(fullRow));
      expect(await f.store.rows(pair)).toEqual([fullRow]);
      const linked: StatusRow = { ident: 't1', a: fullRow.a!, b: { ...fullRow.b!, version: 'ck-2' }, base: task };
      await f.store.transaction(pair, (tx) => tx.put(linked));
      expect(await f.store.rows(pair)).toEqual([linked]);
      const oneSided: StatusRow = { ident: 't1', a: fullRow.a!, pendingCreate: 'b' };
      await f.store.transaction(pair, (tx) => tx.put(oneSided));
      expect(await f.store.rows(pair)).toEqual([oneSided]);
      await f.store.transaction(pair, (tx) => tx.drop('t1'));
      expect(await f.store.rows(pair)).toEqual([]);
    });

    it('a row claiming an href another row holds takes it over (the other row loses that side)', async () => {
      const pair = await f.newPair();
      await f.store.transaction(pair, (tx) => tx.put({ ident: 'old', a: fullRow.a!, b: fullRow.b! }));
      await f.store.transaction(pair, (tx) => tx.put({ ident: 'new', a: fullRow.a! }));
      const rows = await f.store.rows(pair);
      expect(rows.find((r) => r.ident === 'new')?.a?.href).toBe('/a/t1');
      expect(rows.find((r) => r.ident === 'old')).toEqual({ ident: 'old', b: fullRow.b });
    });

    it('a takeover works on either side and in one write from two rows at once', async () => {
      const pair = await f.newPair();
      await f.store.transaction(pair, async (tx) => {
        await tx.put({ ident: 'has-a', a: fullRow.a!, b: { ...fullRow.b!, href: '/b/other' } });
        await tx.put({ ident: 'has-b', a: { ...fullRow.a!, href: '/a/other' }, b: fullRow.b! });
      });
      await f.store.transaction(pair, (tx) => tx.put({ ident: 'new', a: fullRow.a!, b: fullRow.b! }));
      const rows = await f.store.rows(pair);
      expect(rows.find((r) => r.ident === 'new')).toEqual({ ident: 'new', a: fullRow.a, b: fullRow.b });
      expect(rows.find((r) => r.ident === 'has-a')).toEqual({ ident: 'has-a', b: { ...fullRow.b!, href: '/b/other' } });
      expect(rows.find((r) => r.ident === 'has-b')).toEqual({ ident: 'has-b', a: { ...fullRow.a!, href: '/a/other' } });
    });

    it('within one transaction the writes land as if in order: the later claim of an href, put or drop wins', async () => {
      const pair = await f.newPair();
      await f.store.transaction(pair, (tx) => tx.put({ ident: 'held', a: fullRow.a!, b: fullRow.b! }));
      await f.store.transaction(pair, async (tx) => {
        await tx.put({ ident: 'first', a: { ...fullRow.a!, href: '/a/shared' }, b: { ...fullRow.b!, href: '/b/1' } });
        await tx.put({ ident: 'second', a: { ...fullRow.a!, href: '/a/shared' } });
        await tx.put({ ident: 'gone', b: { ...fullRow.b!, href: '/b/gone' } });
        await tx.drop('gone');
        await tx.drop('held');
        await tx.put({ ident: 'held', b: fullRow.b!, base: task });
        for (let i = 0; i < 120; i++) await tx.put({ ident: `many-${i}`, a: { ...fullRow.a!, href: `/a/m${i}` } });
      });
      const rows = await f.store.rows(pair);
      expect(rows).toHaveLength(123);
      expect(rows.find((r) => r.ident === 'first')).toEqual({ ident: 'first', b: { ...fullRow.b!, href: '/b/1' } });
      expect(rows.find((r) => r.ident === 'second')?.a?.href).toBe('/a/shared');
      expect(rows.find((r) => r.ident === 'gone')).toBeUndefined();
      expect(rows.find((r) => r.ident === 'held')).toEqual({ ident: 'held', b: fullRow.b, base: task });
      expect(rows.find((r) => r.ident === 'many-119')?.a?.href).toBe('/a/m119');
    });

    it('a transaction whose callback throws leaves nothing behind', async () => {
      const pair = await f.newPair();
      await expect(
        f.store.transaction(pair, async (tx) => {
          await tx.put(fullRow);
          await tx.setPairState({ tokens: { a: 'tok' } });
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await f.store.rows(pair)).toEqual([]);
      expect((await f.store.pairState(pair)).tokens).toEqual({});
    });

    it('pairs are isolated', async () => {
      const p1 = await f.newPair();
      const p2 = await f.newPair();
      await f.store.transaction(p1, (tx) => tx.put(fullRow));
      expect(await f.store.rows(p2)).toEqual([]);
    });

    it('pair state: tokens merge per side; retry, window, last full sync and review flag round-trip', async () => {
      const pair = await f.newPair();
      await f.store.transaction(pair, (tx) =>
        tx.setPairState({
          tokens: { a: 'ta', b: 'tb' },
          retry: { a: ['/a/x'], b: [] },
          window: { start: '2030-01-01T00:00:00Z', end: '2030-07-01T00:00:00Z' },
          lastFullSyncAt: '2030-01-02T03:04:05.000Z',
          needsReview: true,
        }),
      );
      await f.store.transaction(pair, (tx) => tx.setPairState({ tokens: { b: 'tb2' } }));
      const state = await f.store.pairState(pair);
      expect(state.tokens).toEqual({ a: 'ta', b: 'tb2' });
      expect(state.retry).toEqual({ a: ['/a/x'], b: [] });
      expect(Date.parse(state.window!.start)).toBe(Date.parse('2030-01-01T00:00:00Z'));
      expect(Date.parse(state.window!.end)).toBe(Date.parse('2030-07-01T00:00:00Z'));
      expect(Date.parse(state.lastFullSyncAt!)).toBe(Date.parse('2030-01-02T03:04:05Z'));
      expect(state.needsReview).toBe(true);
    });

    it('conflicts are kept with both versions', async () => {
      const pair = await f.newPair();
      await f.store.transaction(pair, (tx) => tx.recordConflict(conflict));
      const [stored] = await f.store.conflicts(pair);
      expect(stored).toMatchObject(conflict);
      expect(typeof stored?.id).toBe('string');
      expect(Number.isNaN(Date.parse(stored!.createdAt))).toBe(false);
    });

    it('a quarantined deletion is recorded once while unresolved, and leaves the list when resolved', async () => {
      const pair = await f.newPair();
      const q = { ident: 't1', side: 'b' as const, href: '/b/t1', reason: 'threshold' as const };
      await f.store.transaction(pair, (tx) => tx.quarantine(q));
      await f.store.transaction(pair, (tx) => tx.quarantine(q));
      const list = await f.store.quarantined(pair);
      expect(list).toHaveLength(1);
      expect(list[0]).toMatchObject(q);
      await f.store.resolveQuarantine(pair, list[0]!.id);
      expect(await f.store.quarantined(pair)).toEqual([]);
      await f.store.transaction(pair, (tx) => tx.quarantine(q));
      expect(await f.store.quarantined(pair)).toHaveLength(1);
    });

    it('a decision on a held deletion is recorded until carried out; none on an unknown or resolved one', async () => {
      const pair = await f.newPair();
      const q = { ident: 't1', side: 'b' as const, href: '/b/t1', reason: 'threshold' as const };
      await f.store.transaction(pair, (tx) => tx.quarantine(q));
      const [held] = await f.store.quarantined(pair);
      expect(held?.decision).toBeUndefined();
      expect(await f.store.decideQuarantine(pair, held!.id, 'restore')).toBe(true);
      expect((await f.store.quarantined(pair))[0]).toMatchObject({ ...q, decision: 'restore' });
      expect(await f.store.decideQuarantine(pair, held!.id, 'apply')).toBe(true);
      expect((await f.store.quarantined(pair))[0]?.decision).toBe('apply');
      await f.store.resolveQuarantine(pair, held!.id);
      expect(await f.store.decideQuarantine(pair, held!.id, 'apply')).toBe(false);
      expect(await f.store.decideQuarantine(pair, '00000000-0000-4000-8000-000000000000', 'apply')).toBe(false);
    });

    it('runs are recorded with outcome, counts, errors and plan', async () => {
      const pair = await f.newPair();
      const run = await f.store.startRun(pair, { dryRun: true });
      const plan = [{ ident: 't1', cell: 'a-new/b-absent', writes: [{ type: 'create', side: 'b' }] }];
      await f.store.finishRun(run, { outcome: 'partial', counts: { a_to_b: { create: 1 } }, error: 'x failed', plan });
      const [stored] = await f.store.runs(pair);
      expect(stored).toMatchObject({
        id: run,
        dryRun: true,
        outcome: 'partial',
        counts: { a_to_b: { create: 1 } },
        error: 'x failed',
        plan,
      });
      expect(stored?.finishedAt).toBeDefined();
    });

    it('the pair lock admits one holder per pair, independently per pair, and is free again after release', async () => {
      const p1 = await f.newPair();
      const p2 = await f.newPair();
      const other = f.otherLock ?? f.lock;
      const release = await f.lock.tryAcquire(p1);
      expect(release).toBeDefined();
      expect(await other.tryAcquire(p1)).toBeUndefined();
      const release2 = await other.tryAcquire(p2);
      expect(release2).toBeDefined();
      await release!();
      const again = await other.tryAcquire(p1);
      expect(again).toBeDefined();
      await again!();
      await release2!();
    });

    it('carries a whole sync: first run, then the echo of our own writes is a no-op', async () => {
      const pair = await f.newPair();
      const a = new MemoryStore({ hrefPrefix: '/a/' });
      const b = new MemoryStore({ hrefPrefix: '/b/' });
      a.put(sampleTask('t1'));
      b.put(sampleTask('t2'));
      const deps = { a, b, status: f.store, lock: f.lock };
      const options = {
        pair,
        policy: defaultPolicy('a'),
        window: { start: '2030-01-01T00:00:00Z', end: '2030-07-01T00:00:00Z' },
      };
      expect((await syncPair(deps, options)).outcome).toBe('success');
      const second = await syncPair(deps, options);
      expect(second.modes).toEqual({ a: 'delta', b: 'delta' });
      expect(second.counts).toEqual({});
      expect((await f.store.rows(pair)).map((r) => r.ident).sort()).toEqual(['t1', 't2']);
    });
  });
}
