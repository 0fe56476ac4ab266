import { isStoreError, NotFoundError } from '@exsync/core';
import { fetchHomeUrl, fetchPrincipalUrl, serviceDiscovery } from 'tsdav';
import type { DavTransport } from './transport';

export interface DavHomes {
  readonly principalUrl: string;
  readonly calendarHomeUrl?: string;
  readonly addressBookHomeUrl?: string;
}

/**
 * The DAV root of a Nextcloud instance. Discovery starts here rather than at `/.well-known/caldav`, whose
 * redirect is often broken when Nextcloud lives in a sub-directory.
 */
export function nextcloudDavRoot(baseUrl: string): string {
  const url = new URL(baseUrl);
  const path = url.pathname.replace(/\/+$/, '');
  url.pathname = /\/remote\.php\/dav$/.test(path) ? `${path}/` : `${path}/remote.php/dav/`;
  return url.href;
}

/**
 * Principal and home collections from a DAV URL: current-user-principal, then the home sets (via tsdav). When the
 * URL is not a DAV root (no principal there: a 404, or a 403 from a server whose rights refuse that path, as
 * Radicale's owner_only does at `/remote.php/dav/`), `/.well-known/caldav` of its host is asked where the root is.
 * A 401 never falls back: it is an AuthError, and the transport's circuit stops further requests.
 */
export async function discoverHomes(url: string, transport: DavTransport): Promise<DavHomes> {
  const given = url.endsWith('/') ? url : `${url}/`;
  try {
    return await homesAt(given, transport);
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    const root = await serviceDiscovery({
      account: { accountType: 'caldav', serverUrl: given },
      fetch: transport.fetch,
    });
    if (transport.authFailed) throw error; // tsdav swallows errors; never go on after a 401
    const rootSlash = root.endsWith('/') ? root : `${root}/`;
    if (rootSlash === given) throw error;
    return homesAt(rootSlash, transport);
  }
}

async function homesAt(rootUrl: string, transport: DavTransport): Promise<DavHomes> {
  const base = { serverUrl: rootUrl, rootUrl };
  const principalUrl = await wrap('principal', () =>
    fetchPrincipalUrl({ account: { accountType: 'caldav', ...base }, fetch: transport.fetch }),
  );
  const home = (accountType: 'caldav' | 'carddav') =>
    wrap(accountType, () =>
      fetchHomeUrl({ account: { accountType, ...base, principalUrl }, fetch: transport.fetch }),
    ).catch((error: unknown) => {
      // A server may offer only one of CalDAV and CardDAV.
      if (error instanceof NotFoundError) return undefined;
      throw error;
    });
  const calendarHomeUrl = await home('caldav');
  const addressBookHomeUrl = await home('carddav');
  return {
    principalUrl,
    ...(calendarHomeUrl ? { calendarHomeUrl } : {}),
    ...(addressBookHomeUrl ? { addressBookHomeUrl } : {}),
  };
}

/** Discovery from a Nextcloud base URL (`https://cloud.example.org` or `…/nextcloud`). */
export function discoverNextcloud(baseUrl: string, transport: DavTransport): Promise<DavHomes> {
  return discoverHomes(nextcloudDavRoot(baseUrl), transport);
}

async function wrap<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (isStoreError(error)) throw error;
    // tsdav reports a missing property with a bare Error; say what was missing and keep the cause.
    throw new NotFoundError(`DAV discovery found no ${what} URL; check the server URL`, { cause: error });
  }
}
