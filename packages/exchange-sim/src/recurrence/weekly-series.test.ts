import { describe, expect, it } from 'vitest';
import { occurrences } from './expand';
import { weeklySeries } from './weekly-series';

describe('weeklySeries', () => {
  it('is a series of that many occurrences on that weekday, from the date of its start', () => {
    // 2026-03-02 is a Monday; 2026-03-05 a Thursday.
    const start = Date.parse('2026-03-02T08:00:00Z');
    const starts = (recurrence: ReturnType<typeof weeklySeries>, from: number) =>
      [...occurrences({ recurrence, start: from, duration: 3_600_000, timeZone: 'UTC' })].map((o) =>
        new Date(o.start).toISOString(),
      );
    expect(starts(weeklySeries(start, 3), start)).toEqual([
      '2026-03-02T08:00:00.000Z',
      '2026-03-09T08:00:00.000Z',
      '2026-03-16T08:00:00.000Z',
    ]);
    const thursday = Date.parse('2026-03-05T10:00:00Z');
    expect(weeklySeries(thursday, 2, 'thursday').range).toEqual({
      type: 'numbered',
      startDate: '2026-03-05',
      numberOfOccurrences: 2,
    });
    expect(starts(weeklySeries(thursday, 2, 'thursday'), thursday)).toEqual([
      '2026-03-05T10:00:00.000Z',
      '2026-03-12T10:00:00.000Z',
    ]);
  });
});
