import type { Alarm, Attendee, DateValue, EventException, EventItem, RecurrenceRule, Weekday } from '@exsync/core';
import { effectiveEnd, RejectedError } from '@exsync/core';
import { ianaToWindows, isIanaZone, utcToWallClock } from '@exsync/pim';
import {
  type Appointment,
  BodyType,
  DateTime,
  DateTimeKind,
  DayOfTheWeek,
  DayOfTheWeekIndex,
  LegacyFreeBusyStatus,
  MessageBody,
  Recurrence,
  TimeZoneInfo,
} from 'ews-javascript-api';
import { ewsSensitivityOf, importanceOf, priorityOf, sensitivityOf } from './importance-sensitivity';
import { dateTimeOf, dateValueOf, ianaOf, instantOf, stringList, xmlText } from './wire-values';

/** What EWS said about one occurrence's content: the JSON snapshot kept as `raw`. */
export interface EventFieldsSnapshot {
  subject?: string;
  body?: string;
  location?: string;
  start?: string;
  end?: string;
  isAllDay?: boolean;
  startTimeZone?: string;
  freeBusy?: string;
  sensitivity?: string;
  importance?: string;
  categories: string[];
  organizer?: { address: string; name?: string };
  attendees: { address: string; name?: string; role: 'required' | 'optional' | 'resource'; response?: string }[];
  reminderMinutes?: number;
}

export interface RecurrenceSnapshot {
  pattern: string;
  interval?: number;
  daysOfWeek?: string[];
  dayOfMonth?: number;
  dayOfWeekIndex?: string;
  month?: number;
  startDate?: string;
  endDate?: string;
  numberOfOccurrences?: number;
}

export interface EventSnapshot extends EventFieldsSnapshot {
  type: 'CalendarItem';
  itemId: string;
  changeKey: string;
  uid?: string;
  appointmentType?: string;
  lastModified?: string;
  marker?: string;
  recurrence?: RecurrenceSnapshot;
  deletedOccurrences: string[];
  modifiedOccurrences: (EventFieldsSnapshot & { itemId: string; originalStart: string })[];
}

const WEEKDAYS: Record<string, Weekday> = {
  Monday: 'MO',
  Tuesday: 'TU',
  Wednesday: 'WE',
  Thursday: 'TH',
  Friday: 'FR',
  Saturday: 'SA',
  Sunday: 'SU',
};
const DAY_NAMES: Record<Weekday, keyof typeof DayOfTheWeek> = {
  MO: 'Monday',
  TU: 'Tuesday',
  WE: 'Wednesday',
  TH: 'Thursday',
  FR: 'Friday',
  SA: 'Saturday',
  SU: 'Sunday',
};
const ORDINALS: Record<string, number> = { First: 1, Second: 2, Third: 3, Fourth: 4, Last: -1 };

const FREE_BUSY: Record<string, EventItem['freeBusy']> = {
  Free: 'free',
  Tentative: 'tentative',
  Busy: 'busy',
  OOF: 'out-of-office',
  WorkingElsewhere: 'working-elsewhere',
};
const RESPONSE: Record<string, Attendee['status']> = {
  Accept: 'accepted',
  Decline: 'declined',
  Tentative: 'tentative',
  Organizer: 'accepted',
};

/**
 * The model of an appointment read from `mailbox`. Exchange makes every appointment's organizer the mailbox that
 * holds it: the organizer is reported only for meetings (iCalendar has ORGANIZER for scheduled events only), and the
 * mailbox's own display name is left out, as a write could never set it.
 */
export function eventFromSnapshot(s: EventSnapshot, uid: string, mailbox = ''): EventItem {
  const zone = ianaOf(s.startTimeZone);
  const fields = occurrenceFromSnapshot(s, zone, mailbox);
  const exceptions: EventException[] = s.modifiedOccurrences.map((o) => ({
    // An occurrence item carries all its fields: a location or body it lacks is none, never the master's.
    ...occurrenceFromSnapshot({ isAllDay: s.isAllDay, startTimeZone: s.startTimeZone, ...o }, zone, mailbox),
    recurrenceId: dateValueOf(o.originalStart, zone, !!s.isAllDay),
  }));
  return {
    kind: 'event',
    uid,
    ...fields,
    ...(s.recurrence ? { recurrence: ruleFromSnapshot(s.recurrence, zone) } : {}),
    recurrenceDates: [],
    excludedDates: s.deletedOccurrences.map((d) => dateValueOf(d, zone, !!s.isAllDay)),
    exceptions,
  };
}

