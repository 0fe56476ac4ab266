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
   * Stamps each item's `uid` as its `ExsyncUid`, unless its last-seen raw object shows one (then nothing is sent
   * for it), in as few requests as the protocol batches (EWS: one UpdateItem per `ADOPT_BATCH`; Graph: `$batch`).
   * Each write is conditional on the stored version; an item changed or deleted since, or refused on its own, is left
   * for the next run. Resolves how many were written; a refused login or a busy server rejects (what was written
   * stays written, and the next run finds it has its UID).
   */
  adoptUids(items: readonly UidToAdopt[], signal?: AbortSignal): Promise<number>;
}

/** An item made in Outlook, as last read, and the UID its links know it by. */
export interface UidToAdopt {
  readonly stored: StoredItem;
  readonly uid: string;
}
