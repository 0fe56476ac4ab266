import { RejectedError } from '@exsync/core';
import type { DavComponent } from './dav-collection-store';
import { asArray, type DavResponse, isRecord, parseMultistatus, textOf, xmlEscape } from './multistatus';
import { errorForStatus } from './status-errors';
import type { DavTransport } from './transport';

export interface DavCollectionInfo {
  readonly url: string;
  readonly type: 'calendar' | 'addressbook';
  readonly displayName?: string;
  /** Components a calendar accepts; empty for address books. */
  readonly components: readonly DavComponent[];
  /** No DAV:write (or DAV:all) privilege for the current user: birthday calendar, read-only shares, system books. */
  readonly readOnly: boolean;
  readonly syncToken?: string;
}

const NS = 'xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:card="urn:ietf:params:xml:ns:carddav"';
const PROPS =
  '<d:resourcetype/><d:displayname/><d:current-user-privilege-set/><d:sync-token/><c:supported-calendar-component-set/>';

/** Calendars and address books directly inside a home collection (inbox, outbox, trash and subscriptions skipped). */
export async function listCollections(
  homeUrl: string,
  transport: DavTransport,
  signal?: AbortSignal,
): Promise<DavCollectionInfo[]> {
  const responses = await propfind(homeUrl, '1', transport, signal);
  const home = new URL(homeUrl).pathname.replace(/\/$/, '');
  return responses.flatMap((r) => {
    if (new URL(r.href, homeUrl).pathname.replace(/\/$/, '') === home || r.status !== 200) return [];
    const info = collectionInfo(r, homeUrl);
    return info ? [info] : [];
  });
}

export interface EnsureCollectionOptions {
  /** Absolute URL of the collection (`<home>/<name>/`). */
  readonly url: string;
  readonly type: 'calendar' | 'addressbook';
  readonly displayName?: string;
  /** For calendars. Default VEVENT and VTODO. */
  readonly components?: readonly DavComponent[];
  /** When false, a missing collection is reported rather than created. Default true. */
  readonly create?: boolean;
}

/** Makes sure a calendar or address book exists at `url`: reads it, or creates it (MKCALENDAR / extended MKCOL). */
export async function ensureCollection(
  options: EnsureCollectionOptions,
  transport: DavTransport,
  signal?: AbortSignal,
): Promise<DavCollectionInfo> {
  const url = options.url.endsWith('/') ? options.url : `${options.url}/`;
  const existing = await readCollection(url, transport, signal);
  if (existing) {
    if (existing.type !== options.type) {
      throw new RejectedError(`${new URL(url).pathname} exists but is not a ${options.type}`, 'unsupported');
    }
    return existing;
  }
  if (options.create === false) throw errorForStatus(404, 'mkcol', new URL(url).pathname);
  const name = options.displayName ? `<d:displayname>${xmlEscape(options.displayName)}</d:displayname>` : '';
  const components = options.components ?? ['VEVENT', 'VTODO'];
  const [method, body] =
    options.type === 'calendar'
      ? [
          'MKCALENDAR',
          `<c:mkcalendar ${NS}><d:set><d:prop>${name}<c:supported-calendar-component-set>` +
            `${components.map((c) => `<c:comp name="${c}"/>`).join('')}` +
            `</c:supported-calendar-component-set></d:prop></d:set></c:mkcalendar>`,
        ]
      : [
          'MKCOL',
          `<d:mkcol ${NS}><d:set><d:prop><d:resourcetype><d:collection/><card:addressbook/></d:resourcetype>${name}` +
            `</d:prop></d:set></d:mkcol>`,
        ];
  const response = await transport.fetch(url, {
    method,
    headers: { 'Content-Type': 'application/xml; charset=utf-8' },
    body,
    ...(signal ? { signal } : {}),
  });
  const text = await response.text();
  if (response.status !== 201) throw errorForStatus(response.status, 'mkcol', new URL(url).pathname, { body: text });
  const created = await readCollection(url, transport, signal);
  if (!created) throw errorForStatus(404, 'mkcol', new URL(url).pathname);
  return created;
}

async function readCollection(
  url: string,
  transport: DavTransport,
  signal?: AbortSignal,
): Promise<DavCollectionInfo | undefined> {
  const responses = await propfind(url, '0', transport, signal, true);
  const own = responses.find((r) => r.status === 200);
  return own ? collectionInfo(own, url) : undefined;
}

async function propfind(
  url: string,
  depth: '0' | '1',
  transport: DavTransport,
  signal: AbortSignal | undefined,
  missingIsEmpty = false,
): Promise<DavResponse[]> {
  const response = await transport.fetch(url, {
    method: 'PROPFIND',
    headers: { Depth: depth, 'Content-Type': 'application/xml; charset=utf-8' },
    body: `<d:propfind ${NS}><d:prop>${PROPS}</d:prop></d:propfind>`,
    ...(signal ? { signal } : {}),
  });
  const text = await response.text();
  if (response.status === 404 && missingIsEmpty) return [];
  if (response.status !== 207) throw errorForStatus(response.status, 'discover', new URL(url).pathname, { body: text });
  return [...parseMultistatus(text).responses];
}

function collectionInfo(r: DavResponse, base: string): DavCollectionInfo | undefined {
  const types = isRecord(r.props.resourcetype) ? Object.keys(r.props.resourcetype) : [];
  const type = types.includes('calendar') ? 'calendar' : types.includes('addressbook') ? 'addressbook' : undefined;
  if (!type) return undefined;
  const compSet = r.props['supported-calendar-component-set'];
  const declared = isRecord(compSet)
    ? asArray(compSet.comp).flatMap((c) =>
        isRecord(c) && typeof c['@name'] === 'string' ? [c['@name'].toUpperCase()] : [],
      )
    : [];
  // No declared set means "any component" (RFC 4791 §5.2.3).
  const components =
    type === 'addressbook' ? [] : (declared.length ? declared : ['VEVENT', 'VTODO']).filter(isComponent);
  if (type === 'calendar' && components.length === 0) return undefined; // e.g. VJOURNAL-only
  const displayName = textOf(r.props.displayname)?.trim();
  const syncToken = textOf(r.props['sync-token'])?.trim();
  return {
    url: new URL(r.href, base).href,
    type,
    components,
    readOnly: isReadOnly(r.props['current-user-privilege-set']),
    ...(displayName ? { displayName } : {}),
    ...(syncToken ? { syncToken } : {}),
  };
}

function isReadOnly(privileges: unknown): boolean {
  if (!isRecord(privileges)) return false; // not reported: assume writable, a refused write says otherwise
  const granted = asArray(privileges.privilege).flatMap((p) => (isRecord(p) ? Object.keys(p) : []));
  return !granted.some((p) => p === 'write' || p === 'all' || p === 'write-content' || p === 'bind');
}

function isComponent(value: string): value is DavComponent {
  return value === 'VEVENT' || value === 'VTODO';
}
