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
  SideStatus,
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
import { type LinkBlobs, packedShape, packLink, unpackLink } from './packed-link';

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
    // Plain SQL: every run reads all of a pair's rows, and Prisma's per-row result mapping costs more than the query.
    // Through #sql: only a malformed id is worded as one; a lost connection or any other failure keeps its own.
    const links = await this.#sql<LinkRecord>(pair, SELECT_LINKS, [pair]);
    return links.map(toRow);
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
async function writeLinks(tx: SqlSession, pair: string, links: Map<string, StatusRow | null>): Promise<void> {
  const dropped = [...links].filter(([, row]) => row === null).map(([ident]) => ident);
  if (dropped.length > 0) {
    await tx.query('DELETE FROM item_links WHERE pair_id = $1::uuid AND ident = ANY($2::text[])', [pair, dropped]);
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
  const withA = rows.filter((r) => r.a !== undefined);
  const withB = rows.filter((r) => r.b !== undefined);
  await tx.query(RELEASE_HREFS, [
    pair,
    withA.map((r) => r.ident),
    withA.map((r) => r.a!.href),
    withB.map((r) => r.ident),
    withB.map((r) => r.b!.href),
  ]);
  const column = <T>(fn: (r: StatusRow) => T) => rows.map(fn);
  await tx.query(UPSERT_LINKS, [
    pair,
    column((r) => r.ident),
    column((r) => r.a?.href ?? null),
    column((r) => r.a?.version ?? null),
    column((r) => r.a?.hash ?? null),
    column((r) => r.b?.href ?? null),
    column((r) => r.b?.version ?? null),
    column((r) => r.b?.hash ?? null),
    // Base64 through a text array: both drivers pass text arrays the same way, bytea arrays not.
    column((r) => packLink(blobsOf(r))?.toString('base64') ?? null),
    column((r) => r.pendingCreate ?? null),
    column((r) => r.dormant ?? false),
  ]);
}

function blobsOf(row: StatusRow): LinkBlobs {
  return {
    ...(row.base !== undefined ? { base: row.base } : {}),
    ...(row.a ? { aRaw: row.a.raw } : {}),
    ...(row.b ? { bRaw: row.b.raw } : {}),
  };
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

const SELECT_LINKS = `SELECT ident, a_href AS "aHref", a_version AS "aVersion", a_hash AS "aHash", a_raw AS "aRaw",
    b_href AS "bHref", b_version AS "bVersion", b_hash AS "bHash", b_raw AS "bRaw", base, packed,
    pending_create AS "pendingCreate", dormant
  FROM item_links WHERE pair_id = $1::uuid ORDER BY ident`;

interface LinkRecord {
  readonly ident: string;
  readonly aHref: string | null;
  readonly aVersion: string | null;
  readonly aHash: string | null;
  /** The older shape (before `packed`): each of the three in a column of its own. */
  readonly aRaw: string | null;
  readonly bHref: string | null;
  readonly bVersion: string | null;
  readonly bHash: string | null;
  readonly bRaw: string | null;
  readonly base: unknown;
  readonly packed: Uint8Array | null;
  readonly pendingCreate: 'a' | 'b' | null;
  readonly dormant: boolean;
}

/**
 * An href belongs to one row: the newest claim wins (the unique index would refuse a second holder), so any other
 * row of the pair holding a claimed href forgets that side. ($2, $3): the claiming idents and their a-hrefs; ($4,
 * $5) for side b. The released side's raw object may stay inside `packed`: a side without an href is never read,
 * and the row's next put packs it anew.
 */
const RELEASE_HREFS = `UPDATE item_links l SET
    a_href = CASE WHEN x.ra THEN NULL ELSE l.a_href END,
    a_version = CASE WHEN x.ra THEN NULL ELSE l.a_version END,
    a_hash = CASE WHEN x.ra THEN NULL ELSE l.a_hash END,
    a_raw = CASE WHEN x.ra THEN NULL ELSE l.a_raw END,
    b_href = CASE WHEN x.rb THEN NULL ELSE l.b_href END,
    b_version = CASE WHEN x.rb THEN NULL ELSE l.b_version END,
    b_hash = CASE WHEN x.rb THEN NULL ELSE l.b_hash END,
    b_raw = CASE WHEN x.rb THEN NULL ELSE l.b_raw END,
    updated_at = now()
  FROM (SELECT o.ident,
          EXISTS (SELECT 1 FROM unnest($2::text[], $3::text[]) AS c(ident, href)
                  WHERE c.href = o.a_href AND c.ident <> o.ident) AS ra,
          EXISTS (SELECT 1 FROM unnest($4::text[], $5::text[]) AS c(ident, href)
                  WHERE c.href = o.b_href AND c.ident <> o.ident) AS rb
        FROM item_links o
        WHERE o.pair_id = $1::uuid AND (o.a_href = ANY($3::text[]) OR o.b_href = ANY($5::text[]))) AS x
  WHERE l.pair_id = $1::uuid AND l.ident = x.ident AND (x.ra OR x.rb)`;

/**
 * Every gathered row of the pair, created or replaced whole, in the packed shape (the older shape's columns are
 * cleared as a row is rewritten).
 */
const UPSERT_LINKS = `INSERT INTO item_links (pair_id, ident, a_href, a_version, a_hash, b_href, b_version, b_hash,
    packed, pending_create, dormant, updated_at)
  SELECT $1::uuid, r.ident, r.a_href, r.a_version, r.a_hash, r.b_href, r.b_version, r.b_hash,
    decode(r.packed, 'base64'), r.pending_create::sync_side, r.dormant, now()
  FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
    $10::text[], $11::boolean[])
    AS r(ident, a_href, a_version, a_hash, b_href, b_version, b_hash, packed, pending_create, dormant)
  ON CONFLICT (pair_id, ident) DO UPDATE SET
    a_href = EXCLUDED.a_href, a_version = EXCLUDED.a_version, a_hash = EXCLUDED.a_hash, a_raw = NULL,
    b_href = EXCLUDED.b_href, b_version = EXCLUDED.b_version, b_hash = EXCLUDED.b_hash, b_raw = NULL,
    base = NULL, packed = EXCLUDED.packed, pending_create = EXCLUDED.pending_create, dormant = EXCLUDED.dormant,
    updated_at = now()`;

/**
 * A row of either shape. A packed row's base and raw objects are inflated on first use only: most runs read every
 * row of a pair and look inside few of them (a delta names a handful of items).
 */
function toRow(link: LinkRecord): StatusRow {
  const packed = link.packed;
  let blobs: LinkBlobs | undefined;
  const open = (): LinkBlobs => {
    blobs ??= packed ? unpackLink(packed) : {};
    return blobs;
  };
  const shape = packed ? packedShape(packed) : undefined;
  const side = (
    href: string | null,
    version: string | null,
    hash: string | null,
    oldRaw: string | null,
    key: 'aRaw' | 'bRaw',
  ): SideStatus | undefined => {
    if (href === null) return undefined;
    const s = { href, version: version ?? '', hash: hash ?? '' } as { raw: string } & Omit<SideStatus, 'raw'>;
    if (!packed) return { ...s, raw: oldRaw ?? '' };
    return lazy(s, 'raw', () => open()[key] ?? '');
  };
  const a = side(link.aHref, link.aVersion, link.aHash, link.aRaw, 'aRaw');
  const b = side(link.bHref, link.bVersion, link.bHash, link.bRaw, 'bRaw');
  const row: Record<string, unknown> = { ident: link.ident, ...(a ? { a } : {}), ...(b ? { b } : {}) };
  if (shape?.base) lazy(row, 'base', () => open().base);
  else if (!packed && link.base !== null) row.base = link.base;
  if (link.pendingCreate !== null) row.pendingCreate = link.pendingCreate;
  if (link.dormant) row.dormant = true;
  return row as unknown as StatusRow;
}

/** Defines `key` as an ordinary-looking (enumerable) property computed once, on first read. */
function lazy<T extends object, V>(target: T, key: string, compute: () => V): T {
  let value: V;
  let done = false;
  Object.defineProperty(target, key, {
    enumerable: true,
    configurable: true,
    get() {
      if (!done) {
        value = compute();
        done = true;
      }
      return value;
    },
  });
  return target;
}
