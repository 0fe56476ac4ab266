/**
 * What Microsoft Graph holds of each model field (DESIGN §4, `@exsync/core` capabilities): for events (Outlook
 * calendar), To Do tasks and Outlook contacts. Every `normalise` is what a write through this backend followed by
 * a read gives — `capabilities.test.ts` proves it field by field against the simulator with the real fixtures.
 *
 * Groups are not here: Graph v1.0 exposes no contact groups (distribution lists) in contact folders, and
 * `GraphCollectionStore` refuses to write one.
 */
import {
  type Alarm,
  type Attendee,
  type Capabilities,
  type ContactItem,
  type DateValue,
  type EventException,
  type EventItem,
  type EventOccurrenceData,
  effectiveEnd,
  type FieldCapabilities,
  heldField,
  normalisedField,
  notHeldField,
  type PartialDate,
  type PostalAddress,
  type RecurrenceRule,
  type TaskItem,
  type TaskStatus,
  type TypedValue,
} from '@exsync/core';
import { utcToWallClock } from '@exsync/pim';
import { dateOfValue, ianaZoneOf, instantOfValue } from './graph-datetime';
import { durationBefore, eventReminderMinutes } from './graph-event-mapping';
import { ruleFromGraph, ruleToGraph } from './graph-recurrence';
import { expandSeries } from './graph-series-expansion';
import { taskReminderInstant } from './graph-task-mapping';

/** The mailbox the store works on (its SMTP address), when known: meetings it organizes keep their attendees. */
export type MailboxOf = () => string | undefined;

/* ------------------------------------------------------------------ shared value normalisers */

const isoSeconds = (ms: number) => new Date(ms).toISOString().slice(0, 19);

/**
 * A time as Graph gives it back: Exchange keeps Windows zones, so an IANA zone returns as the main IANA zone of its
 * Windows zone (Europe/Vienna → Europe/Berlin) and a UTC-like zone as UTC; floating time is written as UTC.
 */
export function graphTime(v: DateValue): DateValue {
  if (v.kind === 'floating') return { kind: 'utc', dateTime: `${v.dateTime.slice(0, 19)}Z` };
  if (v.kind !== 'zoned') return v;
  const zone = ianaZoneOf(v.tzid);
  const ms = instantOfValue(v);
  return zone
    ? { kind: 'zoned', dateTime: utcToWallClock(ms, zone), tzid: zone }
    : { kind: 'utc', dateTime: `${isoSeconds(ms)}Z` };
}

/** The same instant on the wall clock of `like` (how Graph reports an occurrence: in its series' zone). */
function inFormOf(v: DateValue, like: DateValue): DateValue {
  if (like.kind === 'date') return { kind: 'date', date: v.kind === 'date' ? v.date : dateOfValue(graphTime(v)) };
  const ms = instantOfValue(v);
  if (like.kind === 'zoned') return { kind: 'zoned', dateTime: utcToWallClock(ms, like.tzid), tzid: like.tzid };
  return { kind: 'utc', dateTime: `${isoSeconds(ms)}Z` };
}

/** Bodies come back without trailing white space and with LF line ends; an empty one is no description. */
function body(v: string | undefined): string | undefined {
  const text = v?.replace(/\r\n/g, '\n').trimEnd();
  return text?.trim() ? text : undefined;
}

const nonEmpty = (v: string | undefined) => (v ? v : undefined);

/** RFC 5545 priority through Graph's importance: 1–4 high (1), 6–9 low (9), 0 and 5 normal (no priority). */
function priority(v: number | undefined): number | undefined {
  if (v === undefined || v === 0 || v === 5) return undefined;
  return v < 5 ? 1 : 9;
}

/* ------------------------------------------------------------------ events */

function organizedHere(item: EventItem, mailbox: MailboxOf): boolean {
  const self = mailbox();
  return !item.organizer || !self || item.organizer.email.toLowerCase() === self.toLowerCase();
}

