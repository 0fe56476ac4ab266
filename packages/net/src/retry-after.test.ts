import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from './retry-after';

describe('parseRetryAfter', () => {
  it('reads whole delta-seconds', () => {
    expect(parseRetryAfter('120')).toBe(120_000);
    expect(parseRetryAfter(' 0 ')).toBe(0);
  });

  it('reads a decimal and rounds up, so the peer’s wait is honoured in full', () => {
    expect(parseRetryAfter('1.5')).toBe(1500);
    expect(parseRetryAfter('0.0001')).toBe(1);
  });

  it('reads an HTTP date relative to now, never negative', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    expect(parseRetryAfter('Tue, 01 Jan 2030 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sat, 01 Jan 2000 00:00:00 GMT', now)).toBe(0);
  });

  it('is undefined when absent or unreadable (a negative number is no delay and no date)', () => {
    for (const v of [null, undefined, '', 'soon', '-5', '1e3', '12abc'])
      expect(parseRetryAfter(v), String(v)).toBeUndefined();
  });
});
