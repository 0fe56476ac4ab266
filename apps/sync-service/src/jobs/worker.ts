import type { Logger } from 'pino';
import type { JobQueue, SyncJob } from './queue';

/** What a handler asks of the queue once its job ends. */
export type JobOutcome =
  | { readonly retry: 'none' }
  /** The peer named a time (Retry-After, a held lock). */
  | { readonly retry: 'after'; readonly ms: number }
  /** Failed for a reason that may pass: exponential back-off. */
  | { readonly retry: 'backoff' };

export type JobHandler = (job: SyncJob, signal: AbortSignal) => Promise<JobOutcome>;

export interface WorkerOptions {
  readonly queue: JobQueue;
  readonly handle: JobHandler;
  readonly logger: Logger;
  /** Jobs run at once by this process. Default 2. */
  readonly concurrency?: number;
  /** Pause between polls when the queue is empty. Default 2 s. */
  readonly pollMs?: number;
  /**
   * How long a claimed job is leased; the worker renews the lease every quarter of it while the job runs, so a
   * worker that dies frees its jobs after about this long. Default 1 min.
   */
  readonly leaseMs?: number;
  /** Attempts before a failing job is dropped (the scheduler enqueues the user again later). Default 6. */
  readonly maxAttempts?: number;
  readonly baseBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

export interface Worker {
  start(): void;
  /** Claims and runs one due job; false when none was due. For tests and for the poll loop. */
  runOnce(): Promise<boolean>;
  /** Ends the idle pause of every loop now: a job was queued (in this process) that need not wait for the next poll. */
  wake(): void;
  /** Stops claiming, lets running jobs finish for `graceMs`, then cancels them through their signal. */
  stop(graceMs?: number): Promise<void>;
}

/** Back-off for the n-th failed attempt: base · 2^(n-1), capped. */
export function backoffMs(attempts: number, baseMs = 30_000, maxMs = 30 * 60_000): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
}

export function createWorker(options: WorkerOptions): Worker {
  const { queue, handle, logger } = options;
  const concurrency = options.concurrency ?? 2;
  const pollMs = options.pollMs ?? 2000;
  const leaseMs = options.leaseMs ?? 60_000;
  const maxAttempts = options.maxAttempts ?? 6;
  const stopping = new AbortController();
  const abort = new AbortController();
  const running = new Set<Promise<void>>();
  let loops: Promise<void>[] = [];
  /** The loops pausing between polls, each ended by calling it. */
  const idle = new Set<() => void>();
  /** wake() calls so far: a loop that was claiming when one came does not pause at all. */
  let wakes = 0;

  /** Waits `pollMs`, or until wake() or stop(); not at all if a wake came since `since`. */
  function pause(since: number): Promise<void> {
    if (wakes !== since) return Promise.resolve();
    return new Promise((done) => {
      const end = () => {
        clearTimeout(timer);
        idle.delete(end);
        done();
      };
      const timer = setTimeout(end, pollMs);
      timer.unref?.();
      idle.add(end);
    });
  }
  const wake = () => {
    wakes++;
    for (const end of [...idle]) end();
  };

  async function runJob(job: SyncJob): Promise<void> {
    let outcome: JobOutcome;
    // The heartbeat: while this process lives, its job keeps its lease; once it dies, others recover the job.
    const beat = setInterval(() => {
      queue.heartbeat(job, leaseMs).catch((error: unknown) => {
        logger.warn({ jobId: job.id, err: error }, 'could not renew the job lease');
      });
    }, leaseMs / 4);
    beat.unref();
    try {
      outcome = await handle(job, abort.signal);
    } catch (error) {
      logger.error({ jobId: job.id, ncUserId: job.ncUserId, err: error }, 'sync job failed');
      outcome = { retry: 'backoff' };
    } finally {
      clearInterval(beat);
    }
    if (outcome.retry === 'none' || abort.signal.aborted) {
      // A cancelled job is put back so another replica (or the next start) finishes it.
      if (abort.signal.aborted && outcome.retry !== 'none') await queue.retry(job, new Date());
      else await queue.complete(job);
      return;
    }
    if (outcome.retry === 'backoff' && job.attempts >= maxAttempts) {
      logger.warn({ jobId: job.id, ncUserId: job.ncUserId, attempts: job.attempts }, 'sync job gave up');
      await queue.complete(job);
      return;
    }
    if (outcome.retry === 'after') {
      // The peer named its time (throttling, a held lock): waiting for it is no failure, so this attempt does not
      // count toward the back-off or toward giving up.
      await queue.retry({ ...job, attempts: Math.max(0, job.attempts - 1) }, new Date(Date.now() + outcome.ms));
      return;
    }
    await queue.retry(job, new Date(Date.now() + backoffMs(job.attempts, options.baseBackoffMs, options.maxBackoffMs)));
  }

  async function runOnce(): Promise<boolean> {
    const job = await queue.claim(leaseMs);
    if (!job) return false;
    const p = runJob(job);
    running.add(p);
    try {
      await p;
    } finally {
      running.delete(p);
    }
    return true;
  }

  async function loop(): Promise<void> {
    while (!stopping.signal.aborted) {
      let worked = false;
      const since = wakes;
      try {
        worked = await runOnce();
      } catch (error) {
        logger.error({ err: error }, 'job queue unavailable');
      }
      if (!worked && !stopping.signal.aborted) await pause(since);
    }
  }

  return {
    start() {
      if (loops.length > 0) return;
      loops = Array.from({ length: concurrency }, () => loop());
    },
    runOnce,
    wake,
    async stop(graceMs = 10_000) {
      stopping.abort();
      wake();
      const all = Promise.allSettled([...loops, ...running]);
      await Promise.race([all, sleep(graceMs)]);
      // Still running after the grace period: cancel, and give the jobs a moment to put themselves back.
      abort.abort();
      await Promise.race([all, sleep(2000)]);
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms).unref?.());
}
