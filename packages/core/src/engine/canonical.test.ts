import { describe, expect, it } from 'vitest';
import { canonical, sameValue } from './canonical';

describe('canonical comparison of model values', () => {
  it('a value absent on one side and null on the other are the same "nothing"', () => {
    expect(sameValue(undefined, null)).toBe(true);
    expect(canonical(undefined)).toBe('null');
  });

  it('key order, undefined keys and empty lists do not count; values do', () => {
    expect(sameValue({ a: 1, b: [], c: undefined }, { a: 1 })).toBe(true);
    expect(sameValue({ b: { y: 1, x: 2 }, a: 1 }, { a: 1, b: { x: 2, y: 1 } })).toBe(true);
    expect(sameValue({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
  });
});
