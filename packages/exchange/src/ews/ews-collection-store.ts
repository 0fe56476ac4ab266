import {
  type Change,
  type ChangeSet,
  type CollectionKind,
  type CollectionStore,
  type CreateOptions,
  type DateValue,
  type EventItem,
  type FetchedItem,
  type FetchResult,
  InvalidSyncTokenError,
  type ItemRef,
  itemKindsOf,
  type ListedItem,
  NotFoundError,
  type PimItem,
  PreconditionFailedError,
  RejectedError,
  type StoreCaps,
  type StoredItem,
  type SyncWindow,
  type WriteResult,
} from '@exsync/core';
import type { RetryPolicy } from '@exsync/net';
import type { XNode } from '@exsync/xml';
import {
  AffectedTaskOccurrence,
  Appointment,
  AppointmentSchema,
  AppointmentType,
  BasePropertySet,
  CalendarView,
  ConflictResolutionMode,
  Contact,
  ContactGroup,
  DateTime,
  DeleteMode,
  type ExchangeService,
  FolderId,
  type Item,
  ItemId,
  ItemView,
  MeetingResponseType,
  type PropertyDefinitionBase,
  PropertySet,
  SearchFilter,
  SendCancellationsMode,
  SendInvitationsMode,
  SendInvitationsOrCancellationsMode,
  ServiceResult,
  Task,
  WellKnownFolderName,
} from 'ews-javascript-api';
import type { PortableIdentities, PortableIdentity, UidToAdopt } from '../portable-identity';
import { adoptUidsRequest, type UidAdoption, type UidHolderType, uidsAdopted } from './adopt-uid';
import { canonicalJson, modelHash } from './canonical-hash';
import { ewsCapabilities } from './capabilities';
import { classifyEwsError } from './classify-error';
import { collectionKindOf, type EwsConnectionConfig, validateConfig } from './connection-config';
import { contactFromSnapshot, writeContact } from './contact-mapping';
import { type EventSnapshot, eventFromSnapshot, occurrenceAsEvent, sameJson, writeEvent } from './event-mapping';
import { EwsSession } from './ews-session';
import {
  calendarViewRequest,
  type FolderPageShape,
  type FolderRef,
  type FoundCalendarItem,
  type FoundFolderItem,
  type FoundView,
  folderPageRequest,
  foundFolderPage,
  foundPage,
  foundView,
  recurringMastersRequest,
} from './find-item';
import { answeredItem, getItemRequest } from './get-item';
import { groupFromSnapshot, writeGroup } from './group-mapping';
import { listShape, MARKER_PROPERTY, UID_PROPERTY } from './item-properties';
import { eventFields, modifiedOccurrencesOf, type Snapshot, snapshotOf } from './item-snapshot';
import { isMalformedId } from './malformed-id';
import { messageError } from './soap-answer';
import { type SyncPage, syncFolderItemsRequest, syncPageOf } from './sync-folder-items';
import { taskFromSnapshot, writeTask } from './task-mapping';
import { instantOf, read, xmlText } from './wire-values';

/**
 * Appointment properties an update may clear. The library records clearing (null, an emptied list) only for a
 * property it loaded: bound IdOnly, a removed location or attendee list would silently stay in Exchange.
 */
const CLEARABLE = [
  AppointmentSchema.Location,
  AppointmentSchema.RequiredAttendees,
  AppointmentSchema.OptionalAttendees,
  AppointmentSchema.Resources,
];
const ORGANIZER_PROBE = [AppointmentSchema.IsMeeting, AppointmentSchema.MyResponseType];
const TOKEN_PREFIX = 'ews1:';
/**
 * Items per GetItem. Exchange documents no maximum for GetItem's ItemIds, but each batch is answered whole (bodies
 * included) in one response that the caller's throttling budget and our memory carry; 25 is the batch Microsoft's
 * own example loads subjects and bodies in ("Loading Properties for Multiple Items with One Call to Exchange Web
 * Services", EWS team blog: ItemView(25) + LoadPropertiesForItems). Against 10, a first read of 1,000 events cost the
 * client ~17 % and the simulator ~20 % less CPU (`pnpm bench sim`, docs/performance.md).
 */
