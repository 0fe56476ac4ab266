import { createHash } from 'node:crypto';
import {
  AuthError,
  type Change,
  type ChangeSet,
  type CollectionKind,
  type CollectionStore,
  type CreateOptions,
  type FetchedItem,
  type FetchResult,
  InvalidSyncTokenError,
  type ItemRef,
  itemKindsOf,
  type ListedItem,
  type PimItem,
  RejectedError,
  RetryableError,
  type StoreCaps,
  type StoredItem,
  type SyncWindow,
  type WriteResult,
} from '@exsync/core';
import { EXSYNC_MARKER_GRAPH_ID, EXSYNC_MARKER_PROPERTY_SET } from '../marker-property';
import type { PortableIdentities, PortableIdentity, UidToAdopt } from '../portable-identity';
import { graphCapabilities } from './capabilities';
import { canonicalJson, contentHashOf } from './graph-canonical';
import { type BatchResult, type GraphClient, type GraphRequest, type GraphResponse, seg } from './graph-client';
import { contactFromGraph, contactToGraph, type GraphContact } from './graph-contact-mapping';
import { instantOfGraph, instantOfValue } from './graph-datetime';
import { eventFromGraph, eventToGraph, type GraphEvent } from './graph-event-mapping';
import { expandSeries } from './graph-series-expansion';
import { type GraphTask, taskFromGraph, taskToGraph } from './graph-task-mapping';

/** Our marker (exchange.md §0.5): the MAPI named property the EWS backend uses too. */
const MARKER_PROPERTY_ID = EXSYNC_MARKER_GRAPH_ID;
/**
 * The item's UID as the other side knows it, in the same property set (the EWS backend keeps contact and task
 * UIDs there too). Graph cannot set an event's iCalUId, so events created through Graph keep theirs here as well.
 */
const UID_PROPERTY_ID = `String {${EXSYNC_MARKER_PROPERTY_SET}} Name ExsyncUid`;

const EXPAND = `$expand=${encodeURIComponent(
  `singleValueExtendedProperties($filter=id eq '${MARKER_PROPERTY_ID}' or id eq '${UID_PROPERTY_ID}')`,
)}`;
const TOKEN_PREFIX = 'graph-delta:';

export interface GraphCollectionStoreOptions {
  readonly client: GraphClient;
  /** The mailbox: user id or UPN. */
  readonly user: string;
  /** The mailbox's SMTP address, to tell meetings it organizes; read from Graph when not given. */
  readonly mailboxAddress?: string;
  readonly kind: CollectionKind;
  /** Calendar id, contact folder id, or To Do list id. */
  readonly folderId: string;
  /** `odata.maxpagesize` asked of delta and list requests. Default 100. */
  readonly pageSize?: number;
  /** How far past today a series without an end is searched for exceptions. Default 2 years. */
  readonly seriesHorizonDays?: number;
  readonly readOnly?: boolean;
}

interface RawSnapshot {
  readonly entity: Record<string, unknown>;
  /** Exception instances of a series (type=exception). */
  readonly exceptions?: readonly Record<string, unknown>[];
  /** Original starts (UTC) of cancelled occurrences of a series. */
  readonly cancelled?: readonly string[];
}

/**
 * One Exchange Online folder of one mailbox through Microsoft Graph: a calendar (calendarView and its delta,
 * series collapsed to their master), a contact folder, or a To Do list.
 *
 * Hrefs are Graph ids (immutable ids; compared case-sensitively, percent-encoded in paths); versions are ETags.
 * Attendees are written only on meetings the mailbox organizes: Graph has no "send to none" and mails whoever it
 * is given.
 */
export class GraphCollectionStore implements CollectionStore, PortableIdentities {
  readonly caps: StoreCaps;
  readonly #client: GraphClient;
  readonly #kind: CollectionKind;
  readonly #user: string;
  readonly #folder: string;
  readonly #pageSize: number;
  readonly #horizonDays: number;
  #mailboxAddress: string | undefined;

