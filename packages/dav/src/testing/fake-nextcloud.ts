import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { asArray, isRecord, parseXml, textOf, xmlEscape } from '../multistatus';
import {
  EVENT_TOO_LARGE,
  IF_MATCH_MISSING,
  INVALID_SYNC_TOKEN,
  LIMIT_ON_INITIAL_SYNC,
  NOT_AUTHENTICATED,
  NOT_FOUND,
  PRECONDITION_FAILED,
  SABRE_NS,
  sabreError,
  TOO_MANY_REQUESTS,
  UID_EXISTS_400,
  uidConflict409,
} from './nextcloud-responses';

/**
 * A small stand-in for Nextcloud's apps/dav, for the behaviours Radicale and Xandikos do not have: soft delete
 * into a trash bin, the 10 MiB object limit, `http://sabre.io/ns/sync/N` tokens with a prunable change log (old
 * tokens then silently miss changes), duplicate-UID 400/409, brute-force 429, revoked app passwords (401) and
 * bodies rewritten on PUT (no ETag in the answer).
 *
 * Laid out as Nextcloud lays out a user's DAV space: the calendar home `/remote.php/dav/calendars/<user>/` (with
 * `personal`, the birthday calendar, inbox and trash bin) and the address-book home
 * `/remote.php/dav/addressbooks/users/<user>/` (with `contacts`) are two different homes. Collections are created
 * as sabre/dav creates them: MKCALENDAR in the calendar home, extended MKCOL (RFC 5689) in either home; an
 * existing URL answers 405, a missing parent 409 (sabre's Server::createCollection). One user by default; more
 * with `addUser` (each with their own homes).
 *
 * Not Nextcloud: calendar-query time ranges compare DTSTART/DTEND/DUE as UTC (a floating or TZID time is read as
 * if it were UTC) and keep every recurring event that starts before the range ends (a superset: the client
 * judges series itself).
 */

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

interface StoredObject {
  readonly body: string;
  readonly etag: string;
  readonly uid: string | undefined;
}

/** One calendar or address book, with its own sync-token counter and change log (as sabre keeps them). */
interface Collection {
  readonly type: 'calendar' | 'addressbook';
  readonly displayName: string;
  readonly components: readonly string[];
  readonly objects: Map<string, StoredObject>;
  /** Deleted objects, kept as Nextcloud's trash bin keeps them (`<name>-deleted.ics`). */
  readonly trash: Map<string, StoredObject>;
  changes: { readonly n: number; readonly name: string }[];
  counter: number;
}

const TOKEN_PREFIX = 'http://sabre.io/ns/sync/';

export class FakeNextcloud {
  readonly requests: RecordedRequest[] = [];

  /** App password is revoked: every request gets 401. */
  revoked = false;
  /** Brute-force protection tripped: every request gets 429 with this Retry-After. */
  bruteForceRetryAfter: string | undefined;
  /** 400 (NC 30–33) or 409 (NC 34) for a UID already used under another name. */
  uidConflictStatus: 400 | 409 = 400;
  /** `dav event_size_limit`. */
  sizeLimit = 10 * 1024 * 1024;
  /** Delay before answering, to exercise timeouts. */
  delayMs = 0;
  /** Changes per sync-collection answer before truncating with a 507 response (RFC 6578 §3.6); 0 = never. */
  truncateAfter = 0;
  /** When false, PROPFIND does not report `{DAV:}sync-token` (forces the initial sync-collection path). */
  reportSyncToken = true;
  /**
   * "Applied, reply lost" for the next `count` requests of `method`: each is carried out (a PUT is stored) but the
   * client gets no answer — the connection is reset, or held silent for `holdMs` so its own timeout fires.
   */
  replyLost: { method: string; after: 'reset' | 'timeout'; holdMs?: number; count: number } | undefined;

  readonly prefix: string;
  readonly user = 'alice';
  readonly password: string;
  #server: Server | undefined;
  #baseUrl = '';
  readonly #passwords = new Map<string, string>();
  /** Every collection of every user, by path (with a trailing slash). */
  readonly #collections = new Map<string, Collection>();
  /**
   * The paths of each home's collections, in the order they were made: a home's PROPFIND lists its own without
   * walking every user's (with 10,000 users that walk was 84 % of the benchmark peers' CPU).
   */
  readonly #homeMembers = new Map<string, string[]>();

