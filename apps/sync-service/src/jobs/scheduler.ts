import { RECONCILE_EVERY_MS } from '@exsync/core';
import { createRepositories, type Database } from '@exsync/db';
import type { Logger } from 'pino';
import { withDefaults } from '../settings';
import type { JobQueue } from './queue';

/** States whose users the scheduler syncs. Paused users and refused credentials wait for a person. */
export const SCHEDULED_STATES = ['active', 'throttled', 'error', 'needs_review'] as const;

/** Default spread of due times: a tenth of the interval. */
export const DEFAULT_JITTER = 0.1;

const PRUNE_EVERY_MS = 3_600_000;
/** Runs deleted per statement, and statements per tick: what is left waits for the next hour. */
const PRUNE_BATCH = 5_000;
const PRUNE_BATCHES_PER_TICK = 20;

export interface Scheduler {
  /** Enqueues every due user once; returns how many were enqueued. */
  tick(now?: Date): Promise<number>;
  start(): void;
  stop(): Promise<void>;
}

/**
 * Every `tickMs`, enqueues each user of each tenant whose last sync attempt (failed or not) is older than the tenant's
 * interval plus the user's jitter and who has no job waiting or running, queued at the time they came due (so the
 * longest-due run first, whatever their tenant). Every replica may run one: enqueueing is idempotent per user.
 */
export function createScheduler(options: {
  db: Database;
  queue: JobQueue;
  logger: Logger;
  tickMs?: number;
  /**
   * Spread of due times, as a share of the interval (0–1, default 0.1): each user comes due up to this much later
   * than the interval, by a fixed share drawn from their id, so users enrolled together do not stay in step.
   */
  jitter?: number;
  /**
   * Finished sync runs older than this many days are deleted, at most once an hour per process (each user's newest
   * sync stays: it is their health). Unset: kept for ever. At the 15-minute interval a user adds ~290 runs a day.
   */
  runRetentionDays?: number;
}): Scheduler {
  const { db, queue, logger } = options;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<unknown> = Promise.resolve();
  let prunedAt = Number.NEGATIVE_INFINITY;

  /** Deletes expired runs in batches, so no statement holds many row locks or runs long. */
  async function pruneRuns(now: Date): Promise<void> {
    const days = options.runRetentionDays;
    if (days === undefined || now.getTime() - prunedAt < PRUNE_EVERY_MS) return;
    prunedAt = now.getTime();
    const runs = createRepositories(db).syncRuns;
    const before = new Date(now.getTime() - days * 86_400_000);
    let deleted = 0;
    for (let batch = 0; batch < PRUNE_BATCHES_PER_TICK; batch++) {
      const n = await runs.prune(before, PRUNE_BATCH);
      deleted += n;
      if (n < PRUNE_BATCH) break;
    }
    if (deleted > 0) logger.info({ deleted, before: before.toISOString() }, 'old sync runs deleted');
  }

  async function tick(now = new Date()): Promise<number> {
    await queue.recoverExpired();
    const tenants = await createRepositories(db).tenants.list();
    let enqueued = 0;
    for (const tenant of tenants) {
      // Never longer than the reconcile period: a run reconciles a pair whose last full reconcile is older than
      // that (the engine decides), so with a 24 h interval and push on, a quiet user is still reconciled every 6 h,
      // and push-triggered runs in between reconcile when theirs is due. Push only adds runs; it never removes one.
      // The jitter comes off that bound, so the latest a user comes due is still within it.
      const reconcileMinutes = RECONCILE_EVERY_MS / 60_000;
      const asked = withDefaults(tenant.settings).intervalMinutes;
      const jitterMinutes = Math.min(asked, reconcileMinutes) * (options.jitter ?? DEFAULT_JITTER);
      // Queued at the time each came due: workers take the longest-due first, across tenants.
      enqueued += await queue.enqueueDue(tenant.id, {
        states: SCHEDULED_STATES,
        now,
        intervalMinutes: Math.min(asked, reconcileMinutes - jitterMinutes),
        jitterMinutes,
      });
    }
    await pruneRuns(now);
    return enqueued;
  }

  return {
    tick,
    start() {
      if (timer) return;
      const run = () => {
        current = tick().catch((error: unknown) => logger.error({ err: error }, 'scheduler tick failed'));
      };
      run();
      timer = setInterval(run, options.tickMs ?? 60_000);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await current;
    },
  };
}
