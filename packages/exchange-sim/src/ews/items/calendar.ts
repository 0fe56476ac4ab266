import type { MailboxStore } from '../../store/mailbox-store';
import type { Attendee, CalendarEvent, EventFields, EventInstance, ResponseStatus, ShowAs } from '../../store/types';
import { computableItemKeys, computedItemProperties, shapedExtendedProperties } from '../computed-props';
import { EwsItemError } from '../errors';
import { type PropTable, type Shape, wantedProps } from '../shape';
import { ianaFromWindowsId, timeZoneDefinition } from '../timezone';
import { T } from '../xml/namespaces';
import { child, childrenOf, type XNode } from '../xml/parse';
import { el, tx } from '../xml/write';
import {
  bodyXml,
  bool,
  categoriesXml,
  dateTime,
  enumIn,
  extendedPropertyXml,
  IMPORTANCE_OUT,
  mailboxXml,
  parentFolderIdXml,
  parseDateTime,
  parseExtendedProperty,
  parseMailbox,
  parseSharedItemField,
  reverse,
  SENSITIVITY_OUT,
} from './common';
import { calendarMime } from './mime';
import { parseRecurrence, recurrenceXml } from './recurrence-xml';

const FREEBUSY_OUT: Record<ShowAs, string> = {
  free: 'Free',
  tentative: 'Tentative',
  busy: 'Busy',
  oof: 'OOF',
  workingElsewhere: 'WorkingElsewhere',
  unknown: 'NoData',
};
const FREEBUSY_IN = reverse(FREEBUSY_OUT);
const RESPONSE_OUT: Record<ResponseStatus, string> = {
  none: 'Unknown',
  organizer: 'Organizer',
  tentativelyAccepted: 'Tentative',
  accepted: 'Accept',
  declined: 'Decline',
  notResponded: 'NoResponseReceived',
};
const RESPONSE_IN = reverse(RESPONSE_OUT);

/** The attendees of one type (required, optional, resource) as their list element; nothing when there are none. */
function attendeesXml(name: string, all: readonly Attendee[], type: Attendee['type']): string {
  const list = all.filter((a) => a.type === type);
  if (!list.length) return '';
  return el(
    name,
    undefined,
    ...list.map((a) =>
      el(
        't:Attendee',
        undefined,
        mailboxXml(a.emailAddress),
        tx('t:ResponseType', RESPONSE_OUT[a.status.response]),
        a.status.time !== undefined ? tx('t:LastResponseTime', dateTime(a.status.time)) : '',
      ),
    ),
  );
}

function parseAttendees(n: XNode | undefined, type: Attendee['type']): Attendee[] | undefined {
  if (!n) return undefined;
  return childrenOf(n, T, 'Attendee').flatMap((a) => {
    const emailAddress = parseMailbox(a);
    if (!emailAddress) return [];
    const rt = child(a, T, 'ResponseType')?.text.trim();
    return [{ emailAddress, type, status: { response: (rt && RESPONSE_IN[rt]) || 'none' } }];
  });
}

export interface RenderContext {
  readonly store: MailboxStore;
  readonly shape: Shape;
}

