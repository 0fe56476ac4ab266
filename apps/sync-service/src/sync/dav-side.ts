import { AuthError, RetryableError } from '@exsync/core';
import {
  type DavCollectionInfo,
  DavCollectionStore,
  type DavHomes,
  type DavTransport,
  discoverHomes,
  ensureCollection,
  listCollections,
  pimCodec,
} from '@exsync/dav';
import type { ItemKind, RememberedPair } from '@exsync/db';
import type { KindSpec } from './kinds';

/** The user's details are not enough to sync; the message says what to fix. */
export class DavSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DavSetupError';
  }
}

/**
 * The Nextcloud side of one user's sync, at the fewest requests. A collection a pair already knows is found again
 * with one PROPFIND Depth 1 on its home, shared by every collection of that home (calendars and task lists live
 * in one home), which also returns each collection's sync-token: a collection whose token equals the pair's
 * stored one has not moved, and its store answers the delta without a request. Discovery (principal, homes) and
 * creating the collection happen only for a kind without a pair, or when its home or collection is gone or moved
 * (404, 301, or no longer listed).
 */
export class DavSide {
  readonly #transport: DavTransport;
  readonly #root: string;
  readonly #remembered: Map<ItemKind, RememberedPair>;
  readonly #listings = new Map<string, Promise<Map<string, DavCollectionInfo> | null>>();
  #homes: Promise<DavHomes> | undefined;

  constructor(transport: DavTransport, root: string, remembered: readonly RememberedPair[]) {
    this.#transport = transport;
    this.#root = root;
    this.#remembered = new Map(remembered.map((p) => [p.kind, p]));
  }

  async store(kind: KindSpec, signal?: AbortSignal): Promise<DavCollectionStore> {
    const known = this.#remembered.get(kind.itemKind);
    if (known) {
      const listing = await this.#listing(parentOf(known.bCollectionId), signal);
      const info = listing?.get(pathKey(known.bCollectionId));
      if (info && info.type === kind.dav.type) return storeFor(this.#transport, info, known.bSyncToken ?? undefined);
    }
    this.#homes ??= discoverHomes(this.#root, this.#transport);
    const homes = await this.#homes;
    const home = kind.dav.type === 'addressbook' ? homes.addressBookHomeUrl : homes.calendarHomeUrl;
    if (!home) throw new DavSetupError(`Nextcloud offers no ${kind.dav.type} home for this user.`);
    const base = home.endsWith('/') ? home : `${home}/`;
    const info = await ensureCollection(
      {
        url: `${base}${kind.slug}/`,
        type: kind.dav.type,
        displayName: kind.displayName,
        ...(kind.dav.components ? { components: kind.dav.components } : {}),
      },
      this.#transport,
      signal,
    );
    return storeFor(this.#transport, info, undefined);
  }

  /** One PROPFIND Depth 1 per home and sync; null when the home is gone or moved (then discovery runs again). */
  #listing(home: string, signal?: AbortSignal): Promise<Map<string, DavCollectionInfo> | null> {
    let listing = this.#listings.get(home);
    if (!listing) {
      listing = listCollections(home, this.#transport, signal).then(
        (list) => new Map(list.map((c) => [pathKey(c.url), c])),
        (error: unknown) => {
          // Refused credentials and a server that is down stop the sync as they would anywhere else.
          if (error instanceof AuthError || error instanceof RetryableError) throw error;
          return null;
        },
      );
      this.#listings.set(home, listing);
    }
    return listing;
  }
}

function storeFor(transport: DavTransport, info: DavCollectionInfo, storedToken: string | undefined) {
  return new DavCollectionStore({
    transport,
    url: info.url,
    type: info.type,
    ...(info.type === 'calendar' ? { components: info.components } : {}),
    codec: pimCodec,
    // Unchanged since the last sync: the delta needs no request.
    ...(storedToken !== undefined && info.syncToken === storedToken ? { currentToken: storedToken } : {}),
  });
}

function parentOf(url: string): string {
  const u = new URL(url);
  u.pathname = u.pathname.replace(/[^/]+\/?$/, '');
  return u.href;
}

function pathKey(url: string): string {
  const path = new URL(url).pathname;
  return path.endsWith('/') ? path : `${path}/`;
}