function occurrenceFromSnapshot(s: EventFieldsSnapshot, zone: string | undefined, mailbox: string) {
  const allDay = !!s.isAllDay;
  const reminders: Alarm[] =
    s.reminderMinutes !== undefined
      ? [{ action: 'display', trigger: { relative: `-PT${s.reminderMinutes}M`, related: 'start' } }]
      : [];
  const priority = priorityOf(s.importance);
  const freeBusy = s.freeBusy ? FREE_BUSY[s.freeBusy] : undefined;
  const sensitivity = sensitivityOf(s.sensitivity);
  return clean({
    summary: s.subject,
    description: s.body,
    location: s.location,
    start: dateValueOf(s.start ?? '1970-01-01T00:00:00Z', zone, allDay),
    end: s.end ? dateValueOf(s.end, zone, allDay) : undefined,
    freeBusy,
    sensitivity,
    priority,
    categories: s.categories,
    organizer:
      s.organizer && s.attendees.length
        ? clean({
            email: s.organizer.address,
            name: s.organizer.address.toLowerCase() === mailbox.toLowerCase() ? undefined : s.organizer.name,
          })
        : undefined,
    attendees: s.attendees.map(
      (a): Attendee =>
        clean({
          email: a.address,
          name: a.name,
          role: a.role === 'optional' ? 'optional' : a.role === 'resource' ? 'non-participant' : 'required',
          status: (a.response && RESPONSE[a.response]) || 'needs-action',
          kind: a.role === 'resource' ? ('resource' as const) : undefined,
        }),
    ),
    reminders,
    attachments: [],
  }) as Omit<EventItem, 'kind' | 'uid' | 'recurrenceDates' | 'excludedDates' | 'exceptions'>;
}

export function ruleFromSnapshot(r: RecurrenceSnapshot, zone: string | undefined): RecurrenceRule {
  const byDay = (r.daysOfWeek ?? []).flatMap((d) => (WEEKDAYS[d] ? [WEEKDAYS[d]] : []));
  const ordinal = r.dayOfWeekIndex ? ORDINALS[r.dayOfWeekIndex] : undefined;
  const range = {
    ...(r.numberOfOccurrences ? { count: r.numberOfOccurrences } : {}),
    ...(r.endDate ? { until: untilOf(r.endDate, zone) } : {}),
  };
  const interval = r.interval && r.interval > 1 ? { interval: r.interval } : {};
  switch (r.pattern) {
    case 'Daily':
      return { freq: 'DAILY', ...interval, ...range };
    case 'Weekly':
      return {
        freq: 'WEEKLY',
        ...interval,
        ...range,
        ...(byDay.length ? { byDay: byDay.map((day) => ({ day })) } : {}),
      };
    case 'Monthly':
      return { freq: 'MONTHLY', ...interval, ...range, ...(r.dayOfMonth ? { byMonthDay: [r.dayOfMonth] } : {}) };
    case 'RelativeMonthly':
      return { freq: 'MONTHLY', ...interval, ...range, byDay: byDay.map((day) => ({ day, ordinal: ordinal ?? 1 })) };
    case 'Yearly':
      return {
        freq: 'YEARLY',
        ...range,
        ...(r.month ? { byMonth: [r.month] } : {}),
        ...(r.dayOfMonth ? { byMonthDay: [r.dayOfMonth] } : {}),
      };
    default:
      return {
        freq: 'YEARLY',
        ...range,
        ...(r.month ? { byMonth: [r.month] } : {}),
        byDay: byDay.map((day) => ({ day, ordinal: ordinal ?? 1 })),
      };
  }
}

/** EWS end dates are whole days: the series ends with that day. */
function untilOf(endDate: string, _zone: string | undefined): DateValue {
  return { kind: 'date', date: endDate };
}

/* ------------------------------------------------------------------ writing */

/** One mapped field group: how to compare it between two models and how to write it onto an appointment. */
interface FieldWriter {
  readonly name: string;
  get(e: EventItem): unknown;
  /** `occurrence`: writing one occurrence of a series, which has the series' zone and no pattern of its own. */
  set(a: Appointment, e: EventItem, occurrence?: boolean): void;
}

