import type { FetchedItem, ItemKind, ItemRef, WrittenItem } from '@exsync/core';
import { contentHash } from './content-hash';
import { markerHolder, markerOf } from './marker';
import { decodeText } from './text/decode';
import { type PimDocument, parseDocument, READ_ONLY } from './text/document';
import { prop } from './text/jcal';
import { modelOf } from './to-model';

/** Everything the engine needs from one fetched raw object, parsed once. Throws InvalidItemError when unreadable. */
export function fetchedItemFrom(ref: ItemRef, raw: string | Uint8Array, kind?: ItemKind): FetchedItem {
  const doc = parsedForReading(raw);
  const item = modelOf(doc, kind, { href: ref.href });
  const modifiedAt = modifiedAtOf(doc.root);
  return {
    ref,
    // The text as the side holds it (decoded, unrepaired): the base the next patch starts from.
    raw: typeof raw === 'string' ? raw : decodeText(raw),
    item,
    ...recorded(doc),
    ...(modifiedAt === undefined ? {} : { modifiedAt }),
  };
}

/**
 * What the engine records of an object exsync just wrote (the server stored these very bytes): its hash and marker,
 * from the same parse as `fetchedItemFrom`, without the model, which no one reads after a write. Throws
 * InvalidItemError when unreadable, as `fetchedItemFrom` does.
 */
export function writtenItemFrom(ref: ItemRef, raw: string): WrittenItem {
  return { ref, raw, ...recorded(parsedForReading(raw)) };
}

/** Read only: a later patch parses the raw object again for the bytes it keeps. */
function parsedForReading(raw: string | Uint8Array): PimDocument {
  return parseDocument(raw, undefined, READ_ONLY);
}

/**
 * The hash and marker recorded of an object, fetched or written alike: the echo of a write is recognised by these
 * being the same, so both must come from this one function.
 */
function recorded(doc: PimDocument): { hash: string; marker?: string } {
  const marker = markerOf(doc.root);
  return { hash: contentHash(doc), ...(marker === undefined ? {} : { marker }) };
}

function modifiedAtOf(root: Parameters<typeof markerHolder>[0]): string | undefined {
  const holder = markerHolder(root);
  const v = holder ? (prop(holder, 'last-modified') ?? prop(holder, 'rev'))?.[3] : undefined;
  if (typeof v !== 'string') return undefined;
  const m = /^(\d{4})-?(\d{2})-?(\d{2})T(\d{2}):?(\d{2}):?(\d{2})Z$/.exec(v);
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z` : undefined;
}
