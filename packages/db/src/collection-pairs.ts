import type { Database } from './open-database';
import type { ItemKind } from './types';

/** What a later sync needs to find a pair's Nextcloud collection again without discovery. */
export interface RememberedPair {
  readonly id: string;
  readonly kind: ItemKind;
  readonly bCollectionId: string;
  readonly bSyncToken: string | null;
}

/** The newest pair of each item kind of a user (a kind whose Exchange folder changed keeps its older pair too). */
export async function rememberedPairs(db: Database, userId: string): Promise<RememberedPair[]> {
  const rows = await db.query<{ id: string; kind: ItemKind; b_collection_id: string; b_sync_token: string | null }>(
    `SELECT DISTINCT ON (kind) id, kind::text AS kind, b_collection_id, b_sync_token FROM collection_pairs
     WHERE user_id = $1::uuid ORDER BY kind, updated_at DESC`,
    [userId],
  );
  return rows.map((r) => ({ id: r.id, kind: r.kind, bCollectionId: r.b_collection_id, bSyncToken: r.b_sync_token }));
}

/**
 * The collection pair row of one user and kind, created on first use. Matched on the Exchange collection: if the
 * Nextcloud collection moved (a new URL), the pair follows it rather than starting over with duplicates.
 */
export async function findOrCreatePair(
  db: Database,
  input: { userId: string; kind: ItemKind; aCollectionId: string; bCollectionId: string },
): Promise<string> {
  const rows = await db.query<{ id: string }>(
    `INSERT INTO collection_pairs (user_id, kind, a_collection_id, b_collection_id, updated_at)
     VALUES ($1::uuid, $2::item_kind, $3, $4, now())
     ON CONFLICT (user_id, kind, a_collection_id)
       DO UPDATE SET b_collection_id = EXCLUDED.b_collection_id, updated_at = now()
     RETURNING id`,
    [input.userId, input.kind, input.aCollectionId, input.bCollectionId],
  );
  const id = rows[0]?.id;
  if (!id) throw new Error('collection pair could not be created');
  return id;
}

/**
 * Forgets every sync token of the user's pairs, so the next run lists both sides in the window and re-matches
 * them. Links stay: absence from a listing is never a deletion, so a resync cannot delete anything.
 */
export async function forgetTokens(db: Database, userId: string): Promise<void> {
  await db.query(
    'UPDATE collection_pairs SET a_sync_token = NULL, b_sync_token = NULL, updated_at = now() WHERE user_id = $1::uuid',
    [userId],
  );
}