const WRITERS: readonly FieldWriter[] = [
  {
    name: 'subject',
    get: (e) => e.summary,
    set: (a, e) => {
      a.Subject = e.summary === undefined ? (null as never) : xmlText(e.summary);
    },
  },
  {
    name: 'body',
    get: (e) => e.description,
    set: (a, e) => {
      a.Body = new MessageBody(BodyType.Text, xmlText(e.description ?? ''));
    },
  },
  {
    name: 'location',
    get: (e) => e.location,
    set: (a, e) => {
      a.Location = e.location === undefined ? (null as never) : xmlText(e.location);
    },
  },
  {
    name: 'time',
    get: (e) => [e.start, e.end, e.duration],
    set: (a, e, occurrence) => {
      const start = instantOf(e.start);
      // EWS holds an end, never a duration: DURATION becomes the end it stands for (RFC 5545 §3.3.6).
      const endValue = effectiveEnd(e);
      const end = instantOf(endValue);
      a.IsAllDayEvent = e.start.kind === 'date';
      a.Start = dateTimeOf(new Date(start).toISOString());
      a.End = dateTimeOf(new Date(end).toISOString());
      // The zone makes a series keep its wall-clock time across DST, and lets the read give back the same zone.
      // An occurrence keeps the series' zone: Exchange refuses a zone of its own on one (ErrorInvalidPropertyRequest).
      const zone = e.start.kind === 'zoned' && !occurrence ? timeZoneOf(e.start.tzid) : undefined;
      if (zone) {
        a.StartTimeZone = zone;
        a.EndTimeZone = (endValue.kind === 'zoned' && timeZoneOf(endValue.tzid)) || zone;
      }
    },
  },
  {
    name: 'freeBusy',
    get: (e) => e.freeBusy,
    set: (a, e) => {
      const map = {
        free: LegacyFreeBusyStatus.Free,
        tentative: LegacyFreeBusyStatus.Tentative,
        busy: LegacyFreeBusyStatus.Busy,
        'out-of-office': LegacyFreeBusyStatus.OOF,
        'working-elsewhere': LegacyFreeBusyStatus.WorkingElsewhere,
      } as const;
      a.LegacyFreeBusyStatus = map[e.freeBusy ?? 'busy'];
    },
  },
  {
    name: 'sensitivity',
    get: (e) => e.sensitivity,
    set: (a, e) => {
      a.Sensitivity = ewsSensitivityOf(e.sensitivity);
    },
  },
  {
    name: 'importance',
    get: (e) => importanceOf(e.priority),
    set: (a, e) => {
      a.Importance = importanceOf(e.priority);
    },
  },
  {
    name: 'categories',
    get: (e) => e.categories,
    set: (a, e) => {
      a.Categories = stringList(e.categories);
    },
  },
  {
    name: 'attendees',
    get: (e) => e.attendees.map((x) => [x.email.toLowerCase(), x.role, x.kind]),
    set: (a, e) => {
      a.RequiredAttendees.Clear();
      a.OptionalAttendees.Clear();
      a.Resources.Clear();
      for (const x of e.attendees) {
        const list =
          x.kind === 'resource' || x.kind === 'room'
            ? a.Resources
            : x.role === 'optional' || x.role === 'non-participant'
              ? a.OptionalAttendees
              : a.RequiredAttendees;
        list.Add(x.name ? xmlText(x.name) : xmlText(x.email), xmlText(x.email));
      }
    },
  },
  {
    name: 'reminder',
    get: (e) => reminderMinutes(e.reminders),
    set: (a, e) => {
      const minutes = reminderMinutes(e.reminders);
      a.IsReminderSet = minutes !== undefined;
      if (minutes !== undefined) a.ReminderMinutesBeforeStart = minutes;
    },
  },
  {
    name: 'recurrence',
    get: (e) => [e.recurrence, e.start],
    set: (a, e) => {
      a.Recurrence = e.recurrence ? patternOf(e.recurrence, e.start) : (null as never);
    },
  },
];

const icuSpellings = new Map<string, string>();

/**
 * ICU's own spelling of a zone (Europe/Kyiv → Europe/Kiev), which CLDR's older Windows table knows. Remembered per
 * id (a few hundred at most): building an Intl formatter costs more than the rest of a zone lookup together.
 */
