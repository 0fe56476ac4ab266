import type { FetchedItem, ItemRef, PimItem, WrittenItem } from '@exsync/core';

/**
 * What the DAV store needs from the iCalendar/vCard layer (`@exsync/pim`). Kept as a port so the store can be
 * tested with any codec and so pim's internals never leak into the transport code.
 */
export interface DavItemCodec {
  /** Parses a calendar object or vCard; throws for content it cannot read. */
  toModel(raw: string): PimItem;
  /** A fresh object for `item`, stamped with our marker and SCHEDULE-AGENT=CLIENT on organizer/attendees. */
  fromModel(item: PimItem, options: { marker: string }): string;
  /** Applies `item` onto the last-seen raw object so that everything the model does not hold survives. */
  patch(baseRaw: string, item: PimItem): string;
  /** Hash of the normalized content (volatile properties ignored). */
  contentHash(raw: string): string;
  readMarker(raw: string): string | undefined;
  /** Everything at once from a single parse, when the codec offers it; throws for unreadable content. */
  fetched?(ref: ItemRef, raw: string): FetchedItem;
  /** Hash and marker of what we just wrote, without its model (no one reads it); throws for unreadable content. */
  written?(ref: ItemRef, raw: string): WrittenItem;
}
