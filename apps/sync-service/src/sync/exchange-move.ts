import type { StatusStore } from '@exsync/core';
import {
  type Database,
  findPairOnOtherExchange,
  type ItemKind,
  linksKeyedByExchangeHref,
  repointPair,
} from '@exsync/db';
import type { PortableIdentities } from '@exsync/exchange';

export interface ExchangeMoveResult {
  readonly pairId: string;
  /** Links that found their Exchange item under the new protocol. */
  readonly relinked: number;
  /** Links whose Exchange item was not found (e.g. contact groups, which Graph does not serve): kept, dormant. */
  readonly unmatched: number;
}

/**
 * When the tenant's Exchange connection moved between EWS and Graph, the same folder and the same items have other
 * ids: the user's pair (found by its Nextcloud collection) is moved onto the new folder id and every link follows
 * its item by the keys both protocols read — our marker, our stored UID, an event's iCalendar UID — before the
 * engine runs. Without this the old pair blocks the new one (unique Nextcloud collection) and stale ids would read
 * as deletions. Undefined when the pair did not move.
 */
export async function followExchangeMove(
  deps: { readonly db: Database; readonly status: StatusStore },
  input: {
    readonly userId: string;
    readonly kind: ItemKind;
    readonly aCollectionId: string;
    readonly bCollectionId: string;
    readonly identities?: PortableIdentities;
    readonly signal?: AbortSignal;
  },
): Promise<ExchangeMoveResult | undefined> {
  const old = await findPairOnOtherExchange(deps.db, input);
  if (!old) return undefined;
  if (!input.identities) {
    throw new Error('This Exchange backend cannot list portable item keys, so the pair cannot follow it safely.');
  }
  // A key seen on two items is ambiguous and links nothing: better unmatched than linked to the wrong item.
  const hrefByKey = new Map<string, string | null>();
  for await (const item of input.identities.identities(input.signal)) {
    for (const key of item.keys) {
      const seen = hrefByKey.get(key);
      hrefByKey.set(key, seen === undefined || seen === item.href ? item.href : null);
    }
  }
  const moves: { ident: string; aHref: string }[] = [];
  const unmatched: string[] = [];
  const taken = new Set<string>();
  for (const row of await deps.status.rows(old.id)) {
    if (!row.a) continue;
    const href = hrefByKey.get(row.ident);
    if (href && !taken.has(href)) {
      taken.add(href);
      moves.push({ ident: row.ident, aHref: href });
    } else unmatched.push(row.ident);
  }
  const moved = await repointPair(deps.db, {
    pairId: old.id,
    fromACollectionId: old.aCollectionId,
    toACollectionId: input.aCollectionId,
    moves,
    unmatched,
  });
  return moved ? { pairId: old.id, relinked: moves.length, unmatched: unmatched.length } : undefined;
}

/**
 * Gives every linked item made in Outlook (its UID is its own EWS or Graph id) that UID as our `ExsyncUid`, so that
 * a later move between EWS and Graph finds it. Once per item: the stored raw object shows the property afterwards.
 * The store batches the writes (a folder's items in one request or a few). An item that fails is left for the next
 * run; a failure of the whole batch — refused credentials, throttling, a server error — ends it, what was written
 * staying written (the pair's own run already succeeded, and the next one will meet the failure).
 */
export async function adoptPortableUids(
  db: Database,
  pairId: string,
  identities: PortableIdentities | undefined,
  signal?: AbortSignal,
): Promise<number> {
  if (!identities) return 0;
  const items = (await linksKeyedByExchangeHref(db, pairId)).map((link) => ({
    stored: { ref: { href: link.aHref, version: link.aVersion }, raw: link.aRaw },
    uid: link.ident,
  }));
  if (items.length === 0) return 0;
  try {
    return await identities.adoptUids(items, signal);
  } catch {
    return 0;
  }
}
