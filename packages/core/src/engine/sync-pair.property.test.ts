import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TaskItem } from '../model/task';
import type { CollectionStore } from '../ports/collection-store';
import { NotFoundError, PreconditionFailedError, RetryableError } from '../ports/errors';
import { MemoryStore } from '../testing/memory-store';
import { WINDOW } from './harness.test-support';
import { MemoryPairLock, MemoryStatusStore } from './memory-status-store';
import { sameContent } from './planner';
import type { SyncPolicy } from './policy';
import type { StatusStore } from './status-store';
import { syncPair } from './sync-pair';
import type { Side } from './types';

/** The process dying: after it, nothing the run attempts reaches a store. */
class Crash extends Error {}

/** Injects a crash at the n-th port call (before or after it takes effect) and one failing write per run. */
class Faults {
  calls = 0;
  writes = 0;
  crashed = false;
  crashAt: number | undefined;
  crashAfter = false;
  failWriteAt: number | undefined;
  failKind: 'retryable' | 'precondition' | 'not-found' | 'saved-but-500' = 'retryable';

  arm(plan: SyncStep): void {
    this.calls = 0;
    this.writes = 0;
    this.crashed = false;
    this.crashAt = plan.crashAt;
    this.crashAfter = plan.crashAfter;
    this.failWriteAt = plan.failWriteAt;
    this.failKind = plan.failKind;
  }
  disarm(): void {
    this.crashAt = undefined;
    this.failWriteAt = undefined;
    this.crashed = false;
  }
  before(): void {
    if (this.crashed) throw new Crash('dead');
    this.calls += 1;
    if (this.calls === this.crashAt && !this.crashAfter) {
      this.crashed = true;
      throw new Crash('crash before');
    }
  }
  after(): void {
    if (this.calls === this.crashAt && this.crashAfter) {
      this.crashed = true;
      throw new Crash('crash after');
    }
  }
  async around<T>(fn: () => Promise<T>, write = false): Promise<T> {
    this.before();
    if (write && this.writes++ === this.failWriteAt) {
      if (this.failKind === 'retryable') throw new RetryableError('injected 503');
      if (this.failKind === 'precondition') throw new PreconditionFailedError('injected 412');
      if (this.failKind === 'not-found') throw new NotFoundError('injected 404');
      await fn();
      throw new RetryableError('injected 500 after the write was saved');
    }
    const result = await fn();
    this.after();
    return result;
  }
}

function faultyStore(store: MemoryStore, f: Faults): CollectionStore {
  return {
    caps: store.caps,
    listWindow: (w, s) => {
      f.before();
      return store.listWindow(w, s);
    },
    getMany: (h, s) => {
      f.before();
      return store.getMany(h, s);
    },
    startToken: (w, s) => f.around(() => store.startToken(w, s)),
    changesSince: (t, s) => f.around(() => store.changesSince(t, s)),
    create: (i, o, s) => f.around(() => store.create(i, o, s), true),
    update: (b, i, s) => f.around(() => store.update(b, i, s), true),
    remove: (r, s) => f.around(() => store.remove(r, s), true),
  };
}

function faultyStatus(status: MemoryStatusStore, f: Faults): StatusStore {
  const wrap =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    (...args: A) =>
      f.around(() => fn(...args));
  return {
    rows: wrap((p) => status.rows(p)),
    pairState: wrap((p) => status.pairState(p)),
    transaction: wrap((p, fn) => status.transaction(p, fn)),
    conflicts: wrap((p) => status.conflicts(p)),
    quarantined: wrap((p) => status.quarantined(p)),
    decideQuarantine: wrap((p, id, d) => status.decideQuarantine(p, id, d)),
    resolveQuarantine: wrap((p, id) => status.resolveQuarantine(p, id)),
    startRun: wrap((p, o) => status.startRun(p, o)),
    finishRun: wrap((r, rec) => status.finishRun(r, rec)),
    runs: wrap((p) => status.runs(p)),
  };
}

type SyncStep = {
  type: 'sync';
  crashAt: number | undefined;
  crashAfter: boolean;
  failWriteAt: number | undefined;
  failKind: Faults['failKind'];
  flaky: boolean;
};
type Step =
  | { type: 'create'; side: Side; uid: string; summary: string }
  | { type: 'edit'; side: Side; pick: number; field: 'summary' | 'description' | 'priority'; value: number }
  | { type: 'delete'; side: Side; pick: number }
  | { type: 'touch'; side: Side; pick: number }
  | { type: 'invalidate-tokens'; side: Side }
  | { type: 'prune-journal'; side: Side }
  | SyncStep;

const side = fc.constantFrom<Side>('a', 'b');
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      type: fc.constant('create' as const),
      side,
      uid: fc.constantFrom('u1', 'u2', 'u3', 'u4', 'u5', 'u6'),
      summary: fc.constantFrom('x', 'y'),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      type: fc.constant('edit' as const),
      side,
      pick: fc.nat(9),
      field: fc.constantFrom('summary' as const, 'description' as const, 'priority' as const),
      value: fc.nat(3),
    }),
  },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('delete' as const), side, pick: fc.nat(9) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('touch' as const), side, pick: fc.nat(9) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('invalidate-tokens' as const), side }) },
  {
    weight: 4,
    arbitrary: fc.record({
      type: fc.constant('sync' as const),
      crashAt: fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }),
      crashAfter: fc.boolean(),
      failWriteAt: fc.option(fc.nat(4), { nil: undefined }),
      failKind: fc.constantFrom(
        'retryable' as const,
        'precondition' as const,
        'not-found' as const,
        'saved-but-500' as const,
      ),
      flaky: fc.boolean(),
    }),
  },
);

