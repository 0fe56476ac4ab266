import {
  type Alarm,
  type Attendee,
  type Capabilities,
  type ContactGroupItem,
  type ContactItem,
  type DateValue,
  type EventException,
  type EventItem,
  effectiveEnd,
  type FieldCapabilities,
  heldField,
  normalisedField,
  notHeldField,
  type PostalAddress,
  type RecurrenceRule,
  type TaskItem,
  type TypedValue,
  type Weekday,
} from '@exsync/core';
import { ADDRESS_TYPES, addressSlot, EMAIL_SLOTS, IM_SLOTS, NO_YEAR, PHONE_TYPES, phoneSlots } from './contact-mapping';
import { reminderMinutes, timeZoneOf } from './event-mapping';
import { importanceOf, priorityOf } from './importance-sensitivity';
import { reminderAt, taskAnchor, taskDay } from './task-mapping';
import { dateValueOf, ianaOf, instantOf } from './wire-values';

/**
 * What EWS holds of each model field (DESIGN §4), per kind: the single source the engine reads to know which
 * differences are Exchange's form rather than edits. Each `normalise` is exactly what writing the item through
 * `EwsCollectionStore` and reading it back gives for that field; `ews-capabilities.roundtrip.test.ts` proves it on
 * the real-world fixtures.
 */

const blankToUndefined = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);

/** The zone EWS reads a zoned value back in: the canonical IANA zone of the Windows zone it was written with. */
function readZone(v: DateValue): string | undefined {
  if (v.kind !== 'zoned') return undefined;
  const zone = timeZoneOf(v.tzid);
  return zone ? ianaOf(zone.Id) : undefined;
}

/**
 * A date value as EWS gives it back, on the clock of the series start `like`: all-day as dates, a start in a zone
 * EWS knows on that zone's wall clock, anything else (floating, unknown zones) as UTC.
 */
function asRead(v: DateValue, like: DateValue): DateValue {
  return dateValueOf(new Date(instantOf(v)).toISOString(), readZone(like), like.kind === 'date');
}

const WEEK_ORDER: readonly Weekday[] = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];

/** The wall-clock date of a series start, on which EWS anchors the implicit parts of a pattern. */
function startDay(start: DateValue): Date {
  const d = start.kind === 'date' ? start.date : start.dateTime.slice(0, 10);
  return new Date(`${d}T00:00:00Z`);
}

/**
 * A rule as EWS reads its pattern back: implicit weekday/month day/month made explicit, every weekday as a weekly
 * rule, days in Exchange's Sunday-first order, UNTIL as the last day, WKST and a yearly interval dropped.
 */
function ruleAsRead(r: RecurrenceRule, start: DateValue): RecurrenceRule {
  const day = startDay(start);
  const range = {
    ...(r.count ? { count: r.count } : {}),
    ...(!r.count && r.until ? { until: { kind: 'date', date: untilDay(r.until, start) } as const } : {}),
  };
  const interval = r.interval && r.interval > 1 ? { interval: r.interval } : {};
  const sortDays = (days: readonly Weekday[]) => WEEK_ORDER.filter((d) => days.includes(d)).map((d) => ({ day: d }));
  switch (r.freq) {
    case 'DAILY':
      if (r.byDay?.length) return { freq: 'WEEKLY', ...range, byDay: sortDays(r.byDay.map((d) => d.day)) };
      return { freq: 'DAILY', ...interval, ...range };
    case 'WEEKLY': {
      const days = r.byDay?.length ? r.byDay.map((d) => d.day) : [WEEK_ORDER[day.getUTCDay()] as Weekday];
      return { freq: 'WEEKLY', ...interval, ...range, byDay: sortDays(days) };
    }
    case 'MONTHLY': {
      const byDay = r.byDay?.[0];
      if (byDay)
        return { freq: 'MONTHLY', ...interval, ...range, byDay: [{ day: byDay.day, ordinal: byDay.ordinal ?? 1 }] };
      return { freq: 'MONTHLY', ...interval, ...range, byMonthDay: [r.byMonthDay?.[0] ?? day.getUTCDate()] };
    }
    case 'YEARLY': {
      const month = r.byMonth?.[0] ?? day.getUTCMonth() + 1;
      const byDay = r.byDay?.[0];
      if (byDay)
        return { freq: 'YEARLY', ...range, byMonth: [month], byDay: [{ day: byDay.day, ordinal: byDay.ordinal ?? 1 }] };
      return { freq: 'YEARLY', ...range, byMonth: [month], byMonthDay: [r.byMonthDay?.[0] ?? day.getUTCDate()] };
    }
  }
}

