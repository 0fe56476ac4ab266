import { describe, expect, it } from 'vitest';
import { InvalidItemError } from '../ports/errors';
import { effectiveEnd } from './effective-end';
import type { DateValue } from './temporal';
import { wallClockToUtc } from './wall-clock';

const berlin = (dateTime: string): DateValue => ({ kind: 'zoned', dateTime, tzid: 'Europe/Berlin' });
const hoursBetween = (a: DateValue, b: DateValue) =>
  a.kind === 'zoned' && b.kind === 'zoned'
    ? (wallClockToUtc(b.dateTime, b.tzid) - wallClockToUtc(a.dateTime, a.tzid)) / 3_600_000
    : Number.NaN;

describe('effectiveEnd', () => {
  it('makes an all-day P3D event span three days (exclusive end)', () => {
    expect(effectiveEnd({ start: { kind: 'date', date: '2026-02-27' }, duration: 'P3D' })).toEqual({
      kind: 'date',
      date: '2026-03-02',
    });
  });

  it('ends a PT1H45M match 1 h 45 min after its start', () => {
    expect(effectiveEnd({ start: { kind: 'utc', dateTime: '2026-01-05T19:30:00Z' }, duration: 'PT1H45M' })).toEqual({
      kind: 'utc',
      dateTime: '2026-01-05T21:15:00Z',
    });
    expect(effectiveEnd({ start: berlin('2026-01-05T19:30:00'), duration: 'PT1H45M' })).toEqual(
      berlin('2026-01-05T21:15:00'),
    );
  });

  it('adds P1D as a nominal day across the spring DST change: same wall-clock time, 23 hours later', () => {
    const start = berlin('2026-03-28T09:00:00');
    const end = effectiveEnd({ start, duration: 'P1D' });
    expect(end).toEqual(berlin('2026-03-29T09:00:00'));
    expect(hoursBetween(start, end)).toBe(23);
  });

  it('adds P1W as seven nominal days across the autumn DST change: 169 hours', () => {
    const start = berlin('2026-10-20T09:00:00');
    const end = effectiveEnd({ start, duration: 'P1W' });
    expect(end).toEqual(berlin('2026-10-27T09:00:00'));
    expect(hoursBetween(start, end)).toBe(169);
  });

  it('adds hours exactly across the DST change: PT24H ends at 10:00 the next wall-clock day', () => {
    expect(effectiveEnd({ start: berlin('2026-03-28T09:00:00'), duration: 'PT24H' })).toEqual(
      berlin('2026-03-29T10:00:00'),
    );
    expect(effectiveEnd({ start: berlin('2026-03-29T01:30:00'), duration: 'PT1H' })).toEqual(
      berlin('2026-03-29T03:30:00'),
    );
  });

  it('adds the days of P1DT1H nominally first, then the hour exactly', () => {
    expect(effectiveEnd({ start: berlin('2026-03-28T09:00:00'), duration: 'P1DT1H' })).toEqual(
      berlin('2026-03-29T10:00:00'),
    );
  });

  it('adds to floating times on the wall clock', () => {
    expect(effectiveEnd({ start: { kind: 'floating', dateTime: '2026-12-31T23:00:00' }, duration: 'PT2H' })).toEqual({
      kind: 'floating',
      dateTime: '2027-01-01T01:00:00',
    });
  });

  it('returns DTEND as is, and without DTEND or DURATION one day for all-day, the start otherwise', () => {
    const end = berlin('2026-01-05T10:00:00');
    expect(effectiveEnd({ start: berlin('2026-01-05T09:00:00'), end })).toBe(end);
    expect(effectiveEnd({ start: { kind: 'date', date: '2026-12-31' } })).toEqual({ kind: 'date', date: '2027-01-01' });
    expect(effectiveEnd({ start: berlin('2026-01-05T09:00:00') })).toEqual(berlin('2026-01-05T09:00:00'));
  });

  it.each(['PT', 'P', '1H', 'P1H', 'PT1D', ''])('refuses the malformed duration "%s" with InvalidItemError', (d) => {
    expect(() => effectiveEnd({ start: berlin('2026-01-05T09:00:00'), duration: d })).toThrow(InvalidItemError);
  });
});
