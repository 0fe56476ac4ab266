import type { Database } from './open-database';
import { createSyncRunRepository } from './sync-runs';

/**
 * Per-user sync jobs in PostgreSQL (or PGlite), shared by every replica. At most one job per user waits in the
 * queue (a partial unique index) and a job is not claimed while another job of the same user runs, so no
 * user's pairs are synced twice at once; claiming uses FOR UPDATE SKIP LOCKED so replicas share the load.
 *
 * The table lives in its own schema, created idempotently at start-up: the Prisma migrations describe the
 * service's data, the queue keeps its own tables (DESIGN.md §5).
 */
export interface SyncJob {
  readonly id: string;
  readonly tenantId: string;
  readonly userId: string;
  readonly ncUserId: string;
  readonly resync: boolean;
  /** Attempts so far, this one included. */
  readonly attempts: number;
}

export type EnqueueMode = 'now' | 'when-due' | 'not-before';

export interface EnqueueInput {
  readonly tenantId: string;
  readonly userId: string;
  readonly ncUserId: string;
  readonly resync?: boolean;
  readonly runAt?: Date;
  /**
   * What happens to a job already waiting for the user (with none waiting, one is queued for `runAt`):
   * `now` (a person asked, or a retry): it is brought forward to `runAt`. `when-due` (a change notification from
   * Exchange or Nextcloud): it keeps its time, so a throttled user's retry time and a failing user's back-off are
   * honoured however many notifications arrive. `not-before` (a rate-limited burst of notifications): it is put
   * back to `runAt` if due earlier, so it runs after the changes the cut-off notifications stood for.
   */
  readonly mode?: EnqueueMode;
}

/**
 * Caps on the syncs running at once across every worker that shares the database, so 10,000 users do not land on
 * one Exchange organisation or one Nextcloud all at once. A job over a cap waits (keeping its place in the order)
 * while jobs of other connections and hosts go ahead.
 */
export interface QueueLimits {
  /** Syncs at once per Exchange connection (one per tenant); undefined: no cap. */
  readonly perExchange?: number;
  /** Syncs at once per Nextcloud host (tenants sharing a host share the cap); undefined: no cap. */
  readonly perNextcloudHost?: number;
}

export interface JobQueue {
  /** Creates the queue's schema if missing. */
  start(): Promise<void>;
  enqueue(input: EnqueueInput): Promise<{ id: string; created: boolean }>;
  /**
   * The next due job, now leased to the caller for `leaseMs`; null when none is due. Oldest due first (run_after,
   * then id), skipping jobs of a user already syncing and jobs over a cap of the queue's limits.
   */
  claim(leaseMs: number): Promise<SyncJob | null>;
  complete(job: SyncJob): Promise<void>;
  /** Puts the job back to run at `runAt`, keeping its attempt count (merged with any job queued meanwhile). */
  retry(job: SyncJob, runAt: Date): Promise<void>;
  /** Drops the user's waiting job (pause, removal); a running one finishes. */
  cancelWaiting(userId: string): Promise<number>;
  /** Renews the lease of a running job: a live worker calls it well within `leaseMs`. */
  heartbeat(job: SyncJob, leaseMs: number): Promise<void>;
  /**
   * Returns jobs whose worker died (lease not renewed) to the queue, and closes the runs they left `running`
   * as interrupted.
   */
  recoverExpired(): Promise<number>;
  /**
   * Returns every running job to the queue, however long its lease: only for the start-up of the one process
   * that uses the database (the embedded one), where any running job belongs to a process that is gone.
   */
  releaseAll(): Promise<number>;
  /**
   * Users of the tenant in one of `states` who are due and have no job waiting or running; the longest-due first.
   * Due: never synced (since enrolment), or the last attempt is older than `intervalMinutes` plus the user's own
   * jitter — a fixed share of `jitterMinutes` drawn from a hash of the user's id, so users enrolled together
   * spread over the jitter instead of all coming due at one instant. `dueAt` is when the user came due.
   */
  dueUsers(
    tenantId: string,
    options: { states: readonly string[]; now: Date; intervalMinutes: number; jitterMinutes?: number },
  ): Promise<{ id: string; ncUserId: string; dueAt: Date }[]>;
  /**
   * Queues every user `dueUsers` would list, each at the time it came due (never later than the clock), in one
   * statement: the due check and the insert see one snapshot, so a user whose sync another replica just finished
   * is not queued again (a check, then one insert per user, let a scheduler queue a user synced in between — the
   * process test saw users synced three times). Returns how many jobs were created.
   */
  enqueueDue(
    tenantId: string,
    options: { states: readonly string[]; now: Date; intervalMinutes: number; jitterMinutes?: number },
  ): Promise<number>;
  /** The user's waiting or running job, if any. */
  pendingFor(userId: string): Promise<{ state: 'queued' | 'active'; runAfter: Date; resync: boolean } | null>;
}

