import { describe, expect, it } from 'vitest';
import { utcToWallClock, wallClockToUtc } from '../index';

const utc = (iso: string) => Date.parse(iso);

describe('wallClockToUtc (RFC 5545 §3.3.5)', () => {
  it.each([
    ['America/New_York', '2026-07-01T09:00:00', '2026-07-01T13:00:00Z'],
    ['Europe/Berlin', '2026-01-15T09:00:00', '2026-01-15T08:00:00Z'],
    ['Australia/Sydney', '2026-07-01T09:00:00', '2026-06-30T23:00:00Z'],
  ])('reads an ordinary %s wall time %s as %s', (zone, wall, expected) => {
    expect(wallClockToUtc(wall, zone)).toBe(utc(expected));
  });

  it.each([
    // NY falls back 02:00 EDT → 01:00 EST; 01:30 EDT (−4) comes first.
    ['America/New_York', '2026-11-01T01:30:00', '2026-11-01T05:30:00Z'],
    // Berlin falls back 03:00 CEST → 02:00 CET; 02:30 CEST (+2) comes first.
    ['Europe/Berlin', '2026-10-25T02:30:00', '2026-10-25T00:30:00Z'],
    // Sydney falls back in April 03:00 AEDT → 02:00 AEST; 02:30 AEDT (+11) comes first.
    ['Australia/Sydney', '2026-04-05T02:30:00', '2026-04-04T15:30:00Z'],
  ])('takes the first occurrence of %s fold time %s (%s)', (zone, wall, expected) => {
    expect(wallClockToUtc(wall, zone)).toBe(utc(expected));
  });

  it.each([
    // NY springs forward 02:00 EST → 03:00 EDT: 02:30 read at −5 is 03:30 EDT.
    ['America/New_York', '2026-03-08T02:30:00', '2026-03-08T07:30:00Z', '2026-03-08T03:30:00'],
    // Berlin springs forward 02:00 CET → 03:00 CEST: 02:30 read at +1 is 03:30 CEST.
    ['Europe/Berlin', '2026-03-29T02:30:00', '2026-03-29T01:30:00Z', '2026-03-29T03:30:00'],
    // Sydney springs forward in October 02:00 AEST → 03:00 AEDT: 02:30 read at +10 is 03:30 AEDT.
    ['Australia/Sydney', '2026-10-04T02:30:00', '2026-10-03T16:30:00Z', '2026-10-04T03:30:00'],
  ])('moves %s gap time %s forward with the offset before the gap (%s = %s local)', (zone, wall, expected, shown) => {
    const instant = wallClockToUtc(wall, zone);
    expect(instant).toBe(utc(expected));
    expect(utcToWallClock(instant, zone)).toBe(shown);
  });

  it('handles a half-hour DST shift (Australia/Lord_Howe gap and fold)', () => {
    // Lord Howe: +10:30 → +11 at 02:00 on 2026-10-04; +11 → +10:30 at 02:00 on 2026-04-05.
    expect(wallClockToUtc('2026-10-04T02:15:00', 'Australia/Lord_Howe')).toBe(utc('2026-10-03T15:45:00Z'));
    expect(wallClockToUtc('2026-04-05T01:45:00', 'Australia/Lord_Howe')).toBe(utc('2026-04-04T14:45:00Z'));
  });

  it('returns NaN for text that is not a local date-time', () => {
    expect(wallClockToUtc('2026-03-08', 'Europe/Berlin')).toBeNaN();
  });
});

describe('utcToWallClock', () => {
  it.each([
    ['2026-11-01T05:30:00Z', 'America/New_York', '2026-11-01T01:30:00'],
    ['2026-11-01T06:30:00Z', 'America/New_York', '2026-11-01T01:30:00'],
    ['2026-03-29T01:00:00Z', 'Europe/Berlin', '2026-03-29T03:00:00'],
    ['2026-03-29T00:59:59Z', 'Europe/Berlin', '2026-03-29T01:59:59'],
    ['2026-10-03T15:59:59.999Z', 'Australia/Sydney', '2026-10-04T01:59:59'],
  ])('shows %s in %s as %s', (iso, zone, wall) => {
    expect(utcToWallClock(utc(iso), zone)).toBe(wall);
  });

  it('round-trips every hour across a year of Europe/Berlin and Australia/Sydney', () => {
    const mismatches: string[] = [];
    const secondPasses: string[] = [];
    for (const zone of ['Europe/Berlin', 'Australia/Sydney']) {
      for (let t = utc('2026-01-01T00:00:00Z'); t < utc('2027-01-01T00:00:00Z'); t += 3_600_000) {
        const back = wallClockToUtc(utcToWallClock(t, zone), zone);
        // The second pass through a fold maps back to the first occurrence, one hour earlier.
        if (back === t - 3_600_000) secondPasses.push(`${zone} ${new Date(t).toISOString()}`);
        else if (back !== t) mismatches.push(`${zone} ${new Date(t).toISOString()}`);
      }
    }
    expect(mismatches).toEqual([]);
    expect(secondPasses).toEqual([
      'Europe/Berlin 2026-10-25T01:00:00.000Z',
      'Australia/Sydney 2026-04-04T16:00:00.000Z',
    ]);
  });
});
