/** Graph `event` <-> store: rendering instances and masters, and reading POST/PATCH bodies. */
import type { Recurrence, RecurrencePattern, RecurrenceRange } from '../recurrence/types';
import { DAYS_OF_WEEK, type DayOfWeek } from '../recurrence/types';
import { utcToWall } from '../recurrence/zoned-time';
import type { EventPatch } from '../store/mailbox-store';
import { eventFields, rangeStartDate } from '../store/mailbox-store';
import type { Attendee, CalendarEvent, EventFields, EventInstance, ItemBody } from '../store/types';
import {
  badRequest,
  etagOf,
  fromDateTimeTimeZone,
  isoUtc,
  parseExtendedPropertiesInput,
  renderExtendedProperties,
  toDateTimeTimeZone,
  windowsZone,
} from './wire';

export interface RenderOptions {
  zone: { iana: string; name: string } | undefined;
  extendedPropertyIds?: string[] | undefined;
  /** Prefer: IdType="ImmutableId" — item ids in their immutable spelling. */
  immutable?: boolean | undefined;
  /** Prefer: outlook.body-content-type — bodies in this form; HTML when not asked. */
  bodyType?: 'text' | 'html' | undefined;
}

const escapeHtml = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * A body in the form the client asked for. Exchange Online keeps event bodies as HTML and returns them so unless
 * Prefer: outlook.body-content-type="text" asks for text: a text body comes back wrapped (converted from text),
 * an HTML one asked for as text comes back with its tags removed.
 */
export function renderBody(b: ItemBody, want: 'text' | 'html'): ItemBody {
  if (b.contentType === want) return b;
  if (want === 'html') {
    const html = escapeHtml(b.content).replace(/\r?\n/g, '<br>\r\n');
    return {
      contentType: 'html',
      content: `<html><head>\r\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\r\n</head>\r\n<body>\r\n<div>${html}</div>\r\n</body>\r\n</html>\r\n`,
    };
  }
  const text = b.content
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>\s*/gi, '\n')
    .replace(/<\/(p|div)>\s*/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&');
  return { contentType: 'text', content: text.replace(/^\s+|\s+$/g, '') };
}

const GOID_HEAD = '040000008200E00074C5B7101A82E008';

/** Per-occurrence iCalUId: the GlobalObjectId with the instance date in bytes 16..19 (as Exchange does). */
export function instanceICalUId(uid: string, originalStart: number | undefined, timeZone: string): string {
  const goid = /^040000008200E00074C5B7101A82E008/i.test(uid) ? uid.toUpperCase() : vcalGoid(uid);
  if (originalStart === undefined) return uid;
  const w = utcToWall(originalStart, timeZone);
  const date =
    w.year.toString(16).padStart(4, '0') + w.month.toString(16).padStart(2, '0') + w.day.toString(16).padStart(2, '0');
  return (goid.slice(0, 32) + date.toUpperCase() + goid.slice(40)).toUpperCase();
}

/** A non-Outlook UID wrapped the way Exchange wraps it ("vCal-Uid" GlobalObjectId). */
function vcalGoid(uid: string): string {
  const data = `7643616C2D55696401000000${Buffer.from(uid, 'utf8').toString('hex')}00`;
  const size = Buffer.alloc(4);
  size.writeUInt32LE(data.length / 2);
  return `${GOID_HEAD}00000000${'0'.repeat(16)}${'0'.repeat(16)}${size.toString('hex')}${data}`.toUpperCase();
}

export function recurrenceJson(r: Recurrence, timeZone: string) {
  const p = r.pattern;
  return {
    pattern: {
      type: p.type,
      interval: p.interval,
      month: 'month' in p ? p.month : 0,
      dayOfMonth: 'dayOfMonth' in p ? p.dayOfMonth : 0,
      daysOfWeek: 'daysOfWeek' in p ? p.daysOfWeek : [],
      firstDayOfWeek: p.type === 'weekly' ? (p.firstDayOfWeek ?? 'sunday') : 'sunday',
      index: 'index' in p ? p.index : 'first',
    },
    range: {
      type: r.range.type,
      startDate: r.range.startDate,
      endDate: r.range.type === 'endDate' ? r.range.endDate : '0001-01-01',
      recurrenceTimeZone: windowsZone(timeZone),
      numberOfOccurrences: r.range.type === 'numbered' ? r.range.numberOfOccurrences : 0,
    },
  };
}

