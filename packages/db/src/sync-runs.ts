import { DatabaseError } from './errors';
import type { SyncRun as SyncRunRow } from './generated/client';
import type { Database } from './open-database';
import { isUuid } from './tenants';
import type {
  ItemKind,
  JsonObject,
  RunItemError,
  RunProgressView,
  RunRequests,
  SyncOutcome,
  SyncRun,
  SyncRunPart,
  SyncSummary,
} from './types';

export interface SyncRunRepository {
  /** Records the start of a run for a user (and one of their pairs, if the run covers one). */
  start(userId: string, pairId?: string | null): Promise<SyncRun>;
  /**
   * Records the end of a run and the user's last attempt (and last success, if it succeeded). Throws 'not_found' for
   * an unknown run.
   */
  finish(
    id: string,
    result: { outcome: Exclude<SyncOutcome, 'running'>; counts?: JsonObject; error?: string | null },
  ): Promise<SyncRun>;
  /**
   * Records where the pair's running run is (the newest running run of the pair). Cheap and idempotent; the
   * caller throttles it. A finished run keeps no progress: finishing clears it.
   */
  recordProgress(pairId: string, progress: RunProgressView): Promise<void>;
  /**
   * Records a run that failed before it reached a collection pair (discovery, set-up): started and finished at
   * once, in one statement, so it can never be left `running`. The user's last sync time is not touched.
   */
  recordFailure(userId: string, error: string, syncId?: string, requests?: RunRequests): Promise<SyncRun>;
  /**
   * Records the requests the pair's run of this sync sent, once the caller has counted them (the engine finishes
   * the run itself and knows nothing of requests). Nothing happens if there is no such run.
   */
  recordRequests(pairId: string, syncId: string, requests: RunRequests): Promise<void>;
  /**
   * The user's newest sync as one record: every run sharing its sync id (one per item kind), counts summed, the
   * worst outcome, requests summed, from the first start to the last finish (null while any runs), and each run as
   * a part (its item kind, outcome, counts, requests, error). A run without a sync id (older runs) stands alone.
   * Null when the user has no run.
   */
  lastSync(userId: string): Promise<SyncSummary | null>;
  /**
   * Closes the runs of these users still marked `running`: their worker died under them (killed, or lost its
   * lease), so they will never finish by themselves. `all`: every user's (the start-up of the one process of an
   * embedded database, when no run can still be going). Returns how many were closed.
   */
  closeInterrupted(userIds: readonly string[] | 'all'): Promise<number>;
  /**
   * One page of the user's runs, newest first, each with its pair's item kind (null for a run before any pair);
   * `after` is the last run of the previous page. One more than `limit` is asked for, so the caller knows whether
   * another page follows: `more`.
   */
  page(
    userId: string,
    options: { limit: number; after?: { startedAt: string; id: string } },
  ): Promise<{ runs: (SyncRun & { kind: ItemKind | null; dryRun: boolean })[]; more: boolean }>;
  /** Newest first. */
  listForUser(userId: string, options?: { limit?: number }): Promise<SyncRun[]>;
  /**
   * Deletes up to `limit` runs that finished before `before`, except every user's newest sync (its runs share a
   * sync id; `lastSync` shows it as the user's health, however old). Returns how many went: the caller repeats
   * while that is `limit`. A run still going is never deleted.
   */
  prune(before: Date, limit: number): Promise<number>;
}

/** The reason recorded on a run whose worker stopped under it. */
export const INTERRUPTED = 'interrupted: the worker stopped';

/** Worst first: a sync is as bad as its worst run. */
const SEVERITY: readonly SyncOutcome[] = ['failed', 'running', 'cancelled', 'partial', 'success'];

