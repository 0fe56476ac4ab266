import type { DateValue, EventException, EventItem, EventOccurrenceData, FreeBusy } from '@exsync/core';
import { InvalidItemError } from '@exsync/core';
import type { JComp } from '../text/jcal';
import { prop, setProp, text } from '../text/jcal';
import { wallClockToUtc } from '../timezone/offsets';
import type { CalendarContext } from './calendar-context';
import {
  attachmentsField,
  attendeesField,
  categoriesField,
  dateField,
  dateListField,
  enumField,
  integerField,
  organizerField,
  recurrenceField,
  remindersField,
  sensitivityField,
  textField,
  uriField,
} from './calendar-fields';
import { deepEqual, type FieldMappings, readFields, writeFields } from './fields';

const CDO = 'x-microsoft-cdo-busystatus';
const CDO_TO_MODEL: Record<string, FreeBusy> = {
  FREE: 'free',
  TENTATIVE: 'tentative',
  BUSY: 'busy',
  OOF: 'out-of-office',
  WORKINGELSEWHERE: 'working-elsewhere',
};
const MODEL_TO_CDO = Object.fromEntries(Object.entries(CDO_TO_MODEL).map(([k, v]) => [v, k])) as Record<
  FreeBusy,
  string
>;

/**
 * Free/busy: Microsoft's X-MICROSOFT-CDO-BUSYSTATUS carries the five states; TRANSP only free/busy. Writing keeps
 * both consistent and adds the CDO property only when TRANSP alone cannot say it (or it was there already).
 */
const freeBusyField = {
  read: (c: JComp): FreeBusy | undefined => {
    const cdo = CDO_TO_MODEL[(text(c, CDO) ?? '').toUpperCase()];
    if (cdo) return cdo;
    const transp = (text(c, 'transp') ?? '').toUpperCase();
    return transp === 'TRANSPARENT' ? 'free' : transp === 'OPAQUE' ? 'busy' : undefined;
  },
  write: (c: JComp, v: FreeBusy | undefined) => {
    if (!v) {
      setProp(c, 'transp', 'text', undefined);
      setProp(c, CDO, 'unknown', undefined);
      return;
    }
    setProp(c, 'transp', 'text', v === 'free' ? 'TRANSPARENT' : 'OPAQUE');
    if (prop(c, CDO) || (v !== 'free' && v !== 'busy')) setProp(c, CDO, 'unknown', MODEL_TO_CDO[v]);
  },
};

const occurrenceFields: FieldMappings<EventOccurrenceData> = {
  summary: textField('summary'),
  description: textField('description', ['x-alt-desc']),
  location: textField('location'),
  url: uriField('url'),
  start: dateField('dtstart'),
  end: dateField('dtend'),
  duration: {
    read: (c) => text(c, 'duration'),
    write: (c, v) => void setProp(c, 'duration', 'duration', v),
  },
  status: enumField('status', ['tentative', 'confirmed', 'cancelled']),
  freeBusy: freeBusyField,
  sensitivity: sensitivityField,
  priority: integerField('priority'),
  categories: categoriesField,
  organizer: organizerField,
  attendees: attendeesField,
  reminders: remindersField,
  attachments: attachmentsField,
};

const masterFields: FieldMappings<EventItem> = {
  recurrence: recurrenceField,
  recurrenceDates: dateListField('rdate'),
  excludedDates: dateListField('exdate'),
};

function readOccurrence(c: JComp, ctx: CalendarContext): EventOccurrenceData {
  const data = readFields(occurrenceFields, c, ctx) as EventOccurrenceData;
  if (!data.start) throw new InvalidItemError(`VEVENT ${text(c, 'uid') ?? '(no UID)'} has no DTSTART.`);
  return data;
}

/**
 * Identifies an occurrence by its instant, so that a RECURRENCE-ID the other side wrote in UTC finds the override
 * this side wrote in the series' zone.
 */
function occurrenceKey(d: DateValue | undefined): string {
  if (!d) return '';
  if (d.kind === 'date') return d.date;
  if (d.kind === 'floating') return d.dateTime;
  if (d.kind === 'utc') return new Date(d.dateTime).toISOString();
  return new Date(wallClockToUtc(d.dateTime, d.tzid)).toISOString();
}

