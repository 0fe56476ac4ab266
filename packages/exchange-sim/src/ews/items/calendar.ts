import type { MailboxStore } from '../../store/mailbox-store';
import type { Attendee, CalendarEvent, EventFields, EventInstance, ResponseStatus, ShowAs } from '../../store/types';
import { computedItemProperties, effectiveProperties } from '../computed-props';
import { EwsItemError } from '../errors';
import { lazy, type Prop, pick, type Shape } from '../shape';
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
  extendedKey,
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

function attendeesXml(name: string, list: readonly Attendee[]): string {
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

/** A master, a single, or one instance (occurrence/exception) as a t:CalendarItem in types.xsd order. */
export function calendarItemXml(ctx: RenderContext, target: CalendarEvent | EventInstance): string {
  const inst = 'master' in target ? target : undefined;
  const master = inst ? inst.master : (target as CalendarEvent);
  const f: EventFields =
    inst?.fields ??
    ({
      ...master,
    } as EventFields);
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
  const ext =
    ctx.shape.extended.size === 0
      ? []
      : effectiveProperties(master.extendedProperties, computedItemProperties(master, type)).filter((p) =>
          ctx.shape.extended.has(extendedKey(p)),
        );
  const want = (uri: string) => ctx.shape.fields.has(uri) || ctx.shape.base !== 'IdOnly';
  const byType = (a: Attendee['type']) => f.attendees.filter((x) => x.type === a);
  const props: Prop[] = [
    {
      uri: 'item:MimeContent',
      explicitOnly: true,
      xml: lazy(() =>
        ctx.shape.fields.has('item:MimeContent')
          ? tx('t:MimeContent', Buffer.from(calendarMime(ctx.store, master)).toString('base64'), {
              CharacterSet: 'UTF-8',
            })
          : '',
      ),
    },
    { uri: 'item:ItemId', xml: `<t:ItemId Id="${id}" ChangeKey="${changeKey}"/>` },
    { uri: 'item:ParentFolderId', xml: lazy(() => parentFolderIdXml(ctx.store, master.folderKey)) },
    { uri: 'item:ItemClass', xml: lazy(() => tx('t:ItemClass', 'IPM.Appointment')), inDefault: false },
    { uri: 'item:Subject', xml: lazy(() => tx('t:Subject', f.subject)), inDefault: true },
    { uri: 'item:Sensitivity', xml: lazy(() => tx('t:Sensitivity', SENSITIVITY_OUT[f.sensitivity])) },
    {
      uri: 'item:Body',
      xml: lazy(() => (want('item:Body') ? bodyXml(f.body, ctx.shape.bodyType) : '')),
      inDefault: true,
    },
    { uri: 'item:Categories', xml: lazy(() => categoriesXml(f.categories)) },
    { uri: 'item:Importance', xml: lazy(() => tx('t:Importance', IMPORTANCE_OUT[f.importance])) },
    { uri: 'item:DateTimeCreated', xml: lazy(() => tx('t:DateTimeCreated', dateTime(master.createdAt))) },
    { uri: 'item:ReminderIsSet', xml: lazy(() => tx('t:ReminderIsSet', f.isReminderOn)) },
    {
      uri: 'item:ReminderMinutesBeforeStart',
      xml: lazy(() => tx('t:ReminderMinutesBeforeStart', f.reminderMinutesBeforeStart)),
    },
    { uri: 'item:HasAttachments', xml: lazy(() => tx('t:HasAttachments', false)), inDefault: true },
    { uri: '*extended', xml: lazy(() => ext.map(extendedPropertyXml).join('')) },
    { uri: 'item:LastModifiedTime', xml: lazy(() => tx('t:LastModifiedTime', dateTime(master.lastModifiedAt))) },
    { uri: 'calendar:UID', xml: lazy(() => tx('t:UID', master.uid)) },
    {
      uri: 'calendar:RecurrenceId',
      xml: lazy(() =>
        isInstance && inst.originalStart !== undefined ? tx('t:RecurrenceId', dateTime(inst.originalStart)) : '',
      ),
    },
    { uri: 'calendar:DateTimeStamp', xml: lazy(() => tx('t:DateTimeStamp', dateTime(master.lastModifiedAt))) },
    { uri: 'calendar:Start', xml: lazy(() => tx('t:Start', dateTime(f.start))), inDefault: true },
    { uri: 'calendar:End', xml: lazy(() => tx('t:End', dateTime(f.end))), inDefault: true },
    {
      uri: 'calendar:OriginalStart',
      xml: lazy(() =>
        isInstance && inst.originalStart !== undefined ? tx('t:OriginalStart', dateTime(inst.originalStart)) : '',
      ),
    },
    { uri: 'calendar:IsAllDayEvent', xml: lazy(() => tx('t:IsAllDayEvent', f.isAllDay)) },
    {
      uri: 'calendar:LegacyFreeBusyStatus',
      xml: lazy(() => tx('t:LegacyFreeBusyStatus', FREEBUSY_OUT[f.showAs])),
      inDefault: true,
    },
    { uri: 'calendar:Location', xml: lazy(() => tx('t:Location', f.location)), inDefault: true },
    { uri: 'calendar:IsMeeting', xml: lazy(() => tx('t:IsMeeting', f.attendees.length > 0)) },
    { uri: 'calendar:IsCancelled', xml: lazy(() => tx('t:IsCancelled', f.isCancelled)) },
    { uri: 'calendar:IsRecurring', xml: lazy(() => tx('t:IsRecurring', isInstance)) },
    { uri: 'calendar:CalendarItemType', xml: lazy(() => tx('t:CalendarItemType', type)), inDefault: true },
    {
      uri: 'calendar:MyResponseType',
      xml: lazy(() => tx('t:MyResponseType', RESPONSE_OUT[master.responseStatus.response])),
    },
    {
      uri: 'calendar:Organizer',
      xml: lazy(() => el('t:Organizer', undefined, mailboxXml(master.organizer))),
      inDefault: true,
    },
    { uri: 'calendar:RequiredAttendees', xml: lazy(() => attendeesXml('t:RequiredAttendees', byType('required'))) },
    { uri: 'calendar:OptionalAttendees', xml: lazy(() => attendeesXml('t:OptionalAttendees', byType('optional'))) },
    { uri: 'calendar:Resources', xml: lazy(() => attendeesXml('t:Resources', byType('resource'))) },
    {
      uri: 'calendar:Recurrence',
      xml: lazy(() => (!isInstance && master.recurrence ? recurrenceXml(master.recurrence, master.timeZone) : '')),
    },
    {
      uri: 'calendar:ModifiedOccurrences',
      xml: lazy(() => (!isInstance ? modifiedOccurrencesXml(ctx.store, master) : '')),
    },
    { uri: 'calendar:DeletedOccurrences', xml: lazy(() => (!isInstance ? deletedOccurrencesXml(master) : '')) },
    {
      uri: 'calendar:StartTimeZone',
      xml: lazy(() => (want('calendar:StartTimeZone') ? timeZoneDefinition('t:StartTimeZone', master.timeZone) : '')),
    },
    {
      uri: 'calendar:EndTimeZone',
      xml: lazy(() => (want('calendar:EndTimeZone') ? timeZoneDefinition('t:EndTimeZone', master.endTimeZone) : '')),
    },
  ];
  return el('t:CalendarItem', undefined, pick(ctx.shape, props));
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
