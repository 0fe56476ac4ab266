import { expandInWindow, findOccurrence, occurrenceByIndex, occurrences, validatePattern } from '../recurrence/expand';
import type { Occurrence, Recurrence, SeriesSpec } from '../recurrence/types';
import { formatIsoDate, isValidTimeZone, parseIsoDate, utcToWall } from '../recurrence/zoned-time';
import { VirtualClock } from './clock';
import { StoreError } from './errors';
import { extendedPropertyKey, mergeExtendedProperties, normalizeExtendedProperty } from './extended-properties';
import { decodeId, deterministicGuid, encodeChangeKey, encodeId, globalObjectIdHex, toGraphId } from './ids';
import {
  type CalendarEvent,
  type Contact,
  type DistributionList,
  type EventException,
  type EventFields,
  type EventInstance,
  FOLDER_CLASS,
  type Folder,
  type FolderKind,
  type HierarchyEntry,
  type Item,
  type JournalEntry,
  type Mailbox,
  type SentMail,
  type SentMailKind,
  type Task,
  type UserPhoto,
  WELL_KNOWN_FOLDERS,
} from './types';
import { UserConfigurations } from './user-configurations';

type Managed =
  | 'key'
  | 'id'
  | 'graphId'
  | 'immutableGraphId'
  | 'mailboxId'
  | 'folderKey'
  | 'changeKey'
  | 'createdAt'
  | 'lastModifiedAt';
type ManagedEvent = Managed | 'kind' | 'patternGeneration' | 'exceptions' | 'deletedOccurrences';

export type EventInput = Partial<Omit<CalendarEvent, ManagedEvent>> & { start: number; end: number };
export type EventPatch = Partial<Omit<CalendarEvent, ManagedEvent | 'transactionId'>>;
export type ContactInput = Partial<Omit<Contact, Managed | 'kind'>>;
export type DistributionListInput = Partial<Omit<DistributionList, Managed | 'kind'>>;
export type TaskInput = Partial<Omit<Task, Managed | 'kind'>>;
export type ItemPatch = EventPatch | ContactInput | DistributionListInput | TaskInput;

export interface WriteOptions {
  /** Refuse the write (ChangeKeyMismatch) unless the item's current ChangeKey equals this. */
  ifChangeKey?: string;
}

export interface CoalescedChange {
  change: 'create' | 'update' | 'delete';
  itemKey: number;
  itemId: string;
  /** Sequence number of the last journal entry folded into this change. */
  seq: number;
  /** Current item for create/update. */
  item: Item | undefined;
}

export interface StoreChangeEvent {
  seq: number;
  folderKey: number;
  mailboxId: string;
  itemId: string;
  change: 'create' | 'update' | 'delete';
}

const SERIES_FIELDS = ['start', 'end', 'recurrence', 'timeZone', 'isAllDay'] as const;

export class MailboxStore {
  readonly clock: VirtualClock;
  private readonly seed: string;
  private nextKey = 1;
  private seq = 0;
  private readonly mailboxes = new Map<string, Mailbox>();
  private readonly folders = new Map<number, Folder>();
  /** Deleted folders, kept so hierarchy deltas can still say what kind of folder went away. */
  private readonly retiredFolders = new Map<number, Folder>();
  private readonly items = new Map<number, Item>();
  /** Item keys per folder key: folder listings must not scan every item of every mailbox. */
  private readonly itemsByFolder = new Map<number, Set<number>>();
  private readonly expansions = new Map<number, { changeKey: string; all: Occurrence[] }>();
  /**
   * Every instance of a single or bounded series, built once per version of its master (its ChangeKey changes with
   * every write, occurrence edits included): calendar views ask for the same instances window after window, page
   * after page, and building one copies the master's fields.
   */
  private readonly instanceMemo = new Map<
    number,
    { changeKey: string; all: readonly EventInstance[]; byStart?: Map<number, EventInstance> }
  >();
  /** Bumped by every journal entry of a folder: what a folder's memoised calendar view is checked against. */
  private readonly folderVersions = new Map<number, number>();
  /** The last calendar view of each folder (a client pages through one window with the same request). */
  private readonly viewMemo = new Map<
    number,
    { version: number; from: number; to: number; view: readonly EventInstance[] }
  >();
  /**
   * Per folder version, every instance of its singles and bounded series in calendar order, and its series
   * without end: a client lists a calendar window after window (exsync's EWS listing asks for five), and each
   * view then walks one sorted list instead of asking every item for its instances and sorting them again.
   */
  private readonly folderInstances = new Map<
    number,
    { version: number; inOrder: readonly EventInstance[]; endless: readonly CalendarEvent[] }
  >();
  private readonly occurrenceIdMemo = new Map<
    number,
    { generation: number; byStart: Map<number, { id: string; graphId: string }> }
  >();
  private readonly journals = new Map<number, JournalEntry[]>();
  /**
   * Mailboxes by lower-cased SMTP address, UPN and id, and each mailbox's folder keys (in creation order): a
   * request names its mailbox and folders, and scanning every mailbox or folder for them made a 10,000-mailbox
   * simulator's cost per request grow with its mailboxes.
   */
  private readonly mailboxesBy = {
    smtpAddress: new Map<string, Mailbox>(),
    userPrincipalName: new Map<string, Mailbox>(),
    id: new Map<string, Mailbox>(),
  };
  private readonly foldersOfMailbox = new Map<string, Set<number>>();
  private readonly hierarchy = new Map<string, HierarchyEntry[]>();
  private readonly mail: SentMail[] = [];
  private readonly listeners = new Set<(e: StoreChangeEvent) => void>();
  private readonly photos = new Map<string, UserPhoto>();
  /** Named settings clients keep on folders (EWS Get/Create/Update/DeleteUserConfiguration). */
  readonly userConfigurations = new UserConfigurations(() => this.nextKey++);

  constructor(opts: { clock?: VirtualClock; seed?: string } = {}) {
    this.clock = opts.clock ?? new VirtualClock();
    this.seed = opts.seed ?? 'exsync-sim';
  }

