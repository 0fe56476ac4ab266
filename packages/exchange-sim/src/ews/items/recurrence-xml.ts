import {
  DAYS_OF_WEEK,
  type DayOfWeek,
  offsetAt,
  type Recurrence,
  type RecurrencePattern,
  type RecurrenceRange,
  type WeekIndex,
} from '../../recurrence';
import { EwsItemError } from '../errors';
import { T } from '../xml/namespaces';
import { childText, type XNode } from '../xml/parse';
import { el, tx } from '../xml/write';

const DAY_OUT: Record<DayOfWeek, string> = {
  sunday: 'Sunday',
  monday: 'Monday',
  tuesday: 'Tuesday',
  wednesday: 'Wednesday',
  thursday: 'Thursday',
  friday: 'Friday',
  saturday: 'Saturday',
};
const INDEX_OUT: Record<WeekIndex, string> = {
  first: 'First',
  second: 'Second',
  third: 'Third',
  fourth: 'Fourth',
  last: 'Last',
};
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

const days = (d: readonly DayOfWeek[]) => d.map((x) => DAY_OUT[x]).join(' ');

/** xs:date the way Exchange sends it: with the series zone's offset (reference §1.5). */
function dateWithOffset(date: string, zone: string): string {
  const off = offsetAt(Date.parse(`${date}T12:00:00Z`), zone) / 60_000;
  if (off === 0) return `${date}Z`;
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  return `${date}${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

function patternXml(p: RecurrencePattern): string {
  switch (p.type) {
    case 'daily':
      return el('t:DailyRecurrence', undefined, tx('t:Interval', p.interval));
    case 'weekly':
      return el(
        't:WeeklyRecurrence',
        undefined,
        tx('t:Interval', p.interval),
        tx('t:DaysOfWeek', days(p.daysOfWeek)),
        tx('t:FirstDayOfWeek', DAY_OUT[p.firstDayOfWeek ?? 'sunday']),
      );
    case 'absoluteMonthly':
      return el(
        't:AbsoluteMonthlyRecurrence',
        undefined,
        tx('t:Interval', p.interval),
        tx('t:DayOfMonth', p.dayOfMonth),
      );
    case 'relativeMonthly':
      return el(
        't:RelativeMonthlyRecurrence',
        undefined,
        tx('t:Interval', p.interval),
        tx('t:DaysOfWeek', days(p.daysOfWeek)),
        tx('t:DayOfWeekIndex', INDEX_OUT[p.index]),
      );
    case 'absoluteYearly':
      return el(
        't:AbsoluteYearlyRecurrence',
        undefined,
        tx('t:DayOfMonth', p.dayOfMonth),
        tx('t:Month', MONTHS[p.month - 1]),
      );
    case 'relativeYearly':
      return el(
        't:RelativeYearlyRecurrence',
        undefined,
        tx('t:DaysOfWeek', days(p.daysOfWeek)),
        tx('t:DayOfWeekIndex', INDEX_OUT[p.index]),
        tx('t:Month', MONTHS[p.month - 1]),
      );
  }
}

function rangeXml(r: RecurrenceRange, zone: string): string {
  const start = tx('t:StartDate', dateWithOffset(r.startDate, zone));
  switch (r.type) {
    case 'noEnd':
      return el('t:NoEndRecurrence', undefined, start);
    case 'endDate':
      return el('t:EndDateRecurrence', undefined, start, tx('t:EndDate', dateWithOffset(r.endDate, zone)));
    case 'numbered':
      return el('t:NumberedRecurrence', undefined, start, tx('t:NumberOfOccurrences', r.numberOfOccurrences));
  }
}

export function recurrenceXml(r: Recurrence, zone: string): string {
  return el('t:Recurrence', undefined, patternXml(r.pattern), rangeXml(r.range, zone));
}

/* ------------------------------------------------------------ parsing */

const DAY_IN: Record<string, DayOfWeek[]> = {
  ...Object.fromEntries(DAYS_OF_WEEK.map((d) => [DAY_OUT[d], [d]])),
  Day: [...DAYS_OF_WEEK],
  Weekday: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'],
  WeekendDay: ['saturday', 'sunday'],
};

function bad(msg: string): never {
  throw new EwsItemError('ErrorSchemaValidation', `The recurrence is invalid: ${msg}`);
}

function int(n: XNode, name: string): number {
  const v = childText(n, T, name);
  if (v === undefined || !/^\d+$/.test(v.trim())) bad(`${name} is missing or not a number`);
  return Number(v);
}

function parseDays(n: XNode): DayOfWeek[] {
  const v = childText(n, T, 'DaysOfWeek');
  if (!v) bad('DaysOfWeek is missing');
  const out = new Set<DayOfWeek>();
  for (const tok of v.trim().split(/\s+/)) {
    const ds = DAY_IN[tok];
    if (!ds) bad(`"${tok}" is not a day of the week`);
    for (const d of ds) out.add(d);
  }
  return DAYS_OF_WEEK.filter((d) => out.has(d));
}

function parseIndex(n: XNode): WeekIndex {
  const v = childText(n, T, 'DayOfWeekIndex')?.trim();
  const i = Object.entries(INDEX_OUT).find(([, s]) => s === v)?.[0];
  if (!i) bad(`DayOfWeekIndex "${v ?? ''}" is invalid`);
  return i as WeekIndex;
}

function parseMonth(n: XNode): number {
  const v = childText(n, T, 'Month')?.trim();
  const i = MONTHS.indexOf(v ?? '');
  if (i < 0) bad(`Month "${v ?? ''}" is invalid`);
  return i + 1;
}

const xsDate = (s: string | undefined, name: string): string => {
  const m = /^\s*(\d{4}-\d{2}-\d{2})/.exec(s ?? '');
  if (!m?.[1]) bad(`${name} is missing or not a date`);
  return m[1];
};

export function parseRecurrence(n: XNode): Recurrence {
  const [p, r] = n.children;
  if (!p || !r) bad('a pattern and a range are required');
  let pattern: RecurrencePattern;
  switch (p.name) {
    case 'DailyRecurrence':
      pattern = { type: 'daily', interval: int(p, 'Interval') };
      break;
    case 'WeeklyRecurrence': {
      const first = childText(p, T, 'FirstDayOfWeek')?.trim();
      const fd = first ? DAY_IN[first]?.[0] : undefined;
      pattern = {
        type: 'weekly',
        interval: int(p, 'Interval'),
        daysOfWeek: parseDays(p),
        ...(fd ? { firstDayOfWeek: fd } : {}),
      };
      break;
    }
    case 'AbsoluteMonthlyRecurrence':
      pattern = { type: 'absoluteMonthly', interval: int(p, 'Interval'), dayOfMonth: int(p, 'DayOfMonth') };
      break;
    case 'RelativeMonthlyRecurrence':
      pattern = {
        type: 'relativeMonthly',
        interval: int(p, 'Interval'),
        daysOfWeek: parseDays(p),
        index: parseIndex(p),
      };
      break;
    case 'AbsoluteYearlyRecurrence':
      pattern = { type: 'absoluteYearly', interval: 1, dayOfMonth: int(p, 'DayOfMonth'), month: parseMonth(p) };
      break;
    case 'RelativeYearlyRecurrence':
      pattern = {
        type: 'relativeYearly',
        interval: 1,
        daysOfWeek: parseDays(p),
        index: parseIndex(p),
        month: parseMonth(p),
      };
      break;
    default:
      // Task-only regenerating patterns and anything else the store cannot hold.
      throw new EwsItemError('ErrorInvalidRecurrence', `Recurrence pattern ${p.name} is not supported.`);
  }
  const startDate = xsDate(childText(r, T, 'StartDate'), 'StartDate');
  let range: RecurrenceRange;
  switch (r.name) {
    case 'NoEndRecurrence':
      range = { type: 'noEnd', startDate };
      break;
    case 'EndDateRecurrence':
      range = { type: 'endDate', startDate, endDate: xsDate(childText(r, T, 'EndDate'), 'EndDate') };
      break;
    case 'NumberedRecurrence':
      range = { type: 'numbered', startDate, numberOfOccurrences: int(r, 'NumberOfOccurrences') };
      break;
    default:
      bad(`range ${r.name} is unknown`);
  }
  return { pattern, range };
}
