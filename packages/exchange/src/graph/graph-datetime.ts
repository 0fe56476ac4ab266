import type { DateValue } from '@exsync/core';
import { ianaToWindows, isIanaZone, utcToWallClock, wallClockToUtc, windowsToIana } from '@exsync/pim';

/** Graph's `dateTimeTimeZone`. */
export interface DateTimeTimeZone {
  readonly dateTime: string;
  readonly timeZone: string;
}

const UTC_NAMES = new Set(['utc', 'etc/utc', 'gmt', 'etc/gmt', 'tzone://microsoft/utc', 'coordinated universal time']);

/** Windows or IANA zone name → IANA, or undefined for UTC and for names nobody knows. */
export function ianaZoneOf(name: string | null | undefined): string | undefined {
  if (!name || UTC_NAMES.has(name.trim().toLowerCase())) return undefined;
  const iana = windowsToIana(name) ?? (isIanaZone(name) ? name : undefined);
  // Exchange keeps Windows zones, and may echo an IANA name it was given: either way the zone is the main IANA zone
  // of its Windows zone (Europe/Vienna → Europe/Berlin), so what is read does not depend on how it was written.
  const canonical = iana ? (windowsToIana(ianaToWindows(iana) ?? '') ?? iana) : undefined;
  return canonical && canonical !== 'Etc/UTC' && canonical !== 'UTC' && canonical !== 'Etc/GMT' ? canonical : undefined;
}

/** Reads a `dateTimeTimeZone` as a UTC instant in ms; the client always asks for UTC, but honours any zone. */
export function instantOfGraph(v: DateTimeTimeZone): number {
  const text = v.dateTime.replace(/(\.\d{3})\d*$/, '$1');
  if (/[zZ]|[+-]\d\d:\d\d$/.test(text)) return Date.parse(text);
  const zone = ianaZoneOf(v.timeZone);
  return zone ? wallClockToUtc(text, zone) : Date.parse(`${text}Z`);
}

const isoSeconds = (ms: number) => new Date(ms).toISOString().slice(0, 19);

/**
 * An event time as the model holds it: UTC for events kept in UTC, wall time in the event's own zone otherwise
 * (so "9:00 in Berlin" survives DST), a date for all-day events.
 */
export function dateValueOf(v: DateTimeTimeZone, eventZone: string | null | undefined, allDay: boolean): DateValue {
  const ms = instantOfGraph(v);
  const zone = ianaZoneOf(eventZone);
  if (allDay) return { kind: 'date', date: (zone ? utcToWallClock(ms, zone) : isoSeconds(ms)).slice(0, 10) };
  if (!zone) return { kind: 'utc', dateTime: `${isoSeconds(ms)}Z` };
  return { kind: 'zoned', dateTime: utcToWallClock(ms, zone), tzid: zone };
}

/** A model time → `dateTimeTimeZone` for a write. Graph accepts IANA names as well as Windows ones. */
export function graphDateTime(v: DateValue): DateTimeTimeZone {
  switch (v.kind) {
    case 'date':
      return { dateTime: `${v.date}T00:00:00`, timeZone: 'UTC' };
    case 'utc':
      return { dateTime: v.dateTime.slice(0, 19), timeZone: 'UTC' };
    case 'zoned':
      return { dateTime: v.dateTime.slice(0, 19), timeZone: v.tzid };
    case 'floating':
      // Graph has no floating time: read it as UTC (documented loss).
      return { dateTime: v.dateTime.slice(0, 19), timeZone: 'UTC' };
  }
}

/** UTC ms of a model time (dates at UTC midnight, floating read as UTC). */
export function instantOfValue(v: DateValue): number {
  switch (v.kind) {
    case 'date':
      return Date.parse(`${v.date}T00:00:00Z`);
    case 'utc':
      return Date.parse(v.dateTime);
    case 'zoned':
      return wallClockToUtc(v.dateTime, v.tzid);
    case 'floating':
      return Date.parse(`${v.dateTime.slice(0, 19)}Z`);
  }
}

/** The calendar date of a model time in its own zone (`YYYY-MM-DD`). */
export function dateOfValue(v: DateValue): string {
  return v.kind === 'date' ? v.date : v.dateTime.slice(0, 10);
}