  /* ---------------------------------------------------------------- mailboxes */

  createMailbox(input: {
    smtpAddress: string;
    displayName?: string;
    userPrincipalName?: string;
    restEnabled?: boolean;
    id?: string;
  }): Mailbox {
    const smtp = input.smtpAddress.trim();
    if (!/^[^@\s]+@[^@\s]+$/.test(smtp)) throw new StoreError('InvalidInput', `"${smtp}" is not an SMTP address`);
    if (this.findMailbox(smtp) || (input.userPrincipalName && this.findMailbox(input.userPrincipalName))) {
      throw new StoreError('DuplicateMailbox', `A mailbox for ${smtp} already exists`);
    }
    if (input.id !== undefined && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(input.id)) {
      throw new StoreError('InvalidInput', `mailbox id "${input.id}" is not a GUID`);
    }
    const mbx: Mailbox = {
      id: input.id?.toLowerCase() ?? deterministicGuid(`${this.seed}:mailbox:${smtp.toLowerCase()}`),
      smtpAddress: smtp,
      userPrincipalName: input.userPrincipalName ?? smtp,
      displayName: input.displayName ?? smtp.split('@')[0]!,
      restEnabled: input.restEnabled ?? true,
    };
    this.mailboxes.set(mbx.id, mbx);
    for (const field of ['smtpAddress', 'userPrincipalName', 'id'] as const) {
      const name = mbx[field].toLowerCase();
      if (!this.mailboxesBy[field].has(name)) this.mailboxesBy[field].set(name, mbx);
    }
    this.hierarchy.set(mbx.id, []);
    this.foldersOfMailbox.set(mbx.id, new Set());
    const root = this.addFolder(mbx.id, 'root', 'Root', undefined, true);
    const top = this.addFolder(mbx.id, 'msgfolderroot', 'Top of Information Store', root.key, true);
    for (const [kind, name] of WELL_KNOWN_FOLDERS) this.addFolder(mbx.id, kind, name, top.key, true);
    return mbx;
  }

  /** By object id, SMTP address or UPN; addresses compare case-insensitively. */
  findMailbox(idOrAddress: string): Mailbox | undefined {
    const direct = this.mailboxes.get(idOrAddress);
    if (direct) return direct;
    const lower = idOrAddress.toLowerCase();
    return (
      this.mailboxesBy.smtpAddress.get(lower) ??
      this.mailboxesBy.userPrincipalName.get(lower) ??
      this.mailboxes.get(lower)
    );
  }

  /** The mailbox whose SMTP address, UPN or id (as `field` says) is `name`, compared case-insensitively. */
  findMailboxBy(field: 'smtpAddress' | 'userPrincipalName' | 'id', name: string): Mailbox | undefined {
    return this.mailboxesBy[field].get(name.toLowerCase());
  }

  /** The mailbox user's photo (EWS GetUserPhoto), or undefined when the user has none. */
  photo(mailboxIdOrAddress: string): UserPhoto | undefined {
    return this.photos.get(this.getMailbox(mailboxIdOrAddress).id);
  }

  /** Sets (or, with undefined, removes) the user's photo; each change gets a new ETag. */
  setPhoto(mailboxIdOrAddress: string, photo: { data: Buffer; contentType: string } | undefined): void {
    const mbx = this.getMailbox(mailboxIdOrAddress);
    if (!photo) {
      this.photos.delete(mbx.id);
      return;
    }
    this.seq++;
    this.photos.set(mbx.id, { ...photo, etag: `"${mbx.id}-${this.seq}"` });
  }

  getMailbox(idOrAddress: string): Mailbox {
    const m = this.findMailbox(idOrAddress);
    if (!m) throw new StoreError('MailboxNotFound', `No mailbox for "${idOrAddress}"`);
    return m;
  }

  listMailboxes(): Mailbox[] {
    return [...this.mailboxes.values()];
  }

  /* ---------------------------------------------------------------- folders */

  private addFolder(
    mailboxId: string,
    kind: FolderKind,
    displayName: string,
    parentKey: number | undefined,
    wellKnown: boolean,
  ): Folder {
    const key = this.nextKey++;
    const id = encodeId('folder', key, 0, 0, mailboxId);
    const f: Folder = {
      key,
      id,
      graphId: toGraphId(id),
      mailboxId,
      kind,
      displayName,
      parentKey,
      folderClass: FOLDER_CLASS[kind],
      distinguishedId: wellKnown ? kind : undefined,
      isDefault: wellKnown,
      changeKey: encodeChangeKey(key, ++this.seq),
    };
    this.folders.set(key, f);
    this.foldersOfMailbox.get(mailboxId)!.add(key);
    this.journals.set(key, []);
    this.hierarchy.get(mailboxId)!.push({ seq: this.seq, folderKey: key, change: 'create' });
    return f;
  }

  /** An extra calendar, contact folder or task list under the mailbox's top folder (or under `parentId`). */
  createFolder(
    mailboxIdOrAddress: string,
    input: {
      kind: 'calendar' | 'contacts' | 'tasks' | 'mail';
      displayName: string;
      parentId?: string;
      folderClass?: string;
    },
  ): Folder {
    const mbx = this.getMailbox(mailboxIdOrAddress);
    if (!input.displayName?.trim()) throw new StoreError('InvalidInput', 'A folder needs a displayName');
    const parent = input.parentId ? this.getFolder(input.parentId) : this.distinguishedFolder(mbx.id, 'msgfolderroot');
    if (parent.mailboxId !== mbx.id) throw new StoreError('InvalidInput', 'Parent folder is in another mailbox');
    if (this.listFolders(mbx.id).some((f) => f.parentKey === parent.key && f.displayName === input.displayName)) {
      throw new StoreError('InvalidInput', `A folder named "${input.displayName}" already exists there`);
    }
    const f = this.addFolder(mbx.id, input.kind, input.displayName, parent.key, false);
    // A client may give a more specific class (IPF.Appointment.Birthday, IPF.Contact.MOC.QuickContacts, ...).
    if (input.folderClass) f.folderClass = input.folderClass;
    return f;
  }

