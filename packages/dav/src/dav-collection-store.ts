import { createHash } from 'node:crypto';
import type {
  Change,
  ChangeSet,
  CollectionStore,
  CreateOptions,
  DateValue,
  EventItem,
  FetchedItem,
  FetchResult,
  ItemKind,
  ItemRef,
  ListedItem,
  PimItem,
  StoreCaps,
  StoredItem,
  SyncWindow,
  WriteResult,
  WrittenItem,
} from '@exsync/core';
import { InvalidItemError, InvalidSyncTokenError, isStoreError, NotFoundError, RejectedError } from '@exsync/core';
import { calendarQuery } from 'tsdav';
import type { DavItemCodec } from './item-codec';
import { type DavResponse, isRecord, parseMultistatus, textOf, xmlEscape } from './multistatus';
import { pimCodec } from './pim-codec';
import { errorForStatus } from './status-errors';
import type { DavReply, DavTransport } from './transport';

export type DavComponent = 'VEVENT' | 'VTODO';

export interface DavCollectionStoreOptions {
  readonly transport: DavTransport;
  /** Absolute URL of the collection. */
  readonly url: string;
  readonly type: 'calendar' | 'addressbook';
  /** Components a calendar holds (from discovery). Default VEVENT and VTODO. */
  readonly components?: readonly DavComponent[];
  readonly readOnly?: boolean;
  /** Default: `@exsync/pim`. */
  readonly codec?: DavItemCodec;
  /** Hrefs per multiget request. Default 50. */
  readonly batchSize?: number;
  /**
   * Whether the server matches a recurring series by its occurrences in time-range queries (RFC 4791 §9.9), as
   * Nextcloud and Radicale do. Xandikos 0.2.8 only looks at the first instance; with `false` the store also reads
   * every recurring event and keeps those whose recurrence may reach into the window. Default true.
   */
  readonly serverExpandsRecurrence?: boolean;
  /**
   * The collection's sync-token as just read (e.g. by one PROPFIND Depth 1 on its home for every collection). A
   * `changesSince` from exactly this token then answers "no changes" without a request: the server says nothing
   * moved since. Any other token asks the server as usual.
   */
  readonly currentToken?: string;
}

const DAV_NS = 'xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:card="urn:ietf:params:xml:ns:carddav"';

/**
 * One CalDAV calendar or CardDAV address book as a `CollectionStore`. tsdav does the calendar-query; the rest is
 * plain requests through the transport, because tsdav's multiget throws on a single missing href, its writes hide
 * the status we must classify and its sync helpers neither page nor report an invalid token as such.
 */
export class DavCollectionStore implements CollectionStore {
  readonly caps: StoreCaps;
  readonly url: string;
  readonly #transport: DavTransport;
  readonly #type: 'calendar' | 'addressbook';
  readonly #components: readonly DavComponent[];
  readonly #codec: DavItemCodec;
  readonly #batchSize: number;
  readonly #expandsRecurrence: boolean;

  readonly #currentToken: string | undefined;
  /** The collection's canonical path (`#pathOf(url)`), which every object's href starts with. */
  readonly #path: string;

  constructor(options: DavCollectionStoreOptions) {
    this.url = options.url.endsWith('/') ? options.url : `${options.url}/`;
    this.#path = canonicalPath(new URL(this.url).pathname);
    this.#transport = options.transport;
    this.#type = options.type;
    this.#components = options.components ?? ['VEVENT', 'VTODO'];
    this.#codec = options.codec ?? pimCodec;
    this.#batchSize = Math.max(1, options.batchSize ?? 50);
    this.#expandsRecurrence = options.serverExpandsRecurrence ?? true;
    this.#currentToken = options.currentToken;
    const kinds: ItemKind[] =
      options.type === 'addressbook'
        ? ['contact', 'group']
        : this.#components.map((c): ItemKind => (c === 'VEVENT' ? 'event' : 'task'));
    this.caps = { readOnly: options.readOnly ?? false, deltas: true, kinds };
  }

  // ---- listing ------------------------------------------------------------------------------------------------