  constructor(options: { prefix?: string; password?: string } = {}) {
    this.prefix = options.prefix ?? '';
    this.password = options.password ?? 'app-password-1';
    this.addUser(this.user, this.password);
  }

  /** Another user with their own homes, a `personal` calendar and a `contacts` address book, as Nextcloud makes them. */
  addUser(user: string, password: string): this {
    this.#passwords.set(user, password);
    this.#addCollection(
      `${this.#calendarHome(user)}personal/`,
      newCollection('calendar', 'Personal', ['VEVENT', 'VTODO']),
    );
    this.#addCollection(`${this.#addressBookHome(user)}contacts/`, newCollection('addressbook', 'Contacts', []));
    return this;
  }

  /** A collection directly inside a home (`path` ends with a slash). */
  #addCollection(path: string, collection: Collection): void {
    this.#collections.set(path, collection);
    const home = path.slice(0, path.lastIndexOf('/', path.length - 2) + 1);
    const members = this.#homeMembers.get(home);
    if (members) members.push(path);
    else this.#homeMembers.set(home, [path]);
  }

  get baseUrl(): string {
    return this.#baseUrl;
  }

  get calendarUrl(): string {
    return new URL(this.#calendarPath(), this.#baseUrl).href;
  }

  /** The objects of the first user's `personal` calendar. */
  get objects(): Map<string, StoredObject> {
    return this.#personal().objects;
  }

  get trash(): Map<string, StoredObject> {
    return this.#personal().trash;
  }

  /** Collection paths of a user, in creation order (both homes). */
  collectionsOf(user: string = this.user): string[] {
    const homes = [this.#calendarHome(user), this.#addressBookHome(user)];
    return [...this.#collections.keys()].filter((path) => homes.some((home) => path.startsWith(home)));
  }

  /** The objects of one collection, by its path or URL (undefined when there is no such collection). */
  objectsIn(pathOrUrl: string): ReadonlyMap<string, StoredObject> | undefined {
    const path = new URL(pathOrUrl, 'http://x').pathname;
    return this.#collections.get(path.endsWith('/') ? path : `${path}/`)?.objects;
  }

  async start(): Promise<this> {
    this.#server = createServer((req, res) => {
      void this.#handle(req, res).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
    });
    await new Promise<void>((done) => this.#server?.listen(0, '127.0.0.1', done));
    const address = this.#server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    this.#baseUrl = `http://127.0.0.1:${port}${this.prefix}`;
    return this;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise((done) => this.#server?.close(done));
  }

  /** Another client writes an object into the first user's `personal` calendar (no conditions). */
  put(name: string, body: string): void {
    store(this.#personal(), name, body);
  }

  /** PruneOutdatedSyncTokensJob: forgets the change log. Old tokens stay "valid" and silently miss changes. */
  pruneChangeLog(): void {
    this.#personal().changes = [];
  }

  /** The calendar was deleted and re-created under the same URI: empty, with its counter restarted. */
  recreateCalendar(): void {
    const personal = this.#personal();
    personal.objects.clear();
    personal.changes = [];
    personal.counter = 1;
  }

  get currentToken(): string {
    return tokenOf(this.#personal());
  }

  // ---- request handling -------------------------------------------------------------------------------------

  #dav(): string {
    return `${this.prefix}/remote.php/dav/`;
  }

  #calendarHome(user: string): string {
    return `${this.#dav()}calendars/${user}/`;
  }

  #addressBookHome(user: string): string {
    return `${this.#dav()}addressbooks/users/${user}/`;
  }

  #calendarPath(): string {
    return `${this.#calendarHome(this.user)}personal/`;
  }

  #personal(): Collection {
    const personal = this.#collections.get(this.#calendarPath());
    if (!personal) throw new Error('the personal calendar is always there');
    return personal;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const method = req.method ?? 'GET';
    this.requests.push({ method, path, headers: req.headers, body });
    if (this.delayMs) await new Promise((done) => setTimeout(done, this.delayMs));
    const lost = this.replyLost;
    if (lost && lost.count > 0 && lost.method === method) {
      lost.count -= 1;
      await this.#route(req, muted(res), body, path, method);
      if (lost.after === 'timeout') await new Promise((done) => setTimeout(done, lost.holdMs ?? 60_000));
      req.socket.destroy();
      return;
    }
    return this.#route(req, res, body, path, method);
  }

  /** The user whose Basic credentials the request carries, if they are right. */
  #login(req: IncomingMessage): string | undefined {
    const header = req.headers.authorization ?? '';
    if (!header.startsWith('Basic ')) return undefined;
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = decoded.slice(0, colon);
    return colon > 0 && this.#passwords.get(user) === decoded.slice(colon + 1) ? user : undefined;
  }

  async #route(req: IncomingMessage, res: ServerResponse, body: string, path: string, method: string): Promise<void> {
    if (this.bruteForceRetryAfter !== undefined) {
      return send(res, 429, TOO_MANY_REQUESTS, { 'Retry-After': this.bruteForceRetryAfter });
    }
    const user = this.#login(req);
    if (this.revoked || user === undefined) {
      return send(res, 401, NOT_AUTHENTICATED, { 'WWW-Authenticate': 'Basic realm="Nextcloud", charset="UTF-8"' });
    }

    const dav = this.#dav();
    const principal = `${dav}principals/users/${user}/`;
    const calendarHome = this.#calendarHome(user);
    const addressBookHome = this.#addressBookHome(user);
    const depth = String(req.headers.depth ?? '1');

    if (method === 'PROPFIND' && path === dav) {
      return multistatus(res, [
        propResponse(dav, `<d:current-user-principal><d:href>${principal}</d:href></d:current-user-principal>`),
      ]);
    }
    if (method === 'PROPFIND' && path === principal) {
      return multistatus(res, [
        propResponse(
          principal,
          `<cal:calendar-home-set><d:href>${calendarHome}</d:href></cal:calendar-home-set>` +
            `<card:addressbook-home-set xmlns:card="urn:ietf:params:xml:ns:carddav"><d:href>${addressBookHome}</d:href></card:addressbook-home-set>`,
        ),
      ]);
    }
    if (method === 'PROPFIND' && (path === calendarHome || path === addressBookHome)) {
      return multistatus(res, this.#homeListing(path, path === calendarHome, depth === '0'));
    }
    if (method === 'MKCALENDAR' || method === 'MKCOL') {
      return this.#createCollection(res, method, path, body, { calendarHome, addressBookHome });
    }
    const home = path.startsWith(calendarHome) ? calendarHome : path.startsWith(addressBookHome) ? addressBookHome : '';
    if (!home) return send(res, 404, NOT_FOUND);
    const collectionPath = `${home}${path.slice(home.length).split('/')[0] ?? ''}/`;
    const collection = this.#collections.get(collectionPath);
    if (!collection) return send(res, 404, NOT_FOUND);
    if (path === collectionPath) {
      if (method === 'PROPFIND') {
        const own = this.#collectionProps(collectionPath, collection);
        if (depth === '0') return multistatus(res, [own]);
        const members = [...collection.objects].map(([name, o]) => etagResponse(`${collectionPath}${name}`, o.etag));
        return multistatus(res, [own, ...members]);
      }
      if (method === 'REPORT') return this.#report(res, body, collectionPath, collection);
    }
    if (path.length > collectionPath.length) {
      const name = decodeURIComponent(path.slice(collectionPath.length));
      if (method === 'PUT') return this.#put(req, res, collectionPath, collection, name, body);
      if (method === 'GET') {
        const object = collection.objects.get(name);
        const type = collection.type === 'calendar' ? 'text/calendar' : 'text/vcard';
        return object
          ? send(res, 200, object.body, { ETag: object.etag, 'Content-Type': type })
          : send(res, 404, NOT_FOUND);
      }
      if (method === 'DELETE') return this.#delete(req, res, collection, name);
    }
    return send(res, 404, NOT_FOUND);
  }

  /** MKCALENDAR (RFC 4791 §5.3.1) or extended MKCOL (RFC 5689) directly inside one of the user's homes. */
  #createCollection(
    res: ServerResponse,
    method: string,
    path: string,
    body: string,
    homes: { calendarHome: string; addressBookHome: string },
  ) {
    const target = path.endsWith('/') ? path : `${path}/`;
    const home = [homes.calendarHome, homes.addressBookHome].find((h) => target.startsWith(h) && target !== h);
    if (!home) {
      // sabre: the parent must exist and be a collection that accepts children.
      return send(res, 409, sabreError('Sabre\\DAV\\Exception\\Conflict', 'Parent node does not exist'));
    }
    if (target.slice(home.length).replace(/\/$/, '').includes('/')) {
      return send(res, 409, sabreError('Sabre\\DAV\\Exception\\Conflict', 'Parent node does not exist'));
    }
    if (this.#collections.has(target) || this.#reserved(target, homes)) {
      return send(
        res,
        405,
        sabreError('Sabre\\DAV\\Exception\\MethodNotAllowed', 'The resource you tried to create already exists'),
      );
    }
    const xml = body.trim() ? parseXml(body) : {};
    const root = xml.mkcalendar ?? xml.mkcol;
    const props = isRecord(root) && isRecord(root.set) && isRecord(root.set.prop) ? root.set.prop : {};
    const resourcetype = isRecord(props.resourcetype) ? Object.keys(props.resourcetype) : [];
    const type =
      method === 'MKCALENDAR' || resourcetype.includes('calendar')
        ? 'calendar'
        : resourcetype.includes('addressbook')
          ? 'addressbook'
          : undefined;
    // A plain MKCOL (no resourcetype) or a type in the wrong home: CalendarHome / AddressBookHome refuse it.
    if (!type || (type === 'calendar') !== (home === homes.calendarHome)) {
      return send(
        res,
        405,
        sabreError('Sabre\\DAV\\Exception\\MethodNotAllowed', 'Creating collections in this collection is not allowed'),
      );
    }
    const compSet = props['supported-calendar-component-set'];
    const declared = isRecord(compSet)
      ? asArray(compSet.comp).flatMap((c) => (isRecord(c) && typeof c['@name'] === 'string' ? [c['@name']] : []))
      : [];
    const displayName = textOf(props.displayname)?.trim() || target.slice(home.length).replace(/\/$/, '');
    const components = type === 'calendar' ? (declared.length ? declared : ['VEVENT', 'VTODO']) : [];
    this.#addCollection(target, newCollection(type, displayName, components));
    send(res, 201, '', { 'Content-Length': '0' });
  }

  /** Names Nextcloud keeps for itself in a calendar home. */
  #reserved(target: string, homes: { calendarHome: string }): boolean {
    return ['contact_birthdays/', 'inbox/', 'outbox/', 'trashbin/'].some((n) => target === `${homes.calendarHome}${n}`);
  }

  #homeListing(home: string, calendars: boolean, selfOnly: boolean): string[] {
    const self = propResponse(home, '<d:resourcetype><d:collection/></d:resourcetype>');
    if (selfOnly) return [self];
    const own = (this.#homeMembers.get(home) ?? []).map((path) =>
      this.#collectionProps(path, this.#collections.get(path)!),
    );
    if (!calendars) return [self, ...own];
    return [
      self,
      ...own,
      propResponse(
        `${home}contact_birthdays/`,
        '<d:resourcetype><d:collection/><cal:calendar/></d:resourcetype><d:displayname>Contact birthdays</d:displayname>' +
          '<d:current-user-privilege-set><d:privilege><d:read/></d:privilege><d:privilege><d:read-acl/></d:privilege></d:current-user-privilege-set>' +
          '<cal:supported-calendar-component-set><cal:comp name="VEVENT"/></cal:supported-calendar-component-set>',
      ),
      propResponse(`${home}inbox/`, '<d:resourcetype><d:collection/><cal:schedule-inbox/></d:resourcetype>'),
      propResponse(`${home}trashbin/`, '<d:resourcetype><d:collection/><nc:trash-bin/></d:resourcetype>'),
    ];
  }

  #collectionProps(path: string, c: Collection): string {
    const type =
      c.type === 'calendar' ? '<cal:calendar/>' : '<card:addressbook xmlns:card="urn:ietf:params:xml:ns:carddav"/>';
    const components =
      c.type === 'calendar'
        ? `<cal:supported-calendar-component-set>${c.components.map((n) => `<cal:comp name="${n}"/>`).join('')}</cal:supported-calendar-component-set>`
        : '';
    return propResponse(
      path,
      `<d:resourcetype><d:collection/>${type}</d:resourcetype><d:displayname>${xmlEscape(c.displayName)}</d:displayname>` +
        '<d:current-user-privilege-set><d:privilege><d:write/></d:privilege><d:privilege><d:read/></d:privilege><d:privilege><d:all/></d:privilege></d:current-user-privilege-set>' +
        components +
        (this.reportSyncToken ? `<d:sync-token>${tokenOf(c)}</d:sync-token>` : ''),
    );
  }

  #report(res: ServerResponse, body: string, path: string, collection: Collection) {
    const xml = parseXml(body);
    const sync = xml['sync-collection'];
    if (isRecord(sync) || sync === '') {
      const request = isRecord(sync) ? sync : {};
      const token = textOf(request['sync-token'])?.trim() ?? '';
      const hasLimit = 'limit' in request;
      if (!token) {
        if (hasLimit) return send(res, 507, LIMIT_ON_INITIAL_SYNC);
        const all = [...collection.objects.entries()].map(([name, o]) => etagResponse(`${path}${name}`, o.etag));
        return multistatus(res, all, tokenOf(collection));
      }
      const since = token.startsWith(TOKEN_PREFIX) ? Number(token.slice(TOKEN_PREFIX.length)) : Number.NaN;
      if (!Number.isInteger(since)) return send(res, 403, INVALID_SYNC_TOKEN);
      // Sabre: rows with synctoken >= yours, last operation per URI wins.
      const latest = new Map<string, number>();
      for (const change of collection.changes) {
        if (change.n < since) continue;
        latest.delete(change.name);
        latest.set(change.name, change.n);
      }
      let names = [...latest.keys()];
      let nextToken = tokenOf(collection);
      const extra: string[] = [];
      if (this.truncateAfter > 0 && names.length > this.truncateAfter) {
        names = names.slice(0, this.truncateAfter);
        nextToken = `${TOKEN_PREFIX}${(latest.get(names.at(-1) ?? '') ?? since) + 1}`;
        extra.push(
          `<d:response><d:href>${path}</d:href><d:status>HTTP/1.1 507 Insufficient Storage</d:status></d:response>`,
        );
      }
      const responses = names.map((name) => {
        const object = collection.objects.get(name);
        return object
          ? etagResponse(`${path}${name}`, object.etag)
          : `<d:response><d:href>${path}${name}</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>`;
      });
      return multistatus(res, [...responses, ...extra], nextToken);
    }
    const multiget = xml['calendar-multiget'] ?? xml['addressbook-multiget'];
    if (isRecord(multiget)) {
      const data = collection.type === 'calendar' ? 'cal:calendar-data' : 'card:address-data';
      const ns = collection.type === 'calendar' ? '' : ' xmlns:card="urn:ietf:params:xml:ns:carddav"';
      const responses = asArray(multiget.href).map((h) => {
        const href = textOf(h) ?? '';
        const object = collection.objects.get(decodeURIComponent(href.slice(path.length)));
        return object
          ? propResponse(
              href,
              `<d:getetag>${xmlEscape(object.etag)}</d:getetag><${data}${ns}>${xmlEscape(object.body)}</${data}>`,
            )
          : `<d:response><d:href>${href}</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>`;
      });
      return multistatus(res, responses);
    }
    const query = xml['calendar-query'];
    if (isRecord(query) && collection.type === 'calendar') {
      const filter = isRecord(query.filter) ? query.filter['comp-filter'] : undefined;
      const wantsData = isRecord(query.prop) && 'calendar-data' in query.prop;
      const responses = [...collection.objects]
        .filter(([, o]) => matchesFilter(o.body, filter))
        .map(([name, o]) =>
          propResponse(
            `${path}${name}`,
            `<d:getetag>${xmlEscape(o.etag)}</d:getetag>` +
              (wantsData ? `<cal:calendar-data>${xmlEscape(o.body)}</cal:calendar-data>` : ''),
          ),
        );
      return multistatus(res, responses);
    }
    return send(res, 501, 'REPORT not supported by the fake');
  }

  #put(req: IncomingMessage, res: ServerResponse, path: string, collection: Collection, name: string, body: string) {
    if (Number(req.headers['content-length'] ?? Buffer.byteLength(body)) > this.sizeLimit) {
      return send(res, 403, EVENT_TOO_LARGE);
    }
    const existing = collection.objects.get(name);
    if (req.headers['if-none-match'] === '*' && existing) return send(res, 412, PRECONDITION_FAILED);
    const ifMatch = req.headers['if-match'];
    if (ifMatch !== undefined && ifMatch !== existing?.etag) return send(res, 412, PRECONDITION_FAILED);
    const uid = uidOf(body);
    const clash = [...collection.objects.entries()].find(
      ([other, o]) => other !== name && uid !== undefined && o.uid === uid,
    );
    if (clash) {
      const href = `${path}${clash[0]}`;
      return this.uidConflictStatus === 400 ? send(res, 400, UID_EXISTS_400) : send(res, 409, uidConflict409(href));
    }
    // Re-PUTting a UID that only lives in the trash purges the trashed copy.
    for (const [trashed, o] of collection.trash) if (o.uid === uid) collection.trash.delete(trashed);
    // Sabre's scheduling plugin rewrites bodies with attendees (SCHEDULE-STATUS) and then sends no ETag.
    const stored = /^ATTENDEE/m.test(body) ? body.replace(/^(ATTENDEE[^:\r\n]*)/gm, '$1;SCHEDULE-STATUS=1.2') : body;
    const object = store(collection, name, stored);
    send(res, existing ? 204 : 201, '', stored === body ? { ETag: object.etag } : {});
  }

  #delete(req: IncomingMessage, res: ServerResponse, collection: Collection, name: string) {
    const existing = collection.objects.get(name);
    const ifMatch = req.headers['if-match'];
    // As sabre/dav's checkPreconditions: If-Match is checked first, so a missing resource answers 412, not 404.
    if (!existing) return ifMatch !== undefined ? send(res, 412, IF_MATCH_MISSING) : send(res, 404, NOT_FOUND);
    if (ifMatch !== undefined && ifMatch !== existing.etag) return send(res, 412, PRECONDITION_FAILED);
    collection.objects.delete(name);
    collection.trash.set(name.replace(/\.(ics|vcf)$/, '-deleted.$1'), existing);
    log(collection, name);
    send(res, 204, '');
  }
}