/** Exchange lists deleted and modified occurrences by their original start. */
function chronological<T>(values: readonly T[], at: (v: T) => DateValue): T[] {
  return [...values].sort((a, b) => instantOf(at(a)) - instantOf(at(b)));
}

const DAY_MS = 86_400_000;
const epochDay = (date: string) => Date.parse(`${date}T00:00:00Z`) / DAY_MS;
const dateOfDay = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);
const lastDayOf = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();

/** Whether `date` (YYYY-MM-DD) fits the pattern of a rule in EWS's read form, leaving the range aside. */
function fitsPattern(r: RecurrenceRule, first: string, date: string): boolean {
  const interval = r.interval ?? 1;
  const d = new Date(`${date}T00:00:00Z`);
  const s = new Date(`${first}T00:00:00Z`);
  const [y, m, day, wd] = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCDay()];
  const months = (y - s.getUTCFullYear()) * 12 + (m - 1 - s.getUTCMonth());
  const last = lastDayOf(y, m);
  const onWeekday = (x: { day: Weekday; ordinal?: number }) =>
    WEEK_ORDER[wd] === x.day && (x.ordinal === -1 ? day + 7 > last : Math.ceil(day / 7) === (x.ordinal ?? 1));
  const onMonthDay = (md: number | undefined) => md !== undefined && day === Math.min(md, last);
  switch (r.freq) {
    case 'DAILY':
      return (epochDay(date) - epochDay(first)) % interval === 0;
    case 'WEEKLY': {
      // Weeks start on Sunday, Exchange's default FirstDayOfWeek.
      const week = (x: string) => Math.floor((epochDay(x) + 4) / 7);
      return !!r.byDay?.some((x) => x.day === WEEK_ORDER[wd]) && (week(date) - week(first)) % interval === 0;
    }
    case 'MONTHLY':
      if (months % interval !== 0) return false;
      return r.byDay?.length ? r.byDay.some(onWeekday) : onMonthDay(r.byMonthDay?.[0]);
    case 'YEARLY':
      if (m !== r.byMonth?.[0]) return false;
      return r.byDay?.length ? r.byDay.some(onWeekday) : onMonthDay(r.byMonthDay?.[0]);
  }
}

/**
 * Whether `at` is an occurrence of the series as Exchange expands it: EWS can modify or delete only occurrences it
 * has, so an exception or EXDATE naming another time (malformed input, or a rule changed since) is not held.
 */
function isOccurrence(rule: RecurrenceRule, start: DateValue, at: DateValue): boolean {
  const r = ruleAsRead(rule, start);
  const s = asRead(start, start);
  const a = asRead(at, start);
  const dateOf = (v: DateValue) => (v.kind === 'date' ? v.date : v.dateTime.slice(0, 10));
  const timeOf = (v: DateValue) => (v.kind === 'date' ? '' : v.dateTime.slice(11, 19));
  if (a.kind !== s.kind || timeOf(a) !== timeOf(s)) return false;
  const [first, date] = [dateOf(s), dateOf(a)];
  if (date < first || (r.until?.kind === 'date' && date > r.until.date)) return false;
  if (!fitsPattern(r, first, date)) return false;
  if (!r.count) return true;
  // With COUNT, the date must be among the first `count` fits.
  let seen = 0;
  for (let day = epochDay(first); day <= epochDay(date); day++) {
    if (fitsPattern(r, first, dateOfDay(day)) && ++seen > r.count) return false;
  }
  return true;
}

function untilDay(until: DateValue, start: DateValue): string {
  if (until.kind === 'date') return until.date;
  if (until.kind === 'utc') {
    const read = asRead(until, start);
    return read.kind === 'date' ? read.date : read.dateTime.slice(0, 10);
  }
  return until.dateTime.slice(0, 10);
}