function attendeesOf(attendees: readonly Attendee[], written: boolean): Attendee[] {
  if (!written) return [];
  return attendees.map((a) => {
    const resource = a.kind === 'resource' || a.kind === 'room';
    return {
      email: a.email,
      ...(a.name && a.name !== a.email ? { name: a.name } : {}),
      role: resource ? 'non-participant' : a.role === 'optional' ? 'optional' : 'required',
      status: 'needs-action',
      ...(resource ? { kind: 'resource' as const } : {}),
    };
  });
}

function organizerOf(item: EventItem, attendees: readonly Attendee[], mailbox: MailboxOf) {
  if (attendees.length === 0) return undefined;
  return { email: mailbox() ?? item.organizer?.email ?? '' };
}

function eventReminders(o: EventOccurrenceData): Alarm[] {
  const minutes = eventReminderMinutes(o);
  return minutes === undefined ? [] : [{ action: 'display', trigger: { relative: durationBefore(minutes) } }];
}

function recurrenceOf(rule: RecurrenceRule, start: DateValue): RecurrenceRule {
  try {
    return ruleFromGraph(ruleToGraph(rule, start, start.kind === 'zoned' ? start.tzid : 'UTC'));
  } catch {
    return rule; // Exchange cannot hold it: the write is refused, nothing is read back.
  }
}

/** Is `at` an occurrence of the series Graph holds (and inside what the store searches for changed ones)? */
function isOccurrence(item: EventItem, at: DateValue): boolean {
  if (!item.recurrence) return false;
  const start = graphTime(item.start);
  const zone = start.kind === 'zoned' ? start.tzid : 'UTC';
  let pattern: ReturnType<typeof ruleToGraph>;
  try {
    pattern = ruleToGraph(item.recurrence, item.start, zone);
  } catch {
    return false;
  }
  const t = instantOfValue(at);
  const first = Date.parse(`${pattern.range.startDate}T00:00:00Z`) - 86_400_000;
  if (t < first || t > Math.max(Date.now(), first) + 730 * 86_400_000) return false;
  return expandSeries(pattern, instantOfValue(item.start), zone, t - 86_400_000, t + 86_400_000).includes(t);
}

function occurrenceFields(o: EventOccurrenceData, master: EventItem, mailbox: MailboxOf): EventOccurrenceData {
  const attendees = attendeesOf(o.attendees, organizedHere(master, mailbox));
  const organizer = organizerOf(master, attendees, mailbox);
  const sensitivity = o.sensitivity === 'public' ? undefined : o.sensitivity;
  const p = priority(o.priority);
  const description = body(o.description);
  return {
    ...(nonEmpty(o.summary) ? { summary: o.summary } : {}),
    ...(description ? { description } : {}),
    ...(nonEmpty(o.location) ? { location: o.location } : {}),
    start: o.start,
    end: effectiveEnd(o),
    freeBusy: o.freeBusy ?? 'busy',
    ...(sensitivity ? { sensitivity } : {}),
    ...(p ? { priority: p } : {}),
    categories: [...o.categories],
    ...(organizer ? { organizer } : {}),
    attendees,
    reminders: eventReminders(o),
    attachments: [],
  };
}

function exceptionsOf(item: EventItem, mailbox: MailboxOf): EventException[] {
  if (!item.recurrence) return [];
  const start = graphTime(item.start);
  const end = graphTime(effectiveEnd(item));
  return item.exceptions
    .filter((x) => x.status !== 'cancelled' && isOccurrence(item, x.recurrenceId))
    .map((x) => {
      const o = occurrenceFields({ ...x, end: x.end, duration: x.duration } as EventOccurrenceData, item, mailbox);
      return {
        ...o,
        start: inFormOf(o.start, start),
        end: inFormOf(o.end ?? o.start, end),
        recurrenceId: inFormOf(x.recurrenceId, start),
      };
    })
    .sort((a, b) => JSON.stringify(a.recurrenceId).localeCompare(JSON.stringify(b.recurrenceId)));
}

