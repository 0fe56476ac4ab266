import { child, type XNode } from '@exsync/xml';
import { EXSYNC_MARKER_PROPERTY_NAME, EXSYNC_MARKER_PROPERTY_SET } from '../marker-property';
import { UID_PROPERTY_NAME } from './item-properties';
import { extended, instant } from './item-snapshot';
import { messageError, onlyMessage, type ResponseMessage } from './soap-answer';
import { type FolderRef, folderIdXml, MESSAGES_NS, TYPES_NS } from './soap-envelope';
import { xsBoolean } from './wire-values';

export type { FolderRef };

/**
 * The listings' FindItem requests — the calendar's (a CalendarView, and the series masters by IsRecurring), the
 * contact and task folders' pages, and the pages `identities()` reads — written as ews-javascript-api wrote them so
 * that Exchange answers the same, and their answers read without the library's object model: building an
 * Appointment per row (with moment converting its Start) was a fifth of an EWS initial sync's CPU (issue 14), and a
 * Contact or Task per row cost the same kind of work. `find-item.test.ts` holds the requests to the library's and
 * the listings to its.
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
  return pageOf(messages, foundItem);
}

/** A CalendarView answer: its page, the view's whole size and the latest start among its rows. */
export interface FoundView extends FoundPage {
  /** RootFolder's TotalItemsInView: the instances in the whole requested range; absent when not sent. */
  readonly totalInView?: number;
  /** The latest calendar:Start of the rows (ms since the epoch); absent when no row had one. */
  readonly latestStart?: number;
}

/** A CalendarView answer read: `foundPage` and what `EwsCollectionStore` needs to continue a truncated view. */
export function foundView(messages: readonly ResponseMessage[]): FoundView {
  const root = answeredRoot(messages);
  const page = pageFrom(root, foundItem);
  const total = Number(root?.attrs.TotalItemsInView);
  let latestStart: number | undefined;
  for (const row of child(root, TYPES_NS, 'Items')?.children ?? []) {
    const start = Date.parse(textOf(child(row, TYPES_NS, 'Start')) ?? '');
    if (!Number.isNaN(start) && (latestStart === undefined || start > latestStart)) latestStart = start;
  }
  return {
    ...page,
    ...(Number.isInteger(total) && total >= 0 ? { totalInView: total } : {}),
    ...(latestStart === undefined ? {} : { latestStart }),
  };
}

/** A FindItem answer's one message as a page of rows read by `row`. */
function pageOf<T>(
  messages: readonly ResponseMessage[],
  row: (item: XNode) => T[],
): { items: T[]; moreAvailable: boolean; nextOffset?: number } {
  return pageFrom(answeredRoot(messages), row);
}

/** A FindItem answer's RootFolder, from its one message, which must be a success. */
function answeredRoot(messages: readonly ResponseMessage[]): XNode {
  const m = onlyMessage(messages, 'FindItem');
  // A Warning too: a listing Exchange could only partly give must not be read as complete (what it lacks would be
  // taken as deleted).
  if (m.responseClass !== 'Success') throw messageError(m);
  const root = child(m.node, MESSAGES_NS, 'RootFolder');
  if (!root) throw new Error('Exchange answered FindItem without a RootFolder');
  return root;
}

/** A RootFolder's rows read by `row`, and whether more are available (and from where). */
function pageFrom<T>(
  root: XNode,
  row: (item: XNode) => T[],
): { items: T[]; moreAvailable: boolean; nextOffset?: number } {
  const moreAvailable = !xsBoolean(root.attrs.IncludesLastItemInRange);
  const offset = root.attrs.IndexedPagingOffset;
  const items = (child(root, TYPES_NS, 'Items')?.children ?? []).flatMap(row);
  return { items, moreAvailable, ...(moreAvailable && offset ? { nextOffset: Number(offset) } : {}) };
}

/**
 * What a folder page is read for: the contact or task listing (ids, ExsyncUid, and a task's start and due for the
 * window) or `identities()` (ids and the portable keys: marker, ExsyncUid, an event's UID).
 */
export type FolderPageShape = 'addressbook' | 'tasks' | 'identities' | 'calendar-identities';