  renameFolder(folderId: string, displayName: string): Folder {
    const f = this.getFolder(folderId);
    f.displayName = displayName;
    f.changeKey = encodeChangeKey(f.key, ++this.seq);
    this.hierarchy.get(f.mailboxId)!.push({ seq: this.seq, folderKey: f.key, change: 'update' });
    return f;
  }

  /** Deletes a non-default folder with everything in it. */
  deleteFolder(folderId: string): void {
    const f = this.getFolder(folderId);
    if (f.isDefault) throw new StoreError('InvalidInput', 'Well-known folders cannot be deleted');
    for (const sub of this.childFolders(f)) this.deleteFolder(sub.id);
    for (const it of this.listItems(f.id)) this.deleteItem(it.id);
    this.folders.delete(f.key);
    this.foldersOfMailbox.get(f.mailboxId)!.delete(f.key);
    this.retiredFolders.set(f.key, f);
    this.hierarchy.get(f.mailboxId)!.push({ seq: ++this.seq, folderKey: f.key, change: 'delete' });
  }

  /** Accepts either id spelling. */
  findFolder(id: string): Folder | undefined {
    const d = decodeId(id);
    const f = d?.kind === 'folder' ? this.folders.get(d.key) : undefined;
    return f && f.mailboxId === d?.mailboxGuid ? f : undefined;
  }

  getFolder(id: string): Folder {
    const f = this.findFolder(id);
    if (!f) throw new StoreError('FolderNotFound', `No folder with id "${id}"`);
    return f;
  }

  folderByKey(key: number): Folder | undefined {
    return this.folders.get(key);
  }

  distinguishedFolder(mailboxIdOrAddress: string, kind: FolderKind): Folder {
    const mbx = this.getMailbox(mailboxIdOrAddress);
    for (const f of this.mailboxFolders(mbx.id)) if (f.distinguishedId === kind) return f;
    throw new StoreError('FolderNotFound', `Mailbox ${mbx.smtpAddress} has no ${kind} folder`);
  }

  listFolders(mailboxIdOrAddress: string, kind?: FolderKind): Folder[] {
    const mbx = this.getMailbox(mailboxIdOrAddress);
    return this.mailboxFolders(mbx.id).filter((f) => !kind || f.kind === kind);
  }

  /** The mailbox's folders, in creation order. */
  private mailboxFolders(mailboxId: string): Folder[] {
    return [...(this.foldersOfMailbox.get(mailboxId) ?? [])].map((key) => this.folders.get(key)!);
  }

  /** Hierarchy changes after `sinceSeq`, coalesced per folder (for SyncFolderHierarchy). */
  hierarchyChangesSince(
    mailboxIdOrAddress: string,
    sinceSeq: number,
  ): { change: 'create' | 'update' | 'delete'; folderKey: number; folder: Folder; seq: number }[] {
    const mbx = this.getMailbox(mailboxIdOrAddress);
    return coalesce(
      this.hierarchy.get(mbx.id)!.filter((e) => e.seq > sinceSeq),
      (e) => e.folderKey,
    ).map(({ change, key, seq }) => ({
      change,
      folderKey: key,
      folder: (this.folders.get(key) ?? this.retiredFolders.get(key))!,
      seq,
    }));
  }

  /* ---------------------------------------------------------------- items */

  private folderOfKind(folderId: string, kinds: FolderKind[]): Folder {
    const f = this.getFolder(folderId);
    if (!kinds.includes(f.kind)) {
      throw new StoreError(
        'WrongFolderKind',
        `Folder "${f.displayName}" is a ${f.kind} folder, not ${kinds.join('/')}`,
      );
    }
    return f;
  }

  private common(folder: Folder) {
    const key = this.nextKey++;
    const id = encodeId('item', key, 0, 0, folder.mailboxId);
    const now = this.clock.now();
    return {
      key,
      id,
      graphId: toGraphId(id),
      immutableGraphId: toGraphId(encodeId('immutable', key, 0, 0, folder.mailboxId)),
      mailboxId: folder.mailboxId,
      folderKey: folder.key,
      changeKey: encodeChangeKey(key, this.seq + 1),
      createdAt: now,
      lastModifiedAt: now,
      categories: [] as string[],
      extendedProperties: [] as CalendarEvent['extendedProperties'],
    };
  }

  createEvent(folderId: string, input: EventInput): CalendarEvent {
    const folder = this.folderOfKind(folderId, ['calendar']);
    const mbx = this.getMailbox(folder.mailboxId);
    const base = this.common(folder);
    const ev: CalendarEvent = {
      ...base,
      kind: 'event',
      uid: input.uid ?? globalObjectIdHex(base.key, `${this.seed}:${mbx.id}`),
      subject: input.subject ?? '',
      body: input.body ?? { contentType: 'text', content: '' },
      location: input.location ?? '',
      start: input.start,
      end: input.end,
      timeZone: input.timeZone ?? 'UTC',
      endTimeZone: input.endTimeZone ?? input.timeZone ?? 'UTC',
      isAllDay: input.isAllDay ?? false,
      showAs: input.showAs ?? 'busy',
      sensitivity: input.sensitivity ?? 'normal',
      importance: input.importance ?? 'normal',
      isReminderOn: input.isReminderOn ?? true,
      reminderMinutesBeforeStart: input.reminderMinutesBeforeStart ?? 15,
      categories: [...(input.categories ?? [])],
      attendees: structuredClone(input.attendees ?? []),
      isCancelled: input.isCancelled ?? false,
      organizer: input.organizer ?? { name: mbx.displayName, address: mbx.smtpAddress },
      isOrganizer: input.isOrganizer ?? true,
      responseStatus: input.responseStatus ?? { response: input.isOrganizer === false ? 'notResponded' : 'organizer' },
      recurrence: input.recurrence ? structuredClone(input.recurrence) : undefined,
      patternGeneration: 0,
      exceptions: new Map(),
      deletedOccurrences: new Set(),
      transactionId: input.transactionId,
      extendedProperties: (input.extendedProperties ?? []).map(normalizeExtendedProperty),
    };
    validateEvent(ev);
    return this.insert(ev);
  }

