import type { DateValue } from './temporal';

export type Weekday = 'MO' | 'TU' | 'WE' | 'TH' | 'FR' | 'SA' | 'SU';

/** RFC 5545 RRULE, limited to what Exchange's six patterns and CalDAV clients actually produce. */
export interface RecurrenceRule {
  readonly freq: 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'YEARLY';
  readonly interval?: number;
  /** Range: at most one of `count` and `until`; neither means no end. */
  readonly count?: number;
  readonly until?: DateValue;
  /** `ordinal` set means "the 2nd Tuesday" (MONTHLY/YEARLY BYDAY=2TU); -1 is "last". */
  readonly byDay?: readonly { readonly day: Weekday; readonly ordinal?: number }[];
  readonly byMonthDay?: readonly number[];
  readonly byMonth?: readonly number[];
  readonly bySetPos?: readonly number[];
  readonly weekStart?: Weekday;
}