/** One row of a folder page. */
export interface FoundFolderItem {
  readonly id: string;
  readonly changeKey: string;
  /** Whether the row is a task (the library's Task: a task's start and due decide whether it is in the window). */
  readonly task: boolean;
  /** Our ExsyncUid, trimmed; absent when not set or empty. */
  readonly exsyncUid?: string;
  /** Our marker (ExsyncId), trimmed; absent when not set or empty. */
  readonly marker?: string;
  /** calendar:UID of an item whose library class has one; absent when not sent or empty. */
  readonly icalUid?: string;
  /** A task's StartDate and DueDate, ms since the epoch (read as UTC when without an offset, as the library did). */
  readonly start?: number;
  readonly due?: number;
}

const ours = (name: string) =>
  `<t:ExtendedFieldURI PropertySetId="${EXSYNC_MARKER_PROPERTY_SET}" PropertyName="${name}" PropertyType="String"/>`;

/** The library's shapes: `listShape('addressbook' | 'tasks')` and the identities' IdOnly plus our keys. */
const FOLDER_SHAPES: Record<FolderPageShape, string> = {
  addressbook: `<t:FieldURI FieldURI="item:ItemClass"/>${ours(UID_PROPERTY_NAME)}`,
  tasks: `<t:FieldURI FieldURI="task:StartDate"/><t:FieldURI FieldURI="task:DueDate"/>${ours(UID_PROPERTY_NAME)}`,
  identities: `${ours(EXSYNC_MARKER_PROPERTY_NAME)}${ours(UID_PROPERTY_NAME)}`,
  'calendar-identities': `${ours(EXSYNC_MARKER_PROPERTY_NAME)}${ours(UID_PROPERTY_NAME)}<t:FieldURI FieldURI="calendar:UID"/>`,
};

/** One page of every item of the folder, `max` rows from `offset`, with what `shape` reads. */
export function folderPageRequest(folder: FolderRef, shape: FolderPageShape, max: number, offset: number): string {
  const itemShape =
    '<m:ItemShape><t:BaseShape>IdOnly</t:BaseShape>' +
    `<t:AdditionalProperties>${FOLDER_SHAPES[shape]}</t:AdditionalProperties></m:ItemShape>`;
  const view = `<m:IndexedPageItemView MaxEntriesReturned="${max}" Offset="${offset}" BasePoint="Beginning"/>`;
  return `<m:FindItem Traversal="Shallow">${itemShape}${view}${parentFolder(folder)}</m:FindItem>`;
}

/** A folder page's answer, read (errors as `foundPage`). */
export function foundFolderPage(messages: readonly ResponseMessage[]): {
  readonly items: readonly FoundFolderItem[];
  readonly moreAvailable: boolean;
  readonly nextOffset?: number;
} {
  return pageOf(messages, foundFolderItem);
}

function foundFolderItem(item: XNode): FoundFolderItem[] {
  const id = child(item, TYPES_NS, 'ItemId');
  if (!id?.attrs.Id) return [];
  const inTypes = item.ns === TYPES_NS;
  const task = inTypes && item.name === 'Task';
  const exsyncUid = extended(item, UID_PROPERTY_NAME);
  const marker = extended(item, EXSYNC_MARKER_PROPERTY_NAME);
  const icalUid = inTypes && WITH_UID.has(item.name) ? textOf(child(item, TYPES_NS, 'UID')) : undefined;
  const start = task ? msOf(instant(child(item, TYPES_NS, 'StartDate'))) : undefined;
  const due = task ? msOf(instant(child(item, TYPES_NS, 'DueDate'))) : undefined;
  return [
    {
      id: id.attrs.Id,
      changeKey: id.attrs.ChangeKey ?? '',
      task,
      ...(exsyncUid === undefined ? {} : { exsyncUid }),
      ...(marker === undefined ? {} : { marker }),
      ...(icalUid === undefined ? {} : { icalUid }),
      ...(start === undefined ? {} : { start }),
      ...(due === undefined ? {} : { due }),
    },
  ];
}

function msOf(iso: string | undefined): number | undefined {
  return iso === undefined ? undefined : Date.parse(iso);
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
