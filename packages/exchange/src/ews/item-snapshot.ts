import { InvalidItemError } from '@exsync/core';
import { child, childrenOf, type XNode } from '@exsync/xml';
import { EXSYNC_MARKER_PROPERTY_NAME, EXSYNC_MARKER_PROPERTY_SET } from '../marker-property';
import type { ContactSnapshot } from './contact-mapping';
import { clean, type EventFieldsSnapshot, type EventSnapshot, type RecurrenceSnapshot } from './event-mapping';
import type { GroupSnapshot } from './group-mapping';
import { UID_PROPERTY_NAME } from './item-properties';
import { TYPES_NS } from './soap-envelope';
import type { TaskSnapshot } from './task-mapping';

/**
 * GetItem's item elements read straight into the JSON snapshots the mappings work from (`raw`), in one walk over the
 * parsed answer — no ews-javascript-api object model, no moment. The snapshots are exactly those the library path
 * gave (`item-snapshot.test.ts`, recorded from both over the fidelity corpora), including its reading of values:
 * text is trimmed and an empty element is no value; instants without an offset are UTC; enumerations keep only the
 * names EWS defines.
 */

export type Snapshot = EventSnapshot | ContactSnapshot | TaskSnapshot | GroupSnapshot;

/** A series' modified occurrences as the master lists them: their ItemIds and original starts. */
export function modifiedOccurrencesOf(item: XNode): { itemId: string; originalStart: string | undefined }[] {
  return childrenOf(t(item, 'ModifiedOccurrences'), TYPES_NS, 'Occurrence').flatMap((o) => {
    const itemId = t(o, 'ItemId')?.attrs.Id;
    return itemId ? [{ itemId, originalStart: instant(t(o, 'OriginalStart')) }] : [];
  });
}

/** Everything of a master but its modified occurrences' own fields, which a second GetItem reads. */
export function snapshotOf(item: XNode, occurrenceFields: readonly (EventFieldsSnapshot | undefined)[] = []): Snapshot {
  const id = t(item, 'ItemId');
  const itemId = id?.attrs.Id;
  if (!itemId) throw new InvalidItemError(`Exchange answered a ${item.name} without an ItemId`);
  const common = {
    itemId,
    changeKey: id.attrs.ChangeKey ?? '',
    marker: extended(item, EXSYNC_MARKER_PROPERTY_NAME),
    lastModified: instant(t(item, 'LastModifiedTime')),
  };
  if (item.ns === TYPES_NS && item.name === 'CalendarItem') {
    const occurrences = modifiedOccurrencesOf(item);
    return clean({
      type: 'CalendarItem' as const,
      ...common,
      uid: text(t(item, 'UID')),
      appointmentType: oneOf(text(t(item, 'CalendarItemType')), CALENDAR_ITEM_TYPES) ?? 'Single',
      ...eventFields(item),
      recurrence: recurrenceOf(t(item, 'Recurrence')),
      deletedOccurrences: childrenOf(t(item, 'DeletedOccurrences'), TYPES_NS, 'DeletedOccurrence').flatMap((d) => {
        const iso = instant(t(d, 'Start'));
        return iso ? [iso] : [];
      }),
      modifiedOccurrences: occurrences.flatMap((o, k) =>
        o.originalStart
          ? [
              {
                itemId: o.itemId,
                originalStart: o.originalStart,
                ...(occurrenceFields[k] ?? { categories: [], attendees: [] }),
              },
            ]
          : [],
      ),
    });
  }
  const uid = extended(item, UID_PROPERTY_NAME);
  if (item.ns === TYPES_NS && item.name === 'DistributionList')
    return clean({ type: 'DistributionList' as const, ...common, uid, ...groupFields(item) });
  if (item.ns === TYPES_NS && item.name === 'Contact')
    return clean({ type: 'Contact' as const, ...common, uid, ...contactFields(item) });
  if (item.ns === TYPES_NS && item.name === 'Task')
    return clean({ type: 'Task' as const, ...common, uid, ...taskFields(item) });
  throw new InvalidItemError(`Item ${itemId} is of a kind this store does not map`);
}