  constructor(options: GraphCollectionStoreOptions) {
    this.#client = options.client;
    this.#kind = options.kind;
    this.#user = options.user;
    this.#folder = options.folderId;
    this.#pageSize = options.pageSize ?? 100;
    this.#horizonDays = options.seriesHorizonDays ?? 730;
    this.#mailboxAddress = options.mailboxAddress ?? (options.user.includes('@') ? options.user : undefined);
    this.caps = {
      readOnly: options.readOnly ?? false,
      deltas: true,
      kinds: itemKindsOf[options.kind],
      // Meetings the mailbox organizes keep their attendees: the tables ask for the address once it is known.
      holds: graphCapabilities(() => this.#mailboxAddress),
    };
  }

  /* ---------------------------------------------------------------- paths */

  get #userPath(): string {
    return `/users/${seg(this.#user)}`;
  }

  get #collectionPath(): string {
    switch (this.#kind) {
      case 'calendar':
        return `${this.#userPath}/calendars/${seg(this.#folder)}`;
      case 'addressbook':
        return `${this.#userPath}/contactFolders/${seg(this.#folder)}`;
      default:
        return `${this.#userPath}/todo/lists/${seg(this.#folder)}`;
    }
  }

  get #itemsPath(): string {
    return `${this.#collectionPath}/${this.#kind === 'calendar' ? 'events' : this.#kind === 'addressbook' ? 'contacts' : 'tasks'}`;
  }

  #itemPath(href: string): string {
    // Folder-scoped paths: an id from another calendar or folder of the mailbox is not found here.
    return `${this.#itemsPath}/${seg(href)}`;
  }

  get #pagePrefer(): Record<string, string> {
    return {
      Prefer: `odata.maxpagesize=${this.#pageSize}, IdType="ImmutableId", outlook.timezone="UTC", outlook.body-content-type="text"`,
    };
  }

  /* ---------------------------------------------------------------- listing */

  async *listWindow(window: SyncWindow, signal?: AbortSignal): AsyncIterable<ListedItem> {
    if (this.#kind === 'calendar') {
      yield* this.#listCalendar(window, signal);
      return;
    }
    const from = Date.parse(window.start);
    const to = Date.parse(window.end);
    const req: GraphRequest = {
      method: 'GET',
      url: `${this.#itemsPath}?$top=${this.#pageSize}`,
      headers: this.#pagePrefer,
    };
    for await (const page of this.#client.pages<GraphTask & GraphContact>(req, signal)) {
      for (const entity of page) {
        if (this.#kind === 'tasks' && !taskInWindow(entity, from, to)) continue;
        yield { href: entity.id, version: entity['@odata.etag'] ?? '' };
      }
    }
  }

  async *#listCalendar(window: SyncWindow, signal?: AbortSignal): AsyncIterable<ListedItem> {
    const query = `startDateTime=${encodeURIComponent(window.start)}&endDateTime=${encodeURIComponent(window.end)}`;
    // Only what the listing needs: the whole event (~2 KB each, every occurrence of every series) is read once,
    // by getMany, and only for the items that changed.
    const req: GraphRequest = {
      method: 'GET',
      url: `${this.#collectionPath}/calendarView?${query}&$select=id,seriesMasterId&$top=${this.#pageSize}`,
      headers: this.#pagePrefer,
    };
    const seen = new Set<string>();
    const masters = new Set<string>();
    for await (const page of this.#client.pages<GraphEvent>(req, signal)) {
      for (const e of page) {
        if (e.seriesMasterId) masters.add(e.seriesMasterId);
        else if (!seen.has(e.id)) {
          seen.add(e.id);
          yield { href: e.id, version: e['@odata.etag'] ?? '' };
        }
      }
    }
    // A series is in scope if any occurrence is; its version is the master's ETag, not an occurrence's.
    for (const [id, version] of await this.#versionsOf([...masters], signal)) {
      if (version !== undefined) yield { href: id, version };
    }
  }

  /** Current ETags of items by id (undefined when gone), read through `$batch`. */
  async #versionsOf(ids: readonly string[], signal?: AbortSignal): Promise<Map<string, string | undefined>> {
    const results = await this.#client.batch(
      ids.map((id) => ({ method: 'GET', url: `${this.#itemPath(id)}?$select=id` })),
      signal,
    );
    const out = new Map<string, string | undefined>();
    ids.forEach((id, i) => {
      const r = results[i] as BatchResult;
      if (r.error && r.error.code !== 'not-found') throw r.error;
      out.set(id, r.error ? undefined : ((r.body as { '@odata.etag'?: string })['@odata.etag'] ?? ''));
    });
    return out;
  }

  /* ---------------------------------------------------------------- reading */

  async *getMany(hrefs: readonly string[], signal?: AbortSignal): AsyncIterable<FetchResult> {
    const results = await this.#client.batch(
      hrefs.map((href) => ({ method: 'GET', url: `${this.#itemPath(href)}?${EXPAND}` })),
      signal,
    );
    for (const [i, href] of hrefs.entries()) {
      const r = results[i] as BatchResult;
      if (r.error) {
        if (r.error.code === 'not-found') {
          yield { href, found: false };
          continue;
        }
        throw r.error;
      }
      const entity = r.body as Record<string, unknown>;
      if (!this.#belongsHere(entity)) {
        yield { href, found: false };
        continue;
      }
      const series =
        this.#kind === 'calendar' && entity.type === 'seriesMaster'
          ? await this.#seriesDetails(entity as unknown as GraphEvent, signal)
          : undefined;
      yield { href, found: true, fetched: this.#fetched({ entity, ...series }) };
    }
  }

  /** Items of another folder (a contact moved away, an occurrence id) are not this collection's. */
  #belongsHere(entity: Record<string, unknown>): boolean {
    if (this.#kind === 'addressbook' && typeof entity.parentFolderId === 'string') {
      return entity.parentFolderId === this.#folder || this.#folder.toLowerCase() === 'contacts';
    }
    if (this.#kind === 'calendar') return entity.type === 'singleInstance' || entity.type === 'seriesMaster';
    return true;
  }

  /**
   * Exception instances of a series, and its cancelled occurrences: `/instances` leaves those out, so they are
   * the pattern's occurrences that no instance claims (v1.0 has no `cancelledOccurrences`).
   */
  async #seriesDetails(
    master: GraphEvent,
    signal?: AbortSignal,
  ): Promise<{ exceptions: Record<string, unknown>[]; cancelled: string[] }> {
    const range = master.recurrence?.range;
    const from = Date.parse(`${range?.startDate ?? master.start?.dateTime.slice(0, 10)}T00:00:00Z`) - 86_400_000;
    const horizon = Math.max(Date.now(), from) + this.#horizonDays * 86_400_000;
    const end =
      range?.type === 'endDate' && range.endDate ? Date.parse(`${range.endDate}T00:00:00Z`) + 2 * 86_400_000 : horizon;
    const to = Math.min(end, horizon);
    const query = `startDateTime=${new Date(from).toISOString()}&endDateTime=${new Date(to).toISOString()}`;
    const exceptionIds: string[] = [];
    const claimed = new Set<number>();
    // Which occurrences exist and which are exceptions; only the exceptions are read whole (one $batch), not
    // every occurrence of the series.
    const req: GraphRequest = {
      method: 'GET',
      url: `${this.#userPath}/events/${seg(master.id)}/instances?${query}&$select=id,type,originalStart&$top=${this.#pageSize}`,
      headers: this.#pagePrefer,
    };
    for await (const page of this.#client.pages<Record<string, unknown>>(req, signal)) {
      for (const inst of page) {
        if (typeof inst.originalStart === 'string') claimed.add(Date.parse(inst.originalStart));
        if (inst.type === 'exception') exceptionIds.push(String(inst.id));
      }
    }
    const exceptions = await this.#exceptions(exceptionIds, signal);
    exceptions.sort((a, b) => String(a.originalStart).localeCompare(String(b.originalStart)));
    const cancelled =
      master.recurrence && master.start
        ? expandSeries(master.recurrence, instantOfGraph(master.start), master.originalStartTimeZone, from, to)
            .filter((t) => !claimed.has(t))
            .map((t) => `${new Date(t).toISOString().slice(0, 19)}Z`)
        : [];
    return { exceptions, cancelled };
  }

  /** Exception instances by id, whole; one that went away since the listing is left out (it is no exception now). */
  async #exceptions(ids: readonly string[], signal?: AbortSignal): Promise<Record<string, unknown>[]> {
    if (ids.length === 0) return [];
    const results = await this.#client.batch(
      ids.map((id) => ({ method: 'GET', url: `${this.#userPath}/events/${seg(id)}` })),
      signal,
    );
    const out: Record<string, unknown>[] = [];
    for (const r of results) {
      if (r.error) {
        if (r.error.code === 'not-found') continue;
        throw r.error;
      }
      out.push(r.body as Record<string, unknown>);
    }
    return out;
  }

  #fetched(snapshot: RawSnapshot): FetchedItem {
    const entity = snapshot.entity;
    const props = (entity.singleValueExtendedProperties ?? []) as { id: string; value: string }[];
    const prop = (id: string) => props.find((p) => p.id.toLowerCase() === id.toLowerCase())?.value;
    const marker = prop(MARKER_PROPERTY_ID);
    const item = this.#toModel(snapshot, prop(UID_PROPERTY_ID));
    const modified = entity.lastModifiedDateTime;
    return {
      ref: { href: String(entity.id), version: String(entity['@odata.etag'] ?? '') },
      raw: canonicalJson(snapshot),
      item,
      hash: contentHashOf(snapshot),
      ...(marker ? { marker } : {}),
      ...(typeof modified === 'string' ? { modifiedAt: `${new Date(modified).toISOString().slice(0, 19)}Z` } : {}),
    };
  }

  #toModel(snapshot: RawSnapshot, storedUid: string | undefined): PimItem {
    const entity = snapshot.entity;
    switch (this.#kind) {
      case 'calendar': {
        const e = entity as unknown as GraphEvent;
        return eventFromGraph(
          e,
          (snapshot.exceptions ?? []) as unknown as GraphEvent[],
          storedUid ?? e.iCalUId ?? e.id,
          snapshot.cancelled ?? [],
          this.#mailboxAddress,
        );
      }
      case 'addressbook':
        return contactFromGraph(entity as unknown as GraphContact, storedUid ?? String(entity.id));
      case 'tasks':
        return taskFromGraph(entity as unknown as GraphTask, storedUid ?? String(entity.id));
    }
  }

  /* ---------------------------------------------------------------- changes */

  async startToken(window: SyncWindow, signal?: AbortSignal): Promise<string> {
    // Graph has no "latest" token for these resources: walk the initial round to its deltaLink, ignoring content.
    let link: string | undefined = this.#initialDeltaUrl(window);
    while (link) {
      const res: { body: DeltaPage } = await this.#client.request<DeltaPage>(
        { method: 'GET', url: link, headers: this.#pagePrefer },
        signal,
      );
      const next: string | undefined = res.body['@odata.nextLink'];
      const delta: string | undefined = res.body['@odata.deltaLink'];
      if (delta && !next) return this.#wrapToken(delta);
      link = next ? this.#ownedLink(next) : undefined;
    }
    throw new InvalidSyncTokenError('Graph ended the initial delta round without a deltaLink');
  }

  #initialDeltaUrl(window: SyncWindow): string {
    if (this.#kind !== 'calendar') return `${this.#itemsPath}/delta`;
    return `${this.#collectionPath}/calendarView/delta?startDateTime=${encodeURIComponent(window.start)}&endDateTime=${encodeURIComponent(window.end)}`;
  }

  #wrapToken(link: string): string {
    return `${TOKEN_PREFIX}${Buffer.from(JSON.stringify({ v: 1, link }), 'utf8').toString('base64url')}`;
  }

  #unwrapToken(token: string): string {
    if (token.startsWith(TOKEN_PREFIX)) {
      try {
        const parsed = JSON.parse(Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url').toString('utf8')) as {
          v?: number;
          link?: unknown;
        };
        if (parsed.v === 1 && typeof parsed.link === 'string' && this.#client.owns(parsed.link)) return parsed.link;
      } catch {
        // fall through: not one of ours
      }
    }
    throw new InvalidSyncTokenError('The sync token was not issued by this Graph store; run a windowed reconcile');
  }

  #ownedLink(link: string): string {
    if (!this.#client.owns(link)) throw new InvalidSyncTokenError('Graph returned a delta link outside its own root');
    return link;
  }

  async changesSince(token: string, signal?: AbortSignal): Promise<ChangeSet> {
    const link = this.#unwrapToken(token);
    const res = await this.#client.request<DeltaPage>({ method: 'GET', url: link, headers: this.#pagePrefer }, signal);
    const next = res.body['@odata.nextLink'];
    const delta = res.body['@odata.deltaLink'];
    const following = next ?? delta;
    if (!following) throw new InvalidSyncTokenError('Graph answered a delta request without a next or delta link');
    const entries = res.body.value ?? [];
    const changes =
      this.#kind === 'calendar' ? await this.#calendarChanges(entries, signal) : this.#plainChanges(entries);
    return { changes, nextToken: this.#wrapToken(this.#ownedLink(following)), more: next !== undefined };
  }

  #plainChanges(entries: readonly DeltaEntry[]): Change[] {
    const byHref = new Map<string, Change>();
    for (const e of entries) {
      byHref.delete(e.id);
      byHref.set(
        e.id,
        e['@removed']
          ? { type: 'delete', href: e.id, reason: 'deleted' }
          : { type: 'upsert', ref: { href: e.id, version: e['@odata.etag'] ?? '' } },
      );
    }
    return [...byHref.values()];
  }

  /**
   * calendarView delta speaks of instances: occurrences and exceptions become an upsert of their series master.
   * A tombstone means "deleted" or "no longer in the window" (Graph says "deleted" for both), so each is checked
   * with a direct read: gone (404) → deleted; still there → left-window (or, for an instance, its master changed).
   */
  async #calendarChanges(entries: readonly DeltaEntry[], signal?: AbortSignal): Promise<Change[]> {
    const upserts = new Map<string, string | undefined>();
    const masters = new Set<string>();
    const tombstones = new Set<string>();
    for (const e of entries) {
      if (e['@removed']) {
        tombstones.add(e.id);
        upserts.delete(e.id);
      } else if (e.seriesMasterId) masters.add(e.seriesMasterId);
      else {
        tombstones.delete(e.id);
        upserts.set(e.id, e['@odata.etag']);
      }
    }
    const deletes = new Map<string, 'deleted' | 'left-window'>();
    if (tombstones.size > 0) {
      const ids = [...tombstones];
      const reads = await this.#client.batch(
        ids.map((id) => ({ method: 'GET', url: `${this.#itemPath(id)}?$select=id,type,seriesMasterId` })),
        signal,
      );
      ids.forEach((id, i) => {
        const r = reads[i] as BatchResult;
        if (r.error) {
          if (r.error.code !== 'not-found') throw r.error;
          deletes.set(id, 'deleted');
          return;
        }
        const found = r.body as { seriesMasterId?: string | null; type?: string };
        if (found.seriesMasterId) masters.add(found.seriesMasterId);
        else deletes.set(id, 'left-window');
      });
    }
    const masterIds = [...masters].filter((id) => !upserts.has(id));
    for (const [id, version] of await this.#versionsOf(masterIds, signal)) {
      if (version === undefined) deletes.set(id, 'deleted');
      else upserts.set(id, version);
    }
    const changes: Change[] = [];
    for (const [href, version] of upserts) {
      if (!deletes.has(href)) changes.push({ type: 'upsert', ref: { href, version: version ?? '' } });
    }
    for (const [href, reason] of deletes) changes.push({ type: 'delete', href, reason });
    return changes;
  }

  /* ---------------------------------------------------------------- identity across protocols */

  /** Every item of the folder, window or not (series as their master), with its portable keys. */
  async *identities(signal?: AbortSignal): AsyncIterable<PortableIdentity> {
    const select = this.#kind === 'calendar' ? 'id,iCalUId' : 'id';
    const req: GraphRequest = {
      method: 'GET',
      url: `${this.#itemsPath}?$select=${select}&${EXPAND}&$top=${this.#pageSize}`,
      headers: this.#pagePrefer,
    };
    type Listed = { id: string; iCalUId?: string; singleValueExtendedProperties?: { id: string; value: string }[] };
    for await (const page of this.#client.pages<Listed>(req, signal)) {
      for (const e of page) {
        const props = e.singleValueExtendedProperties ?? [];
        const prop = (id: string) => props.find((p) => p.id.toLowerCase() === id.toLowerCase())?.value;
        const keys = [prop(MARKER_PROPERTY_ID), prop(UID_PROPERTY_ID), e.iCalUId].filter(
          (k): k is string => typeof k === 'string' && k !== '',
        );
        yield { href: e.id, keys };
      }
    }
  }

  /**
   * Gives items made in Outlook their UID as `ExsyncUid`: without it, an item's UID is its Graph id, which EWS does
   * not know. Events need nothing (iCalUId is the master's UID in both protocols). One PATCH each, conditional on
   * its ETag, through `$batch` (20 a call).
   */
  async adoptUids(items: readonly UidToAdopt[], signal?: AbortSignal): Promise<number> {
    if (this.#kind === 'calendar' || this.caps.readOnly) return 0;
    const patches = items.filter(({ stored }) => !hasStoredUid(stored.raw));
    const results = await this.#client.batch(
      patches.map(({ stored, uid }) => ({
        method: 'PATCH',
        url: this.#itemPath(stored.ref.href),
        body: { singleValueExtendedProperties: [{ id: UID_PROPERTY_ID, value: uid }] },
        headers: { 'If-Match': stored.ref.version },
      })),
      signal,
    );
    let adopted = 0;
    for (const r of results) {
      // Changed (412) or deleted since it was read, or refused on its own: the next run tries again.
      if (r.error instanceof AuthError || r.error instanceof RetryableError) throw r.error;
      if (!r.error) adopted++;
    }
    return adopted;
  }

  /* ---------------------------------------------------------------- writing */

  async create(item: PimItem, options: CreateOptions, signal?: AbortSignal): Promise<WriteResult> {
    this.#checkWritable(item);
    await this.#refuseDuplicateUid(item.uid, signal);
    const body: Record<string, unknown> = {
      ...(await this.#toGraph(item, undefined, signal)),
      singleValueExtendedProperties: [
        { id: MARKER_PROPERTY_ID, value: options.marker },
        { id: UID_PROPERTY_ID, value: item.uid },
      ],
    };
    // A retried POST (timeout, reset) with the same transactionId returns the event it already created.
    // Exchange dedupes by transactionId across the whole mailbox: the folder is part of it, so the same UID written
    // to two calendars is two events.
    if (item.kind === 'event') body.transactionId = transactionIdOf(this.#folder, options.marker, item.uid);
    // Contacts and To Do tasks have no transactionId: if the reply is lost, the pacer looks for our marker
    // rather than posting a second copy.
    const res = await this.#client.request<Record<string, unknown>>(
      { method: 'POST', url: this.#itemsPath, body },
      signal,
      { recover: () => this.#findByMarker(options.marker, signal) },
    );
    const ref = refOf(res.body);
    if (item.kind === 'event' && res.body.type === 'seriesMaster') {
      const writeAttendees = await this.#organizedHere(item.organizer?.email, signal);
      return { ref: await this.#applyOccurrenceEdits(ref, item, writeAttendees, undefined, signal) };
    }
    return { ref };
  }

  async update(base: StoredItem, item: PimItem, signal?: AbortSignal): Promise<WriteResult> {
    this.#checkWritable(item);
    const snapshot = parseRaw(base.raw);
    const before = this.#toModel(snapshot, item.uid);
    const current = await this.#toGraph(item, snapshot.entity, signal);
    const previous = await this.#toGraph(before, snapshot.entity, signal);
    const patch: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(current)) {
      if (canonicalJson(value) !== canonicalJson(previous[key])) patch[key] = value;
    }
    let ref = base.ref;
    if (Object.keys(patch).length > 0) {
      const res = await this.#client.request<Record<string, unknown>>(
        { method: 'PATCH', url: this.#itemPath(base.ref.href), body: patch, headers: { 'If-Match': base.ref.version } },
        signal,
      );
      ref = refOf(res.body);
    }
    if (item.kind === 'event' && item.recurrence) {
      // A changed pattern makes Exchange drop every exception: then all of them are written again.
      const known =
        before.kind === 'event' && !patch.recurrence && snapshot.entity.type === 'seriesMaster' ? before : undefined;
      const writeAttendees =
        snapshot.entity.isOrganizer !== false && (await this.#organizedHere(item.organizer?.email, signal));
      ref = await this.#applyOccurrenceEdits(ref, item, writeAttendees, known, signal);
    }
    return { ref };
  }

  async remove(ref: ItemRef, signal?: AbortSignal): Promise<void> {
    if (this.caps.readOnly) throw new RejectedError('This Exchange folder is read-only', 'read-only');
    await this.#client.request(
      { method: 'DELETE', url: this.#itemPath(ref.href), headers: { 'If-Match': ref.version } },
      signal,
    );
  }

  #checkWritable(item: PimItem): void {
    if (this.caps.readOnly) throw new RejectedError('This Exchange folder is read-only', 'read-only');
    if (!this.caps.kinds.includes(item.kind) || item.kind === 'group') {
      throw new RejectedError(`Graph cannot store a ${item.kind} in this ${this.#kind} folder`, 'unsupported');
    }
  }

  /** The item of this folder carrying our marker, as the answer its create would have given. */
  async #findByMarker(
    marker: string,
    signal?: AbortSignal,
  ): Promise<GraphResponse<Record<string, unknown>> | undefined> {
    const filter = `singleValueExtendedProperties/Any(ep: ep/id eq '${MARKER_PROPERTY_ID}' and ep/value eq '${marker.replace(/'/g, "''")}')`;
    const res = await this.#client.request<{ value?: Record<string, unknown>[] }>(
      {
        method: 'GET',
        url: `${this.#itemsPath}?$filter=${encodeURIComponent(filter)}&$top=1`,
        headers: this.#pagePrefer,
      },
      signal,
    );
    const found = res.body.value?.[0];
    return found ? { status: 201, body: found, headers: res.headers } : undefined;
  }

  async #refuseDuplicateUid(uid: string, signal?: AbortSignal): Promise<void> {
    const filter = `singleValueExtendedProperties/Any(ep: ep/id eq '${UID_PROPERTY_ID}' and ep/value eq '${uid.replace(/'/g, "''")}')`;
    const res = await this.#client.request<{ value?: unknown[] }>(
      { method: 'GET', url: `${this.#itemsPath}?$filter=${encodeURIComponent(filter)}&$select=id&$top=1` },
      signal,
    );
    if ((res.body.value ?? []).length > 0) {
      throw new RejectedError(`An item with UID ${uid} already exists in this folder`, 'uid-conflict');
    }
  }

  async #toGraph(item: PimItem, entity: Record<string, unknown> | undefined, signal?: AbortSignal) {
    switch (item.kind) {
      case 'event': {
        // Graph mails every attendee it is given: write them only on meetings this mailbox organizes.
        // A copy we made of someone else's meeting stays attendee-less even though Exchange calls us its organizer.
        const organizedHere =
          entity?.isOrganizer !== false && (await this.#organizedHere(item.organizer?.email, signal));
        return eventToGraph(item, { writeAttendees: organizedHere });
      }
      case 'contact':
        return contactToGraph(item);
      case 'task':
        return taskToGraph(item);
      default:
        throw new RejectedError(`Graph cannot store a ${item.kind}`, 'unsupported');
    }
  }

  async #organizedHere(organizer: string | undefined, signal?: AbortSignal): Promise<boolean> {
    if (!organizer) return true;
    if (!this.#mailboxAddress) {
      const res = await this.#client.request<{ mail?: string; userPrincipalName?: string }>(
        { method: 'GET', url: `${this.#userPath}?$select=mail,userPrincipalName` },
        signal,
      );
      this.#mailboxAddress = res.body.mail ?? res.body.userPrincipalName ?? '';
    }
    return organizer.toLowerCase() === this.#mailboxAddress.toLowerCase();
  }

  /**
   * Graph cannot POST exceptions: an edited occurrence is a PATCH of that instance, a cancelled one a DELETE.
   * Applies the exceptions and excluded dates of `item` that `known` (what the side held) does not already have.
   */
  async #applyOccurrenceEdits(
    ref: ItemRef,
    item: PimItem & { kind: 'event' },
    writeAttendees: boolean,
    had: (PimItem & { kind: 'event' }) | undefined,
    signal?: AbortSignal,
  ): Promise<ItemRef> {
    const seen = new Set((had?.exceptions ?? []).map((x) => canonicalJson(x)));
    const excludedBefore = new Set((had?.excludedDates ?? []).map((d) => instantOfValue(d)));
    // Graph cannot mark an occurrence cancelled (isCancelled is read-only; /cancel is for meetings and mails every
    // attendee): an exception with STATUS:CANCELLED is deleted, as Outlook does for its organizer.
    const edits = item.exceptions.filter((x) => x.status !== 'cancelled' && !seen.has(canonicalJson(x)));
    const cancels = [
      ...item.excludedDates.map((d) => instantOfValue(d)),
      ...item.exceptions.filter((x) => x.status === 'cancelled').map((x) => instantOfValue(x.recurrenceId)),
    ].filter((t) => !excludedBefore.has(t));
    if (edits.length === 0 && cancels.length === 0) return ref;
    const targets = [...edits.map((x) => instantOfValue(x.recurrenceId)), ...cancels];
    const from = Math.min(...targets) - 2 * 86_400_000;
    const to = Math.max(...targets) + 2 * 86_400_000;
    const instances: GraphEvent[] = [];
    const req: GraphRequest = {
      method: 'GET',
      url: `${this.#userPath}/events/${seg(ref.href)}/instances?startDateTime=${new Date(from).toISOString()}&endDateTime=${new Date(to).toISOString()}&$top=${this.#pageSize}`,
      headers: this.#pagePrefer,
    };
    for await (const page of this.#client.pages<GraphEvent>(req, signal)) instances.push(...page);
    const byOriginal = new Map(
      instances.filter((i) => i.originalStart).map((i) => [Date.parse(i.originalStart as string), i]),
    );
    const requests: GraphRequest[] = [];
    for (const x of edits) {
      const inst = byOriginal.get(instantOfValue(x.recurrenceId));
      if (!inst) continue;
      // An overridden instance says everything itself (RFC 5545 §3.8.4.4): nothing of the master leaks into it.
      const { recurrenceId: _id, ...data } = x;
      const occurrence: typeof item = {
        ...data,
        kind: 'event',
        uid: item.uid,
        recurrenceDates: [],
        excludedDates: [],
        exceptions: [],
      };
      const full = eventToGraph(occurrence, {
        writeAttendees,
      });
      const { recurrence: _r, ...fields } = full;
      requests.push({ method: 'PATCH', url: `${this.#userPath}/events/${seg(inst.id)}`, body: fields });
    }
    for (const t of cancels) {
      const inst = byOriginal.get(t);
      if (inst) requests.push({ method: 'DELETE', url: `${this.#userPath}/events/${seg(inst.id)}` });
    }
    for (const r of await this.#client.batch(requests, signal))
      if (r.error && r.error.code !== 'not-found') throw r.error;
    const versions = await this.#versionsOf([ref.href], signal);
    return { href: ref.href, version: versions.get(ref.href) ?? ref.version };
  }
}

interface DeltaEntry {
  readonly id: string;
  readonly '@odata.etag'?: string;
  readonly '@removed'?: { readonly reason?: string };
  readonly seriesMasterId?: string | null;
}

interface DeltaPage {
  readonly value?: DeltaEntry[];
  readonly '@odata.nextLink'?: string;
  readonly '@odata.deltaLink'?: string;
}

function refOf(body: Record<string, unknown>): ItemRef {
  return { href: String(body.id), version: String(body['@odata.etag'] ?? '') };
}

function parseRaw(raw: string): RawSnapshot {
  try {
    const parsed = JSON.parse(raw) as RawSnapshot;
    if (parsed && typeof parsed.entity === 'object') return parsed;
  } catch {
    // handled below
  }
  throw new RejectedError(
    'The stored Graph snapshot of this item is unreadable; a full resync will replace it',
    'unsupported',
  );
}

/** Stable per (folder, marker, uid): the same create retried is deduplicated by Exchange. */
function transactionIdOf(folder: string, marker: string, uid: string): string {
  return `exsync-${createHash('sha256').update(`${folder}\n${marker}\n${uid}`).digest('hex').slice(0, 32)}`;
}

/** Tasks without dates are always in scope; dated ones when start..due overlaps the window (±14 h for zones). */
function taskInWindow(t: GraphTask, from: number, to: number): boolean {
  const slack = 14 * 3600_000;
  const start = t.startDateTime ? Date.parse(`${t.startDateTime.dateTime.slice(0, 19)}Z`) : undefined;
  const due = t.dueDateTime ? Date.parse(`${t.dueDateTime.dateTime.slice(0, 19)}Z`) : undefined;
  if (start === undefined && due === undefined) return true;
  if (t.recurrence && (start ?? due ?? 0) < to + slack) return true;
  const s = start ?? (due as number);
  const e = due ?? s;
  return s < to + slack && Math.max(s, e) >= from - slack;
}

/** Whether an item's last-seen raw object carries our ExsyncUid already (an unreadable one is taken as not). */
function hasStoredUid(raw: string): boolean {
  try {
    const props = (parseRaw(raw).entity.singleValueExtendedProperties ?? []) as { id: string }[];
    return props.some((p) => p.id.toLowerCase() === UID_PROPERTY_ID.toLowerCase());
  } catch {
    return false;
  }
}
