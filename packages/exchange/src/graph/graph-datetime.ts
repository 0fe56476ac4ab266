import type { DateValue } from '@exsync/core';
import { windowsToIana } from '@exsync/pim';

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
  return iana && iana !== 'Etc/UTC' && iana !== 'UTC' && iana !== 'Etc/GMT' ? iana : undefined;
}

function isIanaZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return name.includes('/');
  } catch {
    return false;
  }
}

/** Reads a `dateTimeTimeZone` as a UTC instant in ms; the client always asks for UTC, but honours any zone. */
export function instantOfGraph(v: DateTimeTimeZone): number {
  const text = v.dateTime.replace(/(\.\d{3})\d*$/, '$1');
  if (/[zZ]|[+-]\d\d:\d\d$/.test(text)) return Date.parse(text);
  const zone = ianaZoneOf(v.timeZone);
  return zone ? wallToUtc(text, zone) : Date.parse(`${text}Z`);
}

/** `YYYY-MM-DDTHH:MM:SS` of a UTC instant as seen in `zone`. */
export function wallTimeIn(ms: number, zone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(ms));
  const p = Object.fromEntries(parts.map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}`;
}

/** Wall-clock time in `zone` → UTC ms (the earlier instant when the wall time is ambiguous). */
export function wallToUtc(wall: string, zone: string): number {
  const asUtc = Date.parse(`${wall.slice(0, 19)}Z`);
  let guess = asUtc;
  for (let i = 0; i < 3; i++) {
    const seen = Date.parse(`${wallTimeIn(guess, zone)}Z`);
    guess += asUtc - seen;
  }
  return guess;
}

const isoSeconds = (ms: number) => new Date(ms).toISOString().slice(0, 19);

/**
 * An event time as the model holds it: UTC for events kept in UTC, wall time in the event's own zone otherwise
 * (so "9:00 in Berlin" survives DST), a date for all-day events.
 */
export function dateValueOf(v: DateTimeTimeZone, eventZone: string | null | undefined, allDay: boolean): DateValue {
  const ms = instantOfGraph(v);
  const zone = ianaZoneOf(eventZone);
  if (allDay) return { kind: 'date', date: (zone ? wallTimeIn(ms, zone) : isoSeconds(ms)).slice(0, 10) };
  if (!zone) return { kind: 'utc', dateTime: `${isoSeconds(ms)}Z` };
  return { kind: 'zoned', dateTime: wallTimeIn(ms, zone), tzid: zone };
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
      return wallToUtc(v.dateTime, v.tzid);
    case 'floating':
      return Date.parse(`${v.dateTime.slice(0, 19)}Z`);
  }
}

/** The calendar date of a model time in its own zone (`YYYY-MM-DD`). */
export function dateOfValue(v: DateValue): string {
  return v.kind === 'date' ? v.date : v.dateTime.slice(0, 10);
}
