import { contentHash, fetchedItemFrom, fromModel, patch, readMarker, toModel, writtenItemFrom } from '@exsync/pim';
import type { DavItemCodec } from './item-codec';

/** The production codec: `@exsync/pim` (marker X-EXSYNC-ID, SCHEDULE-AGENT=CLIENT on written attendees). */
export const pimCodec: DavItemCodec = {
  toModel: (raw) => toModel(raw),
  fromModel: (item, options) => fromModel(item, { marker: options.marker }),
  patch: (baseRaw, item) => patch(baseRaw, item),
  contentHash: (raw) => contentHash(raw),
  readMarker: (raw) => readMarker(raw),
  fetched: (ref, raw) => fetchedItemFrom(ref, raw),
  written: (ref, raw) => writtenItemFrom(ref, raw),
};
