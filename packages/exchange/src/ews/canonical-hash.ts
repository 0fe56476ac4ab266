import { createHash } from 'node:crypto';

/**
 * JSON with keys sorted at every level: the same value always serialises to the same text. It is the text
 * `JSON.stringify` gives for a copy of the value with each object's keys sorted and its undefined members dropped
 * (what this function was until issue 14, and what `canonical-hash.test.ts` holds it to), written in one walk:
 * the sorted copy cost as much as the rest of mapping an item it is called for twice per item read (`raw` and
 * the model's hash).
 */
export function canonicalJson(value: unknown): string {
  // JSON.stringify gives undefined (not a string) for a value it cannot write; so did this function.
  return written(value) as string;
}

/**
 * A value as JSON.stringify writes the sorted copy: any object that is not an array is written as its own
 * enumerable keys (a Date or a Map as `{}`, since the copy had no `toJSON`), undefined, functions and symbols are
 * left out of objects and are `null` in arrays, non-finite numbers are `null`, and a BigInt throws as there.
 */
function written(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) out += `${i ? ',' : ''}${written(value[i]) ?? 'null'}`;
        return `${out}]`;
      }
      const record = value as Record<string, unknown>;
      let out = '{';
      for (const key of sortedKeys(record)) {
        const text = written(record[key]);
        if (text === undefined) continue;
        out += `${out.length > 1 ? ',' : ''}${JSON.stringify(key)}:${text}`;
      }
      return `${out}}`;
    }
    case 'bigint':
      return JSON.stringify(value);
    default:
      return undefined;
  }
}

/**
 * The keys in the order the sorted copy held them: sorted, except that an object lists array-index keys ("0",
 * "10") first and in numeric order, whatever order they were added in.
 */
function sortedKeys(record: object): string[] {
  const keys = Object.keys(record).sort();
  if (!keys.some(isArrayIndex)) return keys;
  const indexes = keys.filter(isArrayIndex).sort((a, b) => Number(a) - Number(b));
  return [...indexes, ...keys.filter((k) => !isArrayIndex(k))];
}

function isArrayIndex(key: string): boolean {
  const c = key.charCodeAt(0);
  return c >= 0x30 && c <= 0x39 && /^(?:0|[1-9][0-9]*)$/.test(key) && Number(key) < 2 ** 32 - 1;
}

/** Hash of the mapped model: ChangeKey bumps and fields the model does not hold do not change it. */
export function modelHash(model: unknown): string {
  return `sha256:${createHash('sha256').update(canonicalJson(model)).digest('hex')}`;
}
