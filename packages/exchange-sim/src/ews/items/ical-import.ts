/**
 * CreateItem with MimeContent for calendar items: the iCalendar object Exchange imports — one series (or single
 * event) with its overridden occurrences (RECURRENCE-ID), deleted occurrences (EXDATE), organizer and attendees.
 * https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/mimecontent
 * Simplified: RDATE and VTIMEZONE definitions of zones without a known TZID are refused
 * (ErrorMimeContentConversionFailed), as is any RRULE the EWS recurrence patterns cannot express.
 */
import { type DayOfWeek, type Recurrence, toIanaZone, type WeekIndex, wallToUtc } from '../../recurrence';
import type { Attendee, EmailAddress, EventFields, ResponseStatus } from '../../store/types';
import { EwsItemError } from '../errors';

const fail = (why: string): never => {
  throw new EwsItemError('ErrorMimeContentConversionFailed', `Content conversion failed: ${why}`);
};

function unfold(text: string): string[] {
  return text
    .replace(/\r?\n[ \t]/g, '')
    .split(/\r?\n/)
    .filter(Boolean);
}

const unescapeText = (s: string) => s.replace(/\\n/gi, '\n').replace(/\\([,;\\])/g, '$1');

interface Line {
  name: string;
  params: string;
  value: string;
}

function parseLine(line: string): Line | undefined {
  // The value starts after the first ':' that is not inside a quoted parameter value.
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') quoted = !quoted;
    else if (c === ':' && !quoted) {
      const head = line.slice(0, i);
      const name = (head.split(';')[0] ?? '').toUpperCase();
      return { name, params: head.slice(name.length), value: line.slice(i + 1) };
    }
  }
  return undefined;
}

const param = (params: string, name: string): string | undefined =>
  new RegExp(`;${name}=("?)([^;:"]*)\\1`, 'i').exec(params)?.[2];

function parseTime(params: string, value: string): { t: number; allDay: boolean; zone?: string } {
  const tzid = param(params, 'TZID');
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$/.exec(value.trim());
  if (!m) return fail(`bad date "${value}"`);
  const [, y, mo, d, h, mi, s, z] = m;
  if (h === undefined) return { t: Date.UTC(+y!, +mo! - 1, +d!), allDay: true };
  if (z) return { t: Date.UTC(+y!, +mo! - 1, +d!, +h, +mi!, +s!), allDay: false };
  let zone = 'UTC';
  if (tzid) {
    try {
      zone = toIanaZone(tzid);
    } catch {
      fail(`unknown TZID "${tzid}"`);
    }
  }
  return {
    t: wallToUtc({ year: +y!, month: +mo!, day: +d!, hour: +h, minute: +mi!, second: +s! }, zone),
    allDay: false,
    zone,
  };
}

const DAYS: Record<string, DayOfWeek> = {
  SU: 'sunday',
  MO: 'monday',
  TU: 'tuesday',
  WE: 'wednesday',
  TH: 'thursday',
  FR: 'friday',
  SA: 'saturday',
};
const INDEX: Record<string, WeekIndex> = { '1': 'first', '2': 'second', '3': 'third', '4': 'fourth', '-1': 'last' };

