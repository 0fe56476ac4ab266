import { createHash } from 'node:crypto';

/** Properties that change with every write without changing content: never part of a hash. */
const VOLATILE = new Set(['@odata.etag', '@odata.context', 'changeKey', 'lastModifiedDateTime']);

/** JSON with sorted keys, so equal objects serialise equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value, false));
}

/** sha256 (hex) of the canonical form without volatile properties, at any depth. */
export function contentHashOf(value: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(sortKeys(value, true)))
    .digest('hex');
}

function sortKeys(value: unknown, dropVolatile: boolean): unknown {
  if (Array.isArray(value)) return value.map((v) => sortKeys(v, dropVolatile));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      if (dropVolatile && VOLATILE.has(key)) continue;
      out[key] = sortKeys((value as Record<string, unknown>)[key], dropVolatile);
    }
    return out;
  }
  return value;
}
