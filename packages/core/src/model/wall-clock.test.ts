import { describe, expect, it } from 'vitest';
import { intlOffsetAt, intlWallParts, utcOffsetAt, utcToWallClock, wallClockToUtc } from './wall-clock';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Zones with the shapes of transition that matter: whole hours, half hours, odd minutes, a skipped day, LMT. */
const ZONES = [
  'Europe/Berlin',
  'America/New_York',
  'America/St_Johns',
  'Australia/Lord_Howe',
  'Asia/Kathmandu',
  'Pacific/Apia',
  'Africa/Casablanca',
  'Europe/Amsterdam',
  'UTC',
];

/** Every transition in [from, to) of `zone`, found from Intl directly (the reference the memo must agree with). */
function intlTransitions(zone: string, from: number, to: number): number[] {
  const found: number[] = [];
  let prev = intlOffsetAt(zone, from);
  for (let t = from; t < to; t += HOUR) {
    const next = intlOffsetAt(zone, t + HOUR);
    if (next === prev) continue;
    let lo = t;
    let hi = t + HOUR;
    while (hi - lo > 1000) {
      const mid = Math.floor((lo + hi) / 2 / 1000) * 1000;
      if (intlOffsetAt(zone, mid) === prev) lo = mid;
      else hi = mid;
    }
    found.push(hi);
    prev = next;
  }
  return found;
}

describe('utcOffsetAt memoised per zone and day', () => {
  it('agrees with Intl one second either side of every transition and at every hour, in zones of every shape', () => {
    const ranges = [
      [Date.UTC(2011, 3, 1), Date.UTC(2012, 3, 1)], // Apia skipped 30 Dec 2011
      [Date.UTC(2026, 0, 1), Date.UTC(2027, 0, 1)],
      [Date.UTC(1937, 0, 1), Date.UTC(1938, 0, 1)], // Amsterdam's +00:19:32 summer time, offsets in odd seconds
    ];
    let checked = 0;
    for (const zone of ZONES) {
      for (const [from, to] of ranges) {
        for (const at of intlTransitions(zone, from!, to!)) {
          for (const t of [at - 1000, at - 1, at, at + 1, at + 999, at + 1000]) {
            expect(utcOffsetAt(zone, t), `${zone} at ${new Date(t).toISOString()}`).toBe(intlOffsetAt(zone, t));
            checked++;
          }
        }
        for (let t = from! + 1234; t < to!; t += 7 * HOUR + 17_000) {
          expect(utcOffsetAt(zone, t), `${zone} at ${new Date(t).toISOString()}`).toBe(intlOffsetAt(zone, t));
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('answers the same on a second call (the memo) as on the first', () => {
    const t = Date.UTC(2026, 2, 29, 1, 0, 0); // Berlin's 2026 spring-forward instant
    const first = [utcOffsetAt('Europe/Berlin', t - 1000), utcOffsetAt('Europe/Berlin', t)];
    expect(first).toEqual([3600, 7200]);
    expect([utcOffsetAt('Europe/Berlin', t - 1000), utcOffsetAt('Europe/Berlin', t)]).toEqual(first);
  });

  it('still rejects an unknown zone, each time', () => {
    expect(() => utcOffsetAt('Mars/Olympus_Mons', 0)).toThrow(RangeError);
    expect(() => utcOffsetAt('Mars/Olympus_Mons', DAY)).toThrow(RangeError);
  });

  it('converts through the memo both ways across a gap and a fold', () => {
    expect(wallClockToUtc('2026-03-29T02:30:00', 'Europe/Berlin')).toBe(Date.UTC(2026, 2, 29, 1, 30));
    expect(wallClockToUtc('2026-10-25T02:30:00', 'Europe/Berlin')).toBe(Date.UTC(2026, 9, 25, 0, 30));
    expect(utcToWallClock(Date.UTC(2026, 9, 25, 1, 30), 'Europe/Berlin')).toBe('2026-10-25T02:30:00');
  });
});

describe('intlWallParts read from the plain format text', () => {
  it('agrees with formatToParts in zones of every shape, across years BC and AD, at odd seconds', () => {
    let checked = 0;
    for (const zone of [...ZONES, 'Asia/Tokyo', 'America/Los_Angeles', 'Etc/GMT+12']) {
      for (const t of [
        Date.UTC(-500, 5, 1, 3, 4, 5),
        Date.UTC(1, 0, 1),
        Date.UTC(1883, 10, 18, 17, 0, 59),
        Date.UTC(1970, 0, 1),
        Date.UTC(2026, 2, 29, 0, 59, 59),
        Date.UTC(2026, 2, 29, 1, 0, 0),
        Date.UTC(2026, 9, 25, 0, 59, 59),
        Date.UTC(2026, 11, 31, 23, 59, 59),
        Date.UTC(9999, 11, 31, 23, 59, 59),
      ]) {
        const date = new Date(t);
        expect(intlWallParts(zone, date), `${zone} at ${date.toISOString()}`).toEqual(intlWallParts(zone, date, false));
        checked++;
      }
    }
    expect(checked).toBe(108);
  });
});