function excludedOf(item: EventItem): DateValue[] {
  if (!item.recurrence) return [];
  const start = graphTime(item.start);
  const all = [
    ...item.excludedDates,
    ...item.exceptions.filter((x) => x.status === 'cancelled').map((x) => x.recurrenceId),
  ];
  const byInstant = new Map<number, DateValue>();
  for (const d of all) if (isOccurrence(item, d)) byInstant.set(instantOfValue(d), inFormOf(d, start));
  return [...byInstant.entries()].sort(([a], [b]) => a - b).map(([, d]) => d);
}

function eventTable(mailbox: MailboxOf): FieldCapabilities<EventItem> {
  const field =
    <K extends keyof EventOccurrenceData>(key: K) =>
    (_: unknown, item: EventItem) =>
      occurrenceFields(item, item, mailbox)[key];
  return {
    summary: normalisedField('an empty subject reads back as none', (v) => nonEmpty(v)),
    description: normalisedField('the body comes back with LF line ends and no trailing white space', (v) => body(v)),
    location: normalisedField('location.displayName; an empty one reads back as none', (v) => nonEmpty(v)),
    url: notHeldField('a Graph event has no URL property (webLink is Outlook’s own link)'),
    start: normalisedField(
      'Exchange keeps Windows zones (an IANA zone returns as the main zone of its Windows zone); floating time is written as UTC',
      (v) => graphTime(v),
    ),
    end: normalisedField(
      'Exchange holds an end: DURATION (or neither) becomes the end it implies (RFC 5545 §3.6.1), in Graph’s zone form',
      (_v, item) => graphTime(effectiveEnd(item)),
    ),
    duration: notHeldField('Exchange holds an end, never a duration: it reads back as DTEND'),
    status: normalisedField<EventItem['status'], EventItem>(
      'isCancelled is read-only (Exchange sets it on a meeting its organizer cancelled) and TENTATIVE/CONFIRMED have no Graph property: a written status reads back as none',
      () => undefined,
    ),
    freeBusy: normalisedField('showAs; an event without TRANSP is written busy', (v) => v ?? 'busy'),
    sensitivity: normalisedField(
      'Graph has normal/personal/private/confidential: PUBLIC is written as normal, which reads back as no CLASS',
      (v) => (v === 'public' ? undefined : v),
    ),
    priority: normalisedField('importance: 1–4 high (1), 6–9 low (9), 0 and 5 normal (none)', (v) => priority(v)),
    categories: heldField(),
    organizer: normalisedField(
      'Exchange is the organizer of what it holds: a meeting organized here reads back with the mailbox as organizer; one organized elsewhere is copied without attendees, so without organizer',
      field('organizer'),
    ),
    attendees: normalisedField(
      'written only for meetings the mailbox organizes (Graph mails whom it is given); responses cannot be written (needs-action), RSVP and CUTYPE group are not held, rooms and resources become resource attendees, chair and non-participant become required',
      field('attendees'),
    ),
    reminders: normalisedField(
      'Exchange keeps one reminder, minutes before the start: the first alarm at or before the start, as a display alarm without description',
      field('reminders'),
    ),
    attachments: notHeldField('URI attachments have no Graph form (Graph attachments are files)'),
    recurrence: normalisedField(
      'Exchange’s six patterns: every-weekday DAILY becomes WEEKLY on those days, UNTIL becomes a date on the series’ wall clock, WKST is kept for weekly patterns only (Sunday as none); rules outside the patterns are refused',
      (v, item) => (v ? recurrenceOf(v, item.start) : undefined),
    ),
    recurrenceId: notHeldField(
      'occurrences without their series master are created as single events: Graph cannot create an occurrence alone',
    ),
    recurrenceDates: notHeldField('Exchange has no RDATE: extra occurrences are not created'),
    excludedDates: normalisedField(
      'deleted occurrences: only dates that are occurrences of the pattern (within the store’s search horizon), with cancelled exceptions among them, in time order, on the series’ wall clock',
      (_v, item) => excludedOf(item),
    ),
    exceptions: normalisedField(
      'occurrences of the pattern edited through PATCH, each field as for a single event, times on the series’ wall clock; a cancelled one is deleted (see excludedDates)',
      (_v, item) => exceptionsOf(item, mailbox),
    ),
  };
}

