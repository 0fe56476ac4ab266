/** The store's data model. Times are UTC epoch ms; zones are IANA ids. Faces translate to their wire shapes. */
import type { Recurrence } from '../recurrence/types';

export interface Mailbox {
  /** Opaque object id (Graph `users/{id}`), a GUID. */
  id: string;
  smtpAddress: string;
  userPrincipalName: string;
  displayName: string;
  /** False models a user without an EXO mailbox: Graph answers MailboxNotEnabledForRESTAPI. */
  restEnabled: boolean;
}

/** A mailbox user's photo as Exchange serves it (GetUserPhoto): the image bytes, their type and an ETag. */
export interface UserPhoto {
  readonly data: Buffer;
  readonly contentType: string;
  readonly etag: string;
}

/**
 * What a folder holds. The well-known folders use their DistinguishedFolderId name as kind; `mail` is any other
 * folder of messages (IPF.Note) a client creates.
 */
export type FolderKind =
  | 'root'
  | 'msgfolderroot'
  | 'calendar'
  | 'contacts'
  | 'tasks'
  | 'deleteditems'
  | 'inbox'
  | 'outbox'
  | 'sentitems'
  | 'drafts'
  | 'junkemail'
  | 'notes'
  | 'journal'
  | 'mail';
export const FOLDER_CLASS: Record<FolderKind, string | undefined> = {
  root: undefined,
  msgfolderroot: undefined,
  calendar: 'IPF.Appointment',
  contacts: 'IPF.Contact',
  tasks: 'IPF.Task',
  deleteditems: 'IPF.Note',
  inbox: 'IPF.Note',
  outbox: 'IPF.Note',
  sentitems: 'IPF.Note',
  drafts: 'IPF.Note',
  junkemail: 'IPF.Note',
  notes: 'IPF.StickyNote',
  journal: 'IPF.Journal',
  mail: 'IPF.Note',
};

/** The well-known folders every mailbox has under the top of the information store, with Exchange's English names. */
export const WELL_KNOWN_FOLDERS: readonly (readonly [FolderKind, string])[] = [
  ['calendar', 'Calendar'],
  ['contacts', 'Contacts'],
  ['tasks', 'Tasks'],
  ['deleteditems', 'Deleted Items'],
  ['inbox', 'Inbox'],
  ['outbox', 'Outbox'],
  ['sentitems', 'Sent Items'],
  ['drafts', 'Drafts'],
  ['junkemail', 'Junk Email'],
  ['notes', 'Notes'],
  ['journal', 'Journal'],
];

export interface Folder {
  key: number;
  /** EWS spelling (contains '+' and '/'). */
  id: string;
  /** Graph spelling (URL-safe, ends in '='). */
  graphId: string;
  mailboxId: string;
  kind: FolderKind;
  displayName: string;
  parentKey: number | undefined;
  folderClass: string | undefined;
  /** Set for the well-known folders (`root`, `msgfolderroot` and WELL_KNOWN_FOLDERS). */
  distinguishedId: FolderKind | undefined;
  isDefault: boolean;
  changeKey: string;
}

/** A MAPI named property: the same property EWS names by ExtendedFieldURI and Graph by `String {guid} Name X`. */
export interface ExtendedProperty {
  /** Lower-case GUID without braces, or a DistinguishedPropertySetId such as `PublicStrings`. */
  propertySetId: string;
  /** Either a name or a numeric id (dispid) identifies the property inside the set. */
  name?: string;
  id?: number;
  /** MAPI type as EWS spells it: String, Integer, Boolean, SystemTime, Binary, StringArray, ... */
  type: string;
  value: string | string[];
}

export type BodyType = 'text' | 'html';
export interface ItemBody {
  contentType: BodyType;
  content: string;
}

export interface EmailAddress {
  name?: string;
  address: string;
}

export type ResponseStatus = 'none' | 'organizer' | 'tentativelyAccepted' | 'accepted' | 'declined' | 'notResponded';
export interface Attendee {
  emailAddress: EmailAddress;
  type: 'required' | 'optional' | 'resource';
  status: { response: ResponseStatus; time?: number };
}

export type ShowAs = 'free' | 'tentative' | 'busy' | 'oof' | 'workingElsewhere' | 'unknown';
export type Sensitivity = 'normal' | 'personal' | 'private' | 'confidential';
export type Importance = 'low' | 'normal' | 'high';

interface ItemCommon {
  key: number;
  id: string;
  graphId: string;
  /** Graph ImmutableId spelling: survives moves (the regular ids change on a move). */
  immutableGraphId: string;
  mailboxId: string;
  folderKey: number;
  changeKey: string;
  createdAt: number;
  lastModifiedAt: number;
  categories: string[];
  extendedProperties: ExtendedProperty[];
}