  createContact(folderId: string, input: ContactInput): Contact {
    const folder = this.folderOfKind(folderId, ['contacts']);
    const c: Contact = {
      ...this.common(folder),
      kind: 'contact',
      givenName: '',
      middleName: '',
      surname: '',
      nickName: '',
      title: '',
      generation: '',
      fileAs: '',
      emailAddresses: [],
      businessPhones: [],
      homePhones: [],
      mobilePhone: '',
      otherPhones: [],
      ewsOnlyPhones: {},
      businessAddress: undefined,
      homeAddress: undefined,
      otherAddress: undefined,
      companyName: '',
      department: '',
      jobTitle: '',
      birthday: undefined,
      personalNotes: '',
      imAddresses: [],
      businessHomePage: '',
      displayName: '',
      ...structuredClone(input),
    };
    c.extendedProperties = c.extendedProperties.map(normalizeExtendedProperty);
    if (!c.displayName) c.displayName = [c.givenName, c.surname].filter(Boolean).join(' ');
    if (!c.fileAs) c.fileAs = [c.surname, c.givenName].filter(Boolean).join(', ');
    validateContact(c);
    return this.insert(c);
  }

  createDistributionList(folderId: string, input: DistributionListInput): DistributionList {
    const folder = this.folderOfKind(folderId, ['contacts']);
    const dl: DistributionList = {
      ...this.common(folder),
      kind: 'distributionList',
      displayName: '',
      members: [],
      body: { contentType: 'text', content: '' },
      ...structuredClone(input),
    };
    if (!dl.displayName) throw new StoreError('InvalidInput', 'A distribution list needs a displayName');
    return this.insert(dl);
  }

  createTask(folderId: string, input: TaskInput): Task {
    const folder = this.folderOfKind(folderId, ['tasks']);
    const t: Task = {
      ...this.common(folder),
      kind: 'task',
      title: '',
      body: { contentType: 'text', content: '' },
      status: 'notStarted',
      importance: 'normal',
      dueDateTime: undefined,
      startDateTime: undefined,
      completedDateTime: undefined,
      reminderDateTime: undefined,
      isReminderOn: false,
      percentComplete: 0,
      timeZone: 'UTC',
      recurrence: undefined,
      sensitivity: 'normal',
      ...structuredClone(input),
    };
    t.extendedProperties = t.extendedProperties.map(normalizeExtendedProperty);
    if (t.recurrence) validatePattern(t.recurrence.pattern);
    return this.insert(t);
  }

  private insert<T extends Item>(item: T): T {
    this.seq++;
    item.changeKey = encodeChangeKey(item.key, this.seq);
    this.items.set(item.key, item);
    this.indexItem(item.folderKey, item.key);
    this.log(item.folderKey, item, 'create');
    return item;
  }

  private indexItem(folderKey: number, itemKey: number): void {
    const set = this.itemsByFolder.get(folderKey) ?? new Set<number>();
    set.add(itemKey);
    this.itemsByFolder.set(folderKey, set);
  }

  /**
   * Accepts either spelling of an item id, and the immutable id. Occurrence ids resolve to their master here.
   * An id from before a move no longer resolves (Exchange gives moved items new ids).
   */
  findItem(id: string): Item | undefined {
    const d = decodeId(id);
    if (!d || (d.kind !== 'item' && d.kind !== 'occurrence' && d.kind !== 'immutable')) return undefined;
    const item = this.items.get(d.key);
    if (item && item.mailboxId !== d.mailboxGuid) return undefined;
    // A regular id from before a move names no item (Exchange gives moved items new ids).
    if (item && d.kind === 'item' && item.id !== id && item.graphId !== id) return undefined;
    return item;
  }

  getItem(id: string): Item {
    const it = this.findItem(id);
    if (!it) throw new StoreError('ItemNotFound', 'The specified object was not found in the store.');
    return it;
  }

  itemByKey(key: number): Item | undefined {
    return this.items.get(key);
  }

  listItems(folderId: string): Item[] {
    const f = this.getFolder(folderId);
    return [...(this.itemsByFolder.get(f.key) ?? [])].map((k) => this.items.get(k)!);
  }

  countItems(folderId: string): number {
    return this.itemsByFolder.get(this.getFolder(folderId).key)?.size ?? 0;
  }

  childFolders(parent: Folder): Folder[] {
    return this.mailboxFolders(parent.mailboxId).filter((f) => f.parentKey === parent.key);
  }

  /** Items of every folder of a mailbox. */
  listMailboxItems(mailboxIdOrAddress: string): Item[] {
    const mbx = this.getMailbox(mailboxIdOrAddress);
    return [...this.items.values()].filter((i) => i.mailboxId === mbx.id);
  }

  /** Field update. `extendedProperties` in the patch are merged by property identity, not replaced. */
  updateItem<T extends Item>(id: string, patch: ItemPatch, opts: WriteOptions = {}): T {
    const item = this.getItem(id) as T;
    this.checkChangeKey(item, opts);
    const { extendedProperties, ...rest } = patch as ItemPatch & { extendedProperties?: Item['extendedProperties'] };
    for (const k of [
      'key',
      'id',
      'graphId',
      'immutableGraphId',
      'mailboxId',
      'folderKey',
      'changeKey',
      'kind',
    ] as const) {
      if (k in rest) throw new StoreError('InvalidInput', `"${k}" cannot be changed`);
    }
    const next = { ...item, ...structuredClone(rest) } as T;
    if (extendedProperties)
      next.extendedProperties = mergeExtendedProperties(item.extendedProperties, extendedProperties);
    if (next.kind === 'event') {
      const ev = next as CalendarEvent;
      validateEvent(ev);
      const prev = item as CalendarEvent;
      if (
        SERIES_FIELDS.some((f) => f in rest && JSON.stringify(prev[f]) !== JSON.stringify(ev[f])) &&
        prev.recurrence
      ) {
        // Outlook drops exceptions when a series' pattern or time changes; occurrence ids change with the generation.
        ev.patternGeneration = prev.patternGeneration + 1;
        ev.exceptions = new Map();
        ev.deletedOccurrences = new Set();
      }
    } else if (next.kind === 'contact') {
      validateContact(next as Contact);
    }
    Object.assign(item, next);
    this.touch(item);
    return item;
  }