/* ------------------------------------------------------------------ tasks */

/** To Do status: the four RFC states through notStarted/inProgress/completed; CANCELLED is written as deferred. */
const TASK_STATUS: Record<TaskStatus, TaskStatus> = {
  'needs-action': 'needs-action',
  'in-process': 'in-process',
  completed: 'completed',
  cancelled: 'needs-action',
};

const toDoDate = (v: DateValue | undefined): DateValue | undefined =>
  v ? { kind: 'date', date: dateOfValue(v) } : undefined;

const taskTable: FieldCapabilities<TaskItem> = {
  summary: normalisedField('an empty title reads back as none', (v) => nonEmpty(v)),
  description: normalisedField('the body comes back with LF line ends and no trailing white space', (v) => body(v)),
  url: notHeldField('a To Do task has no URL property (linkedResources are not mapped)'),
  start: normalisedField('To Do keeps a start date, not a time: the date on the value’s own clock', (v) => toDoDate(v)),
  due: normalisedField('To Do keeps a due date, not a time: the date on the value’s own clock', (v) => toDoDate(v)),
  completed: normalisedField(
    'To Do keeps a completion date (UTC midnight of the UTC date) on completed tasks only: a completed task without one gets today’s, any other task none',
    (v, item) =>
      item.status === 'completed'
        ? { kind: 'utc', dateTime: `${isoSeconds(v ? instantOfValue(v) : Date.now()).slice(0, 10)}T00:00:00Z` }
        : undefined,
  ),
  percentComplete: notHeldField('To Do has no percentage'),
  priority: normalisedField('importance: 1–4 high (1), 6–9 low (9), 0 and 5 normal (none)', (v) => priority(v)),
  status: normalisedField('CANCELLED is written as deferred, which reads back as needs-action', (v) => TASK_STATUS[v]),
  sensitivity: notHeldField('a To Do task has no sensitivity'),
  categories: heldField(),
  recurrence: normalisedField(
    'Exchange’s six patterns, anchored on the due date (else the start); a task with neither has no recurrence',
    (v, item) => {
      const anchor = item.due ?? item.start;
      return v && anchor ? recurrenceOf(v, toDoDate(anchor) as DateValue) : undefined;
    },
  ),
  reminders: normalisedField(
    'To Do keeps one reminder at an instant: the first absolute alarm, or one relative to the start (or, RELATED=END, the due), as a UTC display alarm',
    (_v, item) => {
      const at = taskReminderInstant(item);
      return at === undefined
        ? []
        : [{ action: 'display', trigger: { absolute: { kind: 'utc', dateTime: `${isoSeconds(at)}Z` } } }];
    },
  ),
  parentUid: notHeldField('To Do has no subtasks (checklist items are not tasks)'),
};

/* ------------------------------------------------------------------ contacts */

const byPref = <T extends { pref?: number }>(list: readonly T[]) =>
  [...list].sort((a, b) => (a.pref ?? 100) - (b.pref ?? 100));

const EMAIL_SLOTS = ['work', 'home', 'other'];

function phonesOf(phones: readonly TypedValue[]): TypedValue[] {
  const sorted = byPref(phones);
  const mobile = sorted.find((p) => p.types.includes('cell'));
  const rest = sorted.filter((p) => p !== mobile);
  return [
    ...rest.filter((p) => p.types.includes('work')).map((p) => ({ value: p.value, types: ['work'] })),
    ...rest.filter((p) => !p.types.includes('work')).map((p) => ({ value: p.value, types: ['home'] })),
    ...(mobile ? [{ value: mobile.value, types: ['cell'] }] : []),
  ];
}

