import { isStoreError, type RunReport } from '@exsync/core';
import type { OperationsRepository } from '@exsync/db';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { DIRECTIONS } from '../routes/run-counts';

/** The backends the service talks to; each request is counted under one. */
export type Backend = 'ews' | 'graph' | 'dav';

/** Where a throttling wait happened: inside a client (Graph honours a short Retry-After) or as a re-queued job. */
export type ThrottleWhere = 'client' | 'queue';

/**
 * What the sync code reports as it goes. The process keeps the counts (one Prometheus registry per process);
 * gauges read from the database at scrape time, so every process reports the same users and queue.
 */
export interface SyncMetrics {
  readonly registry: Registry;
  /** A pair's run ended with a report (any outcome). */
  pairRun(kind: string, report: RunReport, seconds: number): void;
  /** A pair's run could not start or failed outside the engine. */
  pairFailed(kind: string, error: unknown, seconds: number): void;
  /** One HTTP exchange with a backend; `status` undefined when no answer came (network error, timeout). */
  backendRequest(backend: Backend, status: number | undefined): void;
  throttleWait(where: ThrottleWhere, ms: number): void;
}

/** 1xx..5xx, or `network` when the request got no HTTP answer. */
export function statusClass(status: number | undefined): string {
  return status === undefined || status < 100 || status > 599 ? 'network' : `${Math.floor(status / 100)}xx`;
}

/** A stable label for an error: a core store error's code, else the error's class name (never its message). */
export function errorCode(error: unknown): string {
  if (isStoreError(error)) return error.code;
  return error instanceof Error ? error.name : 'unknown';
}

export interface MetricsOptions {
  /** Read at scrape time for `exsync_users` and `exsync_queue_jobs`; left out by processes that have no database. */
  readonly operations?: OperationsRepository;
  /** Node's own process metrics (CPU, memory, event loop lag) under `exsync_process_…`. Default true. */
  readonly processMetrics?: boolean;
}

export function createMetrics(options: MetricsOptions = {}): SyncMetrics {
  const registry = new Registry();
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'exsync_' });
  const runs = new Counter({
    name: 'exsync_runs_total',
    help: 'Pair runs (one item kind of one user) by kind and outcome.',
    labelNames: ['kind', 'outcome'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'exsync_run_duration_seconds',
    help: 'How long a pair run took, by kind.',
    labelNames: ['kind'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900],
    registers: [registry],
  });
  const items = new Counter({
    name: 'exsync_items_written_total',
    help: 'Items written by kind, action (create/update/delete) and direction (exchange_to_nextcloud/nextcloud_to_exchange).',
    labelNames: ['kind', 'action', 'direction'],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'exsync_errors_total',
    help: 'Errors by code: a pair run that failed (store error code or error class), or items that failed (item-failed).',
    labelNames: ['code'],
    registers: [registry],
  });
  const requests = new Counter({
    name: 'exsync_backend_requests_total',
    help: 'HTTP requests to a backend (ews, graph, dav) by status class (2xx..5xx, network).',
    labelNames: ['backend', 'status_class'],
    registers: [registry],
  });
  const waits = new Counter({
    name: 'exsync_throttle_waits_total',
    help: 'Times a server asked us to slow down and we waited: in the client (client) or by re-queuing the job (queue).',
    labelNames: ['where'],
    registers: [registry],
  });
  const waited = new Counter({
    name: 'exsync_throttle_wait_seconds_total',
    help: 'Seconds waited because a server asked us to slow down.',
    labelNames: ['where'],
    registers: [registry],
  });
  const ops = options.operations;
  if (ops) {
    new Gauge({
      name: 'exsync_users',
      help: 'Enrolled users by state (all tenants).',
      labelNames: ['state'],
      registers: [registry],
      async collect() {
        const counts = await ops.usersPerState();
        for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
      },
    });
    new Gauge({
      name: 'exsync_queue_jobs',
      help: 'Sync jobs in the queue: waiting (queued) or being run (active).',
      labelNames: ['state'],
      registers: [registry],
      async collect() {
        const stats = await ops.queueStats();
        this.set({ state: 'queued' }, stats.queued);
        this.set({ state: 'active' }, stats.active);
      },
    });
    new Gauge({
      name: 'exsync_queue_oldest_due_seconds',
      help: 'How long the longest-waiting due job has waited (0 when none is due).',
      registers: [registry],
      async collect() {
        const { oldestDueSince } = await ops.queueStats();
        this.set(oldestDueSince ? Math.max(0, (Date.now() - oldestDueSince.getTime()) / 1000) : 0);
      },
    });
  }

  return {
    registry,
    pairRun(kind, report, seconds) {
      runs.inc({ kind, outcome: report.outcome });
      duration.observe({ kind }, seconds);
      for (const [group, actions] of Object.entries(report.counts)) {
        const direction = DIRECTIONS[group];
        if (!direction) continue;
        for (const [action, n] of Object.entries(actions)) if (n > 0) items.inc({ kind, action, direction }, n);
      }
      const failedItems = Object.values(report.counts.failed ?? {}).reduce((a, b) => a + b, 0);
      if (failedItems > 0) errors.inc({ code: 'item-failed' }, failedItems);
      if (report.outcome === 'auth-failed') errors.inc({ code: 'auth' });
      if (report.outcome === 'throttled' || report.outcome === 'unavailable') errors.inc({ code: 'retryable' });
    },
    pairFailed(kind, error, seconds) {
      runs.inc({ kind, outcome: 'failed' });
      duration.observe({ kind }, seconds);
      errors.inc({ code: errorCode(error) });
    },
    backendRequest(backend, status) {
      requests.inc({ backend, status_class: statusClass(status) });
    },
    throttleWait(where, ms) {
      waits.inc({ where });
      waited.inc({ where }, ms / 1000);
    },
  };
}
