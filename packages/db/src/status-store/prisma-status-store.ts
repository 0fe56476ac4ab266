import type {
  ConflictRecord,
  PairState,
  PimItem,
  PlanSummary,
  QuarantineDecision,
  QuarantineRecord,
  RunCounts,
  RunRecord,
  SideStatus,
  StatusRow,
  StatusStore,
  StatusWriter,
  StoredConflict,
  StoredQuarantine,
  StoredRun,
} from '@exsync/core';
import { DatabaseError } from '../errors';
import { Prisma, type PrismaClient } from '../generated/client';
import type { Database, SqlSession } from '../open-database';

type Tx = Prisma.TransactionClient;

/**
 * The engine's status table on PostgreSQL or PGlite (the same SQL on both): `item_links` rows per collection pair,
 * the pair's tokens and retry list on `collection_pairs`, and the conflict log, quarantine and run history.
 */
export class PrismaStatusStore implements StatusStore {
  readonly #prisma: PrismaClient;
  readonly #db: Database;

  constructor(db: Database) {
    this.#prisma = db.prisma;
    this.#db = db;
  }

  async rows(pair: string): Promise<StatusRow[]> {
    // Plain SQL: every run reads all of a pair's rows, and Prisma's per-row result mapping costs more than the query.
    const links = await this.#db.query<LinkRecord>(SELECT_LINKS, [pair]).catch((cause: unknown) => {
      throw new DatabaseError('invalid_input', `"${pair}" is not a collection pair id.`, { cause });
    });
    return links.map(toRow);
  }

  async pairState(pair: string): Promise<PairState> {
    const p = await this.#pair(this.#prisma, pair);
    const retry = (p.retryHrefs ?? {}) as { a?: string[]; b?: string[] };
    return {
      tokens: {
        ...(p.aSyncToken !== null ? { a: p.aSyncToken } : {}),
        ...(p.bSyncToken !== null ? { b: p.bSyncToken } : {}),
      },
      retry: { a: retry.a ?? [], b: retry.b ?? [] },
      ...(p.windowStart && p.windowEnd
        ? { window: { start: p.windowStart.toISOString(), end: p.windowEnd.toISOString() } }
        : {}),
      ...(p.lastFullSyncAt ? { lastFullSyncAt: p.lastFullSyncAt.toISOString() } : {}),
      needsReview: p.needsReview,
    };
  }

  async transaction<T>(pair: string, fn: (tx: StatusWriter) => Promise<T>): Promise<T> {
    // The database's own BEGIN/COMMIT, not Prisma's interactive transaction: that costs 1.5 ms (PostgreSQL) to
    // 3–7 ms (PGlite) of bookkeeping per transaction, and a sync commits one or two per item it writes.
    return this.#db.transaction((tx) => fn(writer(tx, pair)));
  }

  async conflicts(pair: string): Promise<StoredConflict[]> {
    const rows = await this.#prisma.conflict.findMany({ where: { pairId: pair }, orderBy: { createdAt: 'asc' } });
    return rows.map((c) => ({
      id: c.id,
      ident: c.ident,
      fields: c.fields,
      policy: c.resolution as ConflictRecord['policy'],
      winner: c.winner ?? 'a',
      ...(c.aRaw !== null ? { aRaw: c.aRaw } : {}),
      ...(c.bRaw !== null ? { bRaw: c.bRaw } : {}),
      aItem: c.aItem as unknown as PimItem,
      bItem: c.bItem as unknown as PimItem,
      createdAt: c.createdAt.toISOString(),
    }));
  }

  async quarantined(pair: string): Promise<StoredQuarantine[]> {
    const rows = await this.#prisma.quarantinedDeletion.findMany({
      where: { pairId: pair, resolvedAt: null },
      orderBy: { createdAt: 'asc' },
    });
    return rows.map((q) => ({
      id: q.id,
      ident: q.ident,
      side: q.side,
      href: q.href,
      reason: q.reason as QuarantineRecord['reason'],
      createdAt: q.createdAt.toISOString(),
      ...(q.decision ? { decision: q.decision } : {}),
    }));
  }

  async decideQuarantine(pair: string, id: string, decision: QuarantineDecision): Promise<boolean> {
    const { count } = await this.#prisma.quarantinedDeletion.updateMany({
      where: { id, pairId: pair, resolvedAt: null },
      data: { decision, decidedAt: new Date() },
    });
    return count === 1;
  }

  async resolveQuarantine(pair: string, id: string): Promise<void> {
    await this.#prisma.quarantinedDeletion.updateMany({
      where: { id, pairId: pair, resolvedAt: null },
      data: { resolvedAt: new Date() },
    });
  }

  async startRun(pair: string, options: { readonly dryRun: boolean; readonly syncId?: string }): Promise<string> {
    const p = await this.#pair(this.#prisma, pair);
    const run = await this.#prisma.syncRun.create({
      data: { userId: p.userId, pairId: pair, dryRun: options.dryRun, syncId: options.syncId ?? null },
      select: { id: true },
    });
    return run.id;
  }

  async finishRun(run: string, record: RunRecord): Promise<void> {
    await this.#prisma.syncRun.update({
      where: { id: run },
      data: {
        finishedAt: new Date(),
        outcome: record.outcome,
        counts: record.counts as Prisma.InputJsonValue,
        error: record.error ?? null,
        plan: record.plan ? (record.plan as unknown as Prisma.InputJsonValue) : Prisma.DbNull,
      },
    });
  }

  async runs(pair: string): Promise<StoredRun[]> {
    const rows = await this.#prisma.syncRun.findMany({ where: { pairId: pair }, orderBy: { startedAt: 'asc' } });
    return rows.map((r) => ({
      id: r.id,
      dryRun: r.dryRun,
      startedAt: r.startedAt.toISOString(),
      ...(r.finishedAt ? { finishedAt: r.finishedAt.toISOString() } : {}),
      // A run still marked `running` never finished: the process stopped under it.
      outcome: r.outcome === 'running' ? 'cancelled' : r.outcome,
      counts: r.counts as RunCounts,
      ...(r.error !== null ? { error: r.error } : {}),
      ...(r.plan !== null ? { plan: r.plan as unknown as PlanSummary[] } : {}),
    }));
  }

  async #pair(prisma: PrismaClient | Tx, pair: string) {
    const p = await prisma.collectionPair.findUnique({ where: { id: pair } }).catch((cause: unknown) => {
      throw new DatabaseError('invalid_input', `"${pair}" is not a collection pair id.`, { cause });
    });
    if (!p) throw new DatabaseError('not_found', `Collection pair ${pair} does not exist (was it removed?).`);
    return p;
  }
}

