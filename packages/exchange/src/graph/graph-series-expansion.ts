import { utcToWallClock, wallClockToUtc } from '@exsync/pim';
import { ianaZoneOf } from './graph-datetime';
import type { GraphRecurrence } from './graph-recurrence';

const DAY_INDEX: Record<string, number> = {
  sunday: 0,
  monday: 1,
  tuesday: 2,
  wednesday: 3,
  thursday: 4,
  friday: 5,
  saturday: 6,
};
const ORDINAL: Record<string, number> = { first: 1, second: 2, third: 3, fourth: 4, last: -1 };
const DAY_MS = 86_400_000;

/**
 * The original starts (UTC ms) of a Graph series' occurrences inside [from, to), by Exchange's rules for its six
 * patterns. v1.0 has no `cancelledOccurrences` and `/instances` leaves cancelled ones out, so comparing this
 * expansion with `/instances` is how a deleted occurrence is found (reference §3.3).
 *
 * `masterStart` is the first occurrence's start (UTC ms); `zone` the series' zone (Windows or IANA name).
 */
export function expandSeries(
  recurrence: GraphRecurrence,
  masterStart: number,
  zone: string | null | undefined,
  from: number,
  to: number,
): number[] {
  const iana = ianaZoneOf(recurrence.range.recurrenceTimeZone ?? zone) ?? ianaZoneOf(zone);
  const wall = iana ? utcToWallClock(masterStart, iana) : new Date(masterStart).toISOString().slice(0, 19);
  const timeOfDay = wall.slice(11, 19);
  const toInstant = (date: string) =>
    iana ? wallClockToUtc(`${date}T${timeOfDay}`, iana) : Date.parse(`${date}T${timeOfDay}Z`);
  const range = recurrence.range;
  const startDate = range.startDate ?? wall.slice(0, 10);
  const endDate = range.type === 'endDate' ? range.endDate : undefined;
  const limit = range.type === 'numbered' ? (range.numberOfOccurrences ?? 0) : Number.POSITIVE_INFINITY;
  const out: number[] = [];
  let count = 0;
  for (const date of candidateDates(recurrence.pattern, startDate)) {
    if (endDate && date > endDate) break;
    if (count >= limit) break;
    const instant = toInstant(date);
    if (instant >= to) break;
    count++;
    if (instant >= from) out.push(instant);
  }
  return out;
}

/** Dates (`YYYY-MM-DD`, ascending, from `startDate`) the pattern produces; bounded to 30 years. */
function* candidateDates(pattern: GraphRecurrence['pattern'], startDate: string): Iterable<string> {
  const start = Date.parse(`${startDate}T00:00:00Z`);
  const stop = start + 30 * 366 * DAY_MS;
  const interval = Math.max(1, pattern.interval ?? 1);
  const days = (pattern.daysOfWeek ?? []).map((d) => DAY_INDEX[d.toLowerCase()] ?? -1).filter((d) => d >= 0);
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  switch (pattern.type) {
    case 'daily':
      for (let t = start; t < stop; t += interval * DAY_MS) yield iso(t);
      return;
    case 'weekly': {
      const firstDay = DAY_INDEX[(pattern.firstDayOfWeek ?? 'sunday').toLowerCase()] ?? 0;
      const weekday = new Date(start).getUTCDay();
      let weekStart = start - ((weekday - firstDay + 7) % 7) * DAY_MS;
      const order = [...days].sort((a, b) => ((a - firstDay + 7) % 7) - ((b - firstDay + 7) % 7));
      for (; weekStart < stop; weekStart += interval * 7 * DAY_MS) {
        for (const d of order) {
          const t = weekStart + ((d - firstDay + 7) % 7) * DAY_MS;
          if (t >= start) yield iso(t);
        }
      }
      return;
    }
    case 'absoluteMonthly':
    case 'relativeMonthly':
    case 'absoluteYearly':
    case 'relativeYearly': {
      const yearly = pattern.type.endsWith('Yearly');
      const first = new Date(start);
      let year = first.getUTCFullYear();
      let month = yearly ? (pattern.month ?? first.getUTCMonth() + 1) - 1 : first.getUTCMonth();
      for (let guard = 0; guard < 2000; guard++) {
        const date = pattern.type.startsWith('absolute')
          ? absoluteDay(year, month, pattern.dayOfMonth ?? first.getUTCDate())
          : relativeDay(year, month, days, ORDINAL[pattern.index ?? 'first'] ?? 1);
        if (date !== undefined) {
          if (date >= stop) return;
          if (date >= start) yield iso(date);
        }
        month += yearly ? 12 * interval : interval;
        year += Math.floor(month / 12);
        month %= 12;
      }
      return;
    }
  }
}

/** Exchange moves day 31 to the month's last day rather than skipping the month. */
function absoluteDay(year: number, month: number, day: number): number {
  const last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return Date.UTC(year, month, Math.min(day, last));
}

/** The n-th (or last) day of the month that is one of `days` ("the first weekday" counts over all five). */
function relativeDay(year: number, month: number, days: readonly number[], ordinal: number): number | undefined {
  const last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const matches: number[] = [];
  for (let d = 1; d <= last; d++) {
    const t = Date.UTC(year, month, d);
    if (days.includes(new Date(t).getUTCDay())) matches.push(t);
  }
  return ordinal === -1 ? matches.at(-1) : matches[ordinal - 1];
}
