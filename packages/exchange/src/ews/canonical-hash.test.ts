import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-hash';

/**
 * `canonicalJson` is `raw` (the stored snapshot) and the text under every EWS model hash: a different byte for the
 * same value would read as a change of every linked item after an upgrade. This is what it was before it wrote the
 * JSON in one walk (issue 14), kept as the reference it must equal.
 */
function sortedCopyStringified(value: unknown): string {
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

describe('canonicalJson writes what JSON.stringify wrote of the sorted copy', () => {
  it('for any value: objects of any shape, arrays with holes, undefined, -0, NaN, dates, maps, boxed values', () => {
    const anything = fc.anything({
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withObjectString: true,
      withSparseArray: true,
      withTypedArray: true,
      maxDepth: 4,
    });
    fc.assert(
      fc.property(anything, (value) => {
        expect(canonicalJson(value)).toBe(sortedCopyStringified(value));
      }),
      { numRuns: 3000 },
    );
  });

  it('for the shapes snapshots and models have, with keys that need escaping, out of order, and array indexes (an object lists those first, by number)', () => {
    const value = {
      zeta: [1, undefined, () => 1, Symbol('s'), { b: 2, a: undefined, 'q"uote': 'x\n"y"\u2028' }],
      alpha: { when: new Date(0), nested: { y: [], x: {} }, f: () => 1 },
      Ä: -0,
      B: Number.NaN,
      a: Number.POSITIVE_INFINITY,
      '10': true,
      '9': false,
      '4294967295': 'not an index',
      '01': 'not an index either',
      n: null,
    };
    expect(canonicalJson(value)).toBe(sortedCopyStringified(value));
    expect(canonicalJson(value)).toBe(
      '{"9":false,"10":true,"01":"not an index either","4294967295":"not an index","B":null,"a":null,"alpha":{"nested":{"x":{},"y":[]},"when":{}},"n":null,' +
        '"zeta":[1,null,null,null,{"b":2,"q\\"uote":"x\\n\\"y\\"\u2028"}],"Ä":0}',
    );
  });

  it('throws on a BigInt and gives undefined for a lone undefined or function, as JSON.stringify does', () => {
    expect(() => canonicalJson({ a: 1n })).toThrow(TypeError);
    expect(canonicalJson(undefined)).toBeUndefined();
    expect(canonicalJson(() => 1)).toBeUndefined();
    expect(canonicalJson('x')).toBe('"x"');
  });
});