/** The content of one appointment (a master, a single, or one occurrence). */
export function eventFields(a: XNode): EventFieldsSnapshot {
  const attendees: EventFieldsSnapshot['attendees'] = [];
  for (const [list, role] of [
    ['RequiredAttendees', 'required'],
    ['OptionalAttendees', 'optional'],
    ['Resources', 'resource'],
  ] as const) {
    for (const x of childrenOf(t(a, list), TYPES_NS, 'Attendee')) {
      const mailbox = t(x, 'Mailbox');
      const address = text(t(mailbox, 'EmailAddress'));
      if (!address) continue;
      const name = text(t(mailbox, 'Name'));
      const response = oneOf(text(t(x, 'ResponseType')), RESPONSE_TYPES);
      attendees.push({ address, ...(name ? { name } : {}), role, ...(response ? { response } : {}) });
    }
  }
  const organizer = t(t(a, 'Organizer'), 'Mailbox');
  const organizerAddress = text(t(organizer, 'EmailAddress'));
  const organizerName = text(t(organizer, 'Name'));
  return clean({
    subject: text(t(a, 'Subject')),
    body: text(t(a, 'Body')),
    location: text(t(a, 'Location')),
    start: instant(t(a, 'Start')),
    end: instant(t(a, 'End')),
    isAllDay: bool(t(a, 'IsAllDayEvent')) || undefined,
    startTimeZone: t(a, 'StartTimeZone')?.attrs.Id || undefined,
    freeBusy: oneOf(text(t(a, 'LegacyFreeBusyStatus')), FREE_BUSY),
    sensitivity: oneOf(text(t(a, 'Sensitivity')), SENSITIVITY),
    importance: oneOf(text(t(a, 'Importance')), IMPORTANCE),
    categories: strings(t(a, 'Categories')),
    organizer: organizerAddress
      ? { address: organizerAddress, ...(organizerName ? { name: organizerName } : {}) }
      : undefined,
    attendees,
    reminderMinutes: bool(t(a, 'ReminderIsSet')) ? number(t(a, 'ReminderMinutesBeforeStart')) : undefined,
  });
}

const PATTERNS: Record<string, string> = {
  DailyRecurrence: 'Daily',
  WeeklyRecurrence: 'Weekly',
  RelativeMonthlyRecurrence: 'RelativeMonthly',
  AbsoluteMonthlyRecurrence: 'Monthly',
  RelativeYearlyRecurrence: 'RelativeYearly',
  AbsoluteYearlyRecurrence: 'Yearly',
  // Task regeneration ("two weeks after completion"): no iCalendar rule.
  DailyRegeneration: 'Unknown',
  WeeklyRegeneration: 'Unknown',
  MonthlyRegeneration: 'Unknown',
  YearlyRegeneration: 'Unknown',
};
/** Patterns with an interval; it is 1 when the element is missing. Yearly ones have none. */
const INTERVAL_PATTERNS = new Set([
  'DailyRecurrence',
  'WeeklyRecurrence',
  'RelativeMonthlyRecurrence',
  'AbsoluteMonthlyRecurrence',
  'DailyRegeneration',
  'WeeklyRegeneration',
  'MonthlyRegeneration',
  'YearlyRegeneration',
]);
const RANGES = new Set(['NoEndRecurrence', 'EndDateRecurrence', 'NumberedRecurrence']);

export function recurrenceOf(r: XNode | undefined): RecurrenceSnapshot | undefined {
  if (!r) return undefined;
  const p = r.children.find((c) => c.ns === TYPES_NS && PATTERNS[c.name] !== undefined);
  const range = r.children.find((c) => c.ns === TYPES_NS && RANGES.has(c.name));
  // A recurrence without a pattern or a range is not one EWS defines.
  if (!p || !range) throw new InvalidItemError(`Exchange answered a recurrence without a pattern or a range`);
  const s: RecurrenceSnapshot = { pattern: PATTERNS[p.name] as string };
  if (INTERVAL_PATTERNS.has(p.name)) {
    const interval = Number(text(t(p, 'Interval')) ?? 1);
    if (Number.isInteger(interval) && interval > 0) s.interval = interval;
  }
  const days = text(t(p, 'DaysOfWeek'));
  if (p.name === 'WeeklyRecurrence') {
    const list = (days ?? '').split(' ').filter((d) => DAYS.has(d));
    if (list.length) s.daysOfWeek = list;
  } else if (p.name === 'RelativeMonthlyRecurrence' || p.name === 'RelativeYearlyRecurrence') {
    const day = oneOf(days, DAYS);
    if (day) s.daysOfWeek = [day];
    const index = oneOf(text(t(p, 'DayOfWeekIndex')), DAY_INDEXES);
    if (index) s.dayOfWeekIndex = index;
  }
  if (p.name === 'AbsoluteMonthlyRecurrence' || p.name === 'AbsoluteYearlyRecurrence') {
    const dayOfMonth = number(t(p, 'DayOfMonth'));
    if (dayOfMonth !== undefined) s.dayOfMonth = dayOfMonth;
  }
  if (p.name === 'RelativeYearlyRecurrence' || p.name === 'AbsoluteYearlyRecurrence') {
    const month = MONTHS.indexOf(text(t(p, 'Month')) ?? '') + 1;
    if (month > 0) s.month = month;
  }
  s.startDate = dateOf(t(range, 'StartDate'));
  if (range.name === 'NumberedRecurrence') {
    const n = number(t(range, 'NumberOfOccurrences'));
    if (n !== undefined && n > 0) s.numberOfOccurrences = n;
  } else if (range.name === 'EndDateRecurrence') s.endDate = dateOf(t(range, 'EndDate'));
  return clean(s);
}