const GET_BATCH = 25;
/** ItemChanges per UpdateItem that gives Outlook's items their UID: the GetItem batch's size, for the same reasons. */
const ADOPT_BATCH = GET_BATCH;
const SYNC_PAGE = 256;
const FIND_PAGE = 200;
const VIEW_MAX = 1000;
const VIEW_SPAN_MS = 700 * 86_400_000;

export interface EwsCollectionStoreOptions {
  /** Changes per SyncFolderItems page (1..512). */
  readonly syncPageSize?: number;
  /**
   * Who sends meeting mail. `mirror` (default): every write is a mirror, Exchange sends nothing. `organizer`: for
   * meetings this mailbox organizes, send what Outlook would for the same edit — invitations on create, updates to
   * the attendees a change affects, cancellations on delete (DESIGN.md §4.6). Never for someone else's meeting.
   */
  readonly scheduling?: 'mirror' | 'organizer';
  /** The shared retry rule's limits (`@exsync/net`); default: two further tries, Retry-After up to 30 s. */
  readonly retry?: RetryPolicy;
}

/**
 * One folder of one mailbox over EWS, by impersonation. Hrefs are ItemIds, versions ChangeKeys; `raw` is the JSON
 * snapshot of what EWS returned, from which `update` computes the fields to patch.
 */
export class EwsCollectionStore implements CollectionStore, PortableIdentities {
  readonly caps: StoreCaps;
  private readonly session: EwsSession;
  private readonly kind: CollectionKind;
  private readonly folderId: FolderId;
  /** The same folder, for the requests we write ourselves. */
  private readonly folderRef: FolderRef;
  private readonly syncPageSize: number;
  private readonly mailbox: string;
  private readonly scheduling: 'mirror' | 'organizer';

  constructor(config: EwsConnectionConfig, options: EwsCollectionStoreOptions = {}) {
    validateConfig(config);
    this.kind = collectionKindOf(config.folder);
    this.caps = {
      readOnly: false,
      deltas: true,
      kinds: itemKindsOf[this.kind],
      holds: ewsCapabilities(config.mailbox),
    };
    this.session = new EwsSession(config, options.retry ? { retry: options.retry } : {});
    const f = config.folder;
    this.folderId =
      f === 'calendar'
        ? new FolderId(WellKnownFolderName.Calendar)
        : f === 'contacts'
          ? new FolderId(WellKnownFolderName.Contacts)
          : f === 'tasks'
            ? new FolderId(WellKnownFolderName.Tasks)
            : new FolderId(f.id);
    this.folderRef = typeof f === 'string' ? { distinguished: f } : { id: f.id };
    this.syncPageSize = Math.min(512, Math.max(1, options.syncPageSize ?? SYNC_PAGE));
    this.mailbox = config.mailbox.toLowerCase();
    this.scheduling = options.scheduling ?? 'mirror';
  }

  /* ------------------------------------------------------------ listing */

  async *listWindow(window: SyncWindow, signal?: AbortSignal): AsyncIterable<ListedItem> {
    if (this.kind === 'calendar') {
      yield* this.listCalendar(window, signal);
      return;
    }
    const from = Date.parse(window.start);
    const to = Date.parse(window.end);
    for await (const item of this.folderItems(this.kind === 'tasks' ? 'tasks' : 'addressbook', signal)) {
      if (item.task && !taskInWindow(item, from, to)) continue;
      const uid = item.exsyncUid;
      yield { href: item.id, version: item.changeKey, ...(uid ? { uid } : {}) };
    }
  }