/** The properties of a t:CalendarItem in types.xsd order, with what puts each into a shape. */
const CALENDAR_PROPS = {
  mimeContent: { uri: 'item:MimeContent', explicitOnly: true },
  itemId: { uri: 'item:ItemId' },
  parentFolderId: { uri: 'item:ParentFolderId' },
  itemClass: { uri: 'item:ItemClass', inDefault: false },
  subject: { uri: 'item:Subject', inDefault: true },
  sensitivity: { uri: 'item:Sensitivity' },
  body: { uri: 'item:Body', inDefault: true },
  categories: { uri: 'item:Categories' },
  importance: { uri: 'item:Importance' },
  dateTimeCreated: { uri: 'item:DateTimeCreated' },
  reminderIsSet: { uri: 'item:ReminderIsSet' },
  reminderMinutes: { uri: 'item:ReminderMinutesBeforeStart' },
  hasAttachments: { uri: 'item:HasAttachments', inDefault: true },
  extended: { uri: '*extended' },
  lastModifiedTime: { uri: 'item:LastModifiedTime' },
  uid: { uri: 'calendar:UID' },
  recurrenceId: { uri: 'calendar:RecurrenceId' },
  dateTimeStamp: { uri: 'calendar:DateTimeStamp' },
  start: { uri: 'calendar:Start', inDefault: true },
  end: { uri: 'calendar:End', inDefault: true },
  originalStart: { uri: 'calendar:OriginalStart' },
  isAllDayEvent: { uri: 'calendar:IsAllDayEvent' },
  legacyFreeBusyStatus: { uri: 'calendar:LegacyFreeBusyStatus', inDefault: true },
  location: { uri: 'calendar:Location', inDefault: true },
  isMeeting: { uri: 'calendar:IsMeeting' },
  isCancelled: { uri: 'calendar:IsCancelled' },
  isRecurring: { uri: 'calendar:IsRecurring' },
  calendarItemType: { uri: 'calendar:CalendarItemType', inDefault: true },
  myResponseType: { uri: 'calendar:MyResponseType' },
  organizer: { uri: 'calendar:Organizer', inDefault: true },
  requiredAttendees: { uri: 'calendar:RequiredAttendees' },
  optionalAttendees: { uri: 'calendar:OptionalAttendees' },
  resources: { uri: 'calendar:Resources' },
  recurrence: { uri: 'calendar:Recurrence' },
  modifiedOccurrences: { uri: 'calendar:ModifiedOccurrences' },
  deletedOccurrences: { uri: 'calendar:DeletedOccurrences' },
  startTimeZone: { uri: 'calendar:StartTimeZone' },
  endTimeZone: { uri: 'calendar:EndTimeZone' },
} as const satisfies PropTable<string>;

/** What every part of one item's rendering reads, worked out once per item. */
interface CalendarRender {
  readonly ctx: RenderContext;
  readonly master: CalendarEvent;
  /** The occurrence or exception rendered, when it is one (undefined for a master, a single or its instance). */
  readonly inst: EventInstance | undefined;
  readonly f: EventFields;
  readonly id: string;
  readonly changeKey: string;
  readonly type: 'RecurringMaster' | 'Single' | 'Exception' | 'Occurrence';
}

type CalendarPart = (r: CalendarRender) => string;

/** The original start of an occurrence or exception; undefined for anything else. */
const originalStartOf = (r: CalendarRender): number | undefined => r.inst?.originalStart;

function isOccurrenceOrException(r: CalendarRender): boolean {
  return r.type === 'Occurrence' || r.type === 'Exception';
}

/**
 * Each property's element, one small function per property, in types.xsd order. Kept apart rather than as one
 * function testing a flag per property: V8 compiled that function (with every helper inlined into it) in ~100 ms
 * of a fresh simulator's CPU, more than rendering a thousand items cost; small parts called through one loop are
 * compiled one by one, and only those a client's shapes use.
 */