  async *listWindow(window: SyncWindow, signal?: AbortSignal): AsyncIterable<ListedItem> {
    const seen = new Set<string>();
    const emit = (responses: readonly { href?: string; etag?: unknown }[]): ListedItem[] =>
      responses.flatMap((r) => {
        const etag = textOf(r.etag);
        if (!r.href || !etag || this.#isSelf(r.href)) return [];
        const href = this.#pathOf(r.href);
        if (seen.has(href)) return [];
        seen.add(href);
        return [{ href, version: etag }];
      });

    if (this.#type === 'addressbook') {
      // Contacts have no dates: the window does not apply, every card is in scope. A Depth 1 PROPFIND lists them
      // everywhere; addressbook-query without a filter is not something every server accepts.
      const response = await this.#send('PROPFIND', this.url, {
        signal,
        headers: { Depth: '1', 'Content-Type': 'application/xml; charset=utf-8' },
        body: `<d:propfind ${DAV_NS}><d:prop><d:getetag/><d:resourcetype/></d:prop></d:propfind>`,
      });
      const text = response.text;
      if (response.status !== 207)
        throw errorForStatus(response.status, 'list', this.#pathOf(this.url), { body: text });
      const cards = parseMultistatus(text).responses.filter(
        (r) => r.status === 200 && !(isRecord(r.props.resourcetype) && 'collection' in r.props.resourcetype),
      );
      yield* emit(cards.map((r) => ({ href: r.href, etag: r.props.getetag })));
      return;
    }

    const range = { start: davTime(window.start), end: davTime(window.end) };
    for (const component of this.#components) {
      const filters = [
        {
          'comp-filter': {
            _attributes: { name: 'VCALENDAR' },
            'comp-filter': { _attributes: { name: component }, 'time-range': { _attributes: range } },
          },
        },
      ];
      yield* emit(await this.#query(filters, signal));
      if (component === 'VEVENT' && !this.#expandsRecurrence) yield* emit(await this.#seriesReaching(window, signal));
      if (component === 'VTODO') {
        // A task with neither DTSTART nor DUE is in scope of every window, but servers evaluate CREATED or
        // COMPLETED against the range (RFC 4791 §9.9), so ask for undated tasks explicitly.
        const undated = [
          {
            'comp-filter': {
              _attributes: { name: 'VCALENDAR' },
              'comp-filter': {
                _attributes: { name: 'VTODO' },
                'prop-filter': [
                  { _attributes: { name: 'DTSTART' }, 'is-not-defined': {} },
                  { _attributes: { name: 'DUE' }, 'is-not-defined': {} },
                ],
              },
            },
          },
        ];
        yield* emit(await this.#query(undated, signal));
      }
    }
  }

  /** Recurring events whose rule may produce an occurrence in the window, judged client-side. */
  async #seriesReaching(window: SyncWindow, signal?: AbortSignal): Promise<{ href?: string; etag?: unknown }[]> {
    const body =
      `<c:calendar-query ${DAV_NS}><d:prop><d:getetag/><c:calendar-data/></d:prop><c:filter>` +
      `<c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:prop-filter name="RRULE"/></c:comp-filter>` +
      `</c:comp-filter></c:filter></c:calendar-query>`;
    const listing = await this.#report(this.url, '1', body, 'list', signal);
    return listing.responses.flatMap((r) => {
      const raw = textOf(r.props['calendar-data']);
      if (r.status !== 200 || raw === undefined) return [];
      let item: PimItem;
      try {
        item = this.#codec.toModel(raw);
      } catch {
        return [{ href: r.href, etag: r.props.getetag }]; // unreadable: keep it in scope, getMany reports it
      }
      return item.kind === 'event' && seriesMayReach(item, window) ? [{ href: r.href, etag: r.props.getetag }] : [];
    });
  }

  async #query(filters: unknown, signal?: AbortSignal): Promise<{ href?: string; etag?: unknown }[]> {
    const responses = await calendarQuery({
      url: this.url,
      props: { 'd:getetag': {} },
      filters: filters as Record<string, unknown>,
      depth: '1',
      fetch: this.#transport.fetch,
      ...(signal ? { fetchOptions: { signal } } : {}),
    }).catch((cause: unknown) => {
      if (isStoreError(cause)) throw cause; // typed errors from the transport
      throw errorForStatus(500, 'list', this.#pathOf(this.url), { body: String(cause) });
    });
    return responses.map((r) => ({ ...(r.href ? { href: r.href } : {}), etag: r.props?.getetag }));
  }

  // ---- reading ------------------------------------------------------------------------------------------------

  async *getMany(hrefs: readonly string[], signal?: AbortSignal): AsyncIterable<FetchResult> {
    const invalid: string[] = [];
    const dataProp = this.#type === 'addressbook' ? '<card:address-data/>' : '<c:calendar-data/>';
    const method = this.#type === 'addressbook' ? 'card:addressbook-multiget' : 'c:calendar-multiget';
    for (let i = 0; i < hrefs.length; i += this.#batchSize) {
      const batch = hrefs.slice(i, i + this.#batchSize);
      const body =
        `<${method} ${DAV_NS}><d:prop><d:getetag/><d:getlastmodified/>${dataProp}</d:prop>` +
        `${batch.map((h) => `<d:href>${xmlEscape(this.#pathOf(h))}</d:href>`).join('')}</${method}>`;
      const result = await this.#report(this.url, '1', body, 'read', signal);
      const byKey = new Map(result.responses.map((r) => [hrefKey(this.#pathOf(r.href)), r]));
      for (const href of batch) {
        const response = byKey.get(hrefKey(this.#pathOf(href)));
        // A server must answer every href; if one is left out, read it on its own rather than guess.
        const outcome = response ? this.#fetchedFrom(href, response) : await this.#get(href, signal);
        if (outcome === 'invalid') invalid.push(href);
        else yield outcome;
      }
    }
    if (invalid.length > 0) {
      throw new InvalidItemError(`Unreadable content in ${invalid.length} item(s): ${invalid.join(', ')}`);
    }
  }

  #fetchedFrom(href: string, response: DavResponse): FetchResult | 'invalid' {
    if (response.status === 404 || response.status === 410) return { href, found: false };
    const raw = textOf(response.props['calendar-data'] ?? response.props['address-data']);
    const etag = textOf(response.props.getetag);
    if (response.status !== 200 || raw === undefined || !etag) {
      throw errorForStatus(response.status === 200 ? 500 : response.status, 'read', this.#pathOf(href));
    }
    const modified = textOf(response.props.getlastmodified);
    const fetched = this.#decode({ href: this.#pathOf(href), version: etag }, raw, modified);
    return fetched ? { href, found: true, fetched } : 'invalid';
  }

  async #get(href: string, signal?: AbortSignal): Promise<FetchResult | 'invalid'> {
    const response = await this.#send('GET', href, { signal });
    if (response.status === 404 || response.status === 410) {
      return { href, found: false };
    }
    const raw = response.text;
    const etag = response.header('etag');
    if (!response.ok || !etag)
      throw errorForStatus(response.ok ? 500 : response.status, 'read', this.#pathOf(href), { body: raw });
    const fetched = this.#decode(
      { href: this.#pathOf(href), version: etag },
      raw,
      response.header('last-modified') ?? undefined,
    );
    return fetched ? { href, found: true, fetched } : 'invalid';
  }

  /** What the engine records of an object we just wrote: as `#decode`, without building its model. */
  #written(ref: ItemRef, raw: string): WrittenItem | undefined {
    if (!this.#codec.written) return this.#decode(ref, raw, undefined);
    try {
      return this.#codec.written(ref, raw);
    } catch {
      return undefined;
    }
  }

  #decode(ref: ItemRef, raw: string, modified: string | undefined): FetchedItem | undefined {
    const modifiedAt = modified && !Number.isNaN(Date.parse(modified)) ? new Date(modified).toISOString() : undefined;
    try {
      if (this.#codec.fetched) {
        const fetched = this.#codec.fetched(ref, raw);
        return modifiedAt === undefined ? fetched : { ...fetched, modifiedAt };
      }
      const item = this.#codec.toModel(raw);
      const marker = this.#codec.readMarker(raw);
      return {
        ref,
        raw,
        item,
        hash: this.#codec.contentHash(raw),
        ...(marker === undefined ? {} : { marker }),
        ...(modifiedAt === undefined ? {} : { modifiedAt }),
      };
    } catch {
      return undefined;
    }
  }

  // ---- changes ------------------------------------------------------------------------------------------------

  async startToken(_window: SyncWindow, signal?: AbortSignal): Promise<string> {
    const response = await this.#send('PROPFIND', this.url, {
      signal,
      headers: { Depth: '0', 'Content-Type': 'application/xml; charset=utf-8' },
      body: `<d:propfind ${DAV_NS}><d:prop><d:sync-token/></d:prop></d:propfind>`,
    });
    const text = response.text;
    if (response.status !== 207) throw errorForStatus(response.status, 'sync', this.#pathOf(this.url), { body: text });
    const token = textOf(parseMultistatus(text).responses[0]?.props['sync-token'])?.trim();
    if (token) return token;
    // No sync-token property: take the token an initial sync-collection ends with (its listing is discarded).
    let next = '';
    for (let page = 0; page < 1000; page++) {
      const set = await this.#syncPage(next, signal);
      next = set.nextToken;
      if (!set.more) return next;
    }
    throw errorForStatus(500, 'sync', this.#pathOf(this.url));
  }

  async changesSince(token: string, signal?: AbortSignal): Promise<ChangeSet> {
    if (!token.trim())
      throw new InvalidSyncTokenError('An empty sync token is not a token; a full reconcile is needed');
    if (token === this.#currentToken) return { changes: [], nextToken: token, more: false };
    return this.#syncPage(token, signal);
  }

  /**
   * One sync-collection (RFC 6578) request. Never sends `<limit>` (Nextcloud answers 507 on an initial sync with
   * one); a server that truncates on its own marks it with a 507 response for the collection, and the engine
   * continues from the token it gave. Nextcloud silently returns a partial delta for a token older than its
   * pruned change log: nothing here can tell, which is why the engine also reconciles periodically.
   */
  async #syncPage(token: string, signal?: AbortSignal): Promise<ChangeSet> {
    const body =
      `<d:sync-collection ${DAV_NS}><d:sync-token>${xmlEscape(token)}</d:sync-token>` +
      `<d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`;
    const response = await this.#send('REPORT', this.url, {
      signal,
      headers: { Depth: '1', 'Content-Type': 'application/xml; charset=utf-8' },
      body,
    });
    const text = response.text;
    if (response.status === 500 && token) {
      // Xandikos answers an unknown token with 500. A 500 here at worst costs one reconcile, never data.
      throw new InvalidSyncTokenError('The server failed on this sync token (500); a full reconcile is needed');
    }
    if (response.status === 507) {
      throw new RejectedError(
        'The server refused the sync request size (507); no limit is sent, so this is unexpected',
        'too-large',
      );
    }
    if (response.status !== 207) throw errorForStatus(response.status, 'sync', this.#pathOf(this.url), { body: text });
    const multistatus = parseMultistatus(text);
    if (!multistatus.syncToken) throw errorForStatus(500, 'sync', this.#pathOf(this.url), { body: 'no sync-token' });
    let more = false;
    const changes: Change[] = [];
    for (const r of multistatus.responses) {
      if (this.#isSelf(r.href)) {
        if (r.status === 507) more = true;
        continue;
      }
      const href = this.#pathOf(r.href);
      if (r.status === 404 || r.status === 410) {
        changes.push({ type: 'delete', href, reason: 'deleted' });
        continue;
      }
      const etag = textOf(r.props.getetag);
      if (r.status === 200 && etag) changes.push({ type: 'upsert', ref: { href, version: etag } });
    }
    if (tokenWentBack(token, multistatus.syncToken)) {
      // A calendar deleted and re-created under the same URI restarts its counter: an old, larger token then
      // yields an empty delta instead of a 403. Treat it as the invalid token it is.
      throw new InvalidSyncTokenError(
        "The collection's sync counter went backwards (re-created?); a full reconcile is needed",
      );
    }
    return { changes, nextToken: multistatus.syncToken, more };
  }

  // ---- writing ------------------------------------------------------------------------------------------------

  async create(item: PimItem, options: CreateOptions, signal?: AbortSignal): Promise<WriteResult> {
    this.#assertWritable(item);
    const raw = this.#codec.fromModel(item, { marker: options.marker });
    const href = objectHref(this.#path, item.uid, this.#type === 'addressbook' ? '.vcf' : '.ics');
    try {
      return await this.#put(href, raw, { 'If-None-Match': '*' }, 'create', signal);
    } catch (error) {
      // The transport resends a PUT whose reply was lost; If-None-Match: * makes the replay of an applied create
      // fail (412) instead of writing twice. Whether it was ours is settled by reading: our marker says so.
      if (!(error instanceof RejectedError && error.reason === 'uid-conflict')) throw error;
      for await (const found of this.getMany([href], signal)) {
        if (found.found && found.fetched.marker === options.marker)
          return { ref: found.fetched.ref, stored: found.fetched };
      }
      throw error;
    }
  }

  async update(base: StoredItem, item: PimItem, signal?: AbortSignal): Promise<WriteResult> {
    this.#assertWritable(item);
    const raw = this.#codec.patch(base.raw, item);
    return this.#put(base.ref.href, raw, { 'If-Match': base.ref.version }, 'update', signal);
  }

  async remove(ref: ItemRef, signal?: AbortSignal): Promise<void> {
    if (this.caps.readOnly) throw new RejectedError('The collection is read-only', 'read-only');
    const response = await this.#send('DELETE', ref.href, {
      signal,
      headers: { 'If-Match': ref.version, ...this.#schedulingHeaders() },
    });
    const text = response.text;
    if (response.status === 412 && (await this.#isGone(ref.href, signal))) {
      // sabre/dav (Nextcloud) checks If-Match before anything else: a DELETE of what is already gone answers 412
      // "the resource did not exist", not 404. The port promises not-found for that, so ask the server directly.
      throw new NotFoundError(`remove ${this.#pathOf(ref.href)}: already gone (412 to If-Match, then 404)`);
    }
    if (!response.ok) throw errorForStatus(response.status, 'remove', this.#pathOf(ref.href), { body: text });
  }

  /** True only when the server itself says the href does not exist (404/410 to a plain GET). */
  async #isGone(href: string, signal: AbortSignal | undefined): Promise<boolean> {
    const probe = await this.#send('GET', href, { signal });
    return probe.status === 404 || probe.status === 410;
  }

  async #put(
    href: string,
    raw: string,
    condition: Record<string, string>,
    operation: 'create' | 'update',
    signal: AbortSignal | undefined,
  ): Promise<WriteResult> {
    const contentType = this.#type === 'addressbook' ? 'text/vcard; charset=utf-8' : 'text/calendar; charset=utf-8';
    const response = await this.#send('PUT', href, {
      signal,
      headers: { 'Content-Type': contentType, ...condition, ...this.#schedulingHeaders() },
      body: raw,
    });
    const text = response.text;
    // Xandikos reports a UID clash as a 207 carrying the failure; anything but 2xx-without-body is a refusal.
    if (!response.ok || response.status === 207) {
      const status = response.status === 207 ? 409 : response.status;
      throw errorForStatus(status, operation, this.#pathOf(href), { body: text, sentBytes: Buffer.byteLength(raw) });
    }
    const etag = response.header('etag');
    if (etag && !etag.startsWith('W/')) {
      // A strong ETag on PUT means the server stored exactly these bytes (RFC 4791 §5.3.4; sabre omits it otherwise).
      const stored = this.#written({ href, version: etag }, raw);
      return { ref: { href, version: etag }, ...(stored ? { stored } : {}) };
    }
    // No ETag: the server changed what we sent (Nextcloud adds SCHEDULE-STATUS, fixes cards). Read it back.
    const fetched = await this.#get(href, signal);
    if (fetched === 'invalid') return { ref: { href, version: '' } };
    if (!fetched.found) throw new NotFoundError(`${operation} ${href}: the item vanished right after it was written`);
    return { ref: fetched.fetched.ref, stored: fetched.fetched };
  }

  #assertWritable(item: PimItem): void {
    if (this.caps.readOnly) throw new RejectedError('The collection is read-only', 'read-only');
    if (!this.caps.kinds.includes(item.kind)) {
      throw new RejectedError(`This collection does not hold ${item.kind} items`, 'unsupported');
    }
  }

  /** Sabre skips all implicit scheduling for a request with `Schedule-Reply: F` (belt to pim's SCHEDULE-AGENT braces). */
  #schedulingHeaders(): Record<string, string> {
    return this.#type === 'calendar' ? { 'Schedule-Reply': 'F' } : {};
  }

  // ---- plumbing -----------------------------------------------------------------------------------------------

  async #report(url: string, depth: string, body: string, operation: 'list' | 'read', signal?: AbortSignal) {
    const response = await this.#send('REPORT', url, {
      signal,
      headers: { Depth: depth, 'Content-Type': 'application/xml; charset=utf-8' },
      body,
    });
    const text = response.text;
    if (response.status !== 207) throw errorForStatus(response.status, operation, this.#pathOf(url), { body: text });
    return parseMultistatus(text);
  }

  #send(
    method: string,
    href: string,
    init: { signal?: AbortSignal | undefined; headers?: Record<string, string>; body?: string },
  ): Promise<DavReply> {
    return this.#transport.request(new URL(href, this.url), {
      method,
      ...(init.headers ? { headers: init.headers } : {}),
      ...(init.body === undefined ? {} : { body: init.body }),
      ...(init.signal ? { signal: init.signal } : {}),
    });
  }

  /** Hrefs are absolute paths in one canonical encoding, whichever way a server spelled them. */
  #pathOf(href: string): string {
    return canonicalPath(new URL(href, this.url).pathname);
  }

  #isSelf(href: string): boolean {
    return hrefKey(this.#pathOf(href)).replace(/\/$/, '') === hrefKey(this.#pathOf(this.url)).replace(/\/$/, '');
  }
}

/** Both tokens are sabre counters (`http://sabre.io/ns/sync/N`) and the server's is lower than ours. */
function tokenWentBack(sent: string, received: string): boolean {
  const counter = (token: string) => /^http:\/\/sabre\.io\/ns\/sync\/(\d+)$/.exec(token)?.[1];
  const before = counter(sent);
  const after = counter(received);
  return before !== undefined && after !== undefined && Number(after) < Number(before);
}

/**
 * Servers percent-encode differently (`@` or `%40`), and the engine keys its status table by href: every segment
 * is decoded and re-encoded the same way, leaving RFC 3986 sub-delimiters, `:` and `@` as they are.
 */
export function canonicalPath(path: string): string {
  return path
    .split('/')
    .map((segment) =>
      encodeURIComponent(hrefKey(segment)).replace(/%(21|24|26|27|28|29|2A|2B|2C|3B|3D|3A|40)/gi, (m) =>
        decodeURIComponent(m),
      ),
    )
    .join('/');
}

/** Servers differ in which characters they percent-encode; compare hrefs decoded. */
function hrefKey(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/**
 * The href a new object for `uid` gets in the collection at canonical path `collectionPath`: what `#pathOf` gives
 * for the collection's URL plus `objectName(uid)` and `ext`, without a URL parse and a canonical pass per item.
 * An object name holds only `[A-Za-z0-9._@+-]` (not starting with a dot), which the URL parser leaves as they are
 * and `canonicalPath` writes as they are (`@` and `+` are kept), so appending it is the same.
 */
export function objectHref(collectionPath: string, uid: string, ext: string): string {
  return `${collectionPath}${objectName(uid)}${ext}`;
}

/**
 * Objects are named after their UID (Nextcloud's advice), so a create that meets an existing name means that UID
 * exists. UIDs that are not plain path-safe text (slashes, spaces, non-ASCII: servers decode `%2F` into a path
 * separator) are named by their SHA-256 instead — still one name per UID.
 */
export function objectName(uid: string): string {
  return /^[A-Za-z0-9_@+-][A-Za-z0-9._@+-]{0,199}$/.test(uid) ? uid : createHash('sha256').update(uid).digest('hex');
}

/**
 * Whether a series may have an occurrence in the window: it starts before the window ends and its UNTIL is not
 * before the window starts. Zones are ignored with a day of slack; keeping a series too many is harmless.
 */
function seriesMayReach(event: EventItem, window: SyncWindow): boolean {
  if (!event.recurrence) return false;
  const day = 86_400_000;
  const at = (value: DateValue) =>
    Date.parse(
      value.kind === 'date'
        ? `${value.date}T00:00:00Z`
        : value.dateTime.endsWith('Z')
          ? value.dateTime
          : `${value.dateTime}Z`,
    );
  const until = event.recurrence.until ? at(event.recurrence.until) + day : Number.POSITIVE_INFINITY;
  return at(event.start) - day < Date.parse(window.end) && until >= Date.parse(window.start);
}

/** `2030-03-01T00:00:00Z` → `20300301T000000Z`, the form time-range wants. */
function davTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) throw new RangeError(`Not an instant: ${iso}`);
  return `${date.toISOString().slice(0, 19).replaceAll('-', '').replaceAll(':', '')}Z`;
}