  /**
   * Singles from the CalendarView; series (never returned by a view) by the UIDs of their occurrences. Both requests
   * are our own and read by `find-item.ts`, not the library's object model (the listing's CPU, issue 14).
   */
  private async *listCalendar(window: SyncWindow, signal?: AbortSignal): AsyncIterable<ListedItem> {
    const seriesUids = new Set<string>();
    const seen = new Set<string>();
    for (const a of await this.calendarViews(Date.parse(window.start), Date.parse(window.end), signal)) {
      if (a.type === 'Single') {
        if (seen.has(a.id)) continue;
        seen.add(a.id);
        yield { href: a.id, version: a.changeKey, ...(a.uid ? { uid: a.uid } : {}) };
      } else if (a.uid) seriesUids.add(a.uid);
    }
    if (!seriesUids.size) return;
    for (let offset = 0; ; ) {
      const page = await this.session.soap(
        'FindItem',
        recurringMastersRequest(this.folderRef, FIND_PAGE, offset),
        signal,
        foundPage,
      );
      for (const m of page.items)
        if (m.uid && seriesUids.has(m.uid)) yield { href: m.id, version: m.changeKey, uid: m.uid };
      if (!page.moreAvailable || !page.items.length) return;
      offset = page.nextOffset ?? offset + page.items.length;
    }
  }

  /** Exchange refuses views over two years (ErrorCalendarViewRangeTooBig): long windows are asked in slices. */
  private async calendarViews(from: number, to: number, signal?: AbortSignal): Promise<FoundCalendarItem[]> {
    const out: FoundCalendarItem[] = [];
    for (let start = from; start < to; start += VIEW_SPAN_MS) {
      out.push(...(await this.calendarView(start, Math.min(to, start + VIEW_SPAN_MS), signal)));
    }
    return out;
  }

  /**
   * CalendarView has no paging (exchange.md §1.4): a truncated view gives its first MaxEntriesReturned instances and
   * the number in the whole range. It is continued from the latest start it gave (Exchange lists a view in start
   * order; the instances at that start, or spanning it, come again and count once), and believed only when the
   * distinct instances add up to that number; otherwise the range is split in halves, which holds whatever the
   * order. A 1,900-instance year: 2 requests and ~1,900 rows, against 5 and ~3,900 by halves alone.
   */
  private async calendarView(from: number, to: number, signal?: AbortSignal): Promise<readonly FoundCalendarItem[]> {
    const first = await this.viewOnce(from, to, signal);
    if (!first.moreAvailable || to - from < 3_600_000) return first.items;
    return (await this.continuedView(first, to, signal)) ?? this.halvedView(from, to, signal);
  }

  private viewOnce(from: number, to: number, signal?: AbortSignal): Promise<FoundView> {
    return this.session.soap('FindItem', calendarViewRequest(this.folderRef, from, to, VIEW_MAX), signal, foundView);
  }

  /** The truncated view `first` continued page by page, or undefined when the pages do not add up to its total. */
  private async continuedView(
    first: FoundView,
    to: number,
    signal?: AbortSignal,
  ): Promise<FoundCalendarItem[] | undefined> {
    const total = first.totalInView;
    if (total === undefined) return undefined;
    const rows = new Map(first.items.map((r) => [r.id, r]));
    let page = first;
    let start = Number.NEGATIVE_INFINITY;
    while (page.moreAvailable) {
      // No later start to go on from (a page of instances all starting at once): only halving can split it.
      if (page.latestStart === undefined || page.latestStart <= start || page.latestStart >= to) return undefined;
      start = page.latestStart;
      page = await this.viewOnce(start, to, signal);
      for (const r of page.items) rows.set(r.id, r);
    }
    return rows.size >= total ? [...rows.values()] : undefined;
  }

  private async halvedView(from: number, to: number, signal?: AbortSignal): Promise<FoundCalendarItem[]> {
    const mid = from + Math.floor((to - from) / 2);
    return [...(await this.calendarView(from, mid, signal)), ...(await this.calendarView(mid, to, signal))];
  }

  /** Every item of the folder, a page at a time: FindItem of our own, read by `find-item.ts` (issue 14). */
  private async *folderItems(shape: FolderPageShape, signal?: AbortSignal): AsyncIterable<FoundFolderItem> {
    for (let offset = 0; ; ) {
      const page = await this.session.soap(
        'FindItem',
        folderPageRequest(this.folderRef, shape, FIND_PAGE, offset),
        signal,
        foundFolderPage,
      );
      yield* page.items;
      if (!page.moreAvailable || !page.items.length) return;
      offset = page.nextOffset ?? offset + page.items.length;
    }
  }