/** EWS's one reminder: minutes before the start, shown as a display alarm. */
function remindersAsRead(reminders: readonly Alarm[]): readonly Alarm[] {
  const minutes = reminderMinutes(reminders);
  return minutes === undefined
    ? []
    : [{ action: 'display', trigger: { relative: `-PT${minutes}M`, related: 'start' } }];
}

/** Attendees as EWS lists them: required, then optional, then resources; name defaulting to the address. */
function attendeesAsRead(attendees: readonly Attendee[]): readonly Attendee[] {
  const resource = (a: Attendee) => a.kind === 'resource' || a.kind === 'room';
  const optional = (a: Attendee) => !resource(a) && (a.role === 'optional' || a.role === 'non-participant');
  const required = (a: Attendee) => !resource(a) && !optional(a);
  const as = (a: Attendee, role: Attendee['role'], kind?: 'resource'): Attendee => ({
    email: a.email,
    name: a.name ?? a.email,
    role,
    status: 'needs-action',
    ...(kind ? { kind } : {}),
  });
  return [
    ...attendees.filter(required).map((a) => as(a, 'required')),
    ...attendees.filter(optional).map((a) => as(a, 'optional')),
    ...attendees.filter(resource).map((a) => as(a, 'non-participant', 'resource')),
  ];
}

const sensitivityAsRead = <S extends string | undefined>(v: S) => (v === 'public' ? undefined : v);
const priorityAsRead = (v: number | undefined) => priorityOf(['Low', 'Normal', 'High'][importanceOf(v)]);

/** The organizer EWS reports: the mailbox itself, for meetings only (see eventFromSnapshot). */
function organizerAsRead(o: { readonly attendees: readonly Attendee[] }, mailbox: string) {
  return o.attendees.length ? { email: mailbox } : undefined;
}

/** The fields one occurrence (master or exception) holds, shared by the event table and its exceptions. */
function occurrenceAsRead<O extends EventException | EventItem>(o: O, start: DateValue, mailbox: string): O {
  return {
    ...o,
    summary: blankToUndefined(o.summary),
    description: blankToUndefined(o.description),
    location: blankToUndefined(o.location),
    url: undefined,
    start: asRead(o.start, start),
    end: asRead(effectiveEnd(o), start),
    duration: undefined,
    status: undefined,
    freeBusy: o.freeBusy ?? 'busy',
    sensitivity: sensitivityAsRead(o.sensitivity),
    priority: priorityAsRead(o.priority),
    organizer: organizerAsRead(o, mailbox),
    attendees: attendeesAsRead(o.attendees),
    reminders: remindersAsRead(o.reminders),
    attachments: [],
  };
}

