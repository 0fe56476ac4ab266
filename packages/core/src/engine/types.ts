import type { PimItem } from '../model/item';
import type { SyncWindow } from '../model/temporal';
import type { FetchedItem, ItemRef } from '../ports/collection-store';

/** The engine names no vendor: the composition root decides which store is side a and which is side b. */
export type Side = 'a' | 'b';

export const otherSide = (side: Side): Side => (side === 'a' ? 'b' : 'a');

/** What one side looked like when the engine last agreed with it. */
export interface SideStatus {
  readonly href: string;
  readonly version: string;
  /**
   * The side's normalized content hash; empty when the side did not tell us (the model comparison then decides). A
   * status store may keep only the start of a long hash (at least 32 characters) followed by `SHORTENED_HASH`: the
   * hash only tells whether content changed, and the start says so with the same certainty (`sameHash`).
   */
  readonly hash: string;
  /** Last-seen raw object: the base the adapter patches, so what the model cannot hold survives. */
  readonly raw: string;
}

/** Ends a recorded hash of which a status store kept only the start (`SideStatus.hash`). */
export const SHORTENED_HASH = '…';
/** The fewest characters a shortened hash keeps: 32 hex digits, 128 bits. */
export const SHORTENED_HASH_MIN = 32;

/**
 * Whether a side's fetched hash is the one its status recorded: equal, or, when the store kept only the start of
 * it, starting with that start (never an empty hash: that proves nothing).
 */
export function sameHash(fetched: string, recorded: string): boolean {
  if (fetched === '') return false;
  if (fetched === recorded) return true;
  if (!recorded.endsWith(SHORTENED_HASH)) return false;
  const start = recorded.slice(0, -SHORTENED_HASH.length);
  return start.length >= SHORTENED_HASH_MIN && fetched.length > start.length && fetched.startsWith(start);
}

/** One row of the status table: an item known on both sides (or on its way to being so). */
export interface StatusRow {
  /** Identity across sides: the first-seen UID, and the marker stamped on every item we create. */
  readonly ident: string;
  readonly a?: SideStatus;
  readonly b?: SideStatus;
  /** The model both sides agreed on after the last sync: the base of the three-way field merge. */
  readonly base?: PimItem;
  /** A create on this side was started (written before the remote create so the marker is stable). */
  readonly pendingCreate?: Side;
  /** Outside the window: still linked, neither synced nor deleted. */
  readonly dormant?: boolean;
}

export interface PairTokens {
  readonly a?: string;
  readonly b?: string;
}

/** Per-pair state beside the rows. */
export interface PairState {
  readonly tokens: PairTokens;
  /** Hrefs parked for retry: re-read on the next run whatever their side's feed says. */
  readonly retry: { readonly a: readonly string[]; readonly b: readonly string[] };
  /** The window the last reconcile covered; a different window triggers a reconcile. */
  readonly window?: SyncWindow;
  readonly lastFullSyncAt?: string;
  readonly needsReview: boolean;
}

export const emptyPairState: PairState = { tokens: {}, retry: { a: [], b: [] }, needsReview: false };

/** What one run learned about one href on one side. */
export type Observation =
  /** Content known. `outOfWindow`: the listing no longer names it but a direct read found it. */
  | { readonly type: 'present'; readonly fetched: FetchedItem; readonly outOfWindow?: boolean }
  /** Listed or reported with the version the status row already holds: nothing to read. */
  | { readonly type: 'unchanged'; readonly ref: ItemRef }
  /** Positive evidence of deletion: a delta tombstone or a not-found on a direct read. */
  | { readonly type: 'gone'; readonly href: string }
  /** A windowed feed said the item left the window: dormant, never deleted. */
  | { readonly type: 'left-window'; readonly href: string };

export type SideObservations = ReadonlyMap<string, Observation>;
