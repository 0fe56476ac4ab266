import { createHash } from 'node:crypto';

/** JSON with keys sorted at every level: the same value always serialises to the same text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** Hash of the mapped model: ChangeKey bumps and fields the model does not hold do not change it. */
export function modelHash(model: unknown): string {
  return `sha256:${createHash('sha256').update(canonicalJson(model)).digest('hex')}`;
}
