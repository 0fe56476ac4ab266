import type { Database } from './open-database';
import type { ItemKind } from './types';

/** What a later sync needs to find a pair's collections again without discovery. */
export interface RememberedPair {
  readonly id: string;
  readonly kind: ItemKind;
  readonly aCollectionId: string;
  readonly bCollectionId: string;
  readonly bSyncToken: string | null;
  /** The pair's newest run failed: what it remembers may be what failed, so look its collections up again. */
  readonly lastRunFailed: boolean;
  /** The pair's newest run is still marked running (its process died, or it runs now): only a locked run may close it. */
  readonly lastRunRunning: boolean;
}

/** The newest pair of each item kind of a user (a kind whose Exchange folder changed keeps its older pair too). */
export async function rememberedPairs(db: Database, userId: string): Promise<RememberedPair[]> {
  const rows = await db.query<{
    id: string;
    kind: ItemKind;
    a_collection_id: string;
    b_collection_id: string;
    b_sync_token: string | null;
    last_run: string | null;
  }>(
    `SELECT DISTINCT ON (p.kind) p.id, p.kind::text AS kind, p.a_collection_id, p.b_collection_id, p.b_sync_token,
       (SELECT r.outcome::text FROM sync_runs r WHERE r.pair_id = p.id
        ORDER BY r.started_at DESC LIMIT 1) AS last_run
     FROM collection_pairs p
     WHERE p.user_id = $1::uuid ORDER BY p.kind, p.updated_at DESC`,
    [userId],
  );
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    aCollectionId: r.a_collection_id,
    bCollectionId: r.b_collection_id,
    bSyncToken: r.b_sync_token,
    lastRunFailed: r.last_run === 'failed',
    lastRunRunning: r.last_run === 'running',
  }));
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
