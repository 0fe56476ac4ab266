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

/**
 * A master, a single, or one instance (occurrence/exception) as a t:CalendarItem in types.xsd order. The hottest
 * renderer of the simulator (a calendar view renders every instance of a window): straight-line code testing one
 * flag per property, the flags worked out once per shape.
 */
export function calendarItemXml(ctx: RenderContext, target: CalendarEvent | EventInstance): string {
  const inst = 'master' in target ? target : undefined;
  const master = inst ? inst.master : (target as CalendarEvent);
  const f: EventFields = inst?.fields ?? master;
  const id = inst?.id ?? master.id;
  const changeKey = inst?.changeKey ?? master.changeKey;
  const isInstance = inst !== undefined && inst.type !== 'singleInstance';
  const type = !isInstance
    ? master.recurrence
      ? 'RecurringMaster'
      : 'Single'
    : inst.type === 'exception'
      ? 'Exception'
      : 'Occurrence';
  const w = wantedProps(ctx.shape, CALENDAR_PROPS);
  let x = '<t:CalendarItem>';
  if (w.mimeContent)
    x += tx('t:MimeContent', Buffer.from(calendarMime(ctx.store, master)).toString('base64'), {
      CharacterSet: 'UTF-8',
    });
  x += `<t:ItemId Id="${id}" ChangeKey="${changeKey}"/>`;
  if (w.parentFolderId) x += parentFolderIdXml(ctx.store, master.folderKey);
  if (w.itemClass) x += '<t:ItemClass>IPM.Appointment</t:ItemClass>';
  if (w.subject) x += tx('t:Subject', f.subject);
  if (w.sensitivity) x += tx('t:Sensitivity', SENSITIVITY_OUT[f.sensitivity]);
  if (w.body) x += bodyXml(f.body, ctx.shape.bodyType);
  if (w.categories) x += categoriesXml(f.categories);
  if (w.importance) x += tx('t:Importance', IMPORTANCE_OUT[f.importance]);
  if (w.dateTimeCreated) x += tx('t:DateTimeCreated', dateTime(master.createdAt));
  if (w.reminderIsSet) x += tx('t:ReminderIsSet', f.isReminderOn);
  if (w.reminderMinutes) x += tx('t:ReminderMinutesBeforeStart', f.reminderMinutesBeforeStart);
  if (w.hasAttachments) x += '<t:HasAttachments>false</t:HasAttachments>';
  if (ctx.shape.extended.size > 0) {
    x += shapedExtendedProperties(
      ctx.shape,
      master.extendedProperties,
      () => computedItemProperties(master, type),
      computableItemKeys('event'),
    )
      .map(extendedPropertyXml)
      .join('');
  }
  if (w.lastModifiedTime) x += tx('t:LastModifiedTime', dateTime(master.lastModifiedAt));
  if (w.uid) x += tx('t:UID', master.uid);
  if (w.recurrenceId && isInstance && inst.originalStart !== undefined)
    x += tx('t:RecurrenceId', dateTime(inst.originalStart));
  if (w.dateTimeStamp) x += tx('t:DateTimeStamp', dateTime(master.lastModifiedAt));
  if (w.start) x += tx('t:Start', dateTime(f.start));
  if (w.end) x += tx('t:End', dateTime(f.end));
  if (w.originalStart && isInstance && inst.originalStart !== undefined)
    x += tx('t:OriginalStart', dateTime(inst.originalStart));
  if (w.isAllDayEvent) x += tx('t:IsAllDayEvent', f.isAllDay);
  if (w.legacyFreeBusyStatus) x += tx('t:LegacyFreeBusyStatus', FREEBUSY_OUT[f.showAs]);
  if (w.location) x += tx('t:Location', f.location);
  if (w.isMeeting) x += tx('t:IsMeeting', f.attendees.length > 0);
  if (w.isCancelled) x += tx('t:IsCancelled', f.isCancelled);
  if (w.isRecurring) x += tx('t:IsRecurring', isInstance);
  if (w.calendarItemType) x += tx('t:CalendarItemType', type);
  if (w.myResponseType) x += tx('t:MyResponseType', RESPONSE_OUT[master.responseStatus.response]);
  if (w.organizer) x += el('t:Organizer', undefined, mailboxXml(master.organizer));
  if (w.requiredAttendees) x += attendeesXml('t:RequiredAttendees', f.attendees, 'required');
  if (w.optionalAttendees) x += attendeesXml('t:OptionalAttendees', f.attendees, 'optional');
  if (w.resources) x += attendeesXml('t:Resources', f.attendees, 'resource');
  if (w.recurrence && !isInstance && master.recurrence) x += recurrenceXml(master.recurrence, master.timeZone);
  if (w.modifiedOccurrences && !isInstance) x += modifiedOccurrencesXml(ctx.store, master);
  if (w.deletedOccurrences && !isInstance) x += deletedOccurrencesXml(master);
  if (w.startTimeZone) x += timeZoneDefinition('t:StartTimeZone', master.timeZone);
  if (w.endTimeZone) x += timeZoneDefinition('t:EndTimeZone', master.endTimeZone);
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
