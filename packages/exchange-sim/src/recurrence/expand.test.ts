import { describe, expect, it } from 'vitest';
import { expandInWindow, findOccurrence, lastOccurrence, occurrenceByIndex, occurrences } from './expand';
import type { Recurrence, SeriesSpec } from './types';
import { toIanaZone, toWindowsZone } from './windows-zones';
import { utcToWall, wallToUtc } from './zoned-time';

const H = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const spec = (recurrence: Recurrence, startIso: string, timeZone = 'UTC', durationH = 1): SeriesSpec => ({
  recurrence,
  start: Date.parse(startIso),
  duration: durationH * H,
  timeZone,
});
const all = (s: SeriesSpec) => [...occurrences(s)].map((o) => iso(o.start));

describe('zoned time', () => {
  it('converts Berlin wall time to UTC on both sides of the March 2026 DST change', () => {
    expect(iso(wallToUtc({ year: 2026, month: 3, day: 28, hour: 9, minute: 0, second: 0 }, 'Europe/Berlin'))).toBe(
      '2026-03-28T08:00:00.000Z',
    );
    expect(iso(wallToUtc({ year: 2026, month: 3, day: 30, hour: 9, minute: 0, second: 0 }, 'Europe/Berlin'))).toBe(
      '2026-03-30T07:00:00.000Z',
    );
  });
  it('moves a wall time inside the spring-forward gap forward past the gap', () => {
    const t = wallToUtc({ year: 2026, month: 3, day: 29, hour: 2, minute: 30, second: 0 }, 'Europe/Berlin');
    expect(utcToWall(t, 'Europe/Berlin')).toMatchObject({ hour: 3, minute: 30 });
  });
  it('maps Windows zone names to IANA and refuses unknown ones', () => {
    expect(toIanaZone('W. Europe Standard Time')).toBe('Europe/Berlin');
    expect(toIanaZone('America/New_York')).toBe('America/New_York');
    expect(() => toIanaZone('Mars Standard Time')).toThrow(/Unknown time zone/);
  });
  it('knows the Windows zones of Mexico, such as "Pacific Standard Time (Mexico)" (CLDR windowsZones)', () => {
    expect(toIanaZone('Pacific Standard Time (Mexico)')).toBe('America/Tijuana');
    expect(toIanaZone('Central Standard Time (Mexico)')).toBe('America/Mexico_City');
    expect(toIanaZone('Mountain Standard Time (Mexico)')).toBe('America/Mazatlan');
    // Every other Windows zone too, by CLDR.
    expect(toIanaZone('Sri Lanka Standard Time')).toBe('Asia/Colombo');
    expect(toWindowsZone('Asia/Colombo')).toBe('Sri Lanka Standard Time');
  });
});

