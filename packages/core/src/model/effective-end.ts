import { InvalidItemError } from '../ports/errors';
import type { EventOccurrenceData } from './event';
import type { DateValue } from './temporal';
import { utcToWallClock, wallClockToUtc } from './wall-clock';

const DAY_MS = 86_400_000;

/**
 * When an event (or one occurrence) ends, whichever way its source said so (RFC 5545 §3.6.1): DTEND as is;
 * DTSTART + DURATION; without either, one day after an all-day start and the start itself otherwise. The end has
 * the start's form (date, UTC, zoned, floating), so an Exchange backend can write it as an end time.
 *
 * RFC 5545 §3.3.6: weeks and days are nominal — `P1D` ends at the same wall-clock time the next day, 23 or 25
 * hours later across a DST change — while hours, minutes and seconds are exact, added to the instant. Days come
 * first (`P1DT1H`: the next day at the same time, plus one hour).
 */
export function effectiveEnd(event: Pick<EventOccurrenceData, 'start' | 'end' | 'duration'>): DateValue {
  if (event.end) return event.end;
  const start = event.start;
  if (event.duration === undefined) return start.kind === 'date' ? addToStart(start, 1, 0) : start;
  const d = parseDuration(event.duration);
  return addToStart(start, d.days, d.seconds);
}

function addToStart(start: DateValue, days: number, seconds: number): DateValue {
  switch (start.kind) {
    case 'date': {
      // An all-day event's duration is whole days; a time part counts only as far as it makes whole days.
      const whole = days + Math.trunc(seconds / 86_400);
      return { kind: 'date', date: shiftWallClock(`${start.date}T00:00:00`, whole, 0).slice(0, 10) };
    }
    case 'floating':
      // No zone, no DST: nominal and exact time are the same.
      return { kind: 'floating', dateTime: shiftWallClock(start.dateTime, days, seconds) };
    case 'utc': {
      const at = Date.parse(start.dateTime) + days * DAY_MS + seconds * 1000;
      return { kind: 'utc', dateTime: `${new Date(at).toISOString().slice(0, 19)}Z` };
    }
    case 'zoned': {
      const wall = shiftWallClock(start.dateTime, days, 0);
      if (seconds === 0) return { ...start, dateTime: wall };
      const at = wallClockToUtc(wall, start.tzid) + seconds * 1000;
      return { ...start, dateTime: utcToWallClock(at, start.tzid) };
    }
  }
}

/** Calendar arithmetic on a `YYYY-MM-DDTHH:MM:SS` wall-clock time, zone-free. */
function shiftWallClock(dateTime: string, days: number, seconds: number): string {
  const at = Date.parse(`${dateTime.slice(0, 19)}Z`) + days * DAY_MS + seconds * 1000;
  return new Date(at).toISOString().slice(0, 19);
}

/** RFC 5545 §3.3.6 `dur-value`, signed: nominal days (weeks × 7 + days) and exact seconds. */
function parseDuration(text: string): { days: number; seconds: number } {
  const m = /^([+-])?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(text.trim());
  if (!m || text.trim().endsWith('T') || /^[+-]?P$/.test(text.trim())) {
    throw new InvalidItemError(`The duration "${text}" is not an RFC 5545 duration (e.g. P1D, PT1H45M).`);
  }
  const sign = m[1] === '-' ? -1 : 1;
  const n = (i: number) => Number(m[i] ?? 0);
  return { days: sign * (n(2) * 7 + n(3)), seconds: sign * (n(4) * 3600 + n(5) * 60 + n(6)) };
}
