import type { DayOfWeek, Recurrence } from './types';

/**
 * A weekly series on one day of the week, `occurrences` long, its range starting on the (UTC) date of `start`: the
 * series test and benchmark mailboxes are seeded with.
 */
export function weeklySeries(start: number, occurrences: number, day: DayOfWeek = 'monday'): Recurrence {
  return {
    pattern: { type: 'weekly', interval: 1, daysOfWeek: [day] },
    range: {
      type: 'numbered',
      startDate: new Date(start).toISOString().slice(0, 10),
      numberOfOccurrences: occurrences,
    },
  };
}