export function contactFields(c: XNode): Omit<ContactSnapshot, 'type' | 'itemId' | 'changeKey'> {
  const addresses: ContactSnapshot['addresses'] = {};
  const physical = entries(t(c, 'PhysicalAddresses'));
  for (const k of ADDRESS_KEYS) {
    const e = physical.get(k);
    if (!e) continue;
    const a = clean({
      street: text(t(e, 'Street')),
      city: text(t(e, 'City')),
      state: text(t(e, 'State')),
      postalCode: text(t(e, 'PostalCode')),
      country: text(t(e, 'CountryOrRegion')),
    });
    if (Object.keys(a).length) addresses[k] = a as Record<string, string>;
  }
  return clean({
    displayName: text(t(c, 'DisplayName')),
    givenName: text(t(c, 'GivenName')),
    middleName: text(t(c, 'MiddleName')),
    surname: text(t(c, 'Surname')),
    generation: text(t(c, 'Generation')),
    nickName: text(t(c, 'Nickname')),
    companyName: text(t(c, 'CompanyName')),
    department: text(t(c, 'Department')),
    jobTitle: text(t(c, 'JobTitle')),
    birthday: instant(t(c, 'Birthday'))?.slice(0, 10),
    body: text(t(c, 'Body')),
    homePage: text(t(c, 'BusinessHomePage')),
    categories: strings(t(c, 'Categories')),
    emails: entryTexts(t(c, 'EmailAddresses'), EMAIL_KEYS),
    phones: entryTexts(t(c, 'PhoneNumbers'), PHONE_KEYS),
    ims: entryTexts(t(c, 'ImAddresses'), IM_KEYS),
    addresses,
  });
}

export function taskFields(x: XNode): Omit<TaskSnapshot, 'type' | 'itemId' | 'changeKey'> {
  return clean({
    subject: text(t(x, 'Subject')),
    body: text(t(x, 'Body')),
    startDate: instant(t(x, 'StartDate')),
    dueDate: instant(t(x, 'DueDate')),
    completeDate: instant(t(x, 'CompleteDate')),
    percentComplete: number(t(x, 'PercentComplete')) || undefined,
    status: oneOf(text(t(x, 'Status')), TASK_STATUS),
    importance: oneOf(text(t(x, 'Importance')), IMPORTANCE),
    sensitivity: oneOf(text(t(x, 'Sensitivity')), SENSITIVITY),
    categories: strings(t(x, 'Categories')),
    reminderDueBy: bool(t(x, 'ReminderIsSet')) ? instant(t(x, 'ReminderDueBy')) : undefined,
    recurrence: recurrenceOf(t(x, 'Recurrence')),
  });
}

export function groupFields(g: XNode): Omit<GroupSnapshot, 'type' | 'itemId' | 'changeKey'> {
  const members = childrenOf(t(g, 'Members'), TYPES_NS, 'Member').flatMap((m) => {
    const mailbox = t(m, 'Mailbox');
    const address = text(t(mailbox, 'EmailAddress'));
    return address ? [clean({ address, name: text(t(mailbox, 'Name')) })] : [];
  });
  return clean({
    displayName: text(t(g, 'DisplayName')),
    body: text(t(g, 'Body')),
    categories: strings(t(g, 'Categories')),
    members,
  });
}

/* ------------------------------------------------------------ values */