const SCHEMA = `
CREATE SCHEMA IF NOT EXISTS exsync_jobs;
CREATE TABLE IF NOT EXISTS exsync_jobs.sync_jobs (
  id          bigserial PRIMARY KEY,
  tenant_id   uuid NOT NULL,
  user_id     uuid NOT NULL,
  nc_user_id  text NOT NULL,
  resync      boolean NOT NULL DEFAULT false,
  state       text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'active')),
  run_after   timestamptz NOT NULL DEFAULT now(),
  attempts    integer NOT NULL DEFAULT 0,
  locked_until timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS sync_jobs_one_waiting ON exsync_jobs.sync_jobs (user_id) WHERE state = 'queued';
-- The claim's order (run_after, then id): read in index order, a claim stops at the first job it may take.
CREATE INDEX IF NOT EXISTS sync_jobs_due_in_order ON exsync_jobs.sync_jobs (run_after, id) WHERE state = 'queued';
DROP INDEX IF EXISTS exsync_jobs.sync_jobs_due;
`;

interface JobRow {
  id: string;
  tenant_id: string;
  user_id: string;
  nc_user_id: string;
  resync: boolean;
  attempts: number;
}

const toJob = (r: JobRow): SyncJob => ({
  id: String(r.id),
  tenantId: r.tenant_id,
  userId: r.user_id,
  ncUserId: r.nc_user_id,
  resync: r.resync,
  attempts: Number(r.attempts),
});

const RUN_AFTER_ON_MERGE: Record<EnqueueMode, string> = {
  now: ', run_after = LEAST(sync_jobs.run_after, EXCLUDED.run_after)',
  'when-due': '',
  'not-before': ', run_after = GREATEST(sync_jobs.run_after, EXCLUDED.run_after)',
};

const UPSERT = (mode: EnqueueMode) => `
  INSERT INTO exsync_jobs.sync_jobs (tenant_id, user_id, nc_user_id, resync, run_after, attempts)
  VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6)
  ON CONFLICT (user_id) WHERE state = 'queued' DO UPDATE SET
    resync = sync_jobs.resync OR EXCLUDED.resync,
    attempts = GREATEST(sync_jobs.attempts, EXCLUDED.attempts)
    ${RUN_AFTER_ON_MERGE[mode]}
  RETURNING id, (xmax = 0) AS created`;

/**
 * Users of tenant $1 in states $2 due at $3 with no job waiting or running, and when each came due: never synced
 * (since enrolment), or the last attempt plus $4 minutes plus the user's share of $5 minutes of jitter — a hash of
 * the user's Nextcloud id (stable across cycles), 0 ≤ share < 1.
 */
const DUE_USERS = `
  SELECT id, nc_user_id, due_at FROM (
    SELECT u.id, u.nc_user_id,
      CASE WHEN u.last_attempt_at IS NULL THEN u.created_at
        ELSE u.last_attempt_at + ($4::float8 + $5::float8 * (abs(hashtextextended(u.nc_user_id, 0)) % 10000) / 10000.0)
                                  * interval '1 minute' END AS due_at
    FROM users u
    WHERE u.tenant_id = $1::uuid AND u.state::text = ANY($2::text[])
      AND NOT EXISTS (SELECT 1 FROM exsync_jobs.sync_jobs j WHERE j.user_id = u.id)) d
  WHERE due_at <= $3::timestamptz`;