/** Fields of an event that an exception may override. */
export interface EventFields {
  subject: string;
  body: ItemBody;
  location: string;
  start: number;
  end: number;
  isAllDay: boolean;
  showAs: ShowAs;
  sensitivity: Sensitivity;
  importance: Importance;
  isReminderOn: boolean;
  reminderMinutesBeforeStart: number;
  categories: string[];
  attendees: Attendee[];
  isCancelled: boolean;
}

export interface EventException {
  /** Occurrence id the exception keeps (EWS spelling). */
  id: string;
  graphId: string;
  changeKey: string;
  originalStart: number;
  overrides: Partial<EventFields>;
  lastModifiedAt: number;
}

export interface CalendarEvent extends ItemCommon, EventFields {
  kind: 'event';
  /** iCalendar UID (EWS UID; Graph iCalUId of the master). */
  uid: string;
  timeZone: string;
  endTimeZone: string;
  organizer: EmailAddress;
  /** True when the mailbox owner organizes the meeting (Graph isOrganizer). */
  isOrganizer: boolean;
  responseStatus: { response: ResponseStatus; time?: number };
  recurrence: Recurrence | undefined;
  /** Bumps whenever the pattern/range changes; occurrence ids embed it. */
  patternGeneration: number;
  exceptions: Map<number, EventException>;
  deletedOccurrences: Set<number>;
  transactionId: string | undefined;
  /** An item removed as a cancelled meeting stays readable to the organizer's log only. */
}

export interface PhysicalAddress {
  street?: string;
  city?: string;
  state?: string;
  postalCode?: string;
  countryOrRegion?: string;
}

export interface Contact extends ItemCommon {
  kind: 'contact';
  displayName: string;
  givenName: string;
  middleName: string;
  surname: string;
  nickName: string;
  title: string;
  generation: string;
  fileAs: string;
  /** At most three, like Exchange's EmailAddress1..3 slots. */
  emailAddresses: EmailAddress[];
  businessPhones: string[];
  homePhones: string[];
  mobilePhone: string;
  otherPhones: string[];
  /**
   * The other PhoneNumberKeyType slots EWS offers (BusinessFax, HomeFax, Pager, CarPhone, …), by key. Graph's contact
   * resource has no property for them: they are visible over EWS only, as in Exchange.
   */
  ewsOnlyPhones: Record<string, string>;
  businessAddress: PhysicalAddress | undefined;
  homeAddress: PhysicalAddress | undefined;
  otherAddress: PhysicalAddress | undefined;
  companyName: string;
  department: string;
  jobTitle: string;
  /** YYYY-MM-DD. */
  birthday: string | undefined;
  personalNotes: string;
  imAddresses: string[];
  businessHomePage: string;
  /** Graph `profession` (EWS Profession); absent on contacts that never had one. */
  profession?: string;
}

export interface DistributionList extends ItemCommon {
  kind: 'distributionList';
  displayName: string;
  members: EmailAddress[];
  body: ItemBody;
}

export type TaskStatus = 'notStarted' | 'inProgress' | 'completed' | 'waitingOnOthers' | 'deferred';
export interface Task extends ItemCommon {
  kind: 'task';
  title: string;
  body: ItemBody;
  status: TaskStatus;
  importance: Importance;
  /** UTC ms at local midnight of the due day in `timeZone` (Exchange stores due dates, not times). */
  dueDateTime: number | undefined;
  startDateTime: number | undefined;
  completedDateTime: number | undefined;
  reminderDateTime: number | undefined;
  isReminderOn: boolean;
  percentComplete: number;
  timeZone: string;
  recurrence: Recurrence | undefined;
  sensitivity: Sensitivity;
}

export type Item = CalendarEvent | Contact | DistributionList | Task;
export type ItemKind = Item['kind'];

/** One entry of a folder's change journal. EWS SyncState and Graph delta tokens are both sequence numbers here. */
export interface JournalEntry {
  seq: number;
  itemKey: number;
  itemId: string;
  change: 'create' | 'update' | 'delete';
  at: number;
}

export interface HierarchyEntry {
  seq: number;
  folderKey: number;
  change: 'create' | 'update' | 'delete';
}

/** A calendar instance as calendar views see it (both faces): single, occurrence or exception. */
export interface EventInstance {
  type: 'singleInstance' | 'occurrence' | 'exception';
  id: string;
  graphId: string;
  changeKey: string;
  /** The effective fields (master fields with exception overrides applied). */
  fields: EventFields;
  master: CalendarEvent;
  /** Set for occurrences and exceptions. */
  originalStart: number | undefined;
  index: number | undefined;
}

export type SentMailKind = 'invitation' | 'update' | 'cancellation' | 'response';
export interface SentMail {
  seq: number;
  at: number;
  from: string;
  to: string[];
  kind: SentMailKind;
  subject: string;
  uid: string;
  itemId: string;
  /** Which face sent it: 'ews' | 'graph' | 'control'. */
  via: string;
  /** For occurrence-level sends. */
  originalStart?: number;
}