  /* ------------------------------------------------------------ identity across protocols */

  /** Every item of the folder, window or not, with its portable keys (marker, ExsyncUid, an event's ICalUid). */
  async *identities(signal?: AbortSignal): AsyncIterable<PortableIdentity> {
    const shape = this.kind === 'calendar' ? 'calendar-identities' : 'identities';
    for await (const item of this.folderItems(shape, signal)) {
      const keys = [item.marker, item.exsyncUid, this.kind === 'calendar' ? item.icalUid : undefined].filter(
        (k): k is string => typeof k === 'string' && k !== '',
      );
      yield { href: item.id, keys };
    }
  }

  /**
   * Gives items made in Outlook their UID as `ExsyncUid`: without it, an item's UID is its ItemId, which Graph does
   * not know. Events need nothing (ICalUid is the same in both protocols). `ADOPT_BATCH` items an UpdateItem; a stale
   * version leaves its item for the next run.
   */
  async adoptUids(items: readonly UidToAdopt[], signal?: AbortSignal): Promise<number> {
    if (this.kind === 'calendar') return 0;
    const adoptions: UidAdoption[] = [];
    for (const { stored, uid } of items) {
      const facts = storedUidFacts(stored.raw, this.kind);
      if (!facts.hasUid)
        adoptions.push({ itemId: stored.ref.href, changeKey: stored.ref.version, type: facts.type, uid });
    }
    let adopted = 0;
    for (let i = 0; i < adoptions.length; i += ADOPT_BATCH) {
      const batch = adoptions.slice(i, i + ADOPT_BATCH);
      adopted += await this.session.soap('UpdateItem', adoptUidsRequest(batch), signal, (m) =>
        uidsAdopted(m, batch.length),
      );
    }
    return adopted;
  }

  /* ------------------------------------------------------------ reading */

  async *getMany(hrefs: readonly string[], signal?: AbortSignal): AsyncIterable<FetchResult> {
    for (let i = 0; i < hrefs.length; i += GET_BATCH) {
      const batch = hrefs.slice(i, i + GET_BATCH);
      const messages = await this.session.soap('GetItem', getItemRequest(batch, this.kind), signal);
      for (const [j, href] of batch.entries()) {
        const m = messages[j];
        if (m?.responseClass !== 'Success') {
          const error = classifyEwsError(m ? messageError(m) : undefined);
          if (error instanceof NotFoundError || isMalformedId(m?.code)) {
            yield { href, found: false };
            continue;
          }
          throw error;
        }
        const fetched = this.fromSnapshot(await this.snapshot(answeredItem(m), signal));
        yield { href, found: true, fetched };
      }
    }
  }

  private fromSnapshot(snapshot: Snapshot): FetchedItem {
    const model = modelOf(snapshot, this.mailbox);
    return {
      ref: { href: snapshot.itemId, version: snapshot.changeKey },
      raw: canonicalJson(snapshot),
      item: model,
      hash: modelHash(model),
      ...(snapshot.marker ? { marker: snapshot.marker } : {}),
      ...(snapshot.lastModified ? { modifiedAt: snapshot.lastModified } : {}),
    };
  }

  /** A series' modified occurrences are items of their own: their content comes from a second GetItem. */
  private async snapshot(item: XNode, signal?: AbortSignal): Promise<Snapshot> {
    const modified = item.name === 'CalendarItem' ? modifiedOccurrencesOf(item) : [];
    if (!modified.length) return snapshotOf(item);
    const messages = await this.session.soap(
      'GetItem',
      getItemRequest(
        modified.map((o) => o.itemId),
        'occurrence',
      ),
      signal,
    );
    return snapshotOf(
      item,
      modified.map((_, k) => {
        const m = messages[k];
        return m?.responseClass === 'Success' ? eventFields(answeredItem(m)) : undefined;
      }),
    );
  }