function newCollection(type: Collection['type'], displayName: string, components: readonly string[]): Collection {
  return { type, displayName, components, objects: new Map(), trash: new Map(), changes: [], counter: 1 };
}

function tokenOf(c: Collection): string {
  return `${TOKEN_PREFIX}${c.counter}`;
}

function store(c: Collection, name: string, body: string): StoredObject {
  const object = { body, etag: `"${createHash('md5').update(body).digest('hex')}"`, uid: uidOf(body) };
  c.objects.set(name, object);
  log(c, name);
  return object;
}

function log(c: Collection, name: string): void {
  c.changes.push({ n: c.counter, name });
  c.counter += 1;
}

// ---- calendar-query filters (RFC 4791 §9.7), as far as the DAV store asks them ----------------------------------

/** Whether an object's VCALENDAR matches the query's top-level comp-filter. */
function matchesFilter(body: string, filter: unknown): boolean {
  if (!isRecord(filter)) return true;
  if (String(filter['@name'] ?? '').toUpperCase() !== 'VCALENDAR') return false;
  const inner = filter['comp-filter'];
  if (!isRecord(inner)) return true;
  const name = String(inner['@name'] ?? '').toUpperCase();
  const component = componentBlock(body, name);
  if (component === undefined) return false;
  for (const prop of asArray(inner['prop-filter'])) {
    if (!isRecord(prop)) continue;
    const present = new RegExp(`^${String(prop['@name'] ?? '').toUpperCase()}[;:]`, 'm').test(component);
    if ('is-not-defined' in prop ? present : !present) return false;
  }
  const range = inner['time-range'];
  if (isRecord(range)) return overlaps(component, name, instant(range['@start']), instant(range['@end']));
  return true;
}