/** The event table of the folder of `mailbox`. */
export function ewsEventCaps(mailbox: string): FieldCapabilities<EventItem> {
  return {
    summary: normalisedField('Subject: an empty one reads as none', blankToUndefined),
    description: normalisedField('plain-text Body: an empty one reads as none', blankToUndefined),
    location: normalisedField('Location: an empty one reads as none', blankToUndefined),
    url: notHeldField('an appointment has no URL property'),
    start: normalisedField(
      'Start in the Windows zone of the IANA zone, read back in that zone’s canonical IANA name; floating times and zones EWS does not know are written as UTC',
      (v, e) => asRead(v, e.start),
    ),
    end: normalisedField(
      'End on the start’s clock; without DTEND it is start + DURATION (RFC 5545 §3.3.6), one day for all-day, else the start',
      (_v, e) => asRead(effectiveEnd(e), e.start),
    ),
    duration: notHeldField('EWS holds an end, not a duration: the end it stands for is written instead'),
    status: notHeldField('an appointment has no STATUS (IsCancelled is set by Exchange only)'),
    freeBusy: normalisedField('LegacyFreeBusyStatus: none given is Busy', (v) => v ?? 'busy'),
    sensitivity: normalisedField('Sensitivity: public is Normal, which reads as none', sensitivityAsRead),
    priority: normalisedField('Importance: 1–4 High (1), 6–9 Low (9), others Normal (none)', priorityAsRead),
    categories: heldField(),
    organizer: normalisedField(
      'the mailbox that holds a meeting organizes it (its name left out); an event without attendees has none',
      (_v, e) => organizerAsRead(e, mailbox),
    ),
    attendees: normalisedField(
      'Required/Optional/Resources lists: chair is required, non-participant optional, rooms resources; no RSVP, PARTSTAT or CUTYPE of others on write; name defaults to the address',
      attendeesAsRead,
    ),
    reminders: normalisedField(
      'one reminder, minutes before the start: the first display/relative alarm (not related to the end), as a display alarm',
      remindersAsRead,
    ),
    attachments: notHeldField('attachments are not synchronised'),
    recurrence: normalisedField(
      'Exchange’s six patterns: implicit weekday/day/month made explicit (in the series’ zone), DAILY;BYDAY as weekly, UNTIL as a date, no WKST; BYSETPOS and several months are refused',
      (v, e) => (v ? ruleAsRead(v, e.start) : undefined),
    ),
    recurrenceId: notHeldField(
      'an occurrence invited without its series is created as a single appointment, with no RECURRENCE-ID',
    ),
    recurrenceDates: notHeldField('EWS has no RDATE: extra occurrences cannot be added to a pattern'),
    excludedDates: normalisedField(
      'DeletedOccurrences, in time order on the start’s clock; only dates that are occurrences of the series, and only on a series',
      (v, e) => {
        const rule = e.recurrence;
        if (!rule) return [];
        return chronological(
          v.filter((d) => isOccurrence(rule, e.start, d)),
          (d) => d,
        ).map((d) => asRead(d, e.start));
      },
    ),
    exceptions: normalisedField(
      'ModifiedOccurrences, in time order: each holds what a single appointment holds; only on a series, at one of its occurrences',
      (v, e) => {
        const rule = e.recurrence;
        if (!rule) return [];
        return chronological(
          v.filter((x) => isOccurrence(rule, e.start, x.recurrenceId)),
          (x) => x.recurrenceId,
        ).map((x) => ({ ...occurrenceAsRead(x, e.start, mailbox), recurrenceId: asRead(x.recurrenceId, e.start) }));
      },
    ),
  };
}

export const EWS_TASK_CAPS: FieldCapabilities<TaskItem> = {
  summary: normalisedField('Subject: an empty one reads as none', blankToUndefined),
  description: normalisedField('plain-text Body: an empty one reads as none', blankToUndefined),
  url: notHeldField('a task has no URL property'),
  start: normalisedField('StartDate is a day (Outlook tasks have no times)', (v) =>
    v ? { kind: 'date', date: taskDay(v) } : undefined,
  ),
  due: normalisedField('DueDate is a day (Outlook tasks have no times)', (v) =>
    v ? { kind: 'date', date: taskDay(v) } : undefined,
  ),
  completed: normalisedField('CompleteDate, on completed tasks only', (v, t) =>
    t.status === 'completed' ? v : undefined,
  ),
  percentComplete: normalisedField('PercentComplete: 100 when completed, 0 reads as none', (v, t) =>
    t.status === 'completed' ? 100 : v || undefined,
  ),
  priority: normalisedField('Importance: 1–4 High (1), 6–9 Low (9), others Normal (none)', priorityAsRead),
  status: normalisedField('Status: cancelled is Deferred, which reads as needs-action', (v) =>
    v === 'cancelled' ? 'needs-action' : v,
  ),
  sensitivity: normalisedField('Sensitivity: public is Normal, which reads as none', sensitivityAsRead),
  categories: heldField(),
  recurrence: normalisedField(
    'the same six patterns as appointments, starting on the start (or due) day; a task with neither has none',
    (v, t) => {
      const anchor = taskAnchor(t);
      return v && anchor ? ruleAsRead(v, anchor) : undefined;
    },
  ),
  reminders: normalisedField(
    'one absolute reminder (ReminderDueBy); a relative one is anchored on due, else start',
    (_v, t) => {
      const at = reminderAt(t);
      if (at === undefined) return [];
      const iso = new Date(at).toISOString().replace('.000Z', 'Z');
      return [{ action: 'display', trigger: { absolute: { kind: 'utc', dateTime: iso } } }];
    },
  ),
  parentUid: notHeldField('EWS tasks have no parent'),
};

const typed = (value: string, types: readonly string[]): TypedValue => ({ value, types: [...types] });

