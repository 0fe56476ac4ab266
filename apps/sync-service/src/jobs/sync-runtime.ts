import { AdvisoryPairLock, createRepositories, type Database, PrismaStatusStore } from '@exsync/db';
import type { Logger } from 'pino';
import type { SyncMetrics } from '../metrics/metrics';
import type { GraphPush } from '../push/graph-push';
import { createGraphRenewer, type GraphRenewer } from '../push/graph-renewal';
import { createExchangeStores, type ExchangeStoreFactory } from '../sync/exchange-stores';
import { syncUser } from '../sync/sync-user';
import type { Vault } from '../vault/vault';
import { createJobQueue, type JobQueue, type QueueLimits } from './queue';
import { createScheduler, type Scheduler } from './scheduler';
import { createWorker, type JobHandler, type Worker, type WorkerOptions } from './worker';

export interface SyncRuntimeOptions {
  readonly db: Database;
  readonly vault: Vault;
  readonly logger: Logger;
  readonly exchangeStores?: ExchangeStoreFactory;
  readonly davRoot?: (nextcloudUrl: string) => string;
  readonly worker?: Omit<WorkerOptions, 'queue' | 'handle' | 'logger'>;
  readonly schedulerTickMs?: number;
  /** Spread of due times as a share of the interval (the scheduler's `jitter`). */
  readonly schedulerJitter?: number;
  /** Days finished sync runs are kept (the scheduler's `runRetentionDays`); unset: for ever. */
  readonly runRetentionDays?: number;
  /** Caps on syncs at once per Exchange connection and per Nextcloud host, across every worker. */
  readonly limits?: QueueLimits;
  /** Counts what the syncs do, for /metrics. */
  readonly metrics?: SyncMetrics;
  /** Graph change notifications; without it (no EXSYNC_PUBLIC_URL) the service polls only. */
  readonly push?: GraphPush;
  /** Items one sync writes at once, and requests in flight per Nextcloud host (`UserSyncDeps`). */
  readonly writes?: { readonly concurrency: number; readonly maxPerNextcloud: number };
  /** How often the Graph subscriptions are checked for renewal (with `push`). Default 15 min. */
  readonly renewalTickMs?: number;
}

export interface SyncRuntime {
  readonly queue: JobQueue;
  readonly worker: Worker;
  readonly scheduler: Scheduler;
  /** With `push`: renews Graph subscriptions on its own timer, whatever the sync interval. */
  readonly renewer: GraphRenewer | undefined;
  /**
   * Creates the queue's tables and returns jobs of stopped workers to the queue (closing their runs as
   * interrupted); call before the routes or the worker use the queue.
   */
  prepare(): Promise<void>;
  /** Starts the worker loops and the scheduler. */
  start(): void;
  stop(graceMs?: number): Promise<void>;
}

/** The queue, the job handler that syncs a user, the worker and the scheduler, composed once per process. */
export function createSyncRuntime(options: SyncRuntimeOptions): SyncRuntime {
  const { db, logger } = options;
  const shared = createJobQueue(db, options.limits);
  // A job queued in this process (the scheduler's tick, a route or a notification in `exsync serve`) that is due now
  // starts at once: without this, an idle worker found it only at its next poll, up to pollMs later.
  const queue: JobQueue = {
    ...shared,
    async enqueue(input) {
      const queued = await shared.enqueue(input);
      if (!input.runAt || input.runAt.getTime() <= Date.now()) worker.wake();
      return queued;
    },
    async enqueueDue(tenantId, due) {
      // The scheduler's jobs are queued when they came due, never later than now: each is due at once.
      const created = await shared.enqueueDue(tenantId, due);
      if (created > 0) worker.wake();
      return created;
    },
  };
  const exchangeStores =
    options.exchangeStores ?? createExchangeStores({ ...(options.metrics ? { metrics: options.metrics } : {}) });
  const deps = {
    db,
    repos: createRepositories(db),
    vault: options.vault,
    logger,
    status: new PrismaStatusStore(db),
    lock: new AdvisoryPairLock(db),
    exchangeStores,
    ...(options.davRoot ? { davRoot: options.davRoot } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.push ? { push: options.push } : {}),
    ...(options.writes
      ? { writeConcurrency: options.writes.concurrency, nextcloudMaxRequests: options.writes.maxPerNextcloud }
      : {}),
  };
  const handle: JobHandler = async (job, signal) => {
    const result = await syncUser(deps, { userId: job.userId, resync: job.resync, signal });
    if ('skipped' in result) return { retry: 'none' };
    const { verdict } = result;
    if (verdict.retry === 'after') {
      const ms = verdict.retryAfterMs ?? 60_000;
      // A held lock also retries later; only a server's request to slow down is a throttling wait.
      if (verdict.state === 'throttled') options.metrics?.throttleWait('queue', ms);
      return { retry: 'after', ms };
    }
    return verdict.retry === 'backoff' ? { retry: 'backoff' } : { retry: 'none' };
  };
  const worker = createWorker({ ...options.worker, queue, handle, logger });
  const scheduler = createScheduler({
    db,
    queue,
    logger,
    ...(options.schedulerTickMs ? { tickMs: options.schedulerTickMs } : {}),
    ...(options.schedulerJitter !== undefined ? { jitter: options.schedulerJitter } : {}),
    ...(options.runRetentionDays !== undefined ? { runRetentionDays: options.runRetentionDays } : {}),
  });
  const renewer = options.push
    ? createGraphRenewer({
        repos: deps.repos,
        vault: options.vault,
        logger,
        queue,
        push: options.push,
        // The factory's own client (shared token cache) when it has one; a test's factory may not.
        graphClient: hasGraphClient(exchangeStores) ? exchangeStores.graphClient : createExchangeStores().graphClient,
        ...(options.renewalTickMs ? { tickMs: options.renewalTickMs } : {}),
      })
    : undefined;
  let stopReopenRecovery: (() => void) | undefined;
  return {
    queue,
    worker,
    scheduler,
    renewer,
    async prepare() {
      await queue.start();
      // Jobs left running by a process that is gone run again at once, not when their lease ends. The embedded
      // database has one process: every lease is ours from before. PostgreSQL: only leases nobody renewed.
      const released = db.kind === 'pglite' ? await queue.releaseAll() : await queue.recoverExpired();
      if (released > 0) logger.warn({ jobs: released }, 'returned jobs of a stopped worker to the queue');
      // An embedded database that stopped working and was reopened is a start-up of its own: the work of the dead
      // instance is gone (a run still going here fails on its next query and is retried), so its leases must not
      // hold the jobs until they expire, nor its runs stay `running`.
      stopReopenRecovery?.();
      stopReopenRecovery = db.onReopen(async () => {
        const back = await queue.releaseAll();
        if (back > 0) logger.warn({ jobs: back }, 'returned jobs of the stopped embedded database to the queue');
      });
    },
    start() {
      worker.start();
      scheduler.start();
      renewer?.start();
    },
    async stop(graceMs) {
      stopReopenRecovery?.();
      stopReopenRecovery = undefined;
      await renewer?.stop();
      await scheduler.stop();
      await worker.stop(graceMs);
    },
  };
}

function hasGraphClient(
  f: ExchangeStoreFactory,
): f is ExchangeStoreFactory & Pick<ReturnType<typeof createExchangeStores>, 'graphClient'> {
  return typeof (f as { graphClient?: unknown }).graphClient === 'function';
}
