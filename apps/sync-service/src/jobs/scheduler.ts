import { RECONCILE_EVERY_MS } from '@exsync/core';
import { createRepositories, type Database } from '@exsync/db';
import type { Logger } from 'pino';
import { withDefaults } from '../settings';
import type { JobQueue } from './queue';

/** States whose users the scheduler syncs. Paused users and refused credentials wait for a person. */
export const SCHEDULED_STATES = ['active', 'throttled', 'error', 'needs_review'] as const;

/** Default spread of due times: a tenth of the interval. */
export const DEFAULT_JITTER = 0.1;

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
}): Scheduler {
  const { db, queue, logger } = options;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<unknown> = Promise.resolve();

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
