import { describe, expect, it } from 'vitest';
import { Throttle } from './throttle';

describe('Throttle.overRate', () => {
  it('counts the requests of the rolling window only, per key', () => {
    const t = new Throttle();
    expect(t.overRate('a', 2, 1000, 0)).toBe(false);
    expect(t.overRate('a', 2, 1000, 500)).toBe(false);
    expect(t.overRate('a', 2, 1000, 900)).toBe(true);
    expect(t.overRate('b', 2, 1000, 900)).toBe(false);
    // At 1000 the request at 0 has left the window (a request counts for windowMs after it): 500, 900, 1000.
    expect(t.overRate('a', 2, 1000, 1000)).toBe(true);
    // At 1950: 1000 and 1950 are left.
    expect(t.overRate('a', 2, 1000, 1950)).toBe(false);
  });

  it('keeps counting right over thousands of requests and a clock that steps back', () => {
    const t = new Throttle();
    for (let i = 0; i < 5000; i++) t.overRate('k', 100, 100, i);
    // The window (4900, 5000] holds 99 requests; this one makes 100: not over.
    expect(t.overRate('k', 100, 100, 5000)).toBe(false);
    expect(t.overRate('k', 100, 100, 5000)).toBe(true);
    // A clock stepping back: the earlier time joins the window in order and leaves it in its turn.
    expect(t.overRate('k', 1000, 100, 4950)).toBe(false);
    // At 5100 everything up to 5000 (the stepped-back 4950 too) has left: only this request is in the window.
    expect(t.overRate('k', 1, 100, 5100)).toBe(false);
    expect(t.overRate('k', 1, 100, 5100)).toBe(true);
  });
});