const policyArb: fc.Arbitrary<SyncPolicy> = fc
  .constantFrom(
    { type: 'side-wins' as const, side: 'a' as const },
    { type: 'side-wins' as const, side: 'b' as const },
    { type: 'newest' as const, fallback: 'a' as const },
    { type: 'keep-both' as const, keep: 'b' as const },
  )
  .map((conflict) => ({
    conflict,
    direction: { type: 'two-way' },
    deletions: { type: 'propagate' },
    // The valve is tested on its own; here every deletion the user made must simply arrive.
    guard: { maxRatio: 1, minCount: 1000, maxCount: 1000, emptiedSide: false },
  }));

function newTask(uid: string, summary: string): TaskItem {
  return { kind: 'task', uid, summary, status: 'needs-action', categories: [], reminders: [] };
}

describe('syncPair, model-based', () => {
  it('after random edits on both sides, crashes, failing writes, flaky versions and lost tokens, a clean run converges without duplicates or losses', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 40 }), policyArb, async (steps, policy) => {
        let clock = Date.parse('2030-02-01T00:00:00Z');
        const now = () => {
          clock += 1000;
          return new Date(clock);
        };
        const stores = {
          a: new MemoryStore({ hrefPrefix: '/a/', pageSize: 2, now }),
          b: new MemoryStore({ hrefPrefix: '/b/', pageSize: 2, now }),
        };
        const status = new MemoryStatusStore();
        const lock = new MemoryPairLock();
        const faults = new Faults();
        const deps = {
          a: faultyStore(stores.a, faults),
          b: faultyStore(stores.b, faults),
          status: faultyStatus(status, faults),
          lock,
        };
        const sync = (reconcile = false) => syncPair(deps, { pair: 'p', policy, window: WINDOW, reconcile, now });
        const created = new Set<string>();
        const deleted = new Set<string>();

        for (const s of steps) {
          const store = s.type === 'sync' ? undefined : stores[s.side];
          const pick = (n: number) => {
            const entries = store!.entries();
            return entries.length === 0 ? undefined : entries[n % entries.length];
          };
          switch (s.type) {
            case 'create':
              if (!store!.findByUid(s.uid)) {
                store!.put(newTask(s.uid, s.summary));
                created.add(s.uid);
              }
              break;
            case 'edit': {
              const e = pick(s.pick);
              if (e)
                store!.put({ ...(e.item as TaskItem), [s.field]: s.field === 'priority' ? s.value : `v${s.value}` });
              break;
            }
            case 'delete': {
              const e = pick(s.pick);
              if (e) {
                store!.delete(e.href);
                deleted.add(e.item.uid);
              }
              break;
            }
            case 'touch': {
              const e = pick(s.pick);
              if (e) store!.touch(e.href);
              break;
            }
            case 'invalidate-tokens':
              store!.invalidateTokens();
              break;
            case 'prune-journal':
              store!.pruneJournal();
              break;
            case 'sync': {
              faults.arm(s);
              stores.a.setFlakyVersions(s.flaky);
              stores.b.setFlakyVersions(s.flaky);
              try {
                await sync();
              } catch (error) {
                if (!(error instanceof Crash)) throw error;
              }
              faults.disarm();
              stores.a.setFlakyVersions(false);
              stores.b.setFlakyVersions(false);
              break;
            }
          }
        }

        // The final clean run reads deltas (no reconcile to paper over a token advanced too early); a second run
        // must then find nothing left to do.
        const first = await sync();
        expect(first.errors).toEqual([]);
        const last = await sync();
        expect(last.outcome).toBe('success');
        expect(last.counts).toEqual({});

        const a = new Map(stores.a.entries().map((e) => [e.item.uid, e.item]));
        const b = new Map(stores.b.entries().map((e) => [e.item.uid, e.item]));
        // Both sides equal.
        expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
        for (const [uid, item] of a) expect(sameContent(item, b.get(uid)), uid).toBe(true);
        // No duplicates: every item is one the user made, once per side.
        expect(stores.a.entries()).toHaveLength(a.size);
        // (keep-both's copies of a losing version are the one intended exception.)
        const ours = (uid: string) =>
          created.has(uid) || (policy.conflict.type === 'keep-both' && /~copy\d*$/.test(uid));
        for (const uid of a.keys()) expect(ours(uid), uid).toBe(true);
        // Nothing the user did not delete is gone.
        for (const uid of created) if (!deleted.has(uid)) expect(a.has(uid), uid).toBe(true);
      }),
      { numRuns: Number(process.env.EXSYNC_PROPERTY_RUNS ?? 300) },
    );
  }, 600_000);
});