/** The first block of the named component (VEVENT, VTODO), unfolded; undefined when there is none. */
function componentBlock(body: string, name: string): string | undefined {
  const unfolded = body.replace(/\r?\n[ \t]/g, '');
  const match = new RegExp(`^BEGIN:${name}\\r?$([\\s\\S]*?)^END:${name}\\r?$`, 'm').exec(unfolded);
  return match?.[1];
}

function propertyTime(component: string, name: string): number | undefined {
  const value = new RegExp(`^${name}(?:;[^:\\r\\n]*)?:(\\d{8}(?:T\\d{6}Z?)?)`, 'm').exec(component)?.[1];
  return value === undefined ? undefined : instant(value);
}

function instant(value: unknown): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2}))?/.exec(String(value ?? ''));
  if (!m) return undefined;
  return Date.UTC(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4] ?? 0),
    Number(m[5] ?? 0),
    Number(m[6] ?? 0),
  );
}

const PERIOD_MS: Record<string, number> = {
  DAILY: 86_400_000,
  WEEKLY: 7 * 86_400_000,
  MONTHLY: 31 * 86_400_000,
  YEARLY: 366 * 86_400_000,
};

/** No earlier than the series' last occurrence: its UNTIL, or COUNT periods from its start; open-ended otherwise. */
function seriesEnd(rule: string, from: number): number {
  const parts = new Map(rule.split(';').map((p) => p.split('=') as [string, string]));
  const until = instant(parts.get('UNTIL'));
  if (until !== undefined) return until;
  const count = Number(parts.get('COUNT'));
  const period = PERIOD_MS[parts.get('FREQ') ?? ''];
  if (!Number.isInteger(count) || period === undefined) return Infinity;
  return from + count * Number(parts.get('INTERVAL') ?? 1) * period;
}

