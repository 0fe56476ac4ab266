import type { PimItem } from '../model';
import { InvalidItemError } from '../ports';

/**
 * How the memory store turns items into "raw" objects and back. The default is canonical JSON, so the store
 * stays free of iCalendar; tests that want real iCalendar bodies can pass a codec built on `@exsync/pim`.
 */
export interface MemoryCodec {
  serialize(item: PimItem, marker: string | undefined): string;
  /** Throws `InvalidItemError` for content it cannot read. */
  parse(raw: string): { item: PimItem; marker?: string };
  /** Hash of the normalized content; the marker is not content. */
  hash(raw: string): string;
  /** Applies `item` onto the last-seen raw object; by default a re-serialisation that keeps the marker. */
  patch?(baseRaw: string, item: PimItem): string;
}

export const jsonCodec: MemoryCodec = {
  serialize(item, marker) {
    return canonicalJson(marker === undefined ? { item } : { item, marker });
  },
  parse(raw) {
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (cause) {
      throw new InvalidItemError('The stored object is not valid JSON', { cause });
    }
    if (!isRecord(value) || !isRecord(value.item) || typeof value.item.kind !== 'string') {
      throw new InvalidItemError('The stored object holds no item');
    }
    const marker = typeof value.marker === 'string' ? value.marker : undefined;
    return marker === undefined
      ? { item: value.item as unknown as PimItem }
      : { item: value.item as unknown as PimItem, marker };
  },
  hash(raw) {
    return fnv1a64(canonicalJson(jsonCodec.parse(raw).item));
  },
};

/** JSON with object keys sorted, so equal content always has equal text (and equal hash). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    isRecord(v) && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, v[k]]),
        )
      : v,
  );
}

/** 64-bit FNV-1a as 16 hex digits: the core imports no crypto, and a test hash needs no collision resistance. */
export function fnv1a64(text: string): string {
  let hash = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  for (let i = 0; i < text.length; i++) {
    hash ^= BigInt(text.charCodeAt(i));
    hash = (hash * prime) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