const PARTS: Record<keyof typeof CALENDAR_PROPS, CalendarPart> = {
  mimeContent: (r) =>
    tx('t:MimeContent', Buffer.from(calendarMime(r.ctx.store, r.master)).toString('base64'), {
      CharacterSet: 'UTF-8',
    }),
  itemId: (r) => `<t:ItemId Id="${r.id}" ChangeKey="${r.changeKey}"/>`,
  parentFolderId: (r) => parentFolderIdXml(r.ctx.store, r.master.folderKey),
  itemClass: () => '<t:ItemClass>IPM.Appointment</t:ItemClass>',
  subject: (r) => tx('t:Subject', r.f.subject),
  sensitivity: (r) => tx('t:Sensitivity', SENSITIVITY_OUT[r.f.sensitivity]),
  body: (r) => bodyXml(r.f.body, r.ctx.shape.bodyType),
  categories: (r) => categoriesXml(r.f.categories),
  importance: (r) => tx('t:Importance', IMPORTANCE_OUT[r.f.importance]),
  dateTimeCreated: (r) => tx('t:DateTimeCreated', dateTime(r.master.createdAt)),
  reminderIsSet: (r) => tx('t:ReminderIsSet', r.f.isReminderOn),
  reminderMinutes: (r) => tx('t:ReminderMinutesBeforeStart', r.f.reminderMinutesBeforeStart),
  hasAttachments: () => '<t:HasAttachments>false</t:HasAttachments>',
  extended: (r) =>
    shapedExtendedProperties(
      r.ctx.shape,
      r.master.extendedProperties,
      () => computedItemProperties(r.master, r.type),
      computableItemKeys('event'),
    )
      .map(extendedPropertyXml)
      .join(''),
  lastModifiedTime: (r) => tx('t:LastModifiedTime', dateTime(r.master.lastModifiedAt)),
  uid: (r) => tx('t:UID', r.master.uid),
  recurrenceId: (r) => {
    const o = originalStartOf(r);
    return o === undefined ? '' : tx('t:RecurrenceId', dateTime(o));
  },
  dateTimeStamp: (r) => tx('t:DateTimeStamp', dateTime(r.master.lastModifiedAt)),
  start: (r) => tx('t:Start', dateTime(r.f.start)),
  end: (r) => tx('t:End', dateTime(r.f.end)),
  originalStart: (r) => {
    const o = originalStartOf(r);
    return o === undefined ? '' : tx('t:OriginalStart', dateTime(o));
  },
  isAllDayEvent: (r) => tx('t:IsAllDayEvent', r.f.isAllDay),
  legacyFreeBusyStatus: (r) => tx('t:LegacyFreeBusyStatus', FREEBUSY_OUT[r.f.showAs]),
  location: (r) => tx('t:Location', r.f.location),
  isMeeting: (r) => tx('t:IsMeeting', r.f.attendees.length > 0),
  isCancelled: (r) => tx('t:IsCancelled', r.f.isCancelled),
  isRecurring: (r) => tx('t:IsRecurring', isOccurrenceOrException(r)),
  calendarItemType: (r) => tx('t:CalendarItemType', r.type),
  myResponseType: (r) => tx('t:MyResponseType', RESPONSE_OUT[r.master.responseStatus.response]),
  organizer: (r) => el('t:Organizer', undefined, mailboxXml(r.master.organizer)),
  requiredAttendees: (r) => attendeesXml('t:RequiredAttendees', r.f.attendees, 'required'),
  optionalAttendees: (r) => attendeesXml('t:OptionalAttendees', r.f.attendees, 'optional'),
  resources: (r) => attendeesXml('t:Resources', r.f.attendees, 'resource'),
  recurrence: (r) =>
    !isOccurrenceOrException(r) && r.master.recurrence ? recurrenceXml(r.master.recurrence, r.master.timeZone) : '',
  modifiedOccurrences: (r) => (isOccurrenceOrException(r) ? '' : modifiedOccurrencesXml(r.ctx.store, r.master)),
  deletedOccurrences: (r) => (isOccurrenceOrException(r) ? '' : deletedOccurrencesXml(r.master)),
  startTimeZone: (r) => timeZoneDefinition('t:StartTimeZone', r.master.timeZone),
  endTimeZone: (r) => timeZoneDefinition('t:EndTimeZone', r.master.endTimeZone),
};

const partsByShape = new WeakMap<Shape, readonly CalendarPart[]>();

/**
 * The parts a shape asks for, in types.xsd order (worked out once per shape): ItemId always; extended properties
 * whenever the shape names any (computed ones included), whatever its base shape.
 */
function partsFor(shape: Shape): readonly CalendarPart[] {
  let parts = partsByShape.get(shape);
  if (!parts) {
    const w = wantedProps(shape, CALENDAR_PROPS);
    const list: CalendarPart[] = [];
    for (const name of Object.keys(CALENDAR_PROPS) as (keyof typeof CALENDAR_PROPS)[]) {
      const wanted = name === 'extended' ? shape.extended.size > 0 : name === 'itemId' || w[name];
      if (wanted) list.push(PARTS[name]);
    }
    parts = list;
    partsByShape.set(shape, parts);
  }
  return parts;
}

/**
 * A master, a single, or one instance (occurrence/exception) as a t:CalendarItem in types.xsd order. The hottest
 * renderer of the simulator (a calendar view renders every instance of a window): the shape's parts, looked up
 * once per shape, each called once per item.
 */