const CALENDAR_ITEM_TYPES = new Set(['Single', 'Occurrence', 'Exception', 'RecurringMaster']);
const RESPONSE_TYPES = new Set(['Unknown', 'Organizer', 'Tentative', 'Accept', 'Decline', 'NoResponseReceived']);
const FREE_BUSY = new Set(['Free', 'Tentative', 'Busy', 'OOF', 'WorkingElsewhere', 'NoData']);
const SENSITIVITY = new Set(['Normal', 'Personal', 'Private', 'Confidential']);
const IMPORTANCE = new Set(['Low', 'Normal', 'High']);
const TASK_STATUS = new Set(['NotStarted', 'InProgress', 'Completed', 'WaitingOnOthers', 'Deferred']);
const DAYS = new Set([
  'Sunday',
  'Monday',
  'Tuesday',
  'Wednesday',
  'Thursday',
  'Friday',
  'Saturday',
  'Day',
  'Weekday',
  'WeekendDay',
]);
const DAY_INDEXES = new Set(['First', 'Second', 'Third', 'Fourth', 'Last']);
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const EMAIL_KEYS = ['EmailAddress1', 'EmailAddress2', 'EmailAddress3'];
const IM_KEYS = ['ImAddress1', 'ImAddress2', 'ImAddress3'];
const PHONE_KEYS = [
  'BusinessPhone',
  'BusinessPhone2',
  'HomePhone',
  'HomePhone2',
  'MobilePhone',
  'BusinessFax',
  'HomeFax',
  'Pager',
  'OtherTelephone',
];
const ADDRESS_KEYS = ['Business', 'Home', 'Other'];

/** A child in the types namespace. */
function t(n: XNode | undefined, name: string): XNode | undefined {
  return child(n, TYPES_NS, name);
}

/** An element's text as ews-javascript-api read it: trimmed, and no value when empty. */
function text(n: XNode | undefined): string | undefined {
  if (!n) return undefined;
  const v = n.text.trim();
  return v === '' ? undefined : v;
}

function bool(n: XNode | undefined): boolean {
  return text(n) === 'true';
}

function number(n: XNode | undefined): number | undefined {
  const v = text(n);
  if (v === undefined) return undefined;
  const x = Number(v);
  return Number.isFinite(x) ? x : undefined;
}

function oneOf(value: string | undefined, names: ReadonlySet<string>): string | undefined {
  return value !== undefined && names.has(value) ? value : undefined;
}

/**
 * An xs:dateTime as the ISO instant the snapshots hold (whole seconds without `.000`). EWS answers in UTC; a value
 * without an offset is read as UTC, as the library did.
 */
export function instant(n: XNode | undefined): string | undefined {
  const v = text(n);
  if (v === undefined) return undefined;
  const zoned = /[zZ]/.test(v) || v[19] === '+' || v[19] === '-';
  const ms = Date.parse(zoned ? v : `${v}Z`);
  return Number.isFinite(ms) ? new Date(ms).toISOString().replace('.000Z', 'Z') : undefined;
}

/** An xs:date (a recurrence's start or end): its calendar day, whatever offset it carries. */
function dateOf(n: XNode | undefined): string | undefined {
  const v = text(n)?.slice(0, 10);
  return v && /^\d{4}-\d{2}-\d{2}$/.test(v) && Number.isFinite(Date.parse(v)) ? v : undefined;
}

function strings(n: XNode | undefined): string[] {
  return childrenOf(n, TYPES_NS, 'String').flatMap((s) => {
    const v = text(s);
    return v === undefined ? [] : [v];
  });
}

/** Dictionary entries (`<t:Entry Key="…">`) by key; a repeated key's last entry wins, as in the library. */
function entries(n: XNode | undefined): Map<string, XNode> {
  const out = new Map<string, XNode>();
  for (const e of childrenOf(n, TYPES_NS, 'Entry')) if (e.attrs.Key !== undefined) out.set(e.attrs.Key, e);
  return out;
}

function entryTexts(n: XNode | undefined, keys: readonly string[]): Record<string, string> {
  const all = entries(n);
  const out: Record<string, string> = {};
  for (const k of keys) {
    const v = text(all.get(k));
    if (v) out[k] = v;
  }
  return out;
}

/** A string extended property of ours (marker, ExsyncUid), by property set and name. */
export function extended(item: XNode, name: string): string | undefined {
  for (const p of childrenOf(item, TYPES_NS, 'ExtendedProperty')) {
    const uri = t(p, 'ExtendedFieldURI');
    if (
      uri?.attrs.PropertyName === name &&
      uri.attrs.PropertySetId?.toLowerCase() === EXSYNC_MARKER_PROPERTY_SET &&
      (uri.attrs.PropertyType ?? 'String') === 'String'
    )
      return text(t(p, 'Value'));
  }
  return undefined;
}