function overlaps(component: string, name: string, start = -Infinity, end = Infinity): boolean {
  const from = propertyTime(component, 'DTSTART');
  if (name === 'VTODO') {
    const due = propertyTime(component, 'DUE');
    if (from === undefined && due === undefined) return true; // RFC 4791 §9.9: an undated task matches any range
    return (from ?? due ?? 0) < end && (due ?? from ?? 0) >= start;
  }
  if (from === undefined) return false;
  // A series reaches the range if it starts before the range ends and its last occurrence (UNTIL, or COUNT
  // occurrences at most a period apart) is not before the range starts; the client judges the rest.
  const rule = /^RRULE(?:;[^:\r\n]*)?:(.*)$/m.exec(component)?.[1];
  if (rule !== undefined) return from < end && seriesEnd(rule, from) >= start;
  const dateOnly = /^DTSTART(?:;[^:\r\n]*)?:\d{8}\r?$/m.test(component);
  const until = propertyTime(component, 'DTEND') ?? from + (dateOnly ? 86_400_000 : 0);
  return from < end && (until > start || (until === from && from >= start));
}

/** The UID, unfolded first (RFC 5545 §3.1): Exchange's long UIDs span lines. */
function uidOf(body: string): string | undefined {
  return /^UID:(.*)$/m.exec(body.replace(/\r?\n[ \t]/g, ''))?.[1]?.trim();
}

function propResponse(href: string, props: string): string {
  return `<d:response><d:href>${href}</d:href><d:propstat><d:prop>${props}</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`;
}

function etagResponse(href: string, etag: string): string {
  return propResponse(href, `<d:getetag>${xmlEscape(etag)}</d:getetag>`);
}

function multistatus(res: ServerResponse, responses: readonly string[], syncToken?: string): void {
  const token = syncToken ? `<d:sync-token>${syncToken}</d:sync-token>` : '';
  send(res, 207, `<?xml version="1.0"?>\n<d:multistatus ${SABRE_NS}>${responses.join('')}${token}</d:multistatus>`, {
    'Content-Type': 'application/xml; charset=utf-8',
  });
}

/** A response whose answer goes nowhere: the request is carried out, the reply is dropped. */
function muted(res: ServerResponse): ServerResponse {
  return new Proxy(res, {
    get(target, prop, receiver) {
      if (prop === 'writeHead' || prop === 'end' || prop === 'write' || prop === 'setHeader') return () => target;
      return Reflect.get(target, prop, receiver);
    },
  });
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/xml; charset=utf-8', ...headers });
  res.end(body);
}
