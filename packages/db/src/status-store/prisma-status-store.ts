import type {
  ConflictRecord,
  ItemError,
  PairState,
  PimItem,
  PlanSummary,
  QuarantineDecision,
  QuarantineRecord,
  RunCounts,
  RunRecord,
  StatusRow,
  StatusStore,
  StatusWriter,
  StoredConflict,
  StoredQuarantine,
  StoredRun,
} from '@exsync/core';
import { DatabaseError } from '../errors';
import type { PrismaClient } from '../generated/client';
import type { Database, SqlSession } from '../open-database';
import { PAIR_RECORD_COLUMNS, type PairRecord, toPairState } from '../pair-state-record';
import { decodeLegacyLink, isLegacyHead, LEGACY_HEAD } from './legacy-link';
import {
  canBeReference,
  decodeLink,
  encodeLink,
  type LinkReference,
  linkKey,
  parseReference,
  referenceOf,
  serializeReference,
} from './link-codec';

/**
 * The engine's status table on PostgreSQL or PGlite (the same SQL on both): `item_links` rows per collection pair,
 * the pair's tokens and retry list on `collection_pairs`, and the conflict log, quarantine and run history.
 */
/** The reason a run left `running` is closed with when the next run of its pair starts. */
export const STALE_RUN =
  'interrupted: the run could not record its end (its worker or its database connection was lost); the next run of the pair took over';

export class PrismaStatusStore implements StatusStore {
  readonly #prisma: PrismaClient;
  readonly #db: Database;

  constructor(db: Database) {
    this.#prisma = db.prisma;
    this.#db = db;
  }

  async rows(pair: string): Promise<StatusRow[]> {
    return readLinks(this.#db, pair);
  }

  async pairState(pair: string): Promise<PairState> {
    // Plain SQL for what every run reads and writes (this, the run record, the held deletions): through Prisma each
    // costs several times the query on the embedded database, and a no-change sync is little else.
    const [p] = await this.#sql<PairRecord>(
      pair,
      `SELECT ${PAIR_RECORD_COLUMNS} FROM collection_pairs WHERE id = $1::uuid`,
      [pair],
    );
    if (!p) throw new DatabaseError('not_found', `Collection pair ${pair} does not exist (was it removed?).`);
    return toPairState(p);
  }

  /** A query naming `pair`, whose malformed id is the caller's mistake (as Prisma's checks said before). */
  async #sql<T>(pair: string, sql: string, params: readonly unknown[]): Promise<T[]> {
    return this.#db.query<T>(sql, params).catch((cause: unknown) => {
      if (!UUID.test(pair))
        throw new DatabaseError('invalid_input', `"${pair}" is not a collection pair id.`, { cause });
      throw cause;
    });
  }

  async transaction<T>(pair: string, fn: (tx: StatusWriter) => Promise<T>): Promise<T> {
    // The database's own BEGIN/COMMIT, not Prisma's interactive transaction: that costs 1.5 ms (PostgreSQL) to
    // 3–7 ms (PGlite) of bookkeeping per transaction, and a sync commits one or two per item it writes.
    return this.#db.transaction((tx) => inTransaction(tx, pair, fn));
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
    const rows = await this.#sql<QuarantineRecordRow>(
      pair,
      `SELECT id, ident, side, href, reason, created_at AS "createdAt", decision FROM quarantined_deletions
        WHERE pair_id = $1::uuid AND resolved_at IS NULL ORDER BY created_at`,
      [pair],
    );
    return rows.map((q) => ({
      id: q.id,
      ident: q.ident,
      side: q.side,
      href: q.href,
      reason: q.reason as QuarantineRecord['reason'],
      createdAt: iso(q.createdAt),
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
    // A run starts under the pair's lock, so any run of the pair still marked `running` is dead: its process, or
    // the database connection it needed to record its end, went away mid-run. It is closed here, in the same
    // statement, so the history never keeps a run `running` beside a live one of the same pair.
    const [run] = await this.#sql<{ id: string }>(
      pair,
      `WITH stale AS (
         UPDATE sync_runs SET outcome = 'failed', finished_at = now(), error = $4
          WHERE pair_id = $1::uuid AND outcome = 'running')
       INSERT INTO sync_runs (user_id, pair_id, dry_run, sync_id)
        SELECT user_id, id, $2, $3::uuid FROM collection_pairs WHERE id = $1::uuid RETURNING id`,
      [pair, options.dryRun, options.syncId ?? null, STALE_RUN],
    );
    if (!run) throw new DatabaseError('not_found', `Collection pair ${pair} does not exist (was it removed?).`);
    return run.id;
  }

  async finishRun(run: string, record: RunRecord): Promise<void> {
    const updated = await this.#db.query(
      `UPDATE sync_runs SET finished_at = now(), outcome = $2::sync_outcome, counts = $3::jsonb, error = $4,
          plan = $5::jsonb, item_errors = $6::jsonb
        WHERE id = $1::uuid RETURNING id`,
      [
        run,
        record.outcome,
        JSON.stringify(record.counts),
        record.error ?? null,
        record.plan ? JSON.stringify(record.plan) : null,
        JSON.stringify(record.itemErrors ?? []),
      ],
    );
    if (updated.length === 0)
      throw new DatabaseError('not_found', `Sync run ${run} does not exist (was its pair removed?).`);
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
      ...(Array.isArray(r.itemErrors) && r.itemErrors.length > 0
        ? { itemErrors: r.itemErrors as unknown as ItemError[] }
        : {}),
    }));
  }
}