function icuZone(tzid: string): string {
  let spelling = icuSpellings.get(tzid);
  if (spelling === undefined) {
    try {
      spelling = new Intl.DateTimeFormat('en', { timeZone: tzid }).resolvedOptions().timeZone;
    } catch {
      spelling = tzid;
    }
    if (icuSpellings.size >= 1_000) icuSpellings.clear();
    icuSpellings.set(tzid, spelling);
  }
  return spelling;
}

/**
 * The library's zone for an IANA id. Its own IANA table lacks newer names (Europe/Kyiv,
 * America/Argentina/Buenos_Aires): those go through CLDR's Windows id, which it knows.
 */
export function timeZoneOf(tzid: string): TimeZoneInfo | undefined {
  for (const id of [tzid, ianaToWindows(tzid), ianaToWindows(icuZone(tzid))]) {
    if (!id) continue;
    try {
      return TimeZoneInfo.FindSystemTimeZoneById(id);
    } catch {
      // try the next spelling
    }
  }
  return undefined;
}

/** Exchange holds one reminder, relative to the start; other alarms stay only on the DAV side. */
export function reminderMinutes(reminders: readonly Alarm[]): number | undefined {
  for (const r of reminders) {
    if (!('relative' in r.trigger) || r.trigger.related === 'end') continue;
    const m = /^(-)?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(r.trigger.relative);
    if (!m) continue;
    const minutes =
      Number(m[2] ?? 0) * 10080 +
      Number(m[3] ?? 0) * 1440 +
      Number(m[4] ?? 0) * 60 +
      Number(m[5] ?? 0) +
      Math.ceil(Number(m[6] ?? 0) / 60);
    return m[1] ? minutes : 0;
  }
  return undefined;
}

/**
 * The EWS pattern of a rule. Implicit parts (the weekday of a weekly rule, the day of a monthly one, the start date
 * of the range) come from the start's wall clock in the series' own zone: Monday 08:00 in Tokyo is a Monday series
 * even though it is Sunday in UTC.
 */
export function patternOf(rule: RecurrenceRule, start: DateValue): Recurrence {
  const unsupported = () => new RejectedError(`Exchange cannot hold this recurrence (${rule.freq})`, 'unsupported');
  if (rule.bySetPos?.length || (rule.byMonth && rule.byMonth.length > 1)) throw unsupported();
  const interval = rule.interval ?? 1;
  const local = localDateOf(start);
  const localDay = new Date(`${local}T00:00:00Z`);
  const startDay = localDay.getUTCDay();
  let p: Recurrence;
  const dayOf = (d: Weekday) => DayOfTheWeek[DAY_NAMES[d]];
  const ordinalOf = (o: number | undefined) =>
    o === -1 ? DayOfTheWeekIndex.Last : ([0, 1, 2, 3] as DayOfTheWeekIndex[])[(o ?? 1) - 1];
  const weekly = (days: readonly DayOfTheWeek[]) => {
    const w = new Recurrence.WeeklyPattern();
    w.Interval = interval;
    w.DaysOfTheWeek.AddRange([...days]);
    return w;
  };
  switch (rule.freq) {
    case 'DAILY': {
      if (rule.byDay?.length) {
        // "Every weekday" (DAILY;BYDAY=MO,…,FR) is Outlook's weekly pattern on those days; with an interval or
        // ordinals a daily rule has no EWS form.
        if (interval !== 1 || rule.byDay.some((d) => d.ordinal !== undefined)) throw unsupported();
        p = weekly(rule.byDay.map((d) => dayOf(d.day)));
        break;
      }
      const d = new Recurrence.DailyPattern();
      d.Interval = interval;
      p = d;
      break;
    }
    case 'WEEKLY': {
      p = weekly(rule.byDay?.length ? rule.byDay.map((d) => dayOf(d.day)) : [startDay as DayOfTheWeek]);
      break;
    }
    case 'MONTHLY': {
      const byDay = rule.byDay?.[0];
      if (byDay && rule.byDay?.length === 1) {
        const m = new Recurrence.RelativeMonthlyPattern();
        m.Interval = interval;
        m.DayOfTheWeek = dayOf(byDay.day);
        m.DayOfTheWeekIndex = ordinalOf(byDay.ordinal) ?? DayOfTheWeekIndex.First;
        p = m;
      } else if (!rule.byDay?.length) {
        const m = new Recurrence.MonthlyPattern();
        m.Interval = interval;
        m.DayOfMonth = rule.byMonthDay?.[0] ?? localDay.getUTCDate();
        p = m;
      } else throw unsupported();
      break;
    }
    case 'YEARLY': {
      if (interval !== 1) throw unsupported();
      const month = rule.byMonth?.[0] ?? localDay.getUTCMonth() + 1;
      const byDay = rule.byDay?.[0];
      if (byDay && rule.byDay?.length === 1) {
        const y = new Recurrence.RelativeYearlyPattern();
        y.Month = month;
        y.DayOfTheWeek = dayOf(byDay.day);
        y.DayOfTheWeekIndex = ordinalOf(byDay.ordinal) ?? DayOfTheWeekIndex.First;
        p = y;
      } else if (!rule.byDay?.length) {
        const y = new Recurrence.YearlyPattern();
        y.Month = month;
        y.DayOfMonth = rule.byMonthDay?.[0] ?? localDay.getUTCDate();
        p = y;
      } else throw unsupported();
      break;
    }
  }
  p.StartDate = xsDateOf(local);
  const zone = start.kind === 'zoned' ? start.tzid : undefined;
  if (rule.count) p.NumberOfOccurrences = rule.count;
  else if (rule.until) p.EndDate = xsDateOf(localDateOf(rule.until, zone));
  return p;
}