  /** Removes an extended property by its identity key (see extendedPropertyKey). */
  deleteExtendedProperty(id: string, key: string, opts: WriteOptions = {}): Item {
    const item = this.getItem(id);
    this.checkChangeKey(item, opts);
    item.extendedProperties = item.extendedProperties.filter((p) => extendedPropertyKey(p) !== key);
    this.touch(item);
    return item;
  }

  /** Delete an item; `moveToDeletedItems` keeps it readable in Deleted Items (a new item there, like Exchange). */
  deleteItem(id: string, opts: WriteOptions & { moveToDeletedItems?: boolean } = {}): void {
    const item = this.getItem(id);
    if (decodeId(id)?.kind === 'occurrence') {
      throw new StoreError('InvalidInput', 'Use deleteOccurrence() to cancel one occurrence of a series');
    }
    this.checkChangeKey(item, opts);
    this.items.delete(item.key);
    this.itemsByFolder.get(item.folderKey)?.delete(item.key);
    this.seq++;
    this.log(item.folderKey, item, 'delete');
    if (opts.moveToDeletedItems) {
      const bin = this.distinguishedFolder(item.mailboxId, 'deleteditems');
      const c = this.common(bin);
      const copy = {
        ...structuredClone(item),
        key: c.key,
        id: c.id,
        graphId: c.graphId,
        immutableGraphId: c.immutableGraphId,
        folderKey: c.folderKey,
      } as Item;
      copy.lastModifiedAt = c.lastModifiedAt;
      this.insert(copy);
    }
  }

  /** Move: journals a delete (old id) and a create (new id); the immutable id stays. */
  moveItem(id: string, targetFolderId: string): Item {
    const item = this.getItem(id);
    const target = this.getFolder(targetFolderId);
    if (target.mailboxId !== item.mailboxId) throw new StoreError('InvalidInput', 'Cannot move across mailboxes');
    const from = item.folderKey;
    this.seq++;
    this.log(from, item, 'delete');
    this.itemsByFolder.get(from)?.delete(item.key);
    this.indexItem(target.key, item.key);
    item.folderKey = target.key;
    item.id = encodeId('item', item.key, (decodeId(item.id)?.generation ?? 0) + 1, 0, item.mailboxId);
    item.graphId = toGraphId(item.id);
    this.touch(item, 'create');
    return item;
  }

  private checkChangeKey(item: Item, opts: WriteOptions): void {
    if (opts.ifChangeKey !== undefined && opts.ifChangeKey !== item.changeKey) {
      throw new StoreError('ChangeKeyMismatch', 'The item was changed since the given ChangeKey/ETag was read');
    }
  }

  private touch(item: Item, change: 'update' | 'create' = 'update'): void {
    this.seq++;
    item.changeKey = encodeChangeKey(item.key, this.seq);
    item.lastModifiedAt = this.clock.now();
    this.log(item.folderKey, item, change);
  }

  private log(folderKey: number, item: Item, change: JournalEntry['change']): void {
    this.folderVersions.set(folderKey, (this.folderVersions.get(folderKey) ?? 0) + 1);
    const entry: JournalEntry = { seq: this.seq, itemKey: item.key, itemId: item.id, change, at: this.clock.now() };
    this.journals.get(folderKey)?.push(entry);
    const e = { seq: this.seq, folderKey, mailboxId: item.mailboxId, itemId: item.id, change };
    for (const l of this.listeners) l(e);
  }

  /* ---------------------------------------------------------------- calendar */

  seriesSpec(ev: CalendarEvent): SeriesSpec {
    if (!ev.recurrence) throw new StoreError('InvalidInput', 'Not a recurring series');
    return { recurrence: ev.recurrence, start: ev.start, duration: ev.end - ev.start, timeZone: ev.timeZone };
  }

  /**
   * Every occurrence of a bounded series, expanded once per version of the master (its ChangeKey changes with
   * every write): calendar views and occurrence ids ask for the same expansion again and again.
   */
  private expansion(master: CalendarEvent): readonly Occurrence[] | undefined {
    if (!master.recurrence || master.recurrence.range.type === 'noEnd') return undefined;
    const cached = this.expansions.get(master.key);
    if (cached?.changeKey === master.changeKey) return cached.all;
    const all = [...occurrences(this.seriesSpec(master))];
    this.expansions.set(master.key, { changeKey: master.changeKey, all });
    return all;
  }

  private occurrencesInWindow(master: CalendarEvent, from: number, to: number): Occurrence[] {
    const all = this.expansion(master);
    if (!all) return expandInWindow(this.seriesSpec(master), from, to);
    // The same overlap rule as expandInWindow.
    return all.filter((o) => o.start < to && (o.end > from || (o.end === o.start && o.start >= from)));
  }

  private occurrenceAt(master: CalendarEvent, originalStart: number): Occurrence | undefined {
    const all = this.expansion(master);
    if (!all) return findOccurrence(this.seriesSpec(master), originalStart);
    return all.find((o) => o.originalStart === originalStart);
  }

  occurrenceId(master: CalendarEvent, originalStart: number): string {
    return this.occurrenceIds(master, originalStart).id;
  }

