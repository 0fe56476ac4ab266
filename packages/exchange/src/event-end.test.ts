import { describe, expect, it } from 'vitest';
import { addDuration, effectiveEnd, parseDuration } from './event-end';

describe('effectiveEnd (RFC 5545 §3.6.1, §3.3.6)', () => {
  it('a timed event with DURATION:PT1H45M ends 1 h 45 min after its start', () => {
    expect(
      effectiveEnd({
        start: { kind: 'zoned', dateTime: '2030-03-05T09:00:00', tzid: 'Europe/Berlin' },
        duration: 'PT1H45M',
      }),
    ).toEqual({ kind: 'zoned', dateTime: '2030-03-05T10:45:00', tzid: 'Europe/Berlin' });
  });

  it('an all-day event with DURATION:P3D ends three days later (exclusive)', () => {
    expect(effectiveEnd({ start: { kind: 'date', date: '2030-02-27' }, duration: 'P3D' })).toEqual({
      kind: 'date',
      date: '2030-03-02',
    });
  });

  it('days are nominal across a DST change (same wall-clock time), hours exact', () => {
    // Europe/Berlin springs forward on 2030-03-31 at 02:00.
    const start = { kind: 'zoned', dateTime: '2030-03-30T09:00:00', tzid: 'Europe/Berlin' } as const;
    expect(addDuration(start, 'P1D')).toEqual({ ...start, dateTime: '2030-03-31T09:00:00' });
    expect(addDuration(start, 'PT24H')).toEqual({ ...start, dateTime: '2030-03-31T10:00:00' });
    expect(addDuration(start, 'P1W')).toEqual({ ...start, dateTime: '2030-04-06T09:00:00' });
  });

  it('UTC starts add days as 24 h; DTEND wins over DURATION; no end: one day (all-day) or zero', () => {
    expect(addDuration({ kind: 'utc', dateTime: '2030-03-05T23:30:00Z' }, 'P1DT45M')).toEqual({
      kind: 'utc',
      dateTime: '2030-03-07T00:15:00Z',
    });
    const end = { kind: 'utc', dateTime: '2030-03-05T10:00:00Z' } as const;
    expect(effectiveEnd({ start: end, end, duration: 'PT5H' })).toBe(end);
    expect(effectiveEnd({ start: { kind: 'date', date: '2030-12-31' } })).toEqual({ kind: 'date', date: '2031-01-01' });
    expect(effectiveEnd({ start: end })).toBe(end);
  });

  it('refuses a duration that is not RFC 5545 with a message naming it', () => {
    expect(() => parseDuration('PT')).toThrow(/"PT" is not an RFC 5545 duration/);
    expect(() => parseDuration('1 hour')).toThrow(/not an RFC 5545 duration/);
  });
});
