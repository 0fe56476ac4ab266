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
/** Runs started in a time span, by outcome. */
export interface RunTally {
  readonly total: number;
  readonly byOutcome: Readonly<Record<string, number>>;
}

/** The latest round over a tenant's synced users: from the oldest user's last sync to the newest's. */
export interface CycleSpan {
  readonly from: Date;
  readonly to: Date;
  readonly users: number;
}

export interface OperationsRepository {
  /** Pair runs of the tenant's users started since `since`. */
  runsSince(tenantId: string, since: Date): Promise<RunTally>;
  /** Null when no user of these states has synced yet. */
  cycleSpan(tenantId: string, states: readonly UserState[]): Promise<CycleSpan | null>;
  usersPerState(tenantId?: string): Promise<Record<UserState, number>>;
  /** Needs the queue's schema (created by the job queue's start()). */
  queueStats(tenantId?: string): Promise<QueueStats>;
}

export function createOperationsRepository(db: Database): OperationsRepository {
  return {
    async runsSince(tenantId, since) {
      const rows = await db.query<{ outcome: string; n: string | number }>(
        `SELECT r.outcome::text AS outcome, count(*) AS n FROM sync_runs r JOIN users u ON u.id = r.user_id
         WHERE u.tenant_id = $1::uuid AND r.started_at >= $2::timestamptz GROUP BY r.outcome`,
        [tenantId, since],
      );
      const byOutcome = Object.fromEntries(rows.map((r) => [r.outcome, Number(r.n)]));
      return { total: rows.reduce((a, r) => a + Number(r.n), 0), byOutcome };
    },
    async cycleSpan(tenantId, states) {
      const [row] = await db.query<{ first: Date | null; last: Date | null; n: string | number }>(
        `SELECT min(last_sync_at) AS first, max(last_sync_at) AS last, count(last_sync_at) AS n FROM users
         WHERE tenant_id = $1::uuid AND state::text = ANY($2::text[])`,
        [tenantId, [...states]],
      );
      if (!row?.first || !row.last) return null;
      return { from: new Date(row.first), to: new Date(row.last), users: Number(row.n) };
    },
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
