import { AdvisoryPairLock, createOperationsRepository, createRepositories } from '@exsync/db';
import type { Logger } from 'pino';
import { buildApp } from './app';
import { ensureAdminKey } from './bootstrap';
import type { Config } from './config';
import { createSyncRuntime } from './jobs/sync-runtime';
import { createMetrics } from './metrics/metrics';
import { EwsPush } from './push/ews-push';
import { GraphPush, graphUnsubscriber } from './push/graph-push';
import { openRuntime } from './runtime';
import { createExchangeStores } from './sync/exchange-stores';
import { createMailboxProbe } from './sync/mailbox-probe';
import { createOnlineRotation } from './vault/online-rotation';

/**
 * What a process does: `serve` = API and workers; `api` = the API only (scale it behind a load balancer);
 * `worker` = syncs only (its HTTP port serves /healthz, /readyz and /metrics, nothing else). Every process shares
 * the job queue in PostgreSQL, so a user's sync runs in one process at a time.
 */
export type ProcessRole = 'serve' | 'api' | 'worker';

export interface RunningServer {
  url: string;
  /** Stops accepting, lets in-flight requests finish, closes the database. */
  close(): Promise<void>;
}

/**
 * Opens the database, migrates, prints the admin key on first start, and listens. The key goes to stderr: stdout
 * carries the JSON logs, which are shipped and kept, and a key must not end up in them.
 */
export async function startServer(
  config: Config,
  logger: Logger,
  print: (text: string) => void = (text) => process.stderr.write(`${text}\n`),
  role: ProcessRole = 'serve',
): Promise<RunningServer> {
  const runtime = await openRuntime(config, logger, { migrate: true });
  try {
    // A worker serves no key-protected route but /metrics; the first-start key belongs to the API.
    if (role !== 'worker') await ensureAdminKey(runtime.store, config, print);
    const metrics = createMetrics({ operations: createOperationsRepository(runtime.db) });
    // The embedded database is one session for the whole process: one sync at a time there.
    const push = config.publicUrl
      ? new GraphPush({ repos: createRepositories(runtime.db), vault: runtime.vault, publicUrl: config.publicUrl })
      : undefined;
    if (role !== 'api') {
      if (push) logger.info({ notificationUrl: push.notificationUrl }, 'Graph change notifications on');
      else logger.warn('EXSYNC_PUBLIC_URL is not set: Graph change notifications off, changes wait for polling');
    }
    const sync = createSyncRuntime({
      ...(push ? { push } : {}),
      metrics,
      db: runtime.db,
      vault: runtime.vault,
      logger,
      worker: {
        concurrency: config.workerConcurrency,
        leaseMs: config.jobLeaseMs,
        baseBackoffMs: config.retryBackoffMs,
      },
      writes: { concurrency: config.writeConcurrency, maxPerNextcloud: config.nextcloudMaxRequests },
      // The sweep that returns a dead worker's jobs runs once per lease, so they wait at most about two leases.
      schedulerTickMs: Math.min(60_000, config.jobLeaseMs),
      schedulerJitter: config.scheduleJitter,
      runRetentionDays: config.runRetentionDays,
      limits: {
        ...(config.maxSyncsPerExchange !== undefined ? { perExchange: config.maxSyncsPerExchange } : {}),
        ...(config.maxSyncsPerNextcloud !== undefined ? { perNextcloudHost: config.maxSyncsPerNextcloud } : {}),
      },
    });
    await sync.prepare();
    const app = await buildApp({
      store: runtime.store,
      vault: runtime.vault,
      logger,
      adminKey: config.adminKey,
      metricsKey: config.metricsKey,
      metrics,
      trustProxy: config.trustProxy,
      rotateKey: createOnlineRotation(config, runtime.store, runtime.vault),
      sync: { db: runtime.db, queue: sync.queue },
      probeMailbox: createMailboxProbe({ repos: createRepositories(runtime.db), vault: runtime.vault }),
      // Without a public URL nothing was subscribed; stored subscriptions of an earlier setting are still cleaned.
      beforeUserRemoved: graphUnsubscriber({
        repos: createRepositories(runtime.db),
        vault: runtime.vault,
        logger,
        graphClient: createExchangeStores().graphClient,
      }),
      surface: role === 'worker' ? 'operations' : 'full',
    });
    const url = await app.listen({ host: config.host, port: config.port });
    logger.info(
      {
        url,
        role,
        ...(role === 'worker' ? { concurrency: config.workerConcurrency } : { docs: `${url}/docs` }),
        database: config.databaseUrl ? 'postgresql' : `embedded (${config.dataDir})`,
      },
      'exsync sync service listening',
    );
    // EWS streaming notifications need no public URL: the service holds the connections open itself.
    const ewsPush =
      role === 'api'
        ? undefined
        : new EwsPush({
            repos: createRepositories(runtime.db),
            vault: runtime.vault,
            logger,
            queue: sync.queue,
            lock: new AdvisoryPairLock(runtime.db),
          });
    if (role !== 'api') sync.start();
    ewsPush?.start();
    let closing: Promise<void> | undefined;
    return {
      url,
      close() {
        closing ??= (async () => {
          // Running syncs get most of the shutdown grace; then they are cancelled and put back in the queue.
          await ewsPush?.stop();
          await sync.stop(5000);
          await app.close();
          await runtime.close();
        })();
        return closing;
      },
    };
  } catch (e) {
    await runtime.close();
    throw e;
  }
}

/** SIGTERM / SIGINT: finish in-flight requests and close the database; a second signal or 10 s forces exit. */
export function handleSignals(server: RunningServer, logger: Logger, graceMs = 10_000): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error('shutdown took too long: exiting');
      process.exit(1);
    }, graceMs);
    timer.unref();
    server.close().then(
      () => {
        logger.info('stopped');
        logger.flush?.();
        process.exit(0);
      },
      (e: unknown) => {
        logger.error({ err: e }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