/** Several runs of one sync as one record (see `lastSync`); each run also stays as a part, in start order. */
export function summarise(runs: readonly (SyncRun & { kind: ItemKind | null })[]): SyncSummary {
  const first = runs[0];
  if (!first) throw new DatabaseError('invalid_input', 'A sync has at least one run.');
  const counts: Record<string, Record<string, number>> = {};
  for (const run of runs) {
    for (const [group, actions] of Object.entries(run.counts)) {
      if (typeof actions !== 'object' || actions === null || Array.isArray(actions)) continue;
      const into = counts[group] ?? {};
      counts[group] = into;
      for (const [action, n] of Object.entries(actions)) {
        if (typeof n === 'number') into[action] = (into[action] ?? 0) + n;
      }
    }
  }
  const counted = runs.flatMap((r) => (r.requests ? [r.requests] : []));
  const requests: RunRequests | null =
    counted.length === 0
      ? null
      : {
          exchange: counted.reduce((n, r) => n + r.exchange, 0),
          nextcloud: counted.reduce((n, r) => n + r.nextcloud, 0),
        };
  const outcome = SEVERITY.find((o) => runs.some((r) => r.outcome === o)) ?? first.outcome;
  const finished = runs.every((r) => r.finishedAt !== null);
  const parts: SyncRunPart[] = runs.map((r) => ({
    kind: r.kind,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    outcome: r.outcome,
    counts: r.counts,
    requests: r.requests,
    error: r.error,
    itemErrors: r.itemErrors,
  }));
  return {
    id: first.id,
    userId: first.userId,
    syncId: first.syncId,
    startedAt: new Date(Math.min(...runs.map((r) => r.startedAt.getTime()))),
    finishedAt: finished ? new Date(Math.max(...runs.map((r) => r.finishedAt!.getTime()))) : null,
    outcome,
    counts,
    requests,
    error: runs.map((r) => r.error).find((e) => e !== null) ?? null,
    itemErrors: runs.flatMap((r) => r.itemErrors),
    pairId: runs.length === 1 ? first.pairId : null,
    // While the sync goes: where its running pair run is.
    progress: finished ? null : (runs.find((r) => r.progress !== null)?.progress ?? null),
    parts,
  };
}

/** Only whole, non-negative numbers per side; anything else stored reads as not counted. */
function requestsOf(value: unknown): RunRequests | null {
  if (typeof value !== 'object' || value === null) return null;
  const { exchange, nextcloud } = value as Record<string, unknown>;
  const ok = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0;
  return ok(exchange) && ok(nextcloud) ? { exchange, nextcloud } : null;
}

/**
 * Only well-formed entries (an item and a reason, strings; a side a or b), each with only its own fields, so an
 * odd stored value reads as absent rather than breaking a response.
 */
function itemErrorsOf(value: unknown): RunItemError[] {
  if (!Array.isArray(value)) return [];
  const out: RunItemError[] = [];
  for (const e of value as unknown[]) {
    if (typeof e !== 'object' || e === null) continue;
    const { item, ident, href, side, reason, code } = e as Record<string, unknown>;
    if (typeof item !== 'string' || typeof reason !== 'string') continue;
    out.push({
      item,
      ...(typeof ident === 'string' ? { ident } : {}),
      ...(typeof href === 'string' ? { href } : {}),
      ...(side === 'a' || side === 'b' ? { side } : {}),
      reason,
      ...(typeof code === 'string' ? { code } : {}),
    });
  }
  return out;
}

function toSyncRun(row: SyncRunRow): SyncRun {
  return {
    id: row.id,
    userId: row.userId,
    pairId: row.pairId,
    syncId: row.syncId,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    outcome: row.outcome,
    counts: (row.counts ?? {}) as JsonObject,
    error: row.error,
    progress: row.finishedAt === null ? ((row.progress ?? null) as RunProgressView | null) : null,
    requests: requestsOf(row.requests),
    itemErrors: itemErrorsOf(row.itemErrors),
  };
}