function bodyPreview(b: ItemBody): string {
  const text = b.contentType === 'html' ? b.content.replace(/<[^>]*>/g, ' ') : b.content;
  return text.replace(/\s+/g, ' ').trim().slice(0, 255);
}

function attendeeJson(a: Attendee) {
  return {
    type: a.type,
    status: {
      response: a.status.response,
      time: isoUtc(a.status.time ?? 0).replace(/^1970.*/, '0001-01-01T00:00:00Z'),
    },
    emailAddress: { name: a.emailAddress.name ?? a.emailAddress.address, address: a.emailAddress.address },
  };
}

/** Render a master/single (no `inst`) or an instance. */
export function eventJson(
  master: CalendarEvent,
  inst: EventInstance | undefined,
  o: RenderOptions,
): Record<string, unknown> {
  const f: EventFields = inst ? inst.fields : eventFields(master);
  const type = inst ? inst.type : master.recurrence ? 'seriesMaster' : 'singleInstance';
  const masterId = o.immutable ? master.immutableGraphId : master.graphId;
  const id = inst && inst.type !== 'singleInstance' ? inst.graphId : masterId;
  const changeKey = inst ? inst.changeKey : master.changeKey;
  const isInstance = type === 'occurrence' || type === 'exception';
  const out: Record<string, unknown> = {
    '@odata.etag': etagOf(changeKey),
    id,
    createdDateTime: new Date(master.createdAt).toISOString(),
    lastModifiedDateTime: new Date(master.lastModifiedAt).toISOString(),
    changeKey,
    categories: f.categories,
    ...(master.transactionId && !isInstance ? { transactionId: master.transactionId } : {}),
    originalStartTimeZone: windowsZone(master.timeZone),
    originalEndTimeZone: windowsZone(master.endTimeZone),
    iCalUId: isInstance ? instanceICalUId(master.uid, inst?.originalStart, master.timeZone) : master.uid,
    uid: master.uid,
    reminderMinutesBeforeStart: f.reminderMinutesBeforeStart,
    isReminderOn: f.isReminderOn,
    hasAttachments: false,
    subject: f.subject,
    bodyPreview: bodyPreview(f.body),
    importance: f.importance,
    sensitivity: f.sensitivity,
    isAllDay: f.isAllDay,
    isCancelled: f.isCancelled,
    isOrganizer: master.isOrganizer,
    responseRequested: true,
    seriesMasterId: isInstance ? masterId : null,
    showAs: f.showAs,
    type,
    webLink: `https://outlook.office365.com/owa/?itemid=${encodeURIComponent(id)}&exvsurl=1&path=/calendar/item`,
    onlineMeetingUrl: null,
    isOnlineMeeting: false,
    onlineMeetingProvider: 'unknown',
    allowNewTimeProposals: true,
    isDraft: false,
    hideAttendees: false,
    responseStatus: {
      response: master.responseStatus.response,
      time: master.responseStatus.time ? isoUtc(master.responseStatus.time) : '0001-01-01T00:00:00Z',
    },
    body: renderBody(f.body, o.bodyType ?? 'html'),
    start: toDateTimeTimeZone(f.start, o.zone),
    end: toDateTimeTimeZone(f.end, o.zone),
    location: {
      displayName: f.location,
      locationType: 'default',
      uniqueIdType: 'unknown',
      address: {},
      coordinates: {},
    },
    locations: f.location ? [{ displayName: f.location, locationType: 'default', uniqueIdType: 'unknown' }] : [],
    recurrence:
      type === 'seriesMaster' && master.recurrence ? recurrenceJson(master.recurrence, master.timeZone) : null,
    attendees: f.attendees.map(attendeeJson),
    organizer: {
      emailAddress: { name: master.organizer.name ?? master.organizer.address, address: master.organizer.address },
    },
    onlineMeeting: null,
  };
  if (isInstance && inst?.originalStart !== undefined) out.originalStart = isoUtc(inst.originalStart);
  if (o.extendedPropertyIds) {
    out.singleValueExtendedProperties = renderExtendedProperties(master.extendedProperties, o.extendedPropertyIds);
  }
  return out;
}

