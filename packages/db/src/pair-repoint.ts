import type { StatusRow } from '@exsync/core';
import type { Database } from './open-database';
import { linkKey } from './status-store/link-codec';
import { decodeLinks, readLinks, writeLinks } from './status-store/prisma-status-store';
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
      // protocol's raw object goes too: the row is rewritten whole through the status store's coding.
      const { rows } = await decodeLinks(
        tx,
        input.pairId,
        input.moves.map((m) => m.ident),
      );
      const byIdent = new Map(rows.map((r) => [r.ident, r]));
      const moved = new Map<string, StatusRow>();
      for (const m of input.moves) {
        const row = byIdent.get(m.ident);
        if (!row) continue;
        const { dormant: _, ...rest } = { ...row };
        moved.set(m.ident, { ...rest, a: { href: m.aHref, version: '', hash: '', raw: '' } });
      }
      await writeLinks(tx, input.pairId, moved);
    }
    if (input.unmatched.length > 0) {
      await tx.query(
        `UPDATE item_links SET dormant = true
         WHERE pair_id = $1::uuid AND ident_key = ANY($2::bigint[])`,
        [input.pairId, input.unmatched.map(linkKey)],
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
  return (await readLinks(db, pairId)).flatMap((r) =>
    r.a && r.a.href === r.ident && r.a.version !== ''
      ? [{ ident: r.ident, aHref: r.a.href, aVersion: r.a.version, aRaw: r.a.raw }]
      : [],
  );
}