/** The status writes of one transaction, as plain parameterised SQL on the transaction's session. */
function writer(tx: SqlSession, pair: string): StatusWriter {
  return {
    async put(row) {
      await tx.query(RELEASE_HREFS, [pair, row.ident, row.a?.href ?? null, row.b?.href ?? null]);
      await tx.query(UPSERT_LINK, [
        pair,
        row.ident,
        ...sideValues(row.a),
        ...sideValues(row.b),
        row.base ? JSON.stringify(row.base) : null,
        row.pendingCreate ?? null,
        row.dormant ?? false,
      ]);
    },
    async drop(ident) {
      await tx.query('DELETE FROM item_links WHERE pair_id = $1::uuid AND ident = $2', [pair, ident]);
    },
    async setPairState(patch) {
      // Each column keeps its value when the patch leaves it out ($n IS NULL / the flag says so).
      const tokens = patch.tokens;
      const updated = await tx.query(
        `UPDATE collection_pairs SET
            a_sync_token = CASE WHEN $2 THEN $3 ELSE a_sync_token END,
            b_sync_token = CASE WHEN $4 THEN $5 ELSE b_sync_token END,
            retry_hrefs = coalesce($6::jsonb, retry_hrefs),
            window_start = coalesce($7::timestamptz, window_start),
            window_end = coalesce($8::timestamptz, window_end),
            last_full_sync_at = coalesce($9::timestamptz, last_full_sync_at),
            needs_review = coalesce($10::boolean, needs_review),
            updated_at = now()
          WHERE id = $1::uuid RETURNING id`,
        [
          pair,
          tokens !== undefined && 'a' in tokens,
          tokens?.a ?? null,
          tokens !== undefined && 'b' in tokens,
          tokens?.b ?? null,
          patch.retry ? JSON.stringify({ a: [...patch.retry.a], b: [...patch.retry.b] }) : null,
          patch.window ? new Date(patch.window.start).toISOString() : null,
          patch.window ? new Date(patch.window.end).toISOString() : null,
          patch.lastFullSyncAt ? new Date(patch.lastFullSyncAt).toISOString() : null,
          patch.needsReview ?? null,
        ],
      );
      if (updated.length === 0) {
        throw new DatabaseError('not_found', `Collection pair ${pair} does not exist (was it removed?).`);
      }
    },
    async recordConflict(c) {
      await tx.query(
        `INSERT INTO conflicts (pair_id, ident, a_raw, b_raw, resolution, fields, winner, a_item, b_item)
          VALUES ($1::uuid, $2, $3, $4, $5, ARRAY(SELECT jsonb_array_elements_text($6::jsonb)), $7::sync_side,
            $8::jsonb, $9::jsonb)`,
        [
          pair,
          c.ident,
          c.aRaw ?? null,
          c.bRaw ?? null,
          c.policy,
          JSON.stringify([...c.fields]),
          c.winner,
          JSON.stringify(c.aItem),
          JSON.stringify(c.bItem),
        ],
      );
    },
    async quarantine(q) {
      // Once per item and side while unresolved.
      await tx.query(
        `INSERT INTO quarantined_deletions (pair_id, ident, side, href, reason)
          SELECT $1::uuid, $2, $3::sync_side, $4, $5
          WHERE NOT EXISTS (SELECT 1 FROM quarantined_deletions
            WHERE pair_id = $1::uuid AND ident = $2 AND side = $3::sync_side AND resolved_at IS NULL)`,
        [pair, q.ident, q.side, q.href, q.reason],
      );
    },
  };
}