  /* ------------------------------------------------------------ changes */

  async startToken(_window: SyncWindow, signal?: AbortSignal): Promise<string> {
    let state: string | null = null;
    for (let page = 0; page < 10_000; page++) {
      const set = await this.syncPage(state, signal);
      state = set.syncState;
      if (!set.more) return TOKEN_PREFIX + state;
    }
    throw new InvalidSyncTokenError('The initial synchronisation of the folder did not finish');
  }

  async changesSince(token: string, signal?: AbortSignal): Promise<ChangeSet> {
    if (!token.startsWith(TOKEN_PREFIX) || token.length === TOKEN_PREFIX.length) {
      throw new InvalidSyncTokenError('This sync token was not issued by the EWS store; resynchronise');
    }
    const set = await this.syncPage(token.slice(TOKEN_PREFIX.length), signal);
    const changes: Change[] = [];
    for (const c of set.changes) {
      if (c.type === 'delete') {
        changes.push({ type: 'delete', href: c.itemId, reason: 'deleted' });
      } else if (c.type === 'create' || c.type === 'update') {
        // The library's ItemId.ChangeKey: null when the answer carried none (Exchange always sends one here).
        changes.push({ type: 'upsert', ref: { href: c.itemId, version: c.changeKey as string } });
      }
    }
    return { changes, nextToken: TOKEN_PREFIX + set.syncState, more: set.more };
  }

  /** One page of SyncFolderItems, sent and read by us (sync-folder-items.ts): the quiet sync's one EWS request. */
  private syncPage(state: string | null, signal?: AbortSignal): Promise<SyncPage> {
    const body = syncFolderItemsRequest(this.folderRef, state, this.syncPageSize);
    return this.session.soap('SyncFolderItems', body, signal, syncPageOf);
  }

  /* ------------------------------------------------------------ writing */

  async create(item: PimItem, options: CreateOptions, signal?: AbortSignal): Promise<WriteResult> {
    this.assertKind(item);
    await this.refuseDuplicateUid(item.uid, signal);
    const saved = await this.session.call(
      'CreateItem',
      async (svc) => {
        const target = this.newItem(svc, item);
        target.SetExtendedProperty(MARKER_PROPERTY, xmlText(options.marker));
        if (target instanceof Appointment) {
          await target.Save(
            this.folderId,
            this.organizes(item) ? SendInvitationsMode.SendToAllAndSaveCopy : SendInvitationsMode.SendToNone,
          );
        } else {
          await target.Save(this.folderId);
        }
        return target.Id;
      },
      signal,
      // EWS has no idempotency key: after a lost reply the item is looked up by our marker, never saved twice.
      { recover: async () => (await this.findByMarker(options.marker, signal))?.Id },
    );
    // Exceptions and deleted occurrences are items of their own in EWS: written once the master exists, as an
    // update writes them onto a series that had none.
    if (item.kind === 'event' && item.recurrence && (item.exceptions.length || item.excludedDates.length)) {
      const plain: EventItem = { ...item, exceptions: [], excludedDates: [] };
      if (await this.writeOccurrences(item, plain, undefined, signal)) {
        const id = await this.session.call('GetItem', (svc) => this.bindIdOnly(svc, saved.UniqueId), signal);
        return { ref: { href: id.Id.UniqueId, version: id.Id.ChangeKey } };
      }
    }
    return { ref: { href: saved.UniqueId, version: saved.ChangeKey } };
  }

  private newItem(svc: ExchangeService, item: PimItem): Appointment | Contact | Task | ContactGroup {
    switch (item.kind) {
      case 'event': {
        const a = new Appointment(svc);
        writeEvent(a, item);
        a.ICalUid = xmlText(item.uid);
        return a;
      }
      case 'contact': {
        const c = new Contact(svc);
        writeContact(c, item);
        c.SetExtendedProperty(UID_PROPERTY, xmlText(item.uid));
        return c;
      }
      case 'task': {
        const t = new Task(svc);
        writeTask(t, item);
        t.SetExtendedProperty(UID_PROPERTY, xmlText(item.uid));
        return t;
      }
      case 'group': {
        const g = new ContactGroup(svc);
        writeGroup(g, item);
        g.SetExtendedProperty(UID_PROPERTY, xmlText(item.uid));
        return g;
      }
    }
  }

