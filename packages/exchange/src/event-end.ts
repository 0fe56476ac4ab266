import type { DateValue, Duration } from '@exsync/core';
import { isIanaZone, utcToWallClock, wallClockToUtc } from '@exsync/pim';

/**
 * The end an event really has, for stores that hold an end and no duration (EWS, Graph). RFC 5545 §3.6.1: DTEND if
 * given; else DTSTART + DURATION; else one day for an all-day start and no length at all for a timed one.
 * §3.3.6: the day and week parts of a duration are nominal (added to the wall clock in the event's zone, so P1D
 * across a DST change is 23 or 25 hours), the hour/minute/second parts exact.
 */
export function effectiveEnd(e: {
  readonly start: DateValue;
  readonly end?: DateValue;
  readonly duration?: Duration;
}): DateValue {
  if (e.end) return e.end;
  if (e.duration) {
    const d = parseDuration(e.duration);
    if (d) return addDuration(e.start, d);
  }
  return e.start.kind === 'date' ? addDuration(e.start, { sign: 1, days: 1, ms: 0 }) : e.start;
}

interface ParsedDuration {
  readonly sign: 1 | -1;
  /** Nominal days (weeks × 7 + days). */
  readonly days: number;
  /** Exact milliseconds (hours, minutes, seconds). */
  readonly ms: number;
}

const DURATION = /^([+-])?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/** An RFC 5545 duration, or undefined for text of another shape. */
export function parseDuration(text: Duration): ParsedDuration | undefined {
  const m = DURATION.exec(text.trim().toUpperCase());
  if (!m || text.trim().toUpperCase().endsWith('T')) return undefined;
  const n = (i: number) => Number(m[i] ?? 0);
  return {
    sign: m[1] === '-' ? -1 : 1,
    days: n(2) * 7 + n(3),
    ms: ((n(4) * 60 + n(5)) * 60 + n(6)) * 1000,
  };
}

function addDuration(start: DateValue, d: ParsedDuration): DateValue {
  const dayMs = d.sign * d.days * 86_400_000;
  const exact = d.sign * d.ms;
  switch (start.kind) {
    case 'date': {
      // A date start carries a date duration (§3.8.2.5); hours of a malformed one still count to whole days.
      const ms = Date.parse(`${start.date}T00:00:00Z`) + dayMs + exact;
      return { kind: 'date', date: new Date(ms).toISOString().slice(0, 10) };
    }
    case 'utc': {
      const iso = new Date(Date.parse(start.dateTime) + dayMs + exact).toISOString();
      return { kind: 'utc', dateTime: `${iso.slice(0, 19)}Z` };
    }
    case 'floating': {
      const iso = new Date(Date.parse(`${start.dateTime.slice(0, 19)}Z`) + dayMs + exact).toISOString();
      return { kind: 'floating', dateTime: iso.slice(0, 19) };
    }
    case 'zoned': {
      const shiftedWall = new Date(Date.parse(`${start.dateTime.slice(0, 19)}Z`) + dayMs).toISOString().slice(0, 19);
      if (!isIanaZone(start.tzid)) {
        const iso = new Date(Date.parse(`${shiftedWall}Z`) + exact).toISOString();
        return { kind: 'zoned', dateTime: iso.slice(0, 19), tzid: start.tzid };
      }
      const instant = wallClockToUtc(shiftedWall, start.tzid) + exact;
      return { kind: 'zoned', dateTime: utcToWallClock(instant, start.tzid), tzid: start.tzid };
    }
  }
}