/** `YYYY-MM-DD` of a date value on the wall clock of `zone` (its own zone or wall clock when it has one). */
function localDateOf(v: DateValue, zone?: string): string {
  switch (v.kind) {
    case 'date':
      return v.date;
    case 'zoned':
    case 'floating':
      return v.dateTime.slice(0, 10);
    case 'utc':
      return zone && isIanaZone(zone)
        ? utcToWallClock(Date.parse(v.dateTime), zone).slice(0, 10)
        : v.dateTime.slice(0, 10);
  }
}

/** An xs:date: the library formats a UTC-kind DateTime as that calendar date, whatever the process zone. */
function xsDateOf(date: string): DateTime {
  return new DateTime(Date.parse(`${date}T00:00:00Z`), DateTimeKind.Utc);
}

/** Writes every mapped field (create) or only those that differ between `base` and `next` (update). */
export function writeEvent(
  a: Appointment,
  next: EventItem,
  base?: EventItem,
  options: { occurrence?: boolean } = {},
): number {
  let written = 0;
  for (const w of WRITERS) {
    // An occurrence has no pattern of its own; the "time" group moves it.
    if (options.occurrence && w.name === 'recurrence') continue;
    if (base && sameJson(w.get(base), w.get(next))) continue;
    if (!base && w.name === 'recurrence' && !next.recurrence) continue;
    if (!base && w.name === 'body' && next.description === undefined) continue;
    w.set(a, next, options.occurrence);
    written++;
  }
  return written;
}

export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Drops undefined members so snapshots and models compare and serialise alike. */
export function clean<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** One exception (or a plain occurrence) seen as a single event, so the field writers apply to it. */
export function occurrenceAsEvent(master: EventItem, data: EventException | undefined, at: DateValue): EventItem {
  const { recurrenceId: _r, ...fields } = data ?? { recurrenceId: at };
  const length = instantOf(effectiveEnd(master)) - instantOf(master.start);
  const start = data?.start ?? at;
  const end = data ? effectiveEnd(data) : shift(at, length);
  // An exception is a whole VEVENT (RFC 5545 §3.8.4.4): what it leaves out it does not have, so it never inherits
  // the master's location, attendees or description; a plain occurrence is the master moved to its time.
  const base = data ? { kind: master.kind, uid: master.uid } : master;
  return {
    ...base,
    ...fields,
    start,
    end,
    duration: undefined,
    recurrence: undefined,
    recurrenceDates: [],
    excludedDates: [],
    exceptions: [],
  } as EventItem;
}

function shift(value: DateValue, ms: number): DateValue {
  const iso = new Date(instantOf(value) + ms).toISOString();
  return value.kind === 'date'
    ? { kind: 'date', date: iso.slice(0, 10) }
    : { kind: 'utc', dateTime: `${iso.slice(0, 19)}Z` };
}
