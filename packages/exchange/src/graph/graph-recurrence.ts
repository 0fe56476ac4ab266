import { type DateValue, InvalidItemError, type RecurrenceRule, RejectedError, type Weekday } from '@exsync/core';
import { utcToWallClock } from '@exsync/pim';
import { dateOfValue, instantOfValue } from './graph-datetime';

/** Graph `patternedRecurrence`, as read and written. */
export interface GraphRecurrence {
  readonly pattern: {
    readonly type: string;
    readonly interval?: number;
    readonly month?: number;
    readonly dayOfMonth?: number;
    readonly daysOfWeek?: readonly string[];
    readonly firstDayOfWeek?: string;
    readonly index?: string;
  };
  readonly range: {
    readonly type: string;
    readonly startDate?: string;
    readonly endDate?: string;
    readonly numberOfOccurrences?: number;
    readonly recurrenceTimeZone?: string;
  };
}

const DAYS: Record<string, Weekday> = {
  sunday: 'SU',
  monday: 'MO',
  tuesday: 'TU',
  wednesday: 'WE',
  thursday: 'TH',
  friday: 'FR',
  saturday: 'SA',
};
const NAMES = Object.fromEntries(Object.entries(DAYS).map(([k, v]) => [v, k])) as Record<Weekday, string>;
const INDEX: Record<string, number> = { first: 1, second: 2, third: 3, fourth: 4, last: -1 };
const INDEX_NAMES: Record<number, string> = { 1: 'first', 2: 'second', 3: 'third', 4: 'fourth', [-1]: 'last' };

function weekday(name: string): Weekday {
  const day = DAYS[name.toLowerCase()];
  if (!day) throw new InvalidItemError(`Unknown weekday "${name}" in a Graph recurrence`);
  return day;
}

/** Graph pattern + range → RRULE. */
export function ruleFromGraph(r: GraphRecurrence): RecurrenceRule {
  const p = r.pattern;
  const interval = p.interval && p.interval > 1 ? { interval: p.interval } : {};
  const days = (p.daysOfWeek ?? []).map(weekday);
  const ordinal = INDEX[p.index ?? 'first'] ?? 1;
  let rule: RecurrenceRule;
  switch (p.type) {
    case 'daily':
      rule = { freq: 'DAILY', ...interval };
      break;
    case 'weekly': {
      // Exchange always has a first day of the week; Sunday is its default and RFC 5545's is Monday, so only a
      // non-default one is a WKST worth carrying.
      const first = p.firstDayOfWeek ? DAYS[p.firstDayOfWeek.toLowerCase()] : undefined;
      rule = {
        freq: 'WEEKLY',
        ...interval,
        byDay: days.map((day) => ({ day })),
        ...(first && first !== 'SU' ? { weekStart: first } : {}),
      };
      break;
    }
    case 'absoluteMonthly':
      rule = { freq: 'MONTHLY', ...interval, byMonthDay: [p.dayOfMonth ?? 1] };
      break;
    case 'relativeMonthly':
      rule = { freq: 'MONTHLY', ...interval, byDay: days.map((day) => ({ day, ordinal })) };
      break;
    case 'absoluteYearly':
      rule = { freq: 'YEARLY', ...interval, byMonth: [p.month ?? 1], byMonthDay: [p.dayOfMonth ?? 1] };
      break;
    case 'relativeYearly':
      rule = { freq: 'YEARLY', ...interval, byMonth: [p.month ?? 1], byDay: days.map((day) => ({ day, ordinal })) };
      break;
    default:
      throw new InvalidItemError(`Unknown Graph recurrence pattern "${p.type}"`);
  }
  if (r.range.type === 'endDate' && r.range.endDate) {
    const until: DateValue = { kind: 'date', date: r.range.endDate };
    return { ...rule, until };
  }
  if (r.range.type === 'numbered' && r.range.numberOfOccurrences)
    return { ...rule, count: r.range.numberOfOccurrences };
  return rule;
}