/** An RRULE as an EWS recurrence pattern and range (the six patterns, three ranges). */
function parseRrule(value: string, start: number, zone: string, allDay: boolean): Recurrence {
  const parts = new Map(
    value.split(';').map((p) => {
      const [k, v] = p.split('=');
      return [(k ?? '').toUpperCase(), v ?? ''] as const;
    }),
  );
  const interval = Number(parts.get('INTERVAL') ?? 1);
  const byDay = (parts.get('BYDAY') ?? '').split(',').filter(Boolean);
  const dayNames = byDay.map((d) => DAYS[d.replace(/^[+-]?\d+/, '')] ?? fail(`BYDAY "${d}"`));
  const setPos = parts.get('BYSETPOS') ?? /^([+-]?\d+)/.exec(byDay[0] ?? '')?.[1];
  const wall = new Date(start);
  const startDate = wall.toISOString().slice(0, 10);
  const month = Number(parts.get('BYMONTH') ?? wall.getUTCMonth() + 1);
  const dayOfMonth = Number(parts.get('BYMONTHDAY') ?? wall.getUTCDate());
  let pattern: Recurrence['pattern'];
  switch (parts.get('FREQ')) {
    case 'DAILY':
      pattern = { type: 'daily', interval };
      break;
    case 'WEEKLY': {
      const wkst = DAYS[parts.get('WKST') ?? 'MO'] ?? 'monday';
      const days = dayNames.length ? dayNames : [Object.values(DAYS)[wall.getUTCDay()]!];
      pattern = { type: 'weekly', interval, daysOfWeek: days, firstDayOfWeek: wkst };
      break;
    }
    case 'MONTHLY':
      pattern = setPos
        ? {
            type: 'relativeMonthly',
            interval,
            daysOfWeek: dayNames,
            index: INDEX[setPos] ?? fail(`BYSETPOS ${setPos}`),
          }
        : { type: 'absoluteMonthly', interval, dayOfMonth };
      break;
    case 'YEARLY':
      pattern = setPos
        ? {
            type: 'relativeYearly',
            interval,
            daysOfWeek: dayNames,
            index: INDEX[setPos] ?? fail(`BYSETPOS ${setPos}`),
            month,
          }
        : { type: 'absoluteYearly', interval, dayOfMonth, month };
      break;
    default:
      return fail(`RRULE FREQ "${parts.get('FREQ') ?? ''}" has no EWS pattern`);
  }
  const count = parts.get('COUNT');
  const until = parts.get('UNTIL');
  if (count) return { pattern, range: { type: 'numbered', startDate, numberOfOccurrences: Number(count) } };
  if (until) {
    // UNTIL names the last instant; the EWS range keeps the last date in the series' own zone.
    const t = parseTime('', until).t;
    const end = allDay ? t : t + (zone === 'UTC' ? 0 : 0);
    return { pattern, range: { type: 'endDate', startDate, endDate: new Date(end).toISOString().slice(0, 10) } };
  }
  return { pattern, range: { type: 'noEnd', startDate } };
}

const PARTSTAT: Record<string, ResponseStatus> = {
  ACCEPTED: 'accepted',
  DECLINED: 'declined',
  TENTATIVE: 'tentativelyAccepted',
  'NEEDS-ACTION': 'notResponded',
};

function address(params: string, value: string): EmailAddress {
  const addr = value.replace(/^mailto:/i, '').trim();
  const name = param(params, 'CN');
  return name ? { address: addr, name } : { address: addr };
}

interface ParsedEvent {
  fields: Partial<EventFields> & Record<string, unknown>;
  recurrenceId?: number;
  exdates: number[];
}

function parseVevent(lines: Line[]): ParsedEvent {
  const fields: ParsedEvent['fields'] = {};
  const exdates: number[] = [];
  let recurrenceId: number | undefined;
  let rrule: string | undefined;
  const attendees: Attendee[] = [];
  let inAlarm = false;
  let allDayMarker = false;
  for (const { name, params, value } of lines) {
    if (name === 'BEGIN' && value.toUpperCase() === 'VALARM') inAlarm = true;
    if (name === 'END' && value.toUpperCase() === 'VALARM') inAlarm = false;
    if (inAlarm) {
      const m = /^-?PT?(?:(\d+)D)?T?(?:(\d+)H)?(?:(\d+)M)?/.exec(value);
      if (name === 'TRIGGER' && m) {
        fields.isReminderOn = true;
        fields.reminderMinutesBeforeStart = Number(m[1] ?? 0) * 1440 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
      }
      continue;
    }
    switch (name) {
      case 'UID':
        fields.uid = value.trim();
        break;
      case 'SUMMARY':
        fields.subject = unescapeText(value);
        break;
      case 'DESCRIPTION':
        fields.body = { contentType: 'text', content: unescapeText(value) };
        break;
      case 'LOCATION':
        fields.location = unescapeText(value);
        break;
      case 'CATEGORIES':
        fields.categories = value.split(/(?<!\\),/).map(unescapeText);
        break;
      case 'CLASS':
        fields.sensitivity = value === 'PRIVATE' ? 'private' : value === 'CONFIDENTIAL' ? 'confidential' : 'normal';
        break;
      case 'X-MICROSOFT-CDO-ALLDAYEVENT':
        // Outlook's all-day marker on midnight-to-midnight times in a zone (DavMail writes it too).
        if (value.trim().toUpperCase() === 'TRUE') allDayMarker = true;
        break;
      case 'TRANSP':
        fields.showAs = value === 'TRANSPARENT' ? 'free' : 'busy';
        break;
      case 'DTSTART': {
        const p = parseTime(params, value);
        fields.start = p.t;
        fields.isAllDay = p.allDay;
        if (p.zone) fields.timeZone = p.zone;
        break;
      }
      case 'DTEND': {
        const p = parseTime(params, value);
        fields.end = p.t;
        if (p.zone) fields.endTimeZone = p.zone;
        break;
      }
      case 'RECURRENCE-ID':
        recurrenceId = parseTime(params, value).t;
        break;
      case 'RRULE':
        rrule = value;
        break;
      case 'EXDATE':
        for (const v of value.split(',')) exdates.push(parseTime(params, v).t);
        break;
      case 'RDATE':
        fail('RDATE has no EWS equivalent');
        break;
      case 'ORGANIZER':
        fields.organizer = address(params, value);
        break;
      case 'ATTENDEE': {
        const role = (param(params, 'ROLE') ?? '').toUpperCase();
        const cutype = (param(params, 'CUTYPE') ?? '').toUpperCase();
        attendees.push({
          emailAddress: address(params, value),
          type:
            cutype === 'RESOURCE' || cutype === 'ROOM'
              ? 'resource'
              : role === 'OPT-PARTICIPANT'
                ? 'optional'
                : 'required',
          status: { response: PARTSTAT[(param(params, 'PARTSTAT') ?? '').toUpperCase()] ?? 'none' },
        });
        break;
      }
      default:
        break;
    }
  }
  if (attendees.length) fields.attendees = attendees;
  if (allDayMarker) fields.isAllDay = true;
  if (typeof fields.start !== 'number') fail('DTSTART is missing');
  if (typeof fields.end !== 'number') fields.end = (fields.start as number) + (fields.isAllDay ? 86_400_000 : 0);
  if (rrule) {
    fields.recurrence = parseRrule(
      rrule,
      fields.start as number,
      (fields.timeZone as string) ?? 'UTC',
      !!fields.isAllDay,
    );
  }
  return { fields, ...(recurrenceId !== undefined ? { recurrenceId } : {}), exdates };
}