/** Nextcloud's host (with its port) from a tenant's URL, in SQL: the key of the per-host cap. */
const HOST_OF = (url: string) => `lower(substring(${url} from '^[A-Za-z][A-Za-z0-9+.-]*://([^/?#]+)'))`;

/**
 * The oldest due job whose user is not syncing and whose Exchange connection and Nextcloud host are under their caps
 * ($2, $3; NULL: no cap). What is running is read once per claim (a handful of rows: the process's and the replicas'
 * workers) and the connections and hosts at their cap are set aside from it; each waiting job is then checked
 * against those small sets. Checked per waiting job instead (correlated counts over the whole table), a claim cost
 * ~40 ms, ~130 ms with the caps, at 800 waiting jobs on this project's VM and grew with the square of the queue: a
 * 1,000-user "sync now" for everyone waited on its claims, not on its syncs.
 */
const CLAIM = `
  WITH running AS (
    SELECT a.user_id, a.tenant_id, ${HOST_OF('at.nextcloud_url')} AS host
    FROM exsync_jobs.sync_jobs a LEFT JOIN tenants at ON at.id = a.tenant_id
    WHERE a.state = 'active'),
  full_exchange AS (SELECT tenant_id FROM running GROUP BY tenant_id HAVING count(*) >= $2::int),
  full_hosts AS (SELECT host FROM running WHERE host IS NOT NULL GROUP BY host HAVING count(*) >= $3::int)
  UPDATE exsync_jobs.sync_jobs SET state = 'active', attempts = attempts + 1,
    locked_until = now() + $1 * interval '1 millisecond'
  WHERE id = (
    SELECT j.id FROM exsync_jobs.sync_jobs j
    LEFT JOIN tenants t ON t.id = j.tenant_id
    WHERE j.state = 'queued' AND j.run_after <= now()
      AND j.user_id NOT IN (SELECT user_id FROM running)
      AND j.tenant_id NOT IN (SELECT tenant_id FROM full_exchange)
      AND (${HOST_OF('t.nextcloud_url')} IS NULL OR ${HOST_OF('t.nextcloud_url')} NOT IN (SELECT host FROM full_hosts))
    ORDER BY j.run_after, j.id
    LIMIT 1
    FOR UPDATE OF j SKIP LOCKED)
  RETURNING id, tenant_id, user_id, nc_user_id, resync, attempts`;

