/**
 * The one recurrence engine: the six Exchange patterns × three range kinds, expanded on calendar dates in the
 * series' IANA zone and converted to UTC per occurrence, so a 09:00 meeting stays at 09:00 across DST.
 * Exceptions and deleted occurrences are the caller's business (the store overlays them on this output).
 */
import {
  DAYS_OF_WEEK,
  type DayOfWeek,
  InvalidRecurrenceError,
  type Occurrence,
  type RecurrencePattern,
  type SeriesSpec,
  type WeekIndex,
} from './types';
import { dayNumber, daysInMonth, fromDayNumber, parseIsoDate, utcToWall, wallToUtc } from './zoned-time';

/** Hard stop for unbounded series: nothing after this day number is generated. */
const MAX_DAY = dayNumber(4500, 12, 31);
const MAX_OCCURRENCES = 100_000;

function dateToDay(iso: string): number {
  const d = parseIsoDate(iso);
  return dayNumber(d.year, d.month, d.day);
}

const weekdayIndex = (d: DayOfWeek): number => DAYS_OF_WEEK.indexOf(d);

export function validatePattern(p: RecurrencePattern): void {
  if (!Number.isInteger(p.interval) || p.interval < 1 || p.interval > 999) {
    throw new InvalidRecurrenceError(`Recurrence interval must be an integer 1..999, got ${p.interval}`);
  }
  if ('daysOfWeek' in p) {
    if (!Array.isArray(p.daysOfWeek) || p.daysOfWeek.length === 0 || p.daysOfWeek.some((d) => weekdayIndex(d) < 0)) {
      throw new InvalidRecurrenceError(`Recurrence pattern ${p.type} needs daysOfWeek from sunday..saturday`);
    }
  }
  if ('dayOfMonth' in p && (!Number.isInteger(p.dayOfMonth) || p.dayOfMonth < 1 || p.dayOfMonth > 31)) {
    throw new InvalidRecurrenceError(`dayOfMonth must be 1..31, got ${p.dayOfMonth}`);
  }
  if ('month' in p && (!Number.isInteger(p.month) || p.month < 1 || p.month > 12)) {
    throw new InvalidRecurrenceError(`month must be 1..12, got ${p.month}`);
  }
}

function relativeDay(year: number, month: number, days: DayOfWeek[], index: WeekIndex): number | undefined {
  const wanted = new Set(days.map(weekdayIndex));
  const matches: number[] = [];
  const first = dayNumber(year, month, 1);
  for (let i = 0; i < daysInMonth(year, month); i++) {
    if (wanted.has(fromDayNumber(first + i).weekday)) matches.push(first + i);
  }
  const pos = { first: 0, second: 1, third: 2, fourth: 3 } as const;
  return index === 'last' ? matches[matches.length - 1] : matches[pos[index]];
}

/** Candidate dates (day numbers, ascending) the pattern produces on or after `from`. */
function* patternDays(p: RecurrencePattern, from: number): Generator<number> {
  const s = fromDayNumber(from);
  switch (p.type) {
    case 'daily':
      for (let d = from; d <= MAX_DAY; d += p.interval) yield d;
      return;
    case 'weekly': {
      const fdw = weekdayIndex(p.firstDayOfWeek ?? 'sunday');
      const weekStart = from - ((s.weekday - fdw + 7) % 7);
      const offsets = [...new Set(p.daysOfWeek.map((d) => (weekdayIndex(d) - fdw + 7) % 7))].sort((a, b) => a - b);
      for (let w = weekStart; w <= MAX_DAY; w += 7 * p.interval) {
        for (const o of offsets) if (w + o >= from) yield w + o;
      }
      return;
    }
    case 'absoluteMonthly':
    case 'relativeMonthly':
    case 'absoluteYearly':
    case 'relativeYearly': {
      const yearly = p.type === 'absoluteYearly' || p.type === 'relativeYearly';
      const step = yearly ? 12 * p.interval : p.interval;
      let monthIndex = s.year * 12 + (yearly ? p.month - 1 : s.month - 1);
      // A yearly series whose month is before the start month begins next year.
      if (yearly && p.month < s.month) monthIndex += 12;
      for (;;) {
        const year = Math.floor(monthIndex / 12);
        const month = (monthIndex % 12) + 1;
        if (year > 4500) return;
        let d: number | undefined;
        if (p.type === 'absoluteMonthly' || p.type === 'absoluteYearly') {
          // Outlook moves day 29..31 to the month's last day in shorter months.
          d = dayNumber(year, month, Math.min(p.dayOfMonth, daysInMonth(year, month)));
        } else {
          d = relativeDay(year, month, p.daysOfWeek, p.index);
        }
        if (d !== undefined && d >= from) yield d;
        monthIndex += step;
      }
    }
  }
}

/**
 * Iterate every occurrence of the series in order (deleted ones included: they count toward a numbered range).
 * Stops at the range's end, or once an occurrence starts at or after `until` (UTC ms) if given.
 */
export function* occurrences(spec: SeriesSpec, until = Number.POSITIVE_INFINITY): Generator<Occurrence> {
  const { recurrence, timeZone } = spec;
  validatePattern(recurrence.pattern);
  const range = recurrence.range;
  const from = dateToDay(range.startDate);
  const endDay = range.type === 'endDate' ? dateToDay(range.endDate) : MAX_DAY;
  const maxCount = range.type === 'numbered' ? range.numberOfOccurrences : MAX_OCCURRENCES;
  if (range.type === 'numbered' && (!Number.isInteger(maxCount) || maxCount < 1)) {
    throw new InvalidRecurrenceError('numberOfOccurrences must be a positive integer');
  }
  const wall = utcToWall(spec.start, timeZone);
  let index = 0;
  for (const d of patternDays(recurrence.pattern, from)) {
    if (d > endDay || index >= maxCount) return;
    const date = fromDayNumber(d);
    const start = wallToUtc({ ...date, hour: wall.hour, minute: wall.minute, second: wall.second }, timeZone);
    if (start >= until) return;
    index++;
    yield { index, originalStart: start, start, end: start + spec.duration };
  }
}

/** Occurrences overlapping [windowStart, windowEnd): they end after the start and begin before the end. */
export function expandInWindow(spec: SeriesSpec, windowStart: number, windowEnd: number): Occurrence[] {
  const out: Occurrence[] = [];
  for (const o of occurrences(spec, windowEnd)) {
    if (o.end > windowStart || (o.end === o.start && o.start >= windowStart)) out.push(o);
  }
  return out;
}

/** The occurrence whose original start is exactly `originalStart`, if the pattern produces one. */
export function findOccurrence(spec: SeriesSpec, originalStart: number): Occurrence | undefined {
  for (const o of occurrences(spec, originalStart + 1)) if (o.originalStart === originalStart) return o;
  return undefined;
}

/** The n-th (1-based) occurrence, if the series has that many. */
export function occurrenceByIndex(spec: SeriesSpec, n: number): Occurrence | undefined {
  if (!Number.isInteger(n) || n < 1) return undefined;
  for (const o of occurrences(spec)) if (o.index === n) return o;
  return undefined;
}

/** Last occurrence of a bounded series, undefined for noEnd. */
export function lastOccurrence(spec: SeriesSpec): Occurrence | undefined {
  if (spec.recurrence.range.type === 'noEnd') return undefined;
  let last: Occurrence | undefined;
  for (const o of occurrences(spec)) last = o;
  return last;
}
