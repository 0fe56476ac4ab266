import { type DateValue, type Duration, InvalidItemError } from '@exsync/core';
import { utcToWallClock, wallClockToUtc } from '@exsync/pim';

/**
 * Where an event ends, whichever way the source said it (RFC 5545 §3.6.1): DTEND when given; else DTSTART plus
 * DURATION; else one day for an all-day event and zero for a timed one. Exchange holds only an end, so both
 * backends write this and read it back as the end.
 */
export function effectiveEnd(item: {
  readonly start: DateValue;
  readonly end?: DateValue;
  readonly duration?: Duration;
}): DateValue {
  if (item.end) return item.end;
  if (item.duration) return addDuration(item.start, item.duration);
  return item.start.kind === 'date' ? addDuration(item.start, 'P1D') : item.start;
}

interface DurationParts {
  readonly sign: 1 | -1;
  /** Nominal part: calendar days (weeks × 7 + days). */
  readonly days: number;
  /** Exact part, in seconds. */
  readonly seconds: number;
}

/** RFC 5545 §3.3.6 `dur-value`: `[+-]P…W` or `[+-]P[nD][T[nH][nM][nS]]`. */
export function parseDuration(text: string): DurationParts {
  const m = /^([+-])?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(text.trim().toUpperCase());
  if (!m || text.trim().toUpperCase().endsWith('T') || /^[+-]?P$/.test(text.trim())) {
    throw new InvalidItemError(`"${text}" is not an RFC 5545 duration`);
  }
  return {
    sign: m[1] === '-' ? -1 : 1,
    days: Number(m[2] ?? 0) * 7 + Number(m[3] ?? 0),
    seconds: Number(m[4] ?? 0) * 3600 + Number(m[5] ?? 0) * 60 + Number(m[6] ?? 0),
  };
}

const addDays = (date: string, days: number) => {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
};

/**
 * `start` + `duration` (RFC 5545 §3.3.6): weeks and days are nominal — the same wall-clock time so many days later
 * in the event's own zone, across a DST change too — and hours, minutes and seconds exact. A date stays a date
 * (a time part on an all-day start is dropped, as the RFC allows only days and weeks there).
 */
export function addDuration(start: DateValue, duration: Duration): DateValue {
  const { sign, days, seconds } = parseDuration(duration);
  switch (start.kind) {
    case 'date':
      return { kind: 'date', date: addDays(start.date, sign * days) };
    case 'utc':
    case 'floating': {
      // No zone: a day is 24 hours on this time scale.
      const ms = Date.parse(`${start.dateTime.slice(0, 19)}Z`) + sign * (days * 86_400 + seconds) * 1000;
      const text = new Date(ms).toISOString().slice(0, 19);
      return start.kind === 'utc' ? { kind: 'utc', dateTime: `${text}Z` } : { kind: 'floating', dateTime: text };
    }
    case 'zoned': {
      const wall = `${addDays(start.dateTime.slice(0, 10), sign * days)}${start.dateTime.slice(10, 19)}`;
      const ms = wallClockToUtc(wall, start.tzid) + sign * seconds * 1000;
      return { kind: 'zoned', dateTime: utcToWallClock(ms, start.tzid), tzid: start.tzid };
    }
  }
}