export function calendarItemXml(ctx: RenderContext, target: CalendarEvent | EventInstance): string {
  const inst = 'master' in target ? target : undefined;
  const master = inst ? inst.master : (target as CalendarEvent);
  const isInstance = inst !== undefined && inst.type !== 'singleInstance';
  const r: CalendarRender = {
    ctx,
    master,
    inst: isInstance ? inst : undefined,
    f: inst?.fields ?? master,
    id: inst?.id ?? master.id,
    changeKey: inst?.changeKey ?? master.changeKey,
    type: !isInstance
      ? master.recurrence
        ? 'RecurringMaster'
        : 'Single'
      : inst.type === 'exception'
        ? 'Exception'
        : 'Occurrence',
  };
  const parts = partsFor(ctx.shape);
  let x = '<t:CalendarItem>';
  for (let i = 0; i < parts.length; i++) x += parts[i]!(r);
  return `${x}</t:CalendarItem>`;
}

function modifiedOccurrencesXml(store: MailboxStore, master: CalendarEvent): string {
  if (!master.recurrence || master.exceptions.size === 0) return '';
  const occ = [...master.exceptions.values()]
    .sort((a, b) => a.originalStart - b.originalStart)
    .flatMap((ex) => {
      let inst: EventInstance;
      try {
        inst = store.getInstance(ex.id);
      } catch {
        return [];
      }
      return [
        el(
          't:Occurrence',
          undefined,
          `<t:ItemId Id="${inst.id}" ChangeKey="${inst.changeKey}"/>`,
          tx('t:Start', dateTime(inst.fields.start)),
          tx('t:End', dateTime(inst.fields.end)),
          tx('t:OriginalStart', dateTime(ex.originalStart)),
        ),
      ];
    });
  return occ.length ? el('t:ModifiedOccurrences', undefined, ...occ) : '';
}

function deletedOccurrencesXml(master: CalendarEvent): string {
  if (!master.recurrence || master.deletedOccurrences.size === 0) return '';
  return el(
    't:DeletedOccurrences',
    undefined,
    ...[...master.deletedOccurrences]
      .sort((a, b) => a - b)
      .map((s) => el('t:DeletedOccurrence', undefined, tx('t:Start', dateTime(s)))),
  );
}

/* ------------------------------------------------------------ parsing */

/** Store fields a t:CalendarItem sets, plus how many property elements it held (SetItemField wants one). */
export interface ParsedCalendar {
  readonly patch: Record<string, unknown>;
  readonly count: number;
}

/** The FieldURI each t:CalendarItem child element corresponds to. */
export const CALENDAR_URI: Record<string, string> = {
  Subject: 'item:Subject',
  Sensitivity: 'item:Sensitivity',
  Body: 'item:Body',
  Categories: 'item:Categories',
  Importance: 'item:Importance',
  ReminderIsSet: 'item:ReminderIsSet',
  ReminderMinutesBeforeStart: 'item:ReminderMinutesBeforeStart',
  UID: 'calendar:UID',
  Start: 'calendar:Start',
  End: 'calendar:End',
  IsAllDayEvent: 'calendar:IsAllDayEvent',
  LegacyFreeBusyStatus: 'calendar:LegacyFreeBusyStatus',
  Location: 'calendar:Location',
  RequiredAttendees: 'calendar:RequiredAttendees',
  OptionalAttendees: 'calendar:OptionalAttendees',
  Resources: 'calendar:Resources',
  Recurrence: 'calendar:Recurrence',
  StartTimeZone: 'calendar:StartTimeZone',
  EndTimeZone: 'calendar:EndTimeZone',
  MeetingTimeZone: 'calendar:MeetingTimeZone',
  IsResponseRequested: 'calendar:IsResponseRequested',
  AllowNewTimeProposal: 'calendar:AllowNewTimeProposal',
  ItemClass: 'item:ItemClass',
};

/**
 * Reads a t:CalendarItem of CreateItem/UpdateItem into a store patch. Times without an offset are read in the
 * item's StartTimeZone, else the request's TimeZoneContext, else UTC. Attendee lists are merged by the caller.
 */
