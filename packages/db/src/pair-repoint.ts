import type { Database } from './open-database';
import { packLink, unpackLink } from './status-store/packed-link';
import type { ItemKind } from './types';

/** A collection pair whose Nextcloud collection is known but whose Exchange collection id is not the current one. */
export interface PairOnOtherExchange {
  readonly id: string;
  readonly aCollectionId: string;
}

/**
 * The user's pair of this kind for this Nextcloud collection when it was made with another Exchange collection id:
 * the tenant's connection moved between EWS and Graph (the same folder has another id in each), or the mailbox
 * changed. Undefined when the pair is already on `aCollectionId`, or there is none.
 */
export async function findPairOnOtherExchange(
  db: Database,
  input: { userId: string; kind: ItemKind; aCollectionId: string; bCollectionId: string },
): Promise<PairOnOtherExchange | undefined> {
  const rows = await db.query<{ id: string; a_collection_id: string }>(
    `SELECT id, a_collection_id FROM collection_pairs
     WHERE user_id = $1::uuid AND kind = $2::item_kind AND b_collection_id = $3 AND a_collection_id <> $4
       AND NOT EXISTS (SELECT 1 FROM collection_pairs o
                       WHERE o.user_id = $1::uuid AND o.kind = $2::item_kind AND o.a_collection_id = $4)`,
    [input.userId, input.kind, input.bCollectionId, input.aCollectionId],
  );
  const row = rows[0];
  return row ? { id: row.id, aCollectionId: row.a_collection_id } : undefined;
}

export interface RepointInput {
  readonly pairId: string;
  /** The Exchange collection id the pair was on; nothing is written if it is no longer (another run got there). */
  readonly fromACollectionId: string;
  readonly toACollectionId: string;
  /** Links whose Exchange item was found under the new protocol: its new href. */
  readonly moves: readonly { readonly ident: string; readonly aHref: string }[];
  /** Links whose Exchange item was not found: kept, dormant, never read through the new protocol as deleted. */
  readonly unmatched: readonly string[];
}

/**
 * Moves a pair onto a new Exchange collection id in one transaction: the pair's Exchange token and retry list are
 * dropped (they belong to the old protocol) and a full reconcile is due; each found link gets its new href with an
 * empty version, hash and raw, so the next run reads it afresh and compares it with the agreed base.
 * Returns false when the pair had already moved.
 */
export async function repointPair(db: Database, input: RepointInput): Promise<boolean> {
  return db.transaction(async (tx) => {
    const moved = await tx.query<{ id: string }>(
      `UPDATE collection_pairs
       SET a_collection_id = $2, a_sync_token = NULL, last_full_sync_at = NULL,
           retry_hrefs = jsonb_set(retry_hrefs, '{a}', '[]'::jsonb), updated_at = now()
       WHERE id = $1::uuid AND a_collection_id = $3
       RETURNING id`,
      [input.pairId, input.toACollectionId, input.fromACollectionId],
    );
    if (moved.length === 0) return false;
    if (input.moves.length > 0) {
      // Old and new hrefs are ids of different protocols, so no new href can collide with an old one. The old
      // protocol's raw object goes too, also from inside `packed` (repacked here: SQL cannot inflate it).
      const packed = await tx.query<{ ident: string; packed: Uint8Array }>(
        'SELECT ident, packed FROM item_links WHERE pair_id = $1::uuid AND ident = ANY($2::text[]) AND packed IS NOT NULL',
        [input.pairId, input.moves.map((m) => m.ident)],
      );
      const repacked = new Map(
        packed.map((l) => {
          const blobs = unpackLink(l.packed);
          return [l.ident, packLink({ ...blobs, ...(blobs.aRaw !== undefined ? { aRaw: '' } : {}) })];
        }),
      );
      await tx.query(
        `UPDATE item_links l
         SET a_href = m.a_href, a_version = '', a_hash = '', a_raw = CASE WHEN l.packed IS NULL THEN '' END,
             packed = decode(m.packed, 'base64'), dormant = false, updated_at = now()
         FROM unnest($2::text[], $3::text[], $4::text[]) AS m(ident, a_href, packed)
         WHERE l.pair_id = $1::uuid AND l.ident = m.ident`,
        [
          input.pairId,
          input.moves.map((m) => m.ident),
          input.moves.map((m) => m.aHref),
          input.moves.map((m) => repacked.get(m.ident)?.toString('base64') ?? null),
        ],
      );
    }
    if (input.unmatched.length > 0) {
      await tx.query(
        `UPDATE item_links SET dormant = true, updated_at = now() WHERE pair_id = $1::uuid AND ident = ANY($2::text[])`,
        [input.pairId, input.unmatched],
      );
    }
    return true;
  });
}

/** The links of a pair whose ident is their Exchange href: items made in Outlook, with no portable UID yet. */
export async function linksKeyedByExchangeHref(
  db: Database,
  pairId: string,
): Promise<{ ident: string; aHref: string; aVersion: string; aRaw: string }[]> {
  const links = await db.query<{
    ident: string;
    aHref: string;
    aVersion: string;
    aRaw: string | null;
    packed: Uint8Array | null;
  }>(
    `SELECT ident, a_href AS "aHref", a_version AS "aVersion", a_raw AS "aRaw", packed FROM item_links
     WHERE pair_id = $1::uuid AND a_href = ident AND a_version IS NOT NULL AND a_version <> ''`,
    [pairId],
  );
  // Either shape of row: the raw object packed (packed-link.ts), or in its own column (rows from before).
  return links.map(({ packed, aRaw, ...link }) => ({
    ...link,
    aRaw: (packed ? unpackLink(packed).aRaw : aRaw) ?? '',
  }));
}