  /**
   * An occurrence's EWS and Graph ids, made once per master, pattern generation and original start (the only
   * inputs of the id): every calendar view names every occurrence in it, and encoding an id builds buffers.
   */
  private occurrenceIds(master: CalendarEvent, originalStart: number): { id: string; graphId: string } {
    let memo = this.occurrenceIdMemo.get(master.key);
    if (memo?.generation !== master.patternGeneration) {
      memo = { generation: master.patternGeneration, byStart: new Map() };
      this.occurrenceIdMemo.set(master.key, memo);
    }
    let ids = memo.byStart.get(originalStart);
    if (!ids) {
      const id = encodeId('occurrence', master.key, master.patternGeneration, originalStart, master.mailboxId);
      ids = { id, graphId: toGraphId(id) };
      memo.byStart.set(originalStart, ids);
    }
    return ids;
  }

  /**
   * What an event id names: a master/single, or one instance of a series. Throws ItemNotFound for ids of a
   * superseded pattern generation, OccurrenceDeleted for cancelled occurrences.
   */
  resolveEvent(id: string): { master: CalendarEvent; originalStart: number | undefined } {
    const d = decodeId(id);
    const item = this.findItem(id);
    if (!d || !item || item.kind !== 'event') {
      throw new StoreError('ItemNotFound', 'The specified object was not found in the store.');
    }
    if (d.kind === 'item' || d.kind === 'immutable') return { master: item, originalStart: undefined };
    if (!item.recurrence || d.generation !== item.patternGeneration || !this.occurrenceAt(item, d.originalStart)) {
      throw new StoreError('ItemNotFound', 'The specified object was not found in the store.');
    }
    if (item.deletedOccurrences.has(d.originalStart)) {
      throw new StoreError('OccurrenceDeleted', 'Occurrence is deleted from the recurrence.');
    }
    return { master: item, originalStart: d.originalStart };
  }

  /** One instance by id (occurrence or exception id). */
  getInstance(id: string): EventInstance {
    const { master, originalStart } = this.resolveEvent(id);
    if (originalStart === undefined) {
      return master.recurrence ? this.singleInstance(master) : this.allInstances(master)![0]!;
    }
    // The instance every view of this master version shares (a delta page or a `$batch` read names them one by
    // one); a series without end keeps no such list, so its occurrence is built here.
    const shared = this.instanceAt(master, originalStart);
    if (shared) return shared;
    const occ = this.occurrenceAt(master, originalStart)!;
    return this.instance(master, occ.originalStart, occ.start, occ.end, occ.index);
  }

  /** The instance at a 1-based index (EWS OccurrenceItemId InstanceIndex). */
  instanceByIndex(masterId: string, index: number): EventInstance {
    const master = this.getItem(masterId);
    if (master.kind !== 'event' || !master.recurrence) throw new StoreError('InvalidInput', 'Not a recurring master');
    const occ = occurrenceByIndex(this.seriesSpec(master), index);
    if (!occ) throw new StoreError('OccurrenceNotFound', 'Occurrence index is out of recurrence range.');
    if (master.deletedOccurrences.has(occ.originalStart)) {
      throw new StoreError('OccurrenceDeleted', 'Occurrence is deleted from the recurrence.');
    }
    return this.instance(master, occ.originalStart, occ.start, occ.end, occ.index);
  }

  private singleInstance(ev: CalendarEvent): EventInstance {
    return {
      type: 'singleInstance',
      id: ev.id,
      graphId: ev.graphId,
      changeKey: ev.changeKey,
      fields: eventFields(ev),
      master: ev,
      originalStart: undefined,
      index: undefined,
    };
  }

  private instance(
    master: CalendarEvent,
    originalStart: number,
    start: number,
    end: number,
    index: number,
  ): EventInstance {
    const ex = master.exceptions.get(originalStart);
    const ids = ex ? { id: ex.id, graphId: toGraphId(ex.id) } : this.occurrenceIds(master, originalStart);
    return {
      type: ex ? 'exception' : 'occurrence',
      id: ids.id,
      graphId: ids.graphId,
      changeKey: ex?.changeKey ?? master.changeKey,
      fields: { ...eventFields(master), start, end, ...(ex ? structuredClone(ex.overrides) : {}) },
      master,
      originalStart,
      index,
    };
  }

  /** Instances of one series overlapping [from, to): occurrences and exceptions, cancelled ones left out. */
  instancesOf(masterId: string, from: number, to: number): EventInstance[] {
    const master = this.getItem(masterId);
    if (master.kind !== 'event') throw new StoreError('InvalidInput', 'Not a calendar item');
    return this.instancesOfEvent(master, from, to).sort(byStartThenId);
  }

  private instancesOfEvent(master: CalendarEvent, from: number, to: number): EventInstance[] {
    const all = this.allInstances(master);
    if (all) return all.filter((i) => overlaps(i.fields.start, i.fields.end, from, to));
    return this.buildInstances(master, this.occurrencesInWindow(master, from, to), from, to);
  }

  /** The memoised instance of a bounded series at an original start (see allInstances). */
  private instanceAt(master: CalendarEvent, originalStart: number): EventInstance | undefined {
    if (!this.allInstances(master)) return undefined;
    const cached = this.instanceMemo.get(master.key)!;
    if (!cached.byStart) {
      cached.byStart = new Map();
      for (const i of cached.all) if (i.originalStart !== undefined) cached.byStart.set(i.originalStart, i);
    }
    return cached.byStart.get(originalStart);
  }