export function createJobQueue(db: Database, limits: QueueLimits = {}): JobQueue {
  const runs = createSyncRunRepository(db);
  const capped = limits.perExchange !== undefined || limits.perNextcloudHost !== undefined;
  // One claim at a time per process when capped, so this process's workers never pass a cap together. Replicas
  // claiming in the same instant can each see room for one more: a cap may then be passed by one per replica.
  let claiming: Promise<unknown> = Promise.resolve();

  /** Puts the active jobs matching `condition` back in the queue, first closing the runs their workers left. */
  async function release(condition: 'locked_until < now()' | 'true'): Promise<number> {
    const dead = await db.query<{ user_id: string }>(
      `SELECT DISTINCT user_id FROM exsync_jobs.sync_jobs WHERE state = 'active' AND ${condition}`,
    );
    if (dead.length === 0) return 0;
    const users = dead.map((d) => d.user_id);
    // Closed while the job is still active, so no new run of the user can have started in between.
    await runs.closeInterrupted(users);
    // Back in the queue unless the user already has a waiting job; then the dead one is just dropped.
    const back = await db.query(
      `UPDATE exsync_jobs.sync_jobs j SET state = 'queued', run_after = now(), locked_until = NULL
       WHERE j.state = 'active' AND ${condition} AND j.user_id = ANY($1::uuid[])
         AND NOT EXISTS (SELECT 1 FROM exsync_jobs.sync_jobs q WHERE q.user_id = j.user_id AND q.state = 'queued')
       RETURNING id`,
      [users],
    );
    const dropped = await db.query(
      `DELETE FROM exsync_jobs.sync_jobs WHERE state = 'active' AND ${condition} AND user_id = ANY($1::uuid[])
       RETURNING id`,
      [users],
    );
    return back.length + dropped.length;
  }

  return {
    async start() {
      // Replicas starting together would race on CREATE … IF NOT EXISTS; one at a time under a lock.
      await db.withSession(async (s) => {
        await s.query("SELECT pg_advisory_lock(hashtextextended('exsync:jobs:schema', 0))");
        try {
          await s.exec(SCHEMA);
        } finally {
          await s.query("SELECT pg_advisory_unlock(hashtextextended('exsync:jobs:schema', 0))");
        }
      });
    },

    async enqueue(input) {
      const rows = await db.query<{ id: string; created: boolean }>(UPSERT(input.mode ?? 'now'), [
        input.tenantId,
        input.userId,
        input.ncUserId,
        input.resync ?? false,
        input.runAt ?? new Date(),
        0,
      ]);
      const row = rows[0];
      if (!row) throw new Error('job was not queued');
      return { id: String(row.id), created: row.created };
    },

    async claim(leaseMs) {
      const once = async () => {
        const rows = await db.query<JobRow>(CLAIM, [
          leaseMs,
          limits.perExchange ?? null,
          limits.perNextcloudHost ?? null,
        ]);
        return rows[0] ? toJob(rows[0]) : null;
      };
      if (!capped) return once();
      const claimed = claiming.then(once);
      claiming = claimed.catch(() => undefined);
      return claimed;
    },

    async complete(job) {
      await db.query("DELETE FROM exsync_jobs.sync_jobs WHERE id = $1 AND state = 'active'", [job.id]);
    },

    async retry(job, runAt) {
      await db.query("DELETE FROM exsync_jobs.sync_jobs WHERE id = $1 AND state = 'active'", [job.id]);
      await db.query(UPSERT('now'), [job.tenantId, job.userId, job.ncUserId, job.resync, runAt, job.attempts]);
    },

    async cancelWaiting(userId) {
      const rows = await db.query(
        "DELETE FROM exsync_jobs.sync_jobs WHERE user_id = $1::uuid AND state = 'queued' RETURNING id",
        [userId],
      );
      return rows.length;
    },

    async heartbeat(job, leaseMs) {
      await db.query(
        `UPDATE exsync_jobs.sync_jobs SET locked_until = now() + $2 * interval '1 millisecond'
         WHERE id = $1 AND state = 'active'`,
        [job.id, leaseMs],
      );
    },

    recoverExpired: () => release('locked_until < now()'),
    async releaseAll() {
      const released = await release('true');
      // Runs whose job is already gone (or from before jobs closed them) cannot be going on either.
      await runs.closeInterrupted('all');
      return released;
    },
    async dueUsers(tenantId, { states, now, intervalMinutes, jitterMinutes = 0 }) {
      const rows = await db.query<{ id: string; nc_user_id: string; due_at: Date }>(
        `${DUE_USERS} ORDER BY due_at, id`,
        [tenantId, [...states], now, intervalMinutes, jitterMinutes],
      );
      return rows.map((r) => ({ id: r.id, ncUserId: r.nc_user_id, dueAt: new Date(r.due_at) }));
    },

    async enqueueDue(tenantId, { states, now, intervalMinutes, jitterMinutes = 0 }) {
      const rows = await db.query(
        `INSERT INTO exsync_jobs.sync_jobs (tenant_id, user_id, nc_user_id, run_after)
         SELECT $1::uuid, id, nc_user_id, LEAST(due_at, now()) FROM (${DUE_USERS}) due ORDER BY due_at, id
         ON CONFLICT (user_id) WHERE state = 'queued' DO NOTHING
         RETURNING id`,
        [tenantId, [...states], now, intervalMinutes, jitterMinutes],
      );
      return rows.length;
    },

    async pendingFor(userId) {
      const rows = await db.query<{ state: 'queued' | 'active'; run_after: Date; resync: boolean }>(
        `SELECT state, run_after, resync FROM exsync_jobs.sync_jobs WHERE user_id = $1::uuid
         ORDER BY (state = 'active') DESC, run_after LIMIT 1`,
        [userId],
      );
      const r = rows[0];
      return r ? { state: r.state, runAfter: new Date(r.run_after), resync: r.resync } : null;
    },
  };
}