  /** The item of this folder carrying our marker (what a create whose reply was lost made), if any. */
  private async findByMarker(marker: string, signal?: AbortSignal): Promise<Item | undefined> {
    const view = new ItemView(1);
    view.PropertySet = new PropertySet(BasePropertySet.IdOnly);
    const filter = new SearchFilter.IsEqualTo(MARKER_PROPERTY, xmlText(marker));
    const found = await this.session.call('FindItem', (svc) => svc.FindItems(this.folderId, filter, view), signal);
    return found.Items[0];
  }

  private async refuseDuplicateUid(uid: string, signal?: AbortSignal): Promise<void> {
    const filter =
      this.kind === 'calendar'
        ? new SearchFilter.IsEqualTo(AppointmentSchema.ICalUid, uid)
        : new SearchFilter.IsEqualTo(UID_PROPERTY, uid);
    const view = new ItemView(1);
    view.PropertySet = new PropertySet(BasePropertySet.IdOnly);
    const found = await this.session.call('FindItem', (svc) => svc.FindItems(this.folderId, filter, view), signal);
    if (found.Items.length) {
      throw new RejectedError(`An item with UID ${uid} already exists in this folder`, 'uid-conflict');
    }
  }

  async update(base: StoredItem, item: PimItem, signal?: AbortSignal): Promise<WriteResult> {
    this.assertKind(item);
    const baseModel = parseBase(base.raw, item.kind, this.mailbox);
    const ref = await this.session.call(
      'UpdateItem',
      async (svc) => {
        const target = await this.bindIdOnly(svc, base.ref.href, this.kind === 'calendar' ? CLEARABLE : []);
        if (target.Id.ChangeKey !== base.ref.version) {
          throw new PreconditionFailedError('The item changed in Exchange since it was read; re-read and merge');
        }
        // Conditional on the version the engine read: NeverOverwrite refuses it if it went stale meanwhile.
        target.Id.ChangeKey = base.ref.version;
        const written =
          target instanceof Appointment && item.kind === 'event'
            ? writeEvent(target, item, baseModel?.kind === 'event' ? baseModel : undefined)
            : target instanceof Contact && item.kind === 'contact'
              ? writeContact(target, item, baseModel?.kind === 'contact' ? baseModel : undefined)
              : target instanceof Task && item.kind === 'task'
                ? writeTask(target, item, baseModel?.kind === 'task' ? baseModel : undefined)
                : target instanceof ContactGroup && item.kind === 'group'
                  ? writeGroup(target, item, baseModel?.kind === 'group' ? baseModel : undefined)
                  : -1;
        if (written < 0) throw new RejectedError('The item in Exchange is of another kind', 'unsupported');
        let version = base.ref.version;
        if (written > 0) {
          if (target instanceof Appointment) {
            await target.Update(ConflictResolutionMode.NeverOverwrite, this.updateMode(item));
          } else {
            await target.Update(ConflictResolutionMode.NeverOverwrite);
          }
          version = target.Id.ChangeKey;
        }
        return { href: base.ref.href, version };
      },
      signal,
    );
    if (item.kind === 'event' && item.recurrence && baseModel?.kind === 'event') {
      if (await this.writeOccurrences(item, baseModel, parseSnapshot(base.raw), signal)) {
        const id = await this.session.call('GetItem', (svc) => this.bindIdOnly(svc, base.ref.href), signal);
        return { ref: { href: base.ref.href, version: id.Id.ChangeKey } };
      }
    }
    return { ref };
  }

