import { DatabaseError } from './errors';
import type { SyncRun as SyncRunRow } from './generated/client';
import type { Database } from './open-database';
import { isUuid } from './tenants';
import type { JsonObject, RunProgressView, SyncOutcome, SyncRun } from './types';

export interface SyncRunRepository {
  /** Records the start of a run for a user (and one of their pairs, if the run covers one). */
  start(userId: string, pairId?: string | null): Promise<SyncRun>;
  /** Records the end of a run and the user's last sync time. Throws 'not_found' for an unknown run. */
  finish(
    id: string,
    result: { outcome: Exclude<SyncOutcome, 'running'>; counts?: JsonObject; error?: string | null },
  ): Promise<SyncRun>;
  /**
   * Records where the pair's running run is (the newest running run of the pair). Cheap and idempotent; the
   * caller throttles it. A finished run keeps no progress: finishing clears it.
   */
  recordProgress(pairId: string, progress: RunProgressView): Promise<void>;
  /** Newest first. */
  listForUser(userId: string, options?: { limit?: number }): Promise<SyncRun[]>;
}

function toSyncRun(row: SyncRunRow): SyncRun {
  return {
    id: row.id,
    userId: row.userId,
    pairId: row.pairId,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    outcome: row.outcome,
    counts: (row.counts ?? {}) as JsonObject,
    error: row.error,
    progress: row.finishedAt === null ? ((row.progress ?? null) as RunProgressView | null) : null,
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
      await prisma.user.update({ where: { id: row.userId }, data: { lastSyncAt: finishedAt } });
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

    async listForUser(userId, options = {}) {
      const limit = options.limit ?? 50;
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
        throw new DatabaseError('invalid_input', 'limit must be a whole number from 1 to 500.');
      }
      if (!isUuid(userId)) return [];
      const rows = await prisma.syncRun.findMany({ where: { userId }, orderBy: { startedAt: 'desc' }, take: limit });
      return rows.map(toSyncRun);
    },
  };
}
