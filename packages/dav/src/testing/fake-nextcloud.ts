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
  TOO_MANY_REQUESTS,
  UID_EXISTS_400,
  uidConflict409,
} from './nextcloud-responses';

/**
 * A small stand-in for Nextcloud's apps/dav, for the behaviours Radicale and Xandikos do not have: soft delete
 * into a trash bin, the 10 MiB object limit, `http://sabre.io/ns/sync/N` tokens with a prunable change log (old
 * tokens then silently miss changes), duplicate-UID 400/409, brute-force 429, revoked app passwords (401) and
 * bodies rewritten on PUT (no ETag in the answer). One user, one calendar (`personal`).
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

const TOKEN_PREFIX = 'http://sabre.io/ns/sync/';

export class FakeNextcloud {
  readonly requests: RecordedRequest[] = [];
  readonly objects = new Map<string, StoredObject>();
  /** Deleted objects, kept as Nextcloud's trash bin keeps them (`<name>-deleted.ics`). */
  readonly trash = new Map<string, StoredObject>();

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

  readonly prefix: string;
  readonly user = 'alice';
  readonly password: string;
  #server: Server | undefined;
  #baseUrl = '';
  #counter = 1;
  #changes: { readonly n: number; readonly name: string }[] = [];

  constructor(options: { prefix?: string; password?: string } = {}) {
    this.prefix = options.prefix ?? '';
    this.password = options.password ?? 'app-password-1';
  }

  get baseUrl(): string {
    return this.#baseUrl;
  }

  get calendarUrl(): string {
    return new URL(this.#calendarPath(), this.#baseUrl).href;
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

  /** Another client writes an object (no conditions). */
  put(name: string, body: string): void {
    this.#store(name, body);
  }

  /** PruneOutdatedSyncTokensJob: forgets the change log. Old tokens stay "valid" and silently miss changes. */
  pruneChangeLog(): void {
    this.#changes = [];
  }

  /** The calendar was deleted and re-created under the same URI: empty, with its counter restarted. */
  recreateCalendar(): void {
    this.objects.clear();
    this.#changes = [];
    this.#counter = 1;
  }

  get currentToken(): string {
    return `${TOKEN_PREFIX}${this.#counter}`;
  }

  // ---- request handling -------------------------------------------------------------------------------------

  #calendarPath(): string {
    return `${this.prefix}/remote.php/dav/calendars/${this.user}/personal/`;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const method = req.method ?? 'GET';
    this.requests.push({ method, path, headers: req.headers, body });
    if (this.delayMs) await new Promise((done) => setTimeout(done, this.delayMs));

    if (this.bruteForceRetryAfter !== undefined) {
      return send(res, 429, TOO_MANY_REQUESTS, { 'Retry-After': this.bruteForceRetryAfter });
    }
    const expected = `Basic ${Buffer.from(`${this.user}:${this.password}`).toString('base64')}`;
    if (this.revoked || req.headers.authorization !== expected) {
      return send(res, 401, NOT_AUTHENTICATED, { 'WWW-Authenticate': 'Basic realm="Nextcloud", charset="UTF-8"' });
    }

    const dav = `${this.prefix}/remote.php/dav/`;
    const principal = `${dav}principals/users/${this.user}/`;
    const home = `${dav}calendars/${this.user}/`;
    const calendar = this.#calendarPath();

    if (method === 'PROPFIND' && path === dav) {
      return multistatus(res, [
        propResponse(dav, `<d:current-user-principal><d:href>${principal}</d:href></d:current-user-principal>`),
      ]);
    }
    if (method === 'PROPFIND' && path === principal) {
      return multistatus(res, [
        propResponse(
          principal,
          `<cal:calendar-home-set><d:href>${home}</d:href></cal:calendar-home-set>` +
            `<card:addressbook-home-set xmlns:card="urn:ietf:params:xml:ns:carddav"><d:href>${dav}addressbooks/users/${this.user}/</d:href></card:addressbook-home-set>`,
        ),
      ]);
    }
    if (method === 'PROPFIND' && path === home) return multistatus(res, this.#homeListing(home, calendar));
    if (path === calendar) {
      if (method === 'PROPFIND') return multistatus(res, [this.#calendarProps(calendar)]);
      if (method === 'REPORT') return this.#report(res, body);
    }
    if (path.startsWith(calendar) && path.length > calendar.length) {
      const name = decodeURIComponent(path.slice(calendar.length));
      if (method === 'PUT') return this.#put(req, res, name, body);
      if (method === 'GET') {
        const object = this.objects.get(name);
        return object
          ? send(res, 200, object.body, { ETag: object.etag, 'Content-Type': 'text/calendar' })
          : send(res, 404, NOT_FOUND);
      }
      if (method === 'DELETE') return this.#delete(req, res, name);
    }
    return send(res, 404, NOT_FOUND);
  }

  #homeListing(home: string, calendar: string): string[] {
    return [
      propResponse(home, '<d:resourcetype><d:collection/></d:resourcetype>'),
      this.#calendarProps(calendar),
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

  #calendarProps(calendar: string): string {
    return propResponse(
      calendar,
      '<d:resourcetype><d:collection/><cal:calendar/></d:resourcetype><d:displayname>Personal</d:displayname>' +
        '<d:current-user-privilege-set><d:privilege><d:write/></d:privilege><d:privilege><d:read/></d:privilege><d:privilege><d:all/></d:privilege></d:current-user-privilege-set>' +
        '<cal:supported-calendar-component-set><cal:comp name="VEVENT"/><cal:comp name="VTODO"/></cal:supported-calendar-component-set>' +
        (this.reportSyncToken ? `<d:sync-token>${this.currentToken}</d:sync-token>` : ''),
    );
  }

  #report(res: ServerResponse, body: string) {
    const xml = parseXml(body);
    const calendar = this.#calendarPath();
    const sync = xml['sync-collection'];
    if (isRecord(sync) || sync === '') {
      const request = isRecord(sync) ? sync : {};
      const token = textOf(request['sync-token'])?.trim() ?? '';
      const hasLimit = 'limit' in request;
      if (!token) {
        if (hasLimit) return send(res, 507, LIMIT_ON_INITIAL_SYNC);
        const all = [...this.objects.entries()].map(([name, o]) => etagResponse(`${calendar}${name}`, o.etag));
        return multistatus(res, all, this.currentToken);
      }
      const since = token.startsWith(TOKEN_PREFIX) ? Number(token.slice(TOKEN_PREFIX.length)) : Number.NaN;
      if (!Number.isInteger(since)) return send(res, 403, INVALID_SYNC_TOKEN);
      // Sabre: rows with synctoken >= yours, last operation per URI wins.
      const latest = new Map<string, number>();
      for (const change of this.#changes) {
        if (change.n < since) continue;
        latest.delete(change.name);
        latest.set(change.name, change.n);
      }
      let names = [...latest.keys()];
      let nextToken = this.currentToken;
      const extra: string[] = [];
      if (this.truncateAfter > 0 && names.length > this.truncateAfter) {
        names = names.slice(0, this.truncateAfter);
        nextToken = `${TOKEN_PREFIX}${(latest.get(names.at(-1) ?? '') ?? since) + 1}`;
        extra.push(
          `<d:response><d:href>${calendar}</d:href><d:status>HTTP/1.1 507 Insufficient Storage</d:status></d:response>`,
        );
      }
      const responses = names.map((name) => {
        const object = this.objects.get(name);
        return object
          ? etagResponse(`${calendar}${name}`, object.etag)
          : `<d:response><d:href>${calendar}${name}</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>`;
      });
      return multistatus(res, [...responses, ...extra], nextToken);
    }
    const multiget = xml['calendar-multiget'];
    if (isRecord(multiget)) {
      const responses = asArray(multiget.href).map((h) => {
        const href = textOf(h) ?? '';
        const object = this.objects.get(decodeURIComponent(href.slice(calendar.length)));
        return object
          ? propResponse(
              href,
              `<d:getetag>${xmlEscape(object.etag)}</d:getetag><cal:calendar-data>${xmlEscape(object.body)}</cal:calendar-data>`,
            )
          : `<d:response><d:href>${href}</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>`;
      });
      return multistatus(res, responses);
    }
    return send(res, 501, 'REPORT not supported by the fake');
  }

  #put(req: IncomingMessage, res: ServerResponse, name: string, body: string) {
    if (Number(req.headers['content-length'] ?? Buffer.byteLength(body)) > this.sizeLimit) {
      return send(res, 403, EVENT_TOO_LARGE);
    }
    const existing = this.objects.get(name);
    if (req.headers['if-none-match'] === '*' && existing) return send(res, 412, PRECONDITION_FAILED);
    const ifMatch = req.headers['if-match'];
    if (ifMatch !== undefined && ifMatch !== existing?.etag) return send(res, 412, PRECONDITION_FAILED);
    const uid = uidOf(body);
    const clash = [...this.objects.entries()].find(
      ([other, o]) => other !== name && uid !== undefined && o.uid === uid,
    );
    if (clash) {
      const href = `${this.#calendarPath()}${clash[0]}`;
      return this.uidConflictStatus === 400 ? send(res, 400, UID_EXISTS_400) : send(res, 409, uidConflict409(href));
    }
    // Re-PUTting a UID that only lives in the trash purges the trashed copy.
    for (const [trashed, o] of this.trash) if (o.uid === uid) this.trash.delete(trashed);
    // Sabre's scheduling plugin rewrites bodies with attendees (SCHEDULE-STATUS) and then sends no ETag.
    const stored = /^ATTENDEE/m.test(body) ? body.replace(/^(ATTENDEE[^:\r\n]*)/gm, '$1;SCHEDULE-STATUS=1.2') : body;
    const object = this.#store(name, stored);
    send(res, existing ? 204 : 201, '', stored === body ? { ETag: object.etag } : {});
  }

  #delete(req: IncomingMessage, res: ServerResponse, name: string) {
    const existing = this.objects.get(name);
    const ifMatch = req.headers['if-match'];
    // As sabre/dav's checkPreconditions: If-Match is checked first, so a missing resource answers 412, not 404.
    if (!existing) return ifMatch !== undefined ? send(res, 412, IF_MATCH_MISSING) : send(res, 404, NOT_FOUND);
    if (ifMatch !== undefined && ifMatch !== existing.etag) return send(res, 412, PRECONDITION_FAILED);
    this.objects.delete(name);
    this.trash.set(name.replace(/\.ics$/, '-deleted.ics'), existing);
    this.#log(name);
    send(res, 204, '');
  }

  #store(name: string, body: string): StoredObject {
    const object = { body, etag: `"${createHash('md5').update(body).digest('hex')}"`, uid: uidOf(body) };
    this.objects.set(name, object);
    this.#log(name);
    return object;
  }

  #log(name: string): void {
    this.#changes.push({ n: this.#counter, name });
    this.#counter += 1;
  }
}

function uidOf(body: string): string | undefined {
  return /^UID:(.*)$/m.exec(body)?.[1]?.trim();
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

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/xml; charset=utf-8', ...headers });
  res.end(body);
}