describe('recurrence expansion', () => {
  it('keeps a daily 09:00 Berlin meeting at 09:00 local across the DST transition (UTC hour shifts)', () => {
    const s = spec(
      {
        pattern: { type: 'daily', interval: 1 },
        range: { type: 'numbered', startDate: '2026-03-27', numberOfOccurrences: 4 },
      },
      '2026-03-27T08:00:00Z',
      'Europe/Berlin',
    );
    expect(all(s)).toEqual([
      '2026-03-27T08:00:00.000Z',
      '2026-03-28T08:00:00.000Z',
      '2026-03-29T07:00:00.000Z',
      '2026-03-30T07:00:00.000Z',
    ]);
  });

  it('also shifts at the autumn transition in New York', () => {
    const s = spec(
      {
        pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] },
        range: { type: 'numbered', startDate: '2026-10-26', numberOfOccurrences: 2 },
      },
      '2026-10-26T13:00:00Z',
      'America/New_York',
    );
    expect(all(s)).toEqual(['2026-10-26T13:00:00.000Z', '2026-11-02T14:00:00.000Z']);
  });

  it('weekly with several days and interval 2 honours firstDayOfWeek and an end date (inclusive)', () => {
    const s = spec(
      {
        pattern: { type: 'weekly', interval: 2, daysOfWeek: ['friday', 'monday'], firstDayOfWeek: 'monday' },
        range: { type: 'endDate', startDate: '2026-01-07', endDate: '2026-01-23' },
      },
      '2026-01-07T10:00:00Z',
    );
    // Week of Jan 5: Mon 5 is before the start, Fri 9 counts; week of Jan 19: Mon 19, Fri 23.
    expect(all(s)).toEqual(['2026-01-09T10:00:00.000Z', '2026-01-19T10:00:00.000Z', '2026-01-23T10:00:00.000Z']);
  });

  it('absoluteMonthly on day 31 falls on the last day of shorter months', () => {
    const s = spec(
      {
        pattern: { type: 'absoluteMonthly', interval: 1, dayOfMonth: 31 },
        range: { type: 'numbered', startDate: '2026-01-31', numberOfOccurrences: 3 },
      },
      '2026-01-31T12:00:00Z',
    );
    expect(all(s)).toEqual(['2026-01-31T12:00:00.000Z', '2026-02-28T12:00:00.000Z', '2026-03-31T12:00:00.000Z']);
  });

  it('relativeMonthly picks the last Friday and the second Tuesday', () => {
    const last = spec(
      {
        pattern: { type: 'relativeMonthly', interval: 1, daysOfWeek: ['friday'], index: 'last' },
        range: { type: 'numbered', startDate: '2026-01-01', numberOfOccurrences: 2 },
      },
      '2026-01-30T09:00:00Z',
    );
    expect(all(last)).toEqual(['2026-01-30T09:00:00.000Z', '2026-02-27T09:00:00.000Z']);
    const second = spec(
      {
        pattern: { type: 'relativeMonthly', interval: 2, daysOfWeek: ['tuesday'], index: 'second' },
        range: { type: 'numbered', startDate: '2026-01-01', numberOfOccurrences: 2 },
      },
      '2026-01-13T09:00:00Z',
    );
    expect(all(second)).toEqual(['2026-01-13T09:00:00.000Z', '2026-03-10T09:00:00.000Z']);
  });

  it('absoluteYearly and relativeYearly land on the right month', () => {
    const abs = spec(
      {
        pattern: { type: 'absoluteYearly', interval: 1, dayOfMonth: 29, month: 2 },
        range: { type: 'numbered', startDate: '2026-01-01', numberOfOccurrences: 3 },
      },
      '2026-02-28T00:00:00Z',
    );
    expect(all(abs)).toEqual(['2026-02-28T00:00:00.000Z', '2027-02-28T00:00:00.000Z', '2028-02-29T00:00:00.000Z']);
    const rel = spec(
      {
        pattern: { type: 'relativeYearly', interval: 1, daysOfWeek: ['thursday'], index: 'fourth', month: 11 },
        range: { type: 'numbered', startDate: '2026-01-01', numberOfOccurrences: 2 },
      },
      '2026-11-26T17:00:00Z',
    );
    expect(all(rel)).toEqual(['2026-11-26T17:00:00.000Z', '2027-11-25T17:00:00.000Z']);
  });

  it('noEnd series expand only inside the asked window, with overlap semantics', () => {
    const s = spec(
      { pattern: { type: 'daily', interval: 1 }, range: { type: 'noEnd', startDate: '2026-01-01' } },
      '2026-01-01T23:30:00Z',
    );
    const w = expandInWindow(s, Date.parse('2026-06-02T00:00:00Z'), Date.parse('2026-06-03T00:00:00Z'));
    // The 06-01 23:30 occurrence runs into 06-02, so it overlaps; the 06-02 one starts inside.
    expect(w.map((o) => iso(o.start))).toEqual(['2026-06-01T23:30:00.000Z', '2026-06-02T23:30:00.000Z']);
    expect(lastOccurrence(s)).toBeUndefined();
  });

  it('finds occurrences by original start and by 1-based index', () => {
    const s = spec(
      {
        pattern: { type: 'daily', interval: 2 },
        range: { type: 'numbered', startDate: '2026-01-01', numberOfOccurrences: 5 },
      },
      '2026-01-01T08:00:00Z',
    );
    expect(occurrenceByIndex(s, 3)?.start).toBe(Date.parse('2026-01-05T08:00:00Z'));
    expect(occurrenceByIndex(s, 6)).toBeUndefined();
    expect(findOccurrence(s, Date.parse('2026-01-03T08:00:00Z'))?.index).toBe(2);
    expect(findOccurrence(s, Date.parse('2026-01-02T08:00:00Z'))).toBeUndefined();
    expect(lastOccurrence(s)?.start).toBe(Date.parse('2026-01-09T08:00:00Z'));
  });

  it('rejects a pattern Exchange cannot hold', () => {
    const bad = spec(
      { pattern: { type: 'weekly', interval: 1, daysOfWeek: [] }, range: { type: 'noEnd', startDate: '2026-01-01' } },
      '2026-01-01T00:00:00Z',
    );
    expect(() => all(bad)).toThrow(/daysOfWeek/);
  });
});
