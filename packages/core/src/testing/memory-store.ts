import type { Capabilities, ItemKind, PimItem, SyncWindow } from '../model';
import { projectItem } from '../model';
import type {
  Change,
  ChangeSet,
  CollectionStore,
  CreateOptions,
  FetchedItem,
  FetchResult,
  ItemRef,
  ListedItem,
  StoreCaps,
  StoredItem,
  WriteResult,
} from '../ports';
import { InvalidSyncTokenError, NotFoundError, PreconditionFailedError, RejectedError, RetryableError } from '../ports';
import { isInWindow } from './in-window';
import { jsonCodec, type MemoryCodec } from './json-codec';

export interface MemoryStoreOptions {
  /** Kinds the collection accepts; a create of another kind is rejected as `unsupported`. Default: all. */
  readonly kinds?: readonly ItemKind[];
  readonly readOnly?: boolean;
  /** Changes per `changesSince` page (paging exercises the engine's `more` loop). Default 100. */
  readonly pageSize?: number;
  readonly codec?: MemoryCodec;
  /** Prefix of every href, so two stores never share hrefs. Default `/mem/<n>/`. */
  readonly hrefPrefix?: string;
  /** The store's clock for `modifiedAt`. Default: wall clock. */
  readonly now?: () => Date;
  /**
   * What the store holds (as an Exchange folder declares it): every item it stores, from the engine or another
   * client, is kept as `projectItem(holds, item)` — fields it does not hold are dropped, normalised ones rewritten.
   */
  readonly holds?: Capabilities;
}

export type MemoryOperation = 'listWindow' | 'getMany' | 'startToken' | 'changesSince' | 'create' | 'update' | 'remove';

/** One stored object, as a test sees it. */
export interface MemoryEntry {
  readonly href: string;
  readonly version: string;
  readonly raw: string;
  readonly item: PimItem;
  readonly marker?: string;
  readonly modifiedAt: string;
}

interface JournalEntry {
  readonly seq: number;
  readonly href: string;
  readonly deleted: boolean;
}

type Fault = { readonly ops: readonly MemoryOperation[]; readonly error: Error };

const WRITES: readonly MemoryOperation[] = ['create', 'update', 'remove'];
let storeCounter = 0;

/**
 * A `CollectionStore` held in memory, with the semantics of a CalDAV/CardDAV collection: opaque versions that
 * change on every write, conditional writes, a change journal behind opaque sync tokens, windowed listing, and
 * hooks to inject the failures real servers produce. Built for the contract suite and the engine's property tests.
 */
export class MemoryStore implements CollectionStore {
  readonly caps: StoreCaps;
  /** Every call made to the store's port, in order: lets tests count requests (e.g. none after an AuthError). */
  readonly calls: MemoryOperation[] = [];

  readonly #codec: MemoryCodec;
  readonly #pageSize: number;
  readonly #prefix: string;
  readonly #now: () => Date;
  readonly #entries = new Map<string, MemoryEntry>();
  #journal: JournalEntry[] = [];
  #seq = 0;
  #versionCounter = 0;
  /** Tokens issued before this epoch are rejected (`invalidateTokens`). */
  #epoch = 0;
  #faults: Fault[] = [];
  #flakyVersions = false;

  constructor(options: MemoryStoreOptions = {}) {
    storeCounter += 1;
    this.caps = {
      readOnly: options.readOnly ?? false,
      deltas: true,
      kinds: options.kinds ?? ['event', 'task', 'contact', 'group'],
      ...(options.holds ? { holds: options.holds } : {}),
    };
    this.#codec = options.codec ?? jsonCodec;
    this.#pageSize = Math.max(1, options.pageSize ?? 100);
    this.#prefix = options.hrefPrefix ?? `/mem/${storeCounter}/`;
    this.#now = options.now ?? (() => new Date());
  }

  // ---- the port ---------------------------------------------------------------------------------------------