const SELECT_LINKS = `SELECT ident, a_href AS "aHref", a_version AS "aVersion", a_hash AS "aHash", a_raw AS "aRaw",
    b_href AS "bHref", b_version AS "bVersion", b_hash AS "bHash", b_raw AS "bRaw", base,
    pending_create AS "pendingCreate", dormant
  FROM item_links WHERE pair_id = $1::uuid ORDER BY ident`;

interface LinkRecord {
  readonly ident: string;
  readonly aHref: string | null;
  readonly aVersion: string | null;
  readonly aHash: string | null;
  readonly aRaw: string | null;
  readonly bHref: string | null;
  readonly bVersion: string | null;
  readonly bHash: string | null;
  readonly bRaw: string | null;
  readonly base: unknown;
  readonly pendingCreate: 'a' | 'b' | null;
  readonly dormant: boolean;
}

/**
 * An href belongs to one row: the newest claim wins (the unique index would refuse a second holder), so another row
 * of the pair holding this row's a- or b-href forgets that side. Every SET reads the row as it was before.
 */
const RELEASE_HREFS = `UPDATE item_links SET
    a_href = CASE WHEN a_href = $3 THEN NULL ELSE a_href END,
    a_version = CASE WHEN a_href = $3 THEN NULL ELSE a_version END,
    a_hash = CASE WHEN a_href = $3 THEN NULL ELSE a_hash END,
    a_raw = CASE WHEN a_href = $3 THEN NULL ELSE a_raw END,
    b_href = CASE WHEN b_href = $4 THEN NULL ELSE b_href END,
    b_version = CASE WHEN b_href = $4 THEN NULL ELSE b_version END,
    b_hash = CASE WHEN b_href = $4 THEN NULL ELSE b_hash END,
    b_raw = CASE WHEN b_href = $4 THEN NULL ELSE b_raw END,
    updated_at = now()
  WHERE pair_id = $1::uuid AND ident <> $2 AND (a_href = $3 OR b_href = $4)`;

/** The row of `ident` in the pair, created or replaced whole; the marker is the ident (as the engine writes it). */
const UPSERT_LINK = `INSERT INTO item_links (pair_id, ident, marker, a_href, a_version, a_hash, a_raw,
    b_href, b_version, b_hash, b_raw, base, pending_create, dormant, updated_at)
  VALUES ($1::uuid, $2, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12::sync_side, $13, now())
  ON CONFLICT (pair_id, ident) DO UPDATE SET marker = EXCLUDED.marker,
    a_href = EXCLUDED.a_href, a_version = EXCLUDED.a_version, a_hash = EXCLUDED.a_hash, a_raw = EXCLUDED.a_raw,
    b_href = EXCLUDED.b_href, b_version = EXCLUDED.b_version, b_hash = EXCLUDED.b_hash, b_raw = EXCLUDED.b_raw,
    base = EXCLUDED.base, pending_create = EXCLUDED.pending_create, dormant = EXCLUDED.dormant,
    updated_at = now()`;

function sideValues(s: SideStatus | undefined): [string | null, string | null, string | null, string | null] {
  return [s?.href ?? null, s?.version ?? null, s?.hash ?? null, s?.raw ?? null];
}

function toRow(link: LinkRecord): StatusRow {
  const side = (href: string | null, version: string | null, hash: string | null, raw: string | null) =>
    href === null ? undefined : { href, version: version ?? '', hash: hash ?? '', raw: raw ?? '' };
  const a = side(link.aHref, link.aVersion, link.aHash, link.aRaw);
  const b = side(link.bHref, link.bVersion, link.bHash, link.bRaw);
  return {
    ident: link.ident,
    ...(a ? { a } : {}),
    ...(b ? { b } : {}),
    ...(link.base !== null ? { base: link.base as unknown as PimItem } : {}),
    ...(link.pendingCreate !== null ? { pendingCreate: link.pendingCreate } : {}),
    ...(link.dormant ? { dormant: true } : {}),
  };
}