export interface ImportedCalendar {
  /** Fields of the event (the series' master, or the single event). */
  readonly master: Record<string, unknown>;
  /** Overridden occurrences by original start (UTC ms). */
  readonly exceptions: readonly { originalStart: number; overrides: Partial<EventFields> }[];
  /** Original starts of deleted occurrences. */
  readonly deleted: readonly number[];
}

/** Parses the VEVENTs of one UID: a single event, or a series with its RECURRENCE-ID overrides and EXDATEs. */
export function importICalendar(text: string): ImportedCalendar {
  const all = unfold(text);
  if (!/^BEGIN:VCALENDAR$/i.test(all[0] ?? '')) fail('not an iCalendar object');
  const events: Line[][] = [];
  let current: Line[] | undefined;
  let depth = 0;
  for (const raw of all) {
    const line = parseLine(raw);
    if (!line) continue;
    if (line.name === 'BEGIN' && line.value.toUpperCase() === 'VEVENT') {
      current = [];
      depth = 0;
      continue;
    }
    if (line.name === 'END' && line.value.toUpperCase() === 'VEVENT' && depth === 0) {
      if (current) events.push(current);
      current = undefined;
      continue;
    }
    if (current) {
      if (line.name === 'BEGIN') depth++;
      if (line.name === 'END') depth--;
      current.push(line);
    }
  }
  if (events.length === 0) fail('no VEVENT');
  const parsed = events.map(parseVevent);
  const uids = new Set(parsed.map((p) => p.fields.uid));
  if (uids.size > 1) fail('the VEVENTs have different UIDs');
  const master = parsed.find((p) => p.recurrenceId === undefined);
  if (!master) return fail('overrides without their series');
  if (parsed.filter((p) => p.recurrenceId === undefined).length > 1) fail('more than one VEVENT without RECURRENCE-ID');
  const exceptions = parsed
    .filter((p): p is ParsedEvent & { recurrenceId: number } => p.recurrenceId !== undefined)
    .map((p) => {
      const { uid: _u, recurrence: _r, timeZone: _z, endTimeZone: _e, organizer: _o, ...overrides } = p.fields;
      return { originalStart: p.recurrenceId, overrides: overrides as Partial<EventFields> };
    });
  if (exceptions.length && !master.fields.recurrence) fail('RECURRENCE-ID on an event without RRULE');
  return { master: master.fields, exceptions, deleted: master.exdates };
}