  async *listWindow(window: SyncWindow, signal?: AbortSignal): AsyncIterable<ListedItem> {
    this.#enter('listWindow', signal);
    if (this.#flakyVersions) this.#churnVersions();
    const listed = [...this.#entries.values()].filter((e) => isInWindow(e.item, window));
    for (const entry of listed) yield { href: entry.href, version: entry.version };
  }

  async *getMany(hrefs: readonly string[], signal?: AbortSignal): AsyncIterable<FetchResult> {
    this.#enter('getMany', signal);
    if (this.#flakyVersions) this.#churnVersions();
    for (const href of hrefs) {
      const entry = this.#entries.get(href);
      yield entry ? { href, found: true, fetched: this.#fetched(entry) } : { href, found: false };
    }
  }

  async startToken(_window: SyncWindow, signal?: AbortSignal): Promise<string> {
    this.#enter('startToken', signal);
    return this.#token(this.#seq);
  }

  async changesSince(token: string, signal?: AbortSignal): Promise<ChangeSet> {
    this.#enter('changesSince', signal);
    const since = this.#parseToken(token);
    // Last operation per href wins, as sync-collection reports it.
    const latest = new Map<string, JournalEntry>();
    for (const entry of this.#journal) {
      if (entry.seq <= since) continue;
      latest.delete(entry.href);
      latest.set(entry.href, entry);
    }
    const pending = [...latest.values()];
    const page = pending.slice(0, this.#pageSize);
    const more = pending.length > page.length;
    const last = page.at(-1);
    const changes: Change[] = page.map((entry): Change => {
      const current = this.#entries.get(entry.href);
      return entry.deleted || !current
        ? { type: 'delete', href: entry.href, reason: 'deleted' }
        : { type: 'upsert', ref: { href: current.href, version: current.version } };
    });
    // A page ends at the sequence of its last change so the next page resumes right after it.
    const nextSeq = more && last ? last.seq : this.#seq;
    return { changes, nextToken: this.#token(nextSeq), more };
  }

  async create(item: PimItem, options: CreateOptions, signal?: AbortSignal): Promise<WriteResult> {
    this.#enter('create', signal);
    this.#assertWritable(item);
    const href = `${this.#prefix}${hrefName(item.uid)}`;
    if (this.#entries.has(href) || [...this.#entries.values()].some((e) => e.item.uid === item.uid)) {
      throw new RejectedError(`An item with UID ${item.uid} already exists in this collection`, 'uid-conflict');
    }
    const entry = this.#store(href, this.#codec.serialize(this.#held(item), options.marker));
    return { ref: refOf(entry), stored: this.#fetched(entry) };
  }

  async update(base: StoredItem, item: PimItem, signal?: AbortSignal): Promise<WriteResult> {
    this.#enter('update', signal);
    this.#assertWritable(item);
    const current = this.#current(base.ref);
    if (current.item.uid !== item.uid) {
      throw new RejectedError(`UID ${item.uid} does not match the stored item's UID`, 'uid-conflict');
    }
    const raw = this.#codec.patch
      ? this.#codec.patch(base.raw, this.#held(item))
      : this.#codec.serialize(this.#held(item), this.#codec.parse(base.raw).marker);
    const entry = this.#store(current.href, raw);
    return { ref: refOf(entry), stored: this.#fetched(entry) };
  }

  async remove(ref: ItemRef, signal?: AbortSignal): Promise<void> {
    this.#enter('remove', signal);
    if (this.caps.readOnly) throw new RejectedError('The collection is read-only', 'read-only');
    this.#current(ref);
    this.#delete(ref.href);
  }

  // ---- what other clients do (changes the engine must discover) ----------------------------------------------

  /** Stores an item as another client would (no conditions); returns its ref. */
  put(item: PimItem, options: { href?: string; marker?: string } = {}): ItemRef {
    const existing = [...this.#entries.values()].find((e) => e.item.uid === item.uid);
    const href = options.href ?? existing?.href ?? `${this.#prefix}${hrefName(item.uid)}`;
    const marker = options.marker ?? (existing ? this.#codec.parse(existing.raw).marker : undefined);
    return refOf(this.#store(href, this.#codec.serialize(this.#held(item), marker)));
  }

  /** Stores a raw object byte for byte, as another client would (a real-world .ics or .vcf); returns its ref. */
  putRaw(raw: string, href: string): ItemRef {
    return refOf(this.#store(href, raw));
  }

  /** What this store keeps of an item. */
  #held(item: PimItem): PimItem {
    return projectItem(this.caps.holds, item);
  }

  /** Deletes as another client would; returns whether the item existed. */
  delete(href: string): boolean {
    if (!this.#entries.has(href)) return false;
    this.#delete(href);
    return true;
  }

  /** A new version with the same content, as Exchange does when a reminder is dismissed. */
  touch(href: string): ItemRef {
    const entry = this.#entries.get(href);
    if (!entry) throw new NotFoundError(`No item at ${href}`);
    return refOf(this.#store(href, entry.raw));
  }

  get(href: string): MemoryEntry | undefined {
    return this.#entries.get(href);
  }

  entries(): MemoryEntry[] {
    return [...this.#entries.values()];
  }

  findByUid(uid: string): MemoryEntry | undefined {
    return [...this.#entries.values()].find((e) => e.item.uid === uid);
  }

  // ---- fault injection -------------------------------------------------------------------------------------

  /** The next call of one of `ops` (default: any write) throws `error` instead of running. */
  failNext(error: Error, ops: readonly MemoryOperation[] = WRITES): void {
    this.#faults.push({ ops, error });
  }

  /** Shorthand: the next write fails with a retryable error. */
  failNextWrite(error: Error = new RetryableError('Injected failure', { retryAfterMs: 0 })): void {
    this.failNext(error, WRITES);
  }

  /** While on, every listing and read bumps every version without changing content (ChangeKey churn). */
  setFlakyVersions(on: boolean): void {
    this.#flakyVersions = on;
  }

  /** Every token issued so far becomes invalid, as after a server-side reset or expiry. */
  invalidateTokens(): void {
    this.#epoch += 1;
    this.#journal = [];
  }

  /**
   * Forgets the change journal without invalidating tokens: old tokens then silently miss changes, as
   * Nextcloud does after pruning its change log. Only a full reconcile finds what was lost.
   */
  pruneJournal(): void {
    this.#journal = [];
  }

  // ---- internals -------------------------------------------------------------------------------------------

  #enter(op: MemoryOperation, signal: AbortSignal | undefined): void {
    this.calls.push(op);
    if (signal?.aborted) throw new RetryableError('The operation was aborted', { cause: signal.reason });
    const index = this.#faults.findIndex((f) => f.ops.includes(op));
    if (index >= 0) {
      const [fault] = this.#faults.splice(index, 1);
      if (fault) throw fault.error;
    }
  }

  #assertWritable(item: PimItem): void {
    if (this.caps.readOnly) throw new RejectedError('The collection is read-only', 'read-only');
    if (!this.caps.kinds.includes(item.kind)) {
      throw new RejectedError(`This collection does not hold ${item.kind} items`, 'unsupported');
    }
  }

  #current(ref: ItemRef): MemoryEntry {
    const current = this.#entries.get(ref.href);
    if (!current) throw new NotFoundError(`No item at ${ref.href}`);
    if (current.version !== ref.version) {
      throw new PreconditionFailedError(`${ref.href} changed since version ${ref.version}`);
    }
    return current;
  }

  #store(href: string, raw: string): MemoryEntry {
    const { item, marker } = this.#codec.parse(raw);
    this.#versionCounter += 1;
    const entry: MemoryEntry = {
      href,
      version: `"v${this.#versionCounter}"`,
      raw,
      item,
      modifiedAt: this.#now().toISOString(),
      ...(marker === undefined ? {} : { marker }),
    };
    this.#entries.set(href, entry);
    this.#record(href, false);
    return entry;
  }

  #delete(href: string): void {
    this.#entries.delete(href);
    this.#record(href, true);
  }

  #record(href: string, deleted: boolean): void {
    this.#seq += 1;
    this.#journal.push({ seq: this.#seq, href, deleted });
  }

  #churnVersions(): void {
    for (const entry of [...this.#entries.values()]) this.#store(entry.href, entry.raw);
  }

  #fetched(entry: MemoryEntry): FetchedItem {
    return {
      ref: refOf(entry),
      raw: entry.raw,
      item: entry.item,
      hash: this.#codec.hash(entry.raw),
      modifiedAt: entry.modifiedAt,
      ...(entry.marker === undefined ? {} : { marker: entry.marker }),
    };
  }

  #token(seq: number): string {
    return `mem:${this.#prefix}:${this.#epoch}:${seq}`;
  }

  #parseToken(token: string): number {
    const match = /^mem:(.*):(\d+):(\d+)$/.exec(token);
    if (!match || match[1] !== this.#prefix || Number(match[2]) !== this.#epoch || Number(match[3]) > this.#seq) {
      throw new InvalidSyncTokenError('The sync token is unknown or expired; a full reconcile is needed');
    }
    return Number(match[3]);
  }
}

function refOf(entry: MemoryEntry): ItemRef {
  return { href: entry.href, version: entry.version };
}

/** Objects are named after their UID, as DAV clients do, made safe for a path segment. */
export function hrefName(uid: string): string {
  return /^[A-Za-z0-9._@-]{1,200}$/.test(uid) ? uid : encodeURIComponent(uid).slice(0, 200);
}