  /**
   * Exceptions and deleted occurrences live on the master in the model but are their own items in EWS: each changed
   * one is written to its occurrence (found by ItemId, or in a CalendarView at its original start). Returns whether
   * anything was written. An exception that disappeared from the model is left as it is (EWS cannot un-modify).
   * Each request is a call of its own, so a series with many of them is not held to one call's timeout.
   */
  private async writeOccurrences(
    next: EventItem,
    base: EventItem,
    snapshot: EventSnapshot | undefined,
    signal?: AbortSignal,
  ): Promise<boolean> {
    const key = (v: DateValue) => instantOf(v);
    const baseExceptions = new Map(base.exceptions.map((e) => [key(e.recurrenceId), e]));
    const knownIds = new Map(
      (snapshot?.modifiedOccurrences ?? []).map((o) => [Date.parse(o.originalStart), o.itemId] as const),
    );
    const baseExcluded = new Set(base.excludedDates.map(key));
    let wrote = false;
    for (const exception of next.exceptions) {
      const at = key(exception.recurrenceId);
      const before = baseExceptions.get(at);
      if (before && sameJson(before, exception)) continue;
      const id = knownIds.get(at) ?? (await this.findOccurrence(next.uid, at, signal));
      if (!id) continue;
      const baseOccurrence = occurrenceAsEvent(base, before, exception.recurrenceId);
      wrote =
        (await this.session.call(
          'UpdateItem',
          async (svc) => {
            const occurrence = await this.bindIdOnly(svc, id, CLEARABLE);
            if (!(occurrence instanceof Appointment)) return false;
            const target = occurrenceAsEvent(next, exception, exception.recurrenceId);
            if (writeEvent(occurrence, target, baseOccurrence, { occurrence: true }) === 0) return false;
            await occurrence.Update(ConflictResolutionMode.NeverOverwrite, this.updateMode(next));
            return true;
          },
          signal,
        )) || wrote;
    }
    for (const excluded of next.excludedDates) {
      const at = key(excluded);
      if (baseExcluded.has(at)) continue;
      const id = knownIds.get(at) ?? (await this.findOccurrence(next.uid, at, signal));
      if (!id) continue;
      await this.session.call(
        'DeleteItem',
        (svc) =>
          svc.DeleteItems(
            [new ItemId(id)],
            DeleteMode.MoveToDeletedItems,
            SendCancellationsMode.SendToNone,
            AffectedTaskOccurrence.AllOccurrences,
          ),
        signal,
      );
      wrote = true;
    }
    return wrote;
  }

  /** The ItemId of the unmodified occurrence of series `uid` that starts at `at`. */
  private async findOccurrence(uid: string, at: number, signal?: AbortSignal): Promise<string | undefined> {
    const view = new CalendarView(new DateTime(at), new DateTime(at + 60_000), 50);
    view.PropertySet = listShape('calendar');
    const found = await this.session.call('FindItem', (svc) => svc.FindAppointments(this.folderId, view), signal);
    const hit = found.Items.find(
      (a) =>
        read(() => a.ICalUid) === uid &&
        read(() => a.AppointmentType) !== AppointmentType.Single &&
        read(() => a.Start?.TotalMilliSeconds) === at,
    );
    return hit?.Id.UniqueId;
  }

  async remove(ref: ItemRef, signal?: AbortSignal): Promise<void> {
    await this.session.call(
      'DeleteItem',
      async (svc) => {
        // DeleteItem ignores ChangeKeys on real Exchange: compare first so a changed item is not deleted blindly.
        const current = await this.bindIdOnly(
          svc,
          ref.href,
          this.scheduling === 'organizer' && this.kind === 'calendar' ? ORGANIZER_PROBE : [],
        );
        if (current.Id.ChangeKey !== ref.version) {
          throw new PreconditionFailedError('The item changed in Exchange since it was read; not deleting it');
        }
        const cancel =
          current instanceof Appointment &&
          read(() => current.IsMeeting) === true &&
          read(() => current.MyResponseType) === MeetingResponseType.Organizer;
        const id = new ItemId(ref.href);
        id.ChangeKey = ref.version;
        const result = await svc.DeleteItems(
          [id],
          DeleteMode.MoveToDeletedItems,
          // Mirroring a deletion never mails a cancellation; the organizer's own deletion does, as in Outlook.
          cancel ? SendCancellationsMode.SendToAllAndSaveCopy : SendCancellationsMode.SendToNone,
          AffectedTaskOccurrence.AllOccurrences,
        );
        const r = result.Responses[0];
        if (r && r.Result !== ServiceResult.Success) throw classifyEwsError({ ErrorCode: r.ErrorCode });
      },
      signal,
    );
  }