/* ---------------- input ---------------- */

const DAY_SET = new Set<string>(DAYS_OF_WEEK);
const INDEXES = new Set(['first', 'second', 'third', 'fourth', 'last']);

export function parseRecurrence(v: unknown, fallbackStart: number, timeZone: string): Recurrence | undefined {
  if (v === null || v === undefined) return undefined;
  const r = v as { pattern?: Record<string, unknown>; range?: Record<string, unknown> };
  const p = r.pattern ?? {};
  const g = r.range ?? {};
  const interval = Number(p.interval ?? 1);
  const days = (Array.isArray(p.daysOfWeek) ? p.daysOfWeek : []).map((d) => String(d).toLowerCase());
  if (days.some((d) => !DAY_SET.has(d))) throw badRequest(`Invalid daysOfWeek ${JSON.stringify(p.daysOfWeek)}`);
  const index = String(p.index ?? 'first');
  if (!INDEXES.has(index)) throw badRequest(`Invalid recurrence index "${index}"`);
  let pattern: RecurrencePattern;
  const daysOfWeek = days as DayOfWeek[];
  switch (p.type) {
    case 'daily':
      pattern = { type: 'daily', interval };
      break;
    case 'weekly':
      pattern = {
        type: 'weekly',
        interval,
        daysOfWeek,
        firstDayOfWeek: String(p.firstDayOfWeek ?? 'sunday').toLowerCase() as DayOfWeek,
      };
      break;
    case 'absoluteMonthly':
      pattern = { type: 'absoluteMonthly', interval, dayOfMonth: Number(p.dayOfMonth) };
      break;
    case 'relativeMonthly':
      pattern = { type: 'relativeMonthly', interval, daysOfWeek, index: index as 'first' };
      break;
    case 'absoluteYearly':
      pattern = { type: 'absoluteYearly', interval, dayOfMonth: Number(p.dayOfMonth), month: Number(p.month) };
      break;
    case 'relativeYearly':
      pattern = { type: 'relativeYearly', interval, daysOfWeek, index: index as 'first', month: Number(p.month) };
      break;
    default:
      throw badRequest(`Unsupported recurrence pattern type "${String(p.type)}"`, 'ErrorInvalidRecurrence');
  }
  const startDate = typeof g.startDate === 'string' ? g.startDate : rangeStartDate(fallbackStart, timeZone);
  let range: RecurrenceRange;
  switch (g.type) {
    case 'endDate':
      if (typeof g.endDate !== 'string') throw badRequest('range.endDate is required for an endDate range');
      range = { type: 'endDate', startDate, endDate: g.endDate };
      break;
    case 'noEnd':
      range = { type: 'noEnd', startDate };
      break;
    case 'numbered':
      range = { type: 'numbered', startDate, numberOfOccurrences: Number(g.numberOfOccurrences) };
      break;
    default:
      throw badRequest(`Unsupported recurrence range type "${String(g.type)}"`, 'ErrorInvalidRecurrence');
  }
  return { pattern, range };
}

function parseBody(v: unknown): ItemBody | undefined {
  if (v === undefined) return undefined;
  const b = v as { contentType?: string; content?: string };
  return {
    contentType: String(b.contentType ?? 'text').toLowerCase() === 'html' ? 'html' : 'text',
    content: String(b.content ?? ''),
  };
}

function parseAttendees(v: unknown): Attendee[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) throw badRequest('attendees must be an array');
  return v.map((a: { emailAddress?: { name?: string; address?: string }; type?: string }) => {
    if (!a?.emailAddress?.address) throw badRequest('Each attendee needs emailAddress.address');
    const type = a.type === 'optional' || a.type === 'resource' ? a.type : 'required';
    return {
      emailAddress: { address: a.emailAddress.address, ...(a.emailAddress.name ? { name: a.emailAddress.name } : {}) },
      type,
      status: { response: 'none' as const },
    };
  });
}

