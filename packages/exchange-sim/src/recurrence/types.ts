/** Recurrence in the shape both Graph (`patternedRecurrence`) and EWS (`*Recurrence` elements) can be mapped to. */

export type DayOfWeek = 'sunday' | 'monday' | 'tuesday' | 'wednesday' | 'thursday' | 'friday' | 'saturday';
export const DAYS_OF_WEEK: readonly DayOfWeek[] = [
  'sunday',
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
];
export type WeekIndex = 'first' | 'second' | 'third' | 'fourth' | 'last';

export type RecurrencePattern =
  | { type: 'daily'; interval: number }
  | { type: 'weekly'; interval: number; daysOfWeek: DayOfWeek[]; firstDayOfWeek?: DayOfWeek }
  | { type: 'absoluteMonthly'; interval: number; dayOfMonth: number }
  | { type: 'relativeMonthly'; interval: number; daysOfWeek: DayOfWeek[]; index: WeekIndex }
  | { type: 'absoluteYearly'; interval: number; dayOfMonth: number; month: number }
  | { type: 'relativeYearly'; interval: number; daysOfWeek: DayOfWeek[]; index: WeekIndex; month: number };

export type RecurrenceRange =
  | { type: 'endDate'; startDate: string; endDate: string }
  | { type: 'noEnd'; startDate: string }
  | { type: 'numbered'; startDate: string; numberOfOccurrences: number };

export interface Recurrence {
  pattern: RecurrencePattern;
  range: RecurrenceRange;
}

/** What the engine needs to know about a series. Times are UTC ms; the zone is IANA. */
export interface SeriesSpec {
  recurrence: Recurrence;
  /** Start of the first occurrence (the master's start). Its wall-clock time is kept for every occurrence. */
  start: number;
  /** Length of each occurrence in ms. */
  duration: number;
  timeZone: string;
}

export interface Occurrence {
  /** 1-based index in the series (EWS InstanceIndex), counting deleted occurrences too. */
  index: number;
  /** UTC ms of the occurrence's unmodified start (Graph originalStart, EWS OriginalStart/RecurrenceId). */
  originalStart: number;
  start: number;
  end: number;
}

export class InvalidRecurrenceError extends Error {
  readonly code = 'InvalidRecurrence';
}
