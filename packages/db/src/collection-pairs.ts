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