const SHOW_AS = new Set(['free', 'tentative', 'busy', 'oof', 'workingElsewhere', 'unknown']);
const SENSITIVITY = new Set(['normal', 'personal', 'private', 'confidential']);
const IMPORTANCE = new Set(['low', 'normal', 'high']);

/**
 * An enum property (event resource: sensitivity is normal | personal | private | confidential — there is no
 * "public"). Graph's OData reader refuses any other literal before the request reaches Exchange: 400
 * RequestBodyRead, naming the value, on every retry.
 */
export function enumField<T extends string>(v: unknown, allowed: Set<string>, name: string): T | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !allowed.has(v)) {
    throw badRequest(
      `Cannot convert the literal '${String(v)}' to the expected type 'microsoft.graph.${name}'.`,
      'RequestBodyRead',
    );
  }
  return v as T;
}

/** Reads an event body for POST (full) or PATCH (partial). `current` gives defaults for PATCH. */
export function parseEventInput(
  body: Record<string, unknown>,
  current?: { start: number; end: number; timeZone: string },
): EventPatch & { transactionId?: string } {
  if (!body || typeof body !== 'object') throw badRequest('The request body must be a JSON event');
  const out: EventPatch & { transactionId?: string } = {};
  if (body.subject !== undefined) out.subject = String(body.subject ?? '');
  const b = parseBody(body.body);
  if (b) out.body = b;
  if (body.location !== undefined)
    out.location = String((body.location as { displayName?: string })?.displayName ?? '');
  if (body.start !== undefined) {
    const s = fromDateTimeTimeZone(body.start, 'start');
    out.start = s.ms;
    out.timeZone = s.timeZone;
  }
  if (body.end !== undefined) {
    const e = fromDateTimeTimeZone(body.end, 'end');
    out.end = e.ms;
    out.endTimeZone = e.timeZone;
  }
  if (body.isAllDay !== undefined) out.isAllDay = Boolean(body.isAllDay);
  const showAs = enumField<EventFields['showAs']>(body.showAs, SHOW_AS, 'freeBusyStatus');
  if (showAs) out.showAs = showAs;
  const sensitivity = enumField<EventFields['sensitivity']>(body.sensitivity, SENSITIVITY, 'sensitivity');
  if (sensitivity) out.sensitivity = sensitivity;
  const importance = enumField<EventFields['importance']>(body.importance, IMPORTANCE, 'importance');
  if (importance) out.importance = importance;
  if (body.isReminderOn !== undefined) out.isReminderOn = Boolean(body.isReminderOn);
  if (body.reminderMinutesBeforeStart !== undefined)
    out.reminderMinutesBeforeStart = Number(body.reminderMinutesBeforeStart);
  if (body.categories !== undefined) {
    if (!Array.isArray(body.categories)) throw badRequest('categories must be an array of strings');
    out.categories = body.categories.map(String);
  }
  const attendees = parseAttendees(body.attendees);
  if (attendees) out.attendees = attendees;
  // isCancelled is read-only: Exchange sets it on an attendee's copy of a meeting its organizer cancelled. A client
  // cancels an occurrence by deleting it (or, as organizer of a meeting, POST /cancel); the value sent is ignored.
  const tz = out.timeZone ?? current?.timeZone ?? 'UTC';
  if (body.recurrence !== undefined) {
    out.recurrence = parseRecurrence(body.recurrence, out.start ?? current?.start ?? 0, tz);
  }
  const ext = parseExtendedPropertiesInput(body.singleValueExtendedProperties);
  if (ext) out.extendedProperties = ext;
  if (typeof body.transactionId === 'string') out.transactionId = body.transactionId;
  const start = out.start ?? current?.start;
  const end = out.end ?? current?.end;
  if (start !== undefined && end !== undefined && end < start) {
    throw badRequest('The end time must be after the start time.', 'ErrorInvalidRequest');
  }
  if (out.isAllDay && start !== undefined) {
    const w = utcToWall(start, tz);
    if (w.hour || w.minute || w.second) {
      throw badRequest(
        'An all-day event must start and end at midnight in its time zone.',
        'ErrorPropertyValidationFailure',
      );
    }
  }
  return out;
}
