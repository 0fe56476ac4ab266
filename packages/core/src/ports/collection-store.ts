import type { Capabilities } from '../model/capabilities';
import type { ItemKind, PimItem } from '../model/item';
import type { SyncWindow } from '../model/temporal';

/**
 * One collection on one side: an Exchange folder or a DAV collection. The engine's whole view of a backend.
 * Every write is conditional and every failure is a typed error from `./errors`.
 */
export interface CollectionStore {
  readonly caps: StoreCaps;

  /** Items in scope of the window, without content. A recurring series is in scope if any occurrence is. */
  listWindow(window: SyncWindow, signal?: AbortSignal): AsyncIterable<ListedItem>;

  /** Batched read (EWS GetItem, DAV multiget, Graph $batch). Yields one result per href, missing ones included. */
  getMany(hrefs: readonly string[], signal?: AbortSignal): AsyncIterable<FetchResult>;

  /**
   * A token meaning "now", read before a first run applies anything, so that nothing changed during the run is
   * missed. Stores whose change feed depends on the window (Graph calendarView delta) take it here.
   */
  startToken(window: SyncWindow, signal?: AbortSignal): Promise<string>;

  /** One page of changes since `token`. Call again with `nextToken` while `more` is true. */
  changesSince(token: string, signal?: AbortSignal): Promise<ChangeSet>;

  /** Creates the item, stamped with our marker. Never sends invitations. */
  create(item: PimItem, options: CreateOptions, signal?: AbortSignal): Promise<WriteResult>;

  /**
   * Writes `item` by patching `base.raw` (the last-seen raw object), so that what this side holds and the model
   * does not survive. Conditional on `base.ref.version`.
   */
  update(base: StoredItem, item: PimItem, signal?: AbortSignal): Promise<WriteResult>;

  /** Deletes conditionally on `ref.version`; soft-deletes where the side has a trash. */
  remove(ref: ItemRef, signal?: AbortSignal): Promise<void>;
}

export interface StoreCaps {
  readonly readOnly: boolean;
  /** True when `changesSince` is a real delta feed; false means every run lists the window. */
  readonly deltas: boolean;
  readonly kinds: readonly ItemKind[];
  /**
   * What the store holds of each model field (`../model/capabilities`). Left out: it holds every field as
   * written (a DAV collection). The engine never writes a field from a side that does not hold it.
   */
  readonly holds?: Capabilities;
}

/** Where an item lives and which version of it we saw (ETag, ChangeKey). */
export interface ItemRef {
  readonly href: string;
  readonly version: string;
}

export interface ListedItem extends ItemRef {
  /** Present when the listing carries it cheaply (Exchange UID); DAV listings leave it to `getMany`. */
  readonly uid?: string;
}

/** The raw object as this side serialised it, with the version it had: the base for the next patch. */
export interface StoredItem {
  readonly ref: ItemRef;
  readonly raw: string;
}

/** What a side holds after our write, as far as the engine records it: the text, its hash and our marker. */
export interface WrittenItem extends StoredItem {
  /** Hash of the normalized content: volatile properties (DTSTAMP, PRODID, …) do not change it. */
  readonly hash: string;
  /** Our marker (the status row's ident) when exsync created the item. */
  readonly marker?: string;
}

export interface FetchedItem extends WrittenItem {
  readonly item: PimItem;
  /** The side's own last-modified instant, UTC; used only by the `newest` conflict policy, never to detect change. */
  readonly modifiedAt?: string;
}

export type FetchResult =
  | { readonly href: string; readonly found: true; readonly fetched: FetchedItem }
  | { readonly href: string; readonly found: false };

export type Change =
  /** Created or changed. `fetched` is set when the feed carries content (Graph delta), saving a read. */
  | { readonly type: 'upsert'; readonly ref: ItemRef; readonly fetched?: FetchedItem }
  /** A tombstone: positive evidence of deletion (or, for windowed feeds, of leaving the window — see `reason`). */
  | { readonly type: 'delete'; readonly href: string; readonly reason: 'deleted' | 'left-window' };

export interface ChangeSet {
  readonly changes: readonly Change[];
  readonly nextToken: string;
  readonly more: boolean;
}

export interface CreateOptions {
  /** Stored on the item (X-property / extended property) so a create whose status row was lost is re-linked. */
  readonly marker: string;
}

export interface WriteResult {
  readonly ref: ItemRef;
  /**
   * What this side now holds, when known: lets the engine record the hash so the echo is a no-op. A store may
   * return the whole FetchedItem; the engine reads no more than this (a model of what was just written is not
   * worth building: issue 14).
   */
  readonly stored?: WrittenItem;
}