export const EWS_CONTACT_CAPS: FieldCapabilities<ContactItem> = {
  formattedName: normalisedField('DisplayName: an empty one reads as none', blankToUndefined),
  name: normalisedField('GivenName, MiddleName, Surname, Generation; no honorific prefix', (v) => {
    if (!v) return undefined;
    const n = Object.fromEntries(
      Object.entries({ family: v.family, given: v.given, additional: v.additional, suffix: v.suffix }).filter(
        ([, x]) => x,
      ),
    );
    return Object.keys(n).length ? n : undefined;
  }),
  nickname: normalisedField('NickName: an empty one reads as none', blankToUndefined),
  emails: normalisedField(`${EMAIL_SLOTS} slots (EmailAddress1–3), without TYPE or PREF`, (v) =>
    v.slice(0, EMAIL_SLOTS).map((x) => typed(x.value, [])),
  ),
  phones: normalisedField(
    'fixed slots: two work, two home, one each of cell, work fax, home fax, pager and other; a number reads back with its slot’s TYPEs, no PREF; numbers past a full slot are not kept',
    (v) => {
      const slots = phoneSlots(v);
      return Object.keys(PHONE_TYPES).flatMap((k) => {
        const n = slots.get(k);
        return n ? [typed(n, PHONE_TYPES[k] ?? [])] : [];
      });
    },
  ),
  addresses: normalisedField(
    'one each of business, home and other: street, city, region, postal code, country; no PO box, extended part, label or PREF',
    (v) => {
      const bySlot = new Map<string, PostalAddress>();
      for (const a of v) {
        const slot = addressSlot(a);
        if (bySlot.has(slot)) continue;
        bySlot.set(slot, a);
      }
      return Object.keys(ADDRESS_TYPES).flatMap((slot) => {
        const a = bySlot.get(slot);
        if (!a) return [];
        const parts = {
          street: a.street || undefined,
          locality: a.locality || undefined,
          region: a.region || undefined,
          postalCode: a.postalCode || undefined,
          country: a.country || undefined,
        };
        const kept = Object.fromEntries(Object.entries(parts).filter(([, x]) => x !== undefined));
        return Object.keys(kept).length ? [{ types: [...(ADDRESS_TYPES[slot] ?? [])], ...kept }] : [];
      });
    },
  ),
  organization: normalisedField('CompanyName and one Department (the first unit)', (v) => {
    const name = v?.name || undefined;
    const unit = v?.units[0] || undefined;
    return name || unit ? { ...(name ? { name } : {}), units: unit ? [unit] : [] } : undefined;
  }),
  title: normalisedField('JobTitle: an empty one reads as none', blankToUndefined),
  role: notHeldField('EWS has no ROLE (Profession is not mapped)'),
  birthday: normalisedField(`Birthday; a year-less one is stored as ${NO_YEAR}, so ${NO_YEAR} reads as no year`, (v) =>
    v ? (v.year === NO_YEAR ? { month: v.month, day: v.day } : v) : undefined,
  ),
  anniversary: notHeldField('WeddingAnniversary is not mapped'),
  notes: normalisedField('plain-text Body: an empty one reads as none', blankToUndefined),
  urls: normalisedField('one URL (BusinessHomePage), read as a work URL', (v) =>
    v[0] ? [typed(v[0].value, ['work'])] : [],
  ),
  impps: normalisedField(`${IM_SLOTS} slots (ImAddress1–3), without TYPE or PREF`, (v) =>
    v.slice(0, IM_SLOTS).map((x) => typed(x.value, [])),
  ),
  photo: notHeldField('contact photos are not synchronised'),
  categories: heldField(),
};

export const EWS_GROUP_CAPS: FieldCapabilities<ContactGroupItem> = {
  name: heldField(),
  members: normalisedField(
    'one-off members by address (name defaulting to the address); members known only by UID are not held',
    (v) => v.filter((m) => m.email).map((m) => ({ email: m.email as string, name: m.name ?? (m.email as string) })),
  ),
  notes: normalisedField('plain-text Body: an empty one reads as none', blankToUndefined),
  categories: heldField(),
};

/** What an EWS folder of `mailbox` holds, for `StoreCaps.holds`. */
export function ewsCapabilities(mailbox: string): Capabilities {
  return {
    event: ewsEventCaps(mailbox.toLowerCase()),
    task: EWS_TASK_CAPS,
    contact: EWS_CONTACT_CAPS,
    group: EWS_GROUP_CAPS,
  };
}