/**
 * RRULE → Graph pattern + range. Exchange knows six patterns; a rule outside them (BYSETPOS lists, several
 * month days, hourly…) is refused for this write rather than approximated.
 */
export function ruleToGraph(rule: RecurrenceRule, start: DateValue, recurrenceTimeZone: string): GraphRecurrence {
  const startDate = dateOfValue(start);
  const startDay = new Date(`${startDate}T00:00:00Z`);
  const interval = rule.interval ?? 1;
  const ordinals = new Set((rule.byDay ?? []).map((d) => d.ordinal));
  const daysOfWeek = (rule.byDay ?? []).map((d) => NAMES[d.day]);
  const unsupported = (why: string) => new RejectedError(`Exchange cannot hold this recurrence: ${why}`, 'unsupported');
  let pattern: GraphRecurrence['pattern'];
  switch (rule.freq) {
    case 'DAILY':
      if (rule.byDay?.length) {
        // Outlook's "every weekday" is weekly on the given days.
        pattern = { type: 'weekly', interval: 1, daysOfWeek, firstDayOfWeek: 'sunday' };
      } else pattern = { type: 'daily', interval };
      break;
    case 'WEEKLY':
      pattern = {
        type: 'weekly',
        interval,
        daysOfWeek: daysOfWeek.length ? daysOfWeek : [Object.keys(DAYS)[startDay.getUTCDay()] as string],
        firstDayOfWeek: rule.weekStart ? (NAMES[rule.weekStart] ?? 'sunday') : 'sunday',
      };
      break;
    case 'MONTHLY':
      if (rule.byDay?.length) {
        if (ordinals.size !== 1) throw unsupported('monthly on weekdays with different positions');
        const ord = [...ordinals][0] ?? rule.bySetPos?.[0] ?? 1;
        const index = INDEX_NAMES[ord];
        if (!index) throw unsupported(`position ${ord}`);
        pattern = { type: 'relativeMonthly', interval, daysOfWeek, index };
      } else {
        if ((rule.byMonthDay?.length ?? 0) > 1) throw unsupported('several days of the month');
        pattern = { type: 'absoluteMonthly', interval, dayOfMonth: rule.byMonthDay?.[0] ?? startDay.getUTCDate() };
      }
      break;
    case 'YEARLY': {
      const month = rule.byMonth?.[0] ?? startDay.getUTCMonth() + 1;
      if (rule.byDay?.length) {
        const ord = [...ordinals][0] ?? rule.bySetPos?.[0] ?? 1;
        const index = INDEX_NAMES[ord];
        if (ordinals.size !== 1 || !index) throw unsupported('yearly on weekdays with different positions');
        pattern = { type: 'relativeYearly', interval, daysOfWeek, index, month };
      } else {
        pattern = {
          type: 'absoluteYearly',
          interval,
          month,
          dayOfMonth: rule.byMonthDay?.[0] ?? startDay.getUTCDate(),
        };
      }
      break;
    }
  }
  const range: GraphRecurrence['range'] = rule.count
    ? { type: 'numbered', startDate, numberOfOccurrences: rule.count, recurrenceTimeZone }
    : rule.until
      ? { type: 'endDate', startDate, endDate: untilDate(rule.until, start), recurrenceTimeZone }
      : { type: 'noEnd', startDate, recurrenceTimeZone };
  return { pattern, range };
}

/**
 * Graph ends a series on a date. UNTIL is an instant for timed series (RFC 5545 §3.3.10): its date is the one on
 * the series' own wall clock, not in UTC (a 20:00 Pacific last occurrence is the next day in UTC).
 */
export function untilDate(until: DateValue, start: DateValue): string {
  if (until.kind === 'utc' && start.kind === 'zoned')
    return utcToWallClock(instantOfValue(until), start.tzid).slice(0, 10);
  return dateOfValue(until);
}
