import type { SideStatus, StatusRow } from '@exsync/core';
import { lazy } from './link-codec';
import { type LinkBlobs, packedShape, unpackLink } from './packed-link';

/**
 * Head format 1: a row from before the compact shape, as migration 20261207060000_item_links_lean kept it when it
 * dropped the old columns: the byte 1, then the UTF-8 JSON array
 * [ident, a_href, a_version, a_hash, a_raw, b_href, b_version, b_hash, b_raw, base] of those columns; `body` holds
 * the old `packed` value (base and raw objects deflated together, packed-link.ts) when the row had one. Only read:
 * the store rewrites such a row in the compact shape on its first read.
 */
export const LEGACY_HEAD = 1;

type LegacyColumns = [
  ident: string,
  aHref: string | null,
  aVersion: string | null,
  aHash: string | null,
  aRaw: string | null,
  bHref: string | null,
  bVersion: string | null,
  bHash: string | null,
  bRaw: string | null,
  base: unknown,
];

export const isLegacyHead = (head: Uint8Array): boolean => head[0] === LEGACY_HEAD;

/**
 * The row a format-1 head and its body hold. `hasA`/`hasB`: whether the row still holds that side's key (a side
 * another row took the href of is released by clearing its key only). Raw objects and base of a packed row are
 * inflated on first read.
 */
export function decodeLegacyLink(stored: {
  readonly head: Uint8Array;
  readonly body: Uint8Array | null;
  readonly hasA: boolean;
  readonly hasB: boolean;
}): StatusRow {
  const text = Buffer.from(stored.head.buffer, stored.head.byteOffset, stored.head.byteLength).toString('utf8', 1);
  const columns = JSON.parse(text) as LegacyColumns;
  if (!Array.isArray(columns) || columns.length !== 10 || typeof columns[0] !== 'string') {
    throw new Error('item_links.head (format 1) does not hold the ten columns of a row from before the compact shape');
  }
  const [ident, aHref, aVersion, aHash, aRaw, bHref, bVersion, bHash, bRaw, base] = columns;
  const packed = stored.body;
  let blobs: LinkBlobs | undefined;
  const open = (): LinkBlobs => {
    blobs ??= packed ? unpackLink(packed) : {};
    return blobs;
  };
  const side = (
    holds: boolean,
    href: string | null,
    version: string | null,
    hash: string | null,
    oldRaw: string | null,
    key: 'aRaw' | 'bRaw',
  ): SideStatus | undefined => {
    if (!holds || href === null) return undefined;
    const s = { href, version: version ?? '', hash: hash ?? '' } as { raw: string } & Omit<SideStatus, 'raw'>;
    if (!packed) return { ...s, raw: oldRaw ?? '' };
    return lazy(s, 'raw', () => open()[key] ?? '');
  };
  const a = side(stored.hasA, aHref, aVersion, aHash, aRaw, 'aRaw');
  const b = side(stored.hasB, bHref, bVersion, bHash, bRaw, 'bRaw');
  const row: Record<string, unknown> = { ident, ...(a ? { a } : {}), ...(b ? { b } : {}) };
  if (packed) {
    if (packedShape(packed).base) lazy(row, 'base', () => open().base);
  } else if (base !== null) row.base = base;
  return row as unknown as StatusRow;
}
