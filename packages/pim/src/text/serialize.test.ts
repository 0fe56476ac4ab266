import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { foldLikeIcal } from './serialize';

/**
 * Written objects are folded as ical.js folds them (every line of every object exsync writes goes through here):
 * the shortcut for lines that cannot need folding must give exactly what ical.js's foldline gives, at and around
 * the fold length, in every UTF-8 width.
 */
describe('foldLikeIcal', () => {
  const pieces = ['a', ';', 'é', '€', '日', '😀', ' ', '\\n'];
  it('gives exactly ical.js foldline for lines of every width around the fold length', () => {
    for (const piece of pieces) {
      for (let n = 0; n <= 160; n++) {
        const line = `SUMMARY:${piece.repeat(n)}`;
        expect(foldLikeIcal(line), `${piece} × ${n}`).toBe(ICAL.helpers.foldline(line));
      }
    }
  });

  it('and for mixed lines whose width crosses the fold length by one character', () => {
    for (let ascii = 60; ascii <= 80; ascii++) {
      for (const tail of ['é', '€', '😀', 'ab']) {
        const line = 'x'.repeat(ascii) + tail;
        expect(foldLikeIcal(line)).toBe(ICAL.helpers.foldline(line));
      }
    }
    expect(foldLikeIcal('')).toBe(ICAL.helpers.foldline(''));
  });
});
