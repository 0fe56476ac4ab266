import { describe, expect, it } from 'vitest';
import { expandSeries } from './graph-series-expansion';

const iso = (ms: number[]) => ms.map((t) => new Date(t).toISOString().slice(0, 16));
const ALL = [Date.parse('2000-01-01T00:00:00Z'), Date.parse('2100-01-01T00:00:00Z')] as const;

describe('expandSeries (Exchange patterns)', () => {
  it('weekly every second week on two days, counted from the range start, numbered range', () => {
    const out = expandSeries(
      {
        pattern: { type: 'weekly', interval: 2, daysOfWeek: ['monday', 'thursday'], firstDayOfWeek: 'sunday' },
        range: { type: 'numbered', startDate: '2030-03-04', numberOfOccurrences: 5 },
      },
      Date.parse('2030-03-04T09:00:00Z'),
      'UTC',
      ...ALL,
    );
    expect(iso(out)).toEqual([
      '2030-03-04T09:00',
      '2030-03-07T09:00',
      '2030-03-18T09:00',
      '2030-03-21T09:00',
      '2030-04-01T09:00',
    ]);
  });

  it('keeps 09:00 wall time in the series zone across a DST change', () => {
    const out = expandSeries(
      {
        pattern: { type: 'daily', interval: 1 },
        range: { type: 'endDate', startDate: '2030-03-30', endDate: '2030-04-01' },
      },
      Date.parse('2030-03-30T08:00:00Z'),
      'W. Europe Standard Time',
      ...ALL,
    );
    expect(iso(out)).toEqual(['2030-03-30T08:00', '2030-03-31T07:00', '2030-04-01T07:00']);
  });

  it('monthly on day 31 falls on the last day of shorter months; relative monthly finds the last Friday', () => {
    const abs = expandSeries(
      {
        pattern: { type: 'absoluteMonthly', interval: 1, dayOfMonth: 31 },
        range: { type: 'numbered', startDate: '2030-01-31', numberOfOccurrences: 3 },
      },
      Date.parse('2030-01-31T10:00:00Z'),
      'UTC',
      ...ALL,
    );
    expect(iso(abs)).toEqual(['2030-01-31T10:00', '2030-02-28T10:00', '2030-03-31T10:00']);
    const rel = expandSeries(
      {
        pattern: { type: 'relativeMonthly', interval: 1, daysOfWeek: ['friday'], index: 'last' },
        range: { type: 'numbered', startDate: '2030-01-01', numberOfOccurrences: 2 },
      },
      Date.parse('2030-01-25T10:00:00Z'),
      'UTC',
      ...ALL,
    );
    expect(iso(rel)).toEqual(['2030-01-25T10:00', '2030-02-22T10:00']);
  });

  it('returns only occurrences inside [from, to) but counts the earlier ones against a numbered range', () => {
    const out = expandSeries(
      {
        pattern: { type: 'absoluteYearly', interval: 1, month: 2, dayOfMonth: 14 },
        range: { type: 'numbered', startDate: '2030-02-14', numberOfOccurrences: 3 },
      },
      Date.parse('2030-02-14T12:00:00Z'),
      'UTC',
      Date.parse('2031-01-01T00:00:00Z'),
      Date.parse('2040-01-01T00:00:00Z'),
    );
    expect(iso(out)).toEqual(['2031-02-14T12:00', '2032-02-14T12:00']);
  });
});