/**
 * Splits a calendar's VEVENTs of one UID into the series master and its overrides. Without a master (only
 * overrides of a series held elsewhere) the first override stands in for it and `masterless` says so.
 */
export function eventParts(calendar: JComp): { master: JComp; overrides: JComp[]; masterless: boolean } {
  const events = calendar[2].filter((c) => c[0] === 'vevent');
  const found = events.find((c) => !prop(c, 'recurrence-id'));
  const master = found ?? events[0];
  if (!master) throw new InvalidItemError('The calendar object holds no VEVENT.');
  const overrides = events.filter((c) => c !== master && prop(c, 'recurrence-id'));
  return { master, overrides, masterless: !found };
}

function recurrenceIdOf(c: JComp, uid: string, ctx: CalendarContext): DateValue {
  const recurrenceId = dateField('recurrence-id').read(c, ctx);
  if (!recurrenceId) throw new InvalidItemError(`An override of ${uid} has an empty RECURRENCE-ID.`);
  return recurrenceId;
}

export function readEvent(calendar: JComp, ctx: CalendarContext): EventItem {
  const { master, overrides, masterless } = eventParts(calendar);
  const uid = text(master, 'uid');
  if (!uid) throw new InvalidItemError('The VEVENT has no UID.');
  const exceptions: EventException[] = overrides.map((o) => ({
    ...readOccurrence(o, ctx),
    recurrenceId: recurrenceIdOf(o, uid, ctx),
  }));
  const occurrence = readOccurrence(master, ctx);
  const series = readFields(masterFields, master, ctx) as {
    -readonly [K in 'recurrence' | 'recurrenceDates' | 'excludedDates']: EventItem[K];
  };
  const until = series.recurrence?.until;
  if (series.recurrence && until && occurrence.start.kind === 'date' && until.kind !== 'date') {
    // RFC 5545: UNTIL has DTSTART's value type. Some writers put a DATE-TIME on an all-day series; its date is
    // what they meant (khal's test file, older Google exports).
    series.recurrence = { ...series.recurrence, until: { kind: 'date', date: until.dateTime.slice(0, 10) } };
  }
  const own = masterless ? { recurrenceId: recurrenceIdOf(master, uid, ctx) } : {};
  return { kind: 'event', uid, ...own, ...occurrence, ...series, exceptions };
}

/**
 * Writes `after` onto the calendar: all fields when `before` is undefined (a new item), else only those that
 * differ. Overrides are matched by RECURRENCE-ID.
 */
export function writeEvent(calendar: JComp, before: EventItem | undefined, after: EventItem, ctx: CalendarContext) {
  let { master, overrides } = before ? eventParts(calendar) : { master: undefined, overrides: [] as JComp[] };
  if (!master) {
    master = ['vevent', [['uid', {}, 'text', after.uid]], []];
    calendar[2].push(master);
  } else if (before && before.uid !== after.uid) setProp(master, 'uid', 'text', after.uid);
  if (!before || !deepEqual(before.recurrenceId, after.recurrenceId)) {
    // The occurrence this item is, when its series' master is held elsewhere; none for a single event or series.
    dateField('recurrence-id').write(master, after.recurrenceId, ctx);
  }
  writeFields(occurrenceFields, master, before, after, ctx);
  writeFields(masterFields, master, before, after, ctx);
  if (before && deepEqual(before.exceptions, after.exceptions)) return;
  const byRid = new Map(overrides.map((o) => [occurrenceKey(dateField('recurrence-id').read(o, ctx)), o]));
  const kept = new Set<JComp>();
  for (const ex of after.exceptions) {
    const key = occurrenceKey(ex.recurrenceId);
    let comp = byRid.get(key);
    const old = comp ? readOccurrence(comp, ctx) : undefined;
    if (!comp) {
      comp = ['vevent', [['uid', {}, 'text', after.uid]], []];
      dateField('recurrence-id').write(comp, ex.recurrenceId, ctx);
      const stamp = prop(master, 'dtstamp');
      if (stamp) comp[1].push(['dtstamp', {}, 'date-time', stamp[3]]);
      calendar[2].push(comp);
    }
    kept.add(comp);
    writeFields(occurrenceFields, comp, old, ex, ctx);
  }
  calendar[2] = calendar[2].filter((c) => !overrides.includes(c) || kept.has(c));
}