export function parseCalendarItem(
  n: XNode,
  opts: { contextZone: string | undefined; current?: CalendarEvent },
): ParsedCalendar {
  const patch: Record<string, unknown> = {};
  let count = 0;
  const startTz = ianaFromWindowsId(
    child(n, T, 'StartTimeZone')?.attrs.Id ?? child(n, T, 'MeetingTimeZone')?.attrs.TimeZoneName,
  );
  const endTz = ianaFromWindowsId(child(n, T, 'EndTimeZone')?.attrs.Id);
  const zone = startTz ?? opts.current?.timeZone ?? opts.contextZone ?? 'UTC';
  const attendees: Partial<Record<Attendee['type'], Attendee[]>> = {};
  const extended = [];
  for (const c of n.children) {
    if (c.ns !== T) continue;
    count++;
    if (parseSharedItemField(c, patch)) continue;
    switch (c.name) {
      case 'Subject':
        patch.subject = c.text;
        break;
      case 'ReminderMinutesBeforeStart':
        patch.reminderMinutesBeforeStart = Number(c.text);
        break;
      case 'ExtendedProperty':
        extended.push(parseExtendedProperty(c));
        break;
      case 'UID':
        patch.uid = c.text.trim();
        break;
      case 'Start':
        patch.start = parseDateTime(c.text, zone);
        break;
      case 'End':
        patch.end = parseDateTime(c.text, endTz ?? zone);
        break;
      case 'IsAllDayEvent':
        patch.isAllDay = bool(c.text);
        break;
      case 'LegacyFreeBusyStatus':
        patch.showAs = enumIn(FREEBUSY_IN, c.text, 'LegacyFreeBusyStatus');
        break;
      case 'Location':
        patch.location = c.text;
        break;
      case 'RequiredAttendees':
        attendees.required = parseAttendees(c, 'required');
        break;
      case 'OptionalAttendees':
        attendees.optional = parseAttendees(c, 'optional');
        break;
      case 'Resources':
        attendees.resource = parseAttendees(c, 'resource');
        break;
      case 'Recurrence':
        patch.recurrence = parseRecurrence(c);
        break;
      case 'StartTimeZone':
      case 'MeetingTimeZone':
        if (startTz) patch.timeZone = startTz;
        if (startTz && !endTz && !opts.current) patch.endTimeZone = startTz;
        break;
      case 'EndTimeZone':
        if (endTz) patch.endTimeZone = endTz;
        break;
      case 'ItemClass':
      case 'IsResponseRequested':
      case 'AllowNewTimeProposal':
      case 'ReminderDueBy':
      case 'IsOnlineMeeting':
        break;
      case 'MimeContent':
        throw new EwsItemError(
          'ErrorMimeContentConversionFailed',
          'Import through MimeContent is handled by CreateItem.',
        );
      default:
        throw new EwsItemError('ErrorInvalidPropertySet', `Property ${c.name} cannot be set on a calendar item.`);
    }
  }
  if (extended.length) patch.extendedProperties = extended;
  if (Object.keys(attendees).length) {
    // Each list replaces only attendees of its own type.
    const keep = (opts.current?.attendees ?? []).filter((a) => !(a.type in attendees));
    patch.attendees = [
      ...keep,
      ...(attendees.required ?? []),
      ...(attendees.optional ?? []),
      ...(attendees.resource ?? []),
    ];
  }
  return { patch, count };
}

/** What DeleteItemField resets a calendar property to. */
export function clearCalendarField(uri: string): Record<string, unknown> {
  switch (uri) {
    case 'item:Subject':
      return { subject: '' };
    case 'item:Body':
      return { body: { contentType: 'text', content: '' } };
    case 'item:Categories':
      return { categories: [] };
    case 'calendar:Location':
      return { location: '' };
    case 'calendar:Recurrence':
      return { recurrence: undefined };
    case 'calendar:RequiredAttendees':
    case 'calendar:OptionalAttendees':
    case 'calendar:Resources':
      return {
        __clearAttendees:
          uri === 'calendar:RequiredAttendees'
            ? 'required'
            : uri === 'calendar:OptionalAttendees'
              ? 'optional'
              : 'resource',
      };
    default:
      throw new EwsItemError('ErrorInvalidPropertyRequest', `Property ${uri} cannot be deleted.`);
  }
}