/**
 * The status writes of one transaction, as plain parameterised SQL on the transaction's session. Puts and drops are
 * gathered (the last one per ident wins, as it would have in order) and written together when the callback returns:
 * however many rows a transaction puts, it costs the same handful of statements.
 */
async function inTransaction<T>(tx: SqlSession, pair: string, fn: (w: StatusWriter) => Promise<T>): Promise<T> {
  const links = new Map<string, StatusRow | null>();
  const w: StatusWriter = {
    async put(row) {
      links.delete(row.ident); // re-inserted last: the newest claim of an href wins
      links.set(row.ident, row);
    },
    async drop(ident) {
      links.delete(ident);
      links.set(ident, null);
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
  const result = await fn(w);
  await writeLinks(tx, pair, links);
  return result;
}

/** Writes the gathered rows: drops, then hrefs released from their old holders, then every put in one upsert. */
export async function writeLinks(
  tx: SqlSession,
  pair: string,
  links: ReadonlyMap<string, StatusRow | null>,
): Promise<void> {
  const dropped = [...links].filter(([, row]) => row === null).map(([ident]) => linkKey(ident));
  if (dropped.length > 0) {
    await tx.query('DELETE FROM item_links WHERE pair_id = $1::uuid AND ident_key = ANY($2::bigint[])', [
      pair,
      dropped,
    ]);
  }
  // Within the batch, a later row's claim of an href takes it from an earlier one (Map order is write order).
  const rows: StatusRow[] = [];
  const holder = { a: new Map<string, number>(), b: new Map<string, number>() };
  for (const row of links.values()) {
    if (row === null) continue;
    for (const side of ['a', 'b'] as const) {
      const href = row[side]?.href;
      if (href === undefined) continue;
      const earlier = holder[side].get(href);
      if (earlier !== undefined) {
        const { [side]: _, ...without } = rows[earlier]!;
        rows[earlier] = without;
      }
      holder[side].set(href, rows.length);
    }
    rows.push(row);
  }
  if (rows.length === 0) return;
  const ref = await referenceFor(tx, pair, rows);
  const encoded = rows.map((r) => encodeLink(r, ref));
  const withA = encoded.filter((e) => e.aKey !== null);
  const withB = encoded.filter((e) => e.bKey !== null);
  await tx.query(RELEASE_HREFS, [
    pair,
    withA.map((e) => e.identKey),
    withA.map((e) => e.aKey),
    withB.map((e) => e.identKey),
    withB.map((e) => e.bKey),
  ]);
  await upsert(tx, pair, rows, encoded, false);
}

/**
 * The pair's reference (what its rows are coded against): the stored one, or, for a pair without one yet, the first
 * of `rows` that can be one, made the reference; undefined while none can. Read in the writing transaction, never
 * cached: a reference set by a transaction that then rolled back must not outlive it.
 */
async function referenceFor(
  tx: SqlSession,
  pair: string,
  rows: readonly StatusRow[],
): Promise<LinkReference | undefined> {
  const [stored] = await tx.query<{ ref: Uint8Array | null }>(
    'SELECT link_reference AS ref FROM collection_pairs WHERE id = $1::uuid',
    [pair],
  );
  if (!stored) throw new DatabaseError('not_found', `Collection pair ${pair} does not exist (was it removed?).`);
  if (stored.ref) return parseReference(stored.ref);
  const candidate = rows.find(canBeReference);
  if (!candidate) return undefined;
  const ref = referenceOf(candidate);
  await tx.query(`UPDATE collection_pairs SET link_reference = decode($2, 'base64') WHERE id = $1::uuid`, [
    pair,
    serializeReference(ref).toString('base64'),
  ]);
  return ref;
}

/** `onlyOld`: rewrite only rows still in an older shape (the re-pack on read must not undo a newer write). */
async function upsert(
  tx: SqlSession,
  pair: string,
  rows: readonly StatusRow[],
  encoded: readonly ReturnType<typeof encodeLink>[],
  onlyOld: boolean,
): Promise<void> {
  await tx.query(UPSERT_LINKS, [
    pair,
    encoded.map((e) => e.identKey),
    encoded.map((e) => e.aKey),
    encoded.map((e) => e.bKey),
    // Base64 through a text array: both drivers pass text arrays the same way, bytea arrays not.
    encoded.map((e) => e.head.toString('base64')),
    encoded.map((e) => e.body?.toString('base64') ?? null),
    rows.map((r) => r.pendingCreate ?? null),
    rows.map((r) => r.dormant ?? false),
    onlyOld,
  ]);
}

/**
 * A pair's rows. Rows still in an older shape (a format-1 head: the old columns, kept by the migration that dropped
 * them) are read and then rewritten in the compact shape, so a pair's rows shrink on its first run after the upgrade.
 */
export async function readLinks(db: Database, pair: string): Promise<StatusRow[]> {
  // Only a malformed id is worded as one; a lost connection or any other failure keeps its own message.
  const { rows, old } = await decodeLinks(db, pair).catch((cause: unknown) => {
    if (!UUID.test(pair)) throw new DatabaseError('invalid_input', `"${pair}" is not a collection pair id.`, { cause });
    throw cause;
  });
  if (old.length > 0) {
    await db.transaction(async (tx) => {
      const ref = await referenceFor(tx, pair, old);
      await upsert(
        tx,
        pair,
        old,
        old.map((r) => encodeLink(r, ref)),
        true,
      );
    });
  }
  return rows;
}

/**
 * A pair's rows in ident order (all, or those of `idents`), read on `session`, of either shape; `old`: those still in
 * an older shape.
 */
export async function decodeLinks(
  session: Pick<SqlSession, 'query'>,
  pair: string,
  idents?: readonly string[],
): Promise<{ rows: StatusRow[]; old: StatusRow[] }> {
  // Plain SQL: every run reads all of a pair's rows, and Prisma's per-row result mapping costs more than the query.
  const links = idents
    ? await session.query<LinkRecord>(`${SELECT_LINKS} AND ident_key = ANY($2::bigint[])`, [pair, idents.map(linkKey)])
    : await session.query<LinkRecord>(SELECT_LINKS, [pair]);
  let ref: LinkReference | undefined;
  if (links.some((l) => !isLegacyHead(l.head))) {
    const [stored] = await session.query<{ ref: Uint8Array | null }>(
      'SELECT link_reference AS ref FROM collection_pairs WHERE id = $1::uuid',
      [pair],
    );
    if (stored?.ref) ref = parseReference(stored.ref);
  }
  const rows: StatusRow[] = [];
  const old: StatusRow[] = [];
  for (const l of links) {
    const legacy = isLegacyHead(l.head);
    // Not spread: the rows' raw objects and base are getters that inflate on first read.
    const row = (legacy ? decodeLegacyLink(l) : decodeLink(l, ref).row) as Record<string, unknown>;
    if (l.pendingCreate !== null) row.pendingCreate = l.pendingCreate;
    if (l.dormant) row.dormant = true;
    rows.push(row as unknown as StatusRow);
    if (legacy) old.push(row as unknown as StatusRow);
  }
  rows.sort((x, y) => (x.ident < y.ident ? -1 : x.ident > y.ident ? 1 : 0));
  return { rows, old };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A timestamp as either driver hands it back (a Date, or text). */
const iso = (t: Date | string): string => new Date(t).toISOString();

interface QuarantineRecordRow {
  readonly id: string;
  readonly ident: string;
  readonly side: 'a' | 'b';
  readonly href: string;
  readonly reason: string;
  readonly createdAt: Date | string;
  readonly decision: QuarantineDecision | null;
}

const SELECT_LINKS = `SELECT head, body, a_key IS NOT NULL AS "hasA", b_key IS NOT NULL AS "hasB",
    pending_create AS "pendingCreate", dormant
  FROM item_links WHERE pair_id = $1::uuid`;

interface LinkRecord {
  readonly head: Uint8Array;
  readonly body: Uint8Array | null;
  readonly hasA: boolean;
  readonly hasB: boolean;
  readonly pendingCreate: 'a' | 'b' | null;
  readonly dormant: boolean;
}

/**
 * An href belongs to one row: the newest claim wins (the trigger item_links_one_holder would refuse a second holder),
 * so any other row of the pair holding a claimed href forgets that side: its key is cleared (a side without a key
 * is absent; its ids stay inside `head` until the row's next put). ($2, $3): the claiming rows' ident keys and their
 * a-keys; ($4, $5) for side b.
 */
const RELEASE_HREFS = `UPDATE item_links l SET
    a_key = CASE WHEN x.ra THEN NULL ELSE l.a_key END,
    b_key = CASE WHEN x.rb THEN NULL ELSE l.b_key END
  FROM (SELECT o.ident_key,
          EXISTS (SELECT 1 FROM unnest($2::bigint[], $3::bigint[]) AS c(ident_key, k)
                  WHERE c.k = o.a_key AND c.ident_key <> o.ident_key) AS ra,
          EXISTS (SELECT 1 FROM unnest($4::bigint[], $5::bigint[]) AS c(ident_key, k)
                  WHERE c.k = o.b_key AND c.ident_key <> o.ident_key) AS rb
        FROM item_links o
        WHERE o.pair_id = $1::uuid AND (o.a_key = ANY($3::bigint[]) OR o.b_key = ANY($5::bigint[]))) AS x
  WHERE l.pair_id = $1::uuid AND l.ident_key = x.ident_key AND (x.ra OR x.rb)`;

/**
 * Every gathered row of the pair, created or replaced whole, in the compact shape. $9: only rows still in an older
 * shape (a format-1 head, legacy-link.ts) are replaced.
 */
const UPSERT_LINKS = `INSERT INTO item_links (pair_id, ident_key, a_key, b_key, head, body, pending_create, dormant)
  SELECT $1::uuid, r.ident_key, r.a_key, r.b_key, decode(r.head, 'base64'), decode(r.body, 'base64'),
    r.pending_create::sync_side, r.dormant
  FROM unnest($2::bigint[], $3::bigint[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::boolean[])
    AS r(ident_key, a_key, b_key, head, body, pending_create, dormant)
  ON CONFLICT (pair_id, ident_key) DO UPDATE SET
    a_key = EXCLUDED.a_key, b_key = EXCLUDED.b_key, head = EXCLUDED.head, body = EXCLUDED.body,
    pending_create = EXCLUDED.pending_create, dormant = EXCLUDED.dormant
  WHERE NOT $9::boolean OR get_byte(item_links.head, 0) = ${LEGACY_HEAD}`;
