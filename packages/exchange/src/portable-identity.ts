import type { StoredItem } from '@exsync/core';

/**
 * What both protocols see of one Exchange item, whatever its id: EWS ItemIds and Graph (immutable) ids of the same
 * item differ, so links follow these keys when a tenant moves its connection between EWS and Graph.
 */
export interface PortableIdentity {
  readonly href: string;
  /** Our marker (`ExsyncId`), the UID we stored (`ExsyncUid`) and an event's iCalendar UID, where present. */
  readonly keys: readonly string[];
}

/**
 * An Exchange store that can list every item of its folder (not only the window) with its portable keys, and give
 * an item that has none (made in Outlook, whose UID is its own protocol-specific id) that UID as `ExsyncUid`.
 */
export interface PortableIdentities {
  identities(signal?: AbortSignal): AsyncIterable<PortableIdentity>;
  /**
   * Stamps `uid` as the item's `ExsyncUid` unless its last-seen raw object shows one (then no request is sent).
   * Conditional on the stored version. Resolves true when it wrote.
   */
  adoptUid(stored: StoredItem, uid: string, signal?: AbortSignal): Promise<boolean>;
}
