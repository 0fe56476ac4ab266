import type { DateValue } from '@exsync/core';
import { InvalidItemError } from '@exsync/core';
import type { JParams, JProp, JValue } from '../text/jcal';
import type { CalendarContext } from './calendar-context';

/** One value of a DATE / DATE-TIME property as a model date. */
export function toDateValue(p: JProp, raw: JValue, ctx: CalendarContext): DateValue {
  let v: JValue = raw;
  // RDATE;VALUE=PERIOD: the occurrence starts at the period's start.
  if (Array.isArray(v)) v = v[0];
  if (typeof v !== 'string' || v === '') throw new InvalidItemError(`${p[0].toUpperCase()} has no date value.`);
  if (p[2] === 'date' || /^\d{4}-\d{2}-\d{2}$/.test(v)) {
    if (!/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/.test(v)) {
      throw new InvalidItemError(`${p[0].toUpperCase()} has an invalid date "${v}".`);
    }
    return { kind: 'date', date: v };
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z?$/.test(v)) {
    throw new InvalidItemError(`${p[0].toUpperCase()} has an invalid date-time "${v}".`);
  }
  if (v.endsWith('Z')) return { kind: 'utc', dateTime: v };
  const tzid = p[1].tzid;
  if (typeof tzid === 'string' && tzid.trim() !== '') return { kind: 'zoned', dateTime: v, tzid: ctx.ianaFor(tzid) };
  return { kind: 'floating', dateTime: v };
}

/** All values of every property with this name (EXDATE and RDATE may repeat and hold lists). */
export function dateList(props: readonly JProp[], ctx: CalendarContext): DateValue[] {
  return props.flatMap((p) => p.slice(3).map((v) => toDateValue(p, v, ctx)));
}

export interface WrittenDate {
  readonly type: 'date' | 'date-time';
  readonly value: string;
  readonly params: JParams;
}

export function fromDateValue(d: DateValue, ctx: CalendarContext): WrittenDate {
  switch (d.kind) {
    case 'date':
      return { type: 'date', value: d.date, params: {} };
    case 'utc':
      return { type: 'date-time', value: d.dateTime, params: {} };
    case 'floating':
      return { type: 'date-time', value: d.dateTime, params: {} };
    case 'zoned':
      return { type: 'date-time', value: d.dateTime, params: { tzid: ctx.tzidFor(d.tzid) } };
  }
}

/** Sets a single date property (DTSTART, DUE…), keeping its unmapped parameters but never a stale TZID. */
export function writeDate(props: JProp[], name: string, d: DateValue | undefined, ctx: CalendarContext): JProp[] {
  const existing = props.find((p) => p[0] === name);
  const rest = props.filter((p) => p[0] !== name);
  if (!d) return rest;
  const w = fromDateValue(d, ctx);
  if (existing) {
    const params = { ...existing[1] };
    delete params.tzid;
    existing[1] = { ...params, ...w.params };
    existing.length = 3;
    existing[2] = w.type;
    existing.push(w.value);
    return props.filter((p) => p[0] !== name || p === existing);
  }
  return [...rest, [name, w.params, w.type, w.value]];
}

/** Writes a date list as one property per distinct value kind and zone (EXDATE, RDATE). */
export function writeDateList(name: string, dates: readonly DateValue[], ctx: CalendarContext): JProp[] {
  const groups = new Map<string, { w: ReturnType<typeof fromDateValue>; values: string[] }>();
  for (const d of dates) {
    const w = fromDateValue(d, ctx);
    const key = `${w.type}|${w.params.tzid ?? ''}`;
    const g = groups.get(key) ?? { w, values: [] };
    g.values.push(w.value);
    groups.set(key, g);
  }
  return [...groups.values()].map(({ w, values }) => [name, { ...w.params }, w.type, ...values] as JProp);
}
