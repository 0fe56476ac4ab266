import type { SyncWindow } from '../model/temporal';
import { MemoryStore } from '../testing/memory-store';
import { MemoryPairLock, MemoryStatusStore } from './memory-status-store';
import type { SyncPolicy } from './policy';
import { defaultPolicy } from './policy';
import type { SyncOptions } from './sync-pair';
import { syncPair } from './sync-pair';

export const WINDOW: SyncWindow = { start: '2030-01-01T00:00:00Z', end: '2030-07-01T00:00:00Z' };

/** Two in-memory sides, an in-memory status store and lock: one pair, ready to sync. */
export function pairHarness(options: { policy?: SyncPolicy; pageSize?: number } = {}) {
  const a = new MemoryStore({ hrefPrefix: '/a/', ...(options.pageSize ? { pageSize: options.pageSize } : {}) });
  const b = new MemoryStore({ hrefPrefix: '/b/', ...(options.pageSize ? { pageSize: options.pageSize } : {}) });
  const status = new MemoryStatusStore();
  const lock = new MemoryPairLock();
  const policy = options.policy ?? defaultPolicy('a');
  const sync = (extra: Partial<SyncOptions> = {}) =>
    syncPair({ a, b, status, lock }, { pair: 'p1', policy, window: WINDOW, ...extra });
  /** UID → summary (or uid) on each side, for comparing contents. */
  const contents = (store: MemoryStore) =>
    Object.fromEntries(
      store
        .entries()
        .map((e) => [e.item.uid, e.item] as const)
        .sort(([x], [y]) => x.localeCompare(y)),
    );
  return { a, b, status, lock, policy, sync, contents };
}

/** The summary of the task with `uid` on a side (undefined when absent). */
export function summaryOf(store: MemoryStore, uid: string): string | undefined {
  const item = store.findByUid(uid)?.item;
  return item && 'summary' in item ? item.summary : undefined;
}