function addressesOf(addresses: readonly PostalAddress[]): PostalAddress[] {
  const work = addresses.find((a) => a.types.includes('work'));
  const home = addresses.find((a) => a.types.includes('home'));
  const other = addresses.find((a) => a !== work && a !== home);
  const slot = (a: PostalAddress | undefined, type: string): PostalAddress[] => {
    if (!a || !(a.street || a.locality || a.region || a.postalCode || a.country)) return [];
    return [
      {
        types: [type],
        ...(a.street ? { street: a.street } : {}),
        ...(a.locality ? { locality: a.locality } : {}),
        ...(a.region ? { region: a.region } : {}),
        ...(a.postalCode ? { postalCode: a.postalCode } : {}),
        ...(a.country ? { country: a.country } : {}),
      },
    ];
  };
  return [...slot(work, 'work'), ...slot(home, 'home'), ...slot(other, 'other')];
}

function birthdayOf(b: PartialDate | undefined): PartialDate | undefined {
  if (!b) return undefined;
  return b.year !== undefined && b.year > 1604 ? b : { month: b.month, day: b.day };
}

const contactTable: FieldCapabilities<ContactItem> = {
  formattedName: normalisedField(
    'displayName; without one, Exchange makes it from the given and family names',
    (v, item) => nonEmpty(v) ?? nonEmpty([item.name?.given, item.name?.family].filter(Boolean).join(' ')),
  ),
  name: normalisedField(
    'givenName, middleName, surname, title (prefix), generation (suffix); empty parts dropped',
    (v) => {
      const name = {
        ...(v?.family ? { family: v.family } : {}),
        ...(v?.given ? { given: v.given } : {}),
        ...(v?.additional ? { additional: v.additional } : {}),
        ...(v?.prefix ? { prefix: v.prefix } : {}),
        ...(v?.suffix ? { suffix: v.suffix } : {}),
      };
      return Object.keys(name).length > 0 ? name : undefined;
    },
  ),
  nickname: normalisedField('nickName; an empty one reads back as none', (v) => nonEmpty(v)),
  emails: normalisedField(
    'three unnamed slots: the three most preferred, typed work, home, other by slot; PREF dropped',
    (v) =>
      byPref(v)
        .slice(0, 3)
        .map((e, i) => ({ value: e.value, types: [EMAIL_SLOTS[i] ?? 'other'] })),
  ),
  phones: normalisedField(
    'businessPhones (work), homePhones (every other number, fax and pager included) and one mobilePhone (the most preferred cell), in that order; other types and PREF dropped',
    (v) => phonesOf(v),
  ),
  addresses: normalisedField(
    'three slots: the first work, the first home and one other address; PO box, extended address, label and PREF are not held',
    (v) => addressesOf(v),
  ),
  organization: normalisedField('companyName and department (the first unit only)', (v) =>
    v?.name || v?.units[0] ? { ...(v.name ? { name: v.name } : {}), units: v.units[0] ? [v.units[0]] : [] } : undefined,
  ),
  title: normalisedField('jobTitle; an empty one reads back as none', (v) => nonEmpty(v)),
  role: normalisedField('profession; an empty one reads back as none', (v) => nonEmpty(v)),
  birthday: normalisedField('birthday; Outlook’s year 1604 (and any before) means no year', (v) => birthdayOf(v)),
  anniversary: notHeldField('a Graph v1.0 contact has no anniversary'),
  notes: normalisedField('personalNotes; an empty one reads back as none', (v) => nonEmpty(v)),
  urls: normalisedField('one businessHomePage: the first URL, typed work', (v) =>
    v[0] ? [{ value: v[0].value, types: ['work'] }] : [],
  ),
  impps: normalisedField('imAddresses: the addresses without type or PREF', (v) =>
    v.map((i) => ({ value: i.value, types: [] })),
  ),
  photo: notHeldField('contact photos are a separate Graph resource, not written through this API'),
  categories: heldField(),
};

/** The Graph backend's capability tables. `mailbox` gives the mailbox address once the store knows it. */
export function graphCapabilities(mailbox: MailboxOf): Capabilities {
  return { event: eventTable(mailbox), task: taskTable, contact: contactTable };
}
