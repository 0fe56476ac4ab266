import type { DateValue } from '@exsync/core';
import { isIanaZone, utcToWallClock, wallClockToUtc, windowsToIana } from '@exsync/pim';
import { DateTime, StringList } from 'ews-javascript-api';

/**
 * Small conversions shared by the item mappings: library values ⇄ plain JSON, XML escaping, time zones.
 */

/** ews-javascript-api writes string values into the SOAP body unescaped (gautamsi/ews-javascript-api#358). */
export function xmlText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Reads a property that may not be loaded (the library throws for those) as undefined. */
export function read<T>(get: () => T): T | undefined {
  try {
    const value = get();
    return value === null ? undefined : value;
  } catch {
    return undefined;
  }
}

export function dateTimeOf(iso: string): DateTime {
  return new DateTime(Date.parse(iso));
}

export function stringList(values: readonly string[]): StringList {
  return new StringList(values.map(xmlText));
}

const UTC_ZONES = new Set(['UTC', 'Etc/UTC', 'Etc/GMT', 'GMT', 'Etc/Universal', 'Universal', 'Zulu', 'Etc/Zulu']);

/** The IANA zone of a Windows zone id, or undefined for UTC and unknown ids. */
export function ianaOf(windowsId: string | undefined): string | undefined {
  if (!windowsId || windowsId === 'UTC') return undefined;
  const iana = windowsToIana(windowsId) ?? (isIanaZone(windowsId) ? windowsId : undefined);
  return iana && !UTC_ZONES.has(iana) ? iana : undefined;
}

/** The instant a model date value stands for; floating and all-day values are read as UTC. */
export function instantOf(value: DateValue): number {
  switch (value.kind) {
    case 'date':
      return Date.parse(`${value.date}T00:00:00Z`);
    case 'utc':
      return Date.parse(value.dateTime);
    case 'floating':
      return Date.parse(`${value.dateTime.slice(0, 19)}Z`);
    case 'zoned':
      return isIanaZone(value.tzid) ? wallClockToUtc(value.dateTime, value.tzid) : Date.parse(`${value.dateTime}Z`);
  }
}

/** A model date value from an EWS instant and the item's zone. */
export function dateValueOf(iso: string, zone: string | undefined, allDay: boolean): DateValue {
  const ms = Date.parse(iso);
  const local = zone ? utcToWallClock(ms, zone) : new Date(ms).toISOString().slice(0, 19);
  if (allDay) return { kind: 'date', date: local.slice(0, 10) };
  return zone ? { kind: 'zoned', dateTime: local, tzid: zone } : { kind: 'utc', dateTime: `${local}Z` };
}

/** xs:boolean: "true" or "1" (surrounding white space allowed); anything else is false. */
export function xsBoolean(text: string | undefined): boolean {
  const t = text?.trim();
  return t === 'true' || t === '1';
}
