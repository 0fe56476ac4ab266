import { child, type XNode } from '@exsync/xml';
import { messageError, type ResponseMessage } from './soap-answer';
import { type FolderRef, folderIdXml, MESSAGES_NS, TYPES_NS } from './soap-envelope';

export type { FolderRef };

/**
 * The calendar listing's FindItem requests (a CalendarView, and the series masters by IsRecurring), written as
 * ews-javascript-api wrote them so that Exchange answers the same, and their answers read without the library's
 * object model: building an Appointment per row (with moment converting its Start) was a fifth of an EWS initial
 * sync's CPU (issue 14). `find-item.test.ts` holds the requests to the library's and the listing to its.
 */

/** One row of a calendar listing: what the listing reads of it (ids, UID, CalendarItemType). */
export interface FoundCalendarItem {
  readonly id: string;
  readonly changeKey: string;
  /** calendar:UID, trimmed; absent when Exchange sent none or an empty one. */
  readonly uid?: string;
  /** CalendarItemType (Single, Occurrence, Exception, RecurringMaster); absent when not sent. */
  readonly type?: string;
}

/** One FindItem answer: its rows, and where the next page starts (IndexedPageItemView) when it is not the last. */
export interface FoundPage {
  readonly items: readonly FoundCalendarItem[];
  /** False when RootFolder says IncludesLastItemInRange. */
  readonly moreAvailable: boolean;
  /** IndexedPagingOffset, read only when more are available (as the library did). */
  readonly nextOffset?: number;
}

/** The listing's shape: the library's `listShape('calendar')` (IdOnly plus UID, CalendarItemType, Start). */
const CALENDAR_LIST_SHAPE =
  '<m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>' +
  '<t:FieldURI FieldURI="calendar:UID"/><t:FieldURI FieldURI="calendar:CalendarItemType"/>' +
  '<t:FieldURI FieldURI="calendar:Start"/></t:AdditionalProperties></m:ItemShape>';

const IS_RECURRING =
  '<m:Restriction><t:IsEqualTo><t:FieldURI FieldURI="calendar:IsRecurring"/>' +
  '<t:FieldURIOrConstant><t:Constant Value="true"/></t:FieldURIOrConstant></t:IsEqualTo></m:Restriction>';

/** A CalendarView from `start` to `end` (ms since the epoch) of at most `max` rows. */
export function calendarViewRequest(folder: FolderRef, start: number, end: number, max: number): string {
  const view = `<m:CalendarView MaxEntriesReturned="${max}" StartDate="${iso(start)}" EndDate="${iso(end)}"/>`;
  return `<m:FindItem Traversal="Shallow">${CALENDAR_LIST_SHAPE}${view}${parentFolder(folder)}</m:FindItem>`;
}

/** One page of the folder's recurring masters (IsRecurring = true), `max` rows from `offset`. */
export function recurringMastersRequest(folder: FolderRef, max: number, offset: number): string {
  const view = `<m:IndexedPageItemView MaxEntriesReturned="${max}" Offset="${offset}" BasePoint="Beginning"/>`;
  return `<m:FindItem Traversal="Shallow">${CALENDAR_LIST_SHAPE}${view}${IS_RECURRING}${parentFolder(folder)}</m:FindItem>`;
}

/**
 * The one response message of a FindItem answer, read. A message that is not a success throws its error (inside
 * the session's call, so it is classified and retried as the library's ServiceResponseException was).
 */
export function foundPage(messages: readonly ResponseMessage[]): FoundPage {
  const [m] = messages;
  if (!m) throw new Error('Exchange answered FindItem without a response message');
  if (m.responseClass !== 'Success') throw messageError(m);
  const root = child(m.node, MESSAGES_NS, 'RootFolder');
  if (!root) throw new Error('Exchange answered FindItem without a RootFolder');
  const moreAvailable = root.attrs.IncludesLastItemInRange?.trim().toLowerCase() !== 'true';
  const offset = root.attrs.IndexedPagingOffset;
  const items = (child(root, TYPES_NS, 'Items')?.children ?? []).flatMap(foundItem);
  return { items, moreAvailable, ...(moreAvailable && offset ? { nextOffset: Number(offset) } : {}) };
}

/** The item kinds whose library class has ICalUid: Appointment and the meeting messages. */
const WITH_UID = new Set([
  'CalendarItem',
  'MeetingMessage',
  'MeetingRequest',
  'MeetingResponse',
  'MeetingCancellation',
]);
/** The item kinds whose library class has AppointmentType: Appointment and MeetingRequest. */
const WITH_TYPE = new Set(['CalendarItem', 'MeetingRequest']);

/** A row as the library read it: any item kind has its ids; UID and type only where its class has them. */
function foundItem(item: XNode): FoundCalendarItem[] {
  const id = child(item, TYPES_NS, 'ItemId');
  if (!id?.attrs.Id) return [];
  const ours = item.ns === TYPES_NS;
  const uid = ours && WITH_UID.has(item.name) ? textOf(child(item, TYPES_NS, 'UID')) : undefined;
  const type = ours && WITH_TYPE.has(item.name) ? textOf(child(item, TYPES_NS, 'CalendarItemType')) : undefined;
  return [
    {
      id: id.attrs.Id,
      changeKey: id.attrs.ChangeKey ?? '',
      ...(uid === undefined ? {} : { uid }),
      ...(type === undefined ? {} : { type }),
    },
  ];
}

function parentFolder(folder: FolderRef): string {
  return `<m:ParentFolderIds>${folderIdXml(folder)}</m:ParentFolderIds>`;
}

/** The library's DateTime of an instant: UTC with milliseconds. */
function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function textOf(n: XNode | undefined): string | undefined {
  const v = n?.text.trim();
  return v ? v : undefined;
}