  private organizes(item: PimItem): boolean {
    if (this.scheduling !== 'organizer' || item.kind !== 'event' || !item.attendees.length) return false;
    return !item.organizer || item.organizer.email.toLowerCase() === this.mailbox;
  }

  private updateMode(item: PimItem): SendInvitationsOrCancellationsMode {
    return this.organizes(item)
      ? SendInvitationsOrCancellationsMode.SendToChangedAndSaveCopy
      : SendInvitationsOrCancellationsMode.SendToNone;
  }

  private async bindIdOnly(
    svc: ExchangeService,
    href: string,
    extra: readonly PropertyDefinitionBase[] = [],
  ): Promise<Item> {
    const responses = await svc.BindToItems([new ItemId(href)], new PropertySet(BasePropertySet.IdOnly, [...extra]));
    const r = responses.Responses[0];
    if (!r || r.Result !== ServiceResult.Success) {
      if (isMalformedId(r?.ErrorCode)) throw new NotFoundError(`No item ${href} in Exchange`);
      throw classifyEwsError(r ? { ErrorCode: r.ErrorCode } : undefined);
    }
    return r.Item;
  }

  private assertKind(item: PimItem): void {
    if (!itemKindsOf[this.kind].includes(item.kind)) {
      throw new RejectedError(`A ${item.kind} does not belong in a ${this.kind} folder`, 'unsupported');
    }
  }
}

function modelOf(s: Snapshot, mailbox: string): PimItem {
  switch (s.type) {
    case 'CalendarItem':
      return eventFromSnapshot(s, s.uid ?? s.itemId, mailbox);
    case 'Contact':
      return contactFromSnapshot(s, s.uid ?? s.itemId);
    case 'Task':
      return taskFromSnapshot(s, s.uid ?? s.itemId);
    case 'DistributionList':
      return groupFromSnapshot(s, s.uid ?? s.itemId);
  }
}

/**
 * What adopting a UID needs of a stored snapshot, from one parse: whether it shows our ExsyncUid on the item (an
 * unreadable one does not), and the item type it names (a contact folder also holds groups; the folder's own type
 * when it names none).
 */
function storedUidFacts(raw: string, kind: 'addressbook' | 'tasks'): { hasUid: boolean; type: UidHolderType } {
  const fallback: UidHolderType = kind === 'tasks' ? 'Task' : 'Contact';
  try {
    const { uid, type } = JSON.parse(raw) as { uid?: unknown; type?: unknown };
    const named = type === 'Contact' || type === 'DistributionList' || type === 'Task' ? type : fallback;
    return { hasUid: typeof uid === 'string' && uid !== '', type: named };
  } catch {
    return { hasUid: false, type: fallback };
  }
}

function parseSnapshot(raw: string): EventSnapshot | undefined {
  try {
    const s = JSON.parse(raw) as Snapshot;
    return s.type === 'CalendarItem' ? s : undefined;
  } catch {
    return undefined;
  }
}

/** The model of the last-seen raw snapshot; undefined when it is not ours (then every field is written). */
function parseBase(raw: string, kind: PimItem['kind'], mailbox: string): PimItem | undefined {
  try {
    const model = modelOf(JSON.parse(raw) as Snapshot, mailbox);
    return model.kind === kind ? model : undefined;
  } catch {
    return undefined;
  }
}

function taskInWindow(t: FoundFolderItem, from: number, to: number): boolean {
  const start = t.start;
  const due = t.due;
  if (start === undefined && due === undefined) return true;
  const s = start ?? due ?? 0;
  const e = Math.max(due ?? s, s);
  return s < to && e >= from;
}
