import type { Database } from './open-database';
import { type UserState, userStates } from './types';

/** What the job queue holds right now (all tenants, or one). */
export interface QueueStats {
  /** Jobs waiting (due or not yet due). */
  readonly queued: number;
  /** Jobs a worker is running. */
  readonly active: number;
  /** When the longest-waiting due job became due; null when none is due. */
  readonly oldestDueSince: Date | null;
}

/**
 * Read-only figures for operators (metrics, the tenant overview). Cheap: one grouped count per call, on indexed
 * columns, so a scrape every 15 s costs nothing noticeable.
 */
export interface OperationsRepository {
  usersPerState(tenantId?: string): Promise<Record<UserState, number>>;
  /** Needs the queue's schema (created by the job queue's start()). */
  queueStats(tenantId?: string): Promise<QueueStats>;
}

export function createOperationsRepository(db: Database): OperationsRepository {
  return {
    async usersPerState(tenantId) {
      const rows = await db.query<{ state: UserState; n: string | number }>(
        `SELECT state::text AS state, count(*) AS n FROM users
         WHERE ($1::uuid IS NULL OR tenant_id = $1::uuid) GROUP BY state`,
        [tenantId ?? null],
      );
      const counts = Object.fromEntries(userStates.map((s) => [s, 0])) as Record<UserState, number>;
      for (const r of rows) counts[r.state] = Number(r.n);
      return counts;
    },
    async queueStats(tenantId) {
      const [row] = await db.query<{ queued: string | number; active: string | number; oldest: Date | null }>(
        `SELECT count(*) FILTER (WHERE state = 'queued') AS queued,
                count(*) FILTER (WHERE state = 'active') AS active,
                min(run_after) FILTER (WHERE state = 'queued' AND run_after <= now()) AS oldest
         FROM exsync_jobs.sync_jobs WHERE ($1::uuid IS NULL OR tenant_id = $1::uuid)`,
        [tenantId ?? null],
      );
      return {
        queued: Number(row?.queued ?? 0),
        active: Number(row?.active ?? 0),
        oldestDueSince: row?.oldest ? new Date(row.oldest) : null,
      };
    },
  };
}