  /** Every instance of a single or bounded series (memoised per master version); undefined for a series without end. */
  private allInstances(master: CalendarEvent): readonly EventInstance[] | undefined {
    const cached = this.instanceMemo.get(master.key);
    if (cached?.changeKey === master.changeKey) return cached.all;
    let all: EventInstance[];
    if (!master.recurrence) all = [this.singleInstance(master)];
    else {
      const occurrences = this.expansion(master);
      if (!occurrences) return undefined;
      all = this.buildInstances(master, occurrences, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
    }
    this.instanceMemo.set(master.key, { changeKey: master.changeKey, all });
    return all;
  }

  /** The instances of `occurrences` (cancelled ones and exceptions left out), then the exceptions overlapping [from, to). */
  private buildInstances(
    master: CalendarEvent,
    occurrences: readonly Occurrence[],
    from: number,
    to: number,
  ): EventInstance[] {
    const out: EventInstance[] = [];
    for (const o of occurrences) {
      if (master.deletedOccurrences.has(o.originalStart) || master.exceptions.has(o.originalStart)) continue;
      out.push(this.instance(master, o.originalStart, o.start, o.end, o.index));
    }
    for (const ex of master.exceptions.values()) {
      const occ = this.occurrenceAt(master, ex.originalStart);
      if (!occ) continue;
      const inst = this.instance(master, ex.originalStart, occ.start, occ.end, occ.index);
      if (overlaps(inst.fields.start, inst.fields.end, from, to)) out.push(inst);
    }
    return out;
  }

  /**
   * Calendar view of a folder: singles, occurrences and exceptions overlapping [from, to); never a master. The
   * last view of each folder is kept until the folder changes (a client pages through it with the same window).
   * The instances are shared between views: callers read them, never change them.
   */
  calendarView(folderId: string, from: number, to: number): EventInstance[] {
    const folderKey = this.getFolder(folderId).key;
    const version = this.folderVersions.get(folderKey) ?? 0;
    const memo = this.viewMemo.get(folderKey);
    if (memo && memo.version === version && memo.from === from && memo.to === to) return [...memo.view];
    const { inOrder, endless } = this.instancesInOrder(folderKey, version);
    const out: EventInstance[] = [];
    for (const inst of inOrder) {
      // In start order, so nothing after the first instance starting at or after `to` overlaps the window.
      if (inst.fields.start >= to) break;
      if (overlaps(inst.fields.start, inst.fields.end, from, to)) out.push(inst);
    }
    if (endless.length > 0) {
      for (const master of endless) for (const inst of this.instancesOfEvent(master, from, to)) out.push(inst);
      out.sort(byStartThenId);
    }
    this.viewMemo.set(folderKey, { version, from, to, view: out });
    return [...out];
  }

  /** A folder's instances in calendar order and its series without end, for this version of the folder. */
  private instancesInOrder(
    folderKey: number,
    version: number,
  ): { inOrder: readonly EventInstance[]; endless: readonly CalendarEvent[] } {
    const cached = this.folderInstances.get(folderKey);
    if (cached?.version === version) return cached;
    const inOrder: EventInstance[] = [];
    const endless: CalendarEvent[] = [];
    for (const key of this.itemsByFolder.get(folderKey) ?? []) {
      const it = this.items.get(key)!;
      if (it.kind !== 'event') continue;
      const all = this.allInstances(it);
      if (!all) endless.push(it);
      else for (const inst of all) inOrder.push(inst);
    }
    inOrder.sort(byStartThenId);
    const built = { version, inOrder, endless };
    this.folderInstances.set(folderKey, built);
    return built;
  }

  /**
   * Edit one occurrence (creating or changing its exception). The master gets a new ChangeKey and an `update`
   * journal entry: occurrences are not items (EWS reports them as an Update of the master).
   */
  updateOccurrence(id: string, overrides: Partial<EventFields>, opts: WriteOptions = {}): EventInstance {
    const { master, originalStart } = this.resolveEvent(id);
    if (originalStart === undefined) throw new StoreError('InvalidInput', 'Not an occurrence id');
    const current = master.exceptions.get(originalStart);
    if (opts.ifChangeKey !== undefined && opts.ifChangeKey !== (current?.changeKey ?? master.changeKey)) {
      throw new StoreError('ChangeKeyMismatch', 'The occurrence was changed since the given ChangeKey/ETag was read');
    }
    const occ = findOccurrence(this.seriesSpec(master), originalStart)!;
    const merged = { ...(current?.overrides ?? {}), ...structuredClone(overrides) };
    const start = merged.start ?? occ.start;
    const end = merged.end ?? occ.end;
    if (end < start) throw new StoreError('InvalidInput', 'An occurrence cannot end before it starts');
    const exId = current?.id ?? this.occurrenceId(master, originalStart);
    const ex: EventException = {
      id: exId,
      graphId: toGraphId(exId),
      changeKey: '',
      originalStart,
      overrides: merged,
      lastModifiedAt: this.clock.now(),
    };
    master.exceptions.set(originalStart, ex);
    this.touch(master);
    ex.changeKey = encodeChangeKey(master.key, this.seq);
    return this.getInstance(exId);
  }

  /** Cancel one occurrence: it joins the master's deleted occurrences; the master is updated. */
  deleteOccurrence(id: string, opts: WriteOptions = {}): void {
    const { master, originalStart } = this.resolveEvent(id);
    if (originalStart === undefined) throw new StoreError('InvalidInput', 'Not an occurrence id');
    const current = master.exceptions.get(originalStart);
    if (opts.ifChangeKey !== undefined && opts.ifChangeKey !== (current?.changeKey ?? master.changeKey)) {
      throw new StoreError('ChangeKeyMismatch', 'The occurrence was changed since the given ChangeKey/ETag was read');
    }
    master.exceptions.delete(originalStart);
    master.deletedOccurrences.add(originalStart);
    this.touch(master);
  }

  /* ---------------------------------------------------------------- journal */

  /** The latest sequence number; a sync state or delta token taken now covers everything up to it. */
  currentSeq(): number {
    return this.seq;
  }

  journal(folderId: string): readonly JournalEntry[] {
    return this.journals.get(this.getFolder(folderId).key) ?? [];
  }

  /**
   * Changes of a folder after `sinceSeq`, coalesced per item the way EWS SyncFolderItems reports them:
   * create+update → create; updates → one update; create+delete → nothing; moved out → delete; moved in → create.
   * Oldest first (by the last change folded in).
   */
  changesSince(folderId: string, sinceSeq: number): CoalescedChange[] {
    const f = this.getFolder(folderId);
    const entries = (this.journals.get(f.key) ?? []).filter((e) => e.seq > sinceSeq);
    return coalesce(entries, (e) => e.itemKey).map(({ change, key, seq, last }) => ({
      change,
      itemKey: key,
      itemId: (last as JournalEntry).itemId,
      seq,
      item: change === 'delete' ? undefined : this.items.get(key),
    }));
  }

  onChange(listener: (e: StoreChangeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /* ---------------------------------------------------------------- sent mail */

  recordMail(m: Omit<SentMail, 'seq' | 'at'>): SentMail {
    const rec: SentMail = { ...m, seq: this.mail.length + 1, at: this.clock.now() };
    this.mail.push(rec);
    return rec;
  }

  /** Records what Outlook would send for a meeting write: one message to every attendee that is not the organizer. */
  recordMeetingMail(
    ev: CalendarEvent,
    kind: SentMailKind,
    via: string,
    opts: { originalStart?: number; recipients?: string[] } = {},
  ): SentMail | undefined {
    const mbx = this.getMailbox(ev.mailboxId);
    const to =
      opts.recipients ??
      ev.attendees.map((a) => a.emailAddress.address).filter((a) => a.toLowerCase() !== mbx.smtpAddress.toLowerCase());
    if (to.length === 0) return undefined;
    return this.recordMail({
      from: mbx.smtpAddress,
      to,
      kind,
      subject: ev.subject,
      uid: ev.uid,
      itemId: ev.id,
      via,
      ...(opts.originalStart !== undefined ? { originalStart: opts.originalStart } : {}),
    });
  }

  sentMail(filter: { from?: string; kind?: SentMailKind; via?: string } = {}): SentMail[] {
    return this.mail.filter(
      (m) =>
        (!filter.from || m.from.toLowerCase() === filter.from.toLowerCase()) &&
        (!filter.kind || m.kind === filter.kind) &&
        (!filter.via || m.via === filter.via),
    );
  }
}

/* ---------------------------------------------------------------- helpers */

export function overlaps(start: number, end: number, from: number, to: number): boolean {
  if (end === start) return start >= from && start < to;
  return end > from && start < to;
}

/** Calendar order: by start, then by id (a plain code-unit comparison: ids are base64, no locale applies). */
function byStartThenId(a: EventInstance, b: EventInstance): number {
  return a.fields.start - b.fields.start || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export function eventFields(ev: CalendarEvent): EventFields {
  return {
    subject: ev.subject,
    body: { ...ev.body },
    location: ev.location,
    start: ev.start,
    end: ev.end,
    isAllDay: ev.isAllDay,
    showAs: ev.showAs,
    sensitivity: ev.sensitivity,
    importance: ev.importance,
    isReminderOn: ev.isReminderOn,
    reminderMinutesBeforeStart: ev.reminderMinutesBeforeStart,
    categories: [...ev.categories],
    // A plain copy of the three-level attendee objects: structuredClone is costly on every instance rendered.
    attendees: ev.attendees.map((a) => ({ ...a, emailAddress: { ...a.emailAddress }, status: { ...a.status } })),
    isCancelled: ev.isCancelled,
  };
}

/** The recurrence range start date implied by an event's start in its zone (for callers that omit it). */
export function rangeStartDate(start: number, timeZone: string): string {
  return formatIsoDate(utcToWall(start, timeZone));
}

function validateEvent(ev: CalendarEvent): void {
  if (!Number.isFinite(ev.start) || !Number.isFinite(ev.end))
    throw new StoreError('InvalidInput', 'start/end must be times');
  if (ev.end < ev.start) throw new StoreError('InvalidInput', 'An event cannot end before it starts');
  for (const tz of [ev.timeZone, ev.endTimeZone]) {
    if (!isValidTimeZone(tz))
      throw new StoreError('InvalidInput', `Unknown time zone "${tz}" (the store wants IANA ids)`);
  }
  if (ev.recurrence) validateRecurrence(ev.recurrence);
}

function validateRecurrence(r: Recurrence): void {
  try {
    validatePattern(r.pattern);
    parseIsoDate(r.range.startDate);
    if (r.range.type === 'endDate') parseIsoDate(r.range.endDate);
    if (
      r.range.type === 'numbered' &&
      !(Number.isInteger(r.range.numberOfOccurrences) && r.range.numberOfOccurrences > 0)
    ) {
      throw new Error('numberOfOccurrences must be a positive integer');
    }
  } catch (e) {
    throw new StoreError('InvalidInput', `Invalid recurrence: ${(e as Error).message}`);
  }
}

function validateContact(c: Contact): void {
  if (c.emailAddresses.length > 3) {
    throw new StoreError('InvalidInput', 'A contact holds at most three e-mail addresses (EmailAddress1..3)');
  }
  if (c.birthday !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(c.birthday)) {
    throw new StoreError('InvalidInput', 'birthday must be YYYY-MM-DD');
  }
}

function coalesce<E extends { seq: number; change: 'create' | 'update' | 'delete' }>(
  entries: E[],
  keyOf: (e: E) => number,
): { change: 'create' | 'update' | 'delete'; key: number; seq: number; last: E }[] {
  const byKey = new Map<number, { first: E; last: E }>();
  for (const e of entries) {
    const k = keyOf(e);
    const cur = byKey.get(k);
    if (cur) cur.last = e;
    else byKey.set(k, { first: e, last: e });
  }
  const out: { change: 'create' | 'update' | 'delete'; key: number; seq: number; last: E }[] = [];
  for (const [key, { first, last }] of byKey) {
    const existedBefore = first.change !== 'create';
    const existsNow = last.change !== 'delete';
    if (!existedBefore && !existsNow) continue;
    const change = !existedBefore ? 'create' : existsNow ? 'update' : 'delete';
    out.push({ change, key, seq: last.seq, last });
  }
  return out.sort((a, b) => a.seq - b.seq);
}
