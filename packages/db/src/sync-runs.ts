import { DatabaseError } from './errors';
import type { SyncRun as SyncRunRow } from './generated/client';
import type { Database } from './open-database';
import { isUuid } from './tenants';
import type { JsonObject, SyncOutcome, SyncRun } from './types';

export interface SyncRunRepository {
  /** Records the start of a run for a user (and one of their pairs, if the run covers one). */
  start(userId: string, pairId?: string | null): Promise<SyncRun>;
  /** Records the end of a run and the user's last sync time. Throws 'not_found' for an unknown run. */
  finish(
    id: string,
    result: { outcome: Exclude<SyncOutcome, 'running'>; counts?: JsonObject; error?: string | null },
  ): Promise<SyncRun>;
  /**
   * Records a run that failed before it reached a collection pair (discovery, set-up): started and finished at
   * once, in one statement, so it can never be left `running`. The user's last sync time is not touched.
   */
  recordFailure(userId: string, error: string): Promise<SyncRun>;
  /**
   * Closes the runs of these users still marked `running`: their worker died under them (killed, or lost its
   * lease), so they will never finish by themselves. Returns how many were closed.
   */
  closeInterrupted(userIds: readonly string[]): Promise<number>;
  /** Newest first. */
  listForUser(userId: string, options?: { limit?: number }): Promise<SyncRun[]>;
}

/** The reason recorded on a run whose worker stopped under it. */
export const INTERRUPTED = 'interrupted: the worker stopped';

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

    async recordFailure(userId, error) {
      if (!isUuid(userId)) throw new DatabaseError('not_found', `User ${userId} does not exist.`);
      const now = new Date();
      return toSyncRun(
        await prisma.syncRun.create({ data: { userId, startedAt: now, finishedAt: now, outcome: 'failed', error } }),
      );
    },

    async closeInterrupted(userIds) {
      const ids = userIds.filter(isUuid);
      if (ids.length === 0) return 0;
      const closed = await prisma.syncRun.updateMany({
        where: { userId: { in: ids }, outcome: 'running' },
        data: { outcome: 'failed', finishedAt: new Date(), error: INTERRUPTED },
      });
      return closed.count;
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