export function createSyncRunRepository(db: Database): SyncRunRepository {
  const { prisma } = db;
  return {
    async start(userId, pairId = null) {
      if (!isUuid(userId)) throw new DatabaseError('not_found', `User ${userId} does not exist.`);
      return toSyncRun(await prisma.syncRun.create({ data: { userId, pairId } }));
    },

    async finish(id, result) {
      if (!isUuid(id)) throw new DatabaseError('not_found', `Sync run ${id} does not exist.`);
      const finishedAt = new Date();
      const run = await prisma.syncRun.updateMany({
        where: { id },
        data: { finishedAt, outcome: result.outcome, counts: result.counts ?? {}, error: result.error ?? null },
      });
      if (run.count === 0) throw new DatabaseError('not_found', `Sync run ${id} does not exist.`);
      const row = await prisma.syncRun.findUniqueOrThrow({ where: { id } });
      // Every finished run is an attempt; only a successful one is a success.
      await prisma.user.update({
        where: { id: row.userId },
        data: { lastAttemptAt: finishedAt, ...(result.outcome === 'success' ? { lastSyncAt: finishedAt } : {}) },
      });
      return toSyncRun(row);
    },

    async recordProgress(pairId, progress) {
      if (!isUuid(pairId)) return;
      await db.query(
        `UPDATE sync_runs SET progress = $2::jsonb
         WHERE id = (SELECT id FROM sync_runs WHERE pair_id = $1::uuid AND outcome = 'running'
                     ORDER BY started_at DESC LIMIT 1)`,
        [pairId, JSON.stringify(progress)],
      );
    },

    async recordFailure(userId, error, syncId, requests) {
      if (!isUuid(userId)) throw new DatabaseError('not_found', `User ${userId} does not exist.`);
      const now = new Date();
      return toSyncRun(
        await prisma.syncRun.create({
          data: {
            userId,
            syncId: syncId ?? null,
            startedAt: now,
            finishedAt: now,
            outcome: 'failed',
            error,
            ...(requests ? { requests: { ...requests } } : {}),
          },
        }),
      );
    },

    async recordRequests(pairId, syncId, requests) {
      if (!isUuid(pairId) || !isUuid(syncId)) return;
      // Raw SQL: once per pair of every sync, and Prisma's own CPU per query is a no-change sync's largest cost.
      await db.query('UPDATE sync_runs SET requests = $3::jsonb WHERE pair_id = $1::uuid AND sync_id = $2::uuid', [
        pairId,
        syncId,
        JSON.stringify({ exchange: requests.exchange, nextcloud: requests.nextcloud }),
      ]);
    },

    async lastSync(userId) {
      if (!isUuid(userId)) return null;
      const withKind = { include: { pair: { select: { kind: true } } } } as const;
      const newest = await prisma.syncRun.findFirst({
        where: { userId, dryRun: false },
        orderBy: [{ startedAt: 'desc' }, { id: 'desc' }],
        ...withKind,
      });
      if (!newest) return null;
      const rows =
        newest.syncId === null
          ? [newest]
          : await prisma.syncRun.findMany({
              where: { userId, syncId: newest.syncId },
              orderBy: { startedAt: 'asc' },
              ...withKind,
            });
      return summarise(rows.map((r) => ({ ...toSyncRun(r), kind: r.pair?.kind ?? null })));
    },

    async closeInterrupted(userIds) {
      const ids = userIds === 'all' ? undefined : userIds.filter(isUuid);
      if (ids?.length === 0) return 0;
      const closed = await prisma.syncRun.updateMany({
        where: { ...(ids ? { userId: { in: ids } } : {}), outcome: 'running' },
        data: { outcome: 'failed', finishedAt: new Date(), error: INTERRUPTED },
      });
      return closed.count;
    },

    async page(userId, { limit, after }) {
      if (!isUuid(userId)) return { runs: [], more: false };
      const rows = await prisma.syncRun.findMany({
        where: {
          userId,
          ...(after
            ? {
                OR: [
                  { startedAt: { lt: new Date(after.startedAt) } },
                  { startedAt: new Date(after.startedAt), id: { lt: after.id } },
                ],
              }
            : {}),
        },
        include: { pair: { select: { kind: true } } },
        orderBy: [{ startedAt: 'desc' }, { id: 'desc' }],
        take: limit + 1,
      });
      return {
        runs: rows.slice(0, limit).map((r) => ({ ...toSyncRun(r), kind: r.pair?.kind ?? null, dryRun: r.dryRun })),
        more: rows.length > limit,
      };
    },

    async listForUser(userId, options = {}) {
      const limit = options.limit ?? 50;
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
        throw new DatabaseError('invalid_input', 'limit must be a whole number from 1 to 500.');
      }
      if (!isUuid(userId)) return [];
      const rows = await prisma.syncRun.findMany({ where: { userId }, orderBy: { startedAt: 'desc' }, take: limit });
      return rows.map(toSyncRun);
    },

    async prune(before, limit) {
      if (!Number.isInteger(limit) || limit < 1) throw new DatabaseError('invalid_input', 'limit must be positive.');
      // Each candidate's user's newest run (as `lastSync` picks it) through the (user_id, started_at) index.
      const [row] = await db.query<{ n: number }>(
        `WITH doomed AS (
           SELECT r.id FROM sync_runs r
           LEFT JOIN LATERAL (
             SELECT n.id, n.sync_id FROM sync_runs n
             WHERE n.user_id = r.user_id AND NOT n.dry_run
             ORDER BY n.started_at DESC, n.id DESC LIMIT 1
           ) newest ON true
           WHERE r.finished_at < $1::timestamptz
             AND r.id IS DISTINCT FROM newest.id
             AND (newest.sync_id IS NULL OR r.sync_id IS DISTINCT FROM newest.sync_id)
           LIMIT $2
         ), gone AS (DELETE FROM sync_runs WHERE id IN (SELECT id FROM doomed) RETURNING 1)
         SELECT count(*)::int AS n FROM gone`,
        [before.toISOString(), limit],
      );
      return row?.n ?? 0;
    },
  };
}
