import type { Side } from './types';

/** How the same field changed on both sides is resolved. Whether a side changed is never decided by clocks. */
export type ConflictPolicy =
  | { readonly type: 'side-wins'; readonly side: Side }
  /** The side whose own last-modified instant (UTC) is later; ties and unknown times go to `fallback`. */
  | { readonly type: 'newest'; readonly fallback: Side }
  /** The linked item takes `keep` side's version; the other version becomes a copy on both sides. */
  | { readonly type: 'keep-both'; readonly keep: Side };

export type Direction =
  | { readonly type: 'two-way' }
  /**
   * Only `from` side's changes flow. The other side is read-only for the sync: its own edits are either ignored
   * (left as they are, the link kept) or reverted (overwritten with `from` side's version; deletions re-created).
   */
  | { readonly type: 'one-way'; readonly from: Side; readonly readOnlyEdits: 'ignore' | 'revert' };

export type DeletionPolicy =
  | { readonly type: 'propagate' }
  /** Every deletion waits for review. */
  | { readonly type: 'quarantine' };

/** Above either limit the run's deletions on a side are quarantined and the pair needs review. */
export interface DeletionGuard {
  /** Share of the pair's items, 0..1. Applies only above `minCount` deletions, so deleting 1 of 3 is not "mass". */
  readonly maxRatio: number;
  readonly minCount: number;
  readonly maxCount: number;
  /** A side that lists nothing though the pair had items there (a wiped or re-pointed collection) deletes nothing. */
  readonly emptiedSide: boolean;
}

export interface SyncPolicy {
  readonly conflict: ConflictPolicy;
  readonly direction: Direction;
  readonly deletions: DeletionPolicy;
  readonly guard: DeletionGuard;
}

export const defaultGuard: DeletionGuard = { maxRatio: 0.2, minCount: 5, maxCount: 50, emptiedSide: true };

/** The default: Exchange wins conflicts. The composition root says which side Exchange is. */
export function defaultPolicy(exchangeSide: Side): SyncPolicy {
  return {
    conflict: { type: 'side-wins', side: exchangeSide },
    direction: { type: 'two-way' },
    deletions: { type: 'propagate' },
    guard: defaultGuard,
  };
}
