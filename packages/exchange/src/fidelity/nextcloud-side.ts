import { type MemoryCodec, MemoryStore } from '@exsync/core/testing';
import { contentHash, fromModel, parseDocument, patch, readMarker, toModel } from '@exsync/pim';

/**
 * The Nextcloud side of the fidelity matrix: a collection that stores iCalendar / vCard text exactly as given and
 * reads, hashes and patches it with the production pim codec — what the DAV store does with what Nextcloud holds,
 * without the HTTP (the DAV store's own contract suite runs against Radicale and Xandikos).
 */
export const pimCodec: MemoryCodec = {
  serialize: (item, marker) => fromModel(item, marker === undefined ? {} : { marker }),
  parse(raw) {
    const item = toModel(raw);
    const marker = readMarker(raw);
    return marker === undefined ? { item } : { item, marker };
  },
  hash: (raw) => contentHash(parseDocument(raw)),
  patch: (base, item) => patch(base, item),
};

export function nextcloudCollection(prefix: string): MemoryStore {
  return new MemoryStore({ hrefPrefix: prefix, codec: pimCodec });
}
