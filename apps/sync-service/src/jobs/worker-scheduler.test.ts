import { createRepositories } from '@exsync/db';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { secretContext } from '../store/port';
import { startTestApp, type TestApp } from '../testing/harness';
import { createJobQueue, type JobQueue, type SyncJob } from './queue';
import { createScheduler } from './scheduler';
import { createSyncRuntime } from './sync-runtime';
import { backoffMs, createWorker, type JobOutcome } from './worker';

const logger = pino({ level: 'silent' });
let t: TestApp;
let queue: JobQueue;
let tenantId: string;

beforeAll(async () => {
  t = await startTestApp();
  queue = createJobQueue(t.db);
  tenantId = (await t.store.tenants.create({ name: 'Acme', nextcloudUrl: 'https://cloud.acme.example' })).id;
}, 60_000);
afterAll(async () => {
  await t?.close();
});
beforeEach(async () => {
  await t.db.query('DELETE FROM exsync_jobs.sync_jobs');
  await t.db.query('DELETE FROM users');
});

async function enrol(ncUserId: string) {
  const { user } = await t.store.users.upsert(tenantId, {
    ncUserId,
    loginName: ncUserId,
    email: null,
    mailbox: `${ncUserId}@acme.example`,
    displayName: null,
    appPassword: t.vault.seal('pw', secretContext.appPassword(tenantId, ncUserId)),
  });
  return user;
}

async function runAfterOf(userId: string): Promise<number> {
  const p = await queue.pendingFor(userId);
  if (!p) throw new Error('no pending job');
  return p.runAfter.getTime();
}

describe('worker', () => {
  const worker = (outcome: () => JobOutcome | Promise<JobOutcome>, maxAttempts = 6) =>
    createWorker({ queue, logger, handle: async () => outcome(), maxAttempts, baseBackoffMs: 1000 });

  it('completes a job that needs no retry', async () => {
    const u = await enrol('done');
    await queue.enqueue({ tenantId, userId: u.id, ncUserId: u.ncUserId });
    expect(await worker(() => ({ retry: 'none' })).runOnce()).toBe(true);
    expect(await queue.pendingFor(u.id)).toBeNull();
  });

  it('retries after the time the peer named (Retry-After)', async () => {
    const u = await enrol('throttled');
    await queue.enqueue({ tenantId, userId: u.id, ncUserId: u.ncUserId });
    const before = Date.now();
    await worker(() => ({ retry: 'after', ms: 120_000 })).runOnce();
    expect(await runAfterOf(u.id)).toBeGreaterThanOrEqual(before + 119_000);
  });

  it('backs off exponentially on failures and on a throwing handler, and gives up after maxAttempts', async () => {
    expect([1, 2, 3].map((n) => backoffMs(n, 1000, 3000))).toEqual([1000, 2000, 3000]);
    const u = await enrol('failing');
    await queue.enqueue({ tenantId, userId: u.id, ncUserId: u.ncUserId });
    const w = worker(() => {
      throw new Error('boom');
    }, 2);
    const before = Date.now();
    await w.runOnce();
    expect(await runAfterOf(u.id)).toBeGreaterThanOrEqual(before + 900);
    await t.db.query('UPDATE exsync_jobs.sync_jobs SET run_after = now()');
    await w.runOnce(); // second attempt = maxAttempts: dropped
    expect(await queue.pendingFor(u.id)).toBeNull();
  });

  it('throttled attempts never count as failures: after four throttles a failure backs off from the start, and nothing gives up', async () => {
    const u = await enrol('throttled-then-500');
    await queue.enqueue({ tenantId, userId: u.id, ncUserId: u.ncUserId });
    const outcomes: JobOutcome[] = [
      { retry: 'after', ms: 1 },
      { retry: 'after', ms: 1 },
      { retry: 'after', ms: 1 },
      { retry: 'after', ms: 1 },
      { retry: 'backoff' }, // an HTML 500
    ];
    const w = worker(() => outcomes.shift() ?? { retry: 'none' }, 3);
    for (let i = 0; i < 5; i++) {
      await t.db.query('UPDATE exsync_jobs.sync_jobs SET run_after = now()');
      expect(await w.runOnce()).toBe(true);
    }
    const before = Date.now();
    const pending = await queue.pendingFor(u.id);
    expect(pending).not.toBeNull(); // not given up
    // The first failure: the base back-off (1 s here), not 2^4 of it.
    expect(pending!.runAfter.getTime() - before).toBeLessThan(1500);
  });

  it('stop() lets a running job finish within the grace period, then claims nothing more', async () => {
    const u = await enrol('slow');
    await queue.enqueue({ tenantId, userId: u.id, ncUserId: u.ncUserId });
    let finished = false;
    const seen: SyncJob[] = [];
    const w = createWorker({
      queue,
      logger,
      pollMs: 10,
      concurrency: 1,
      handle: async (job) => {
        seen.push(job);
        await new Promise((r) => setTimeout(r, 200));
        finished = true;
        return { retry: 'none' };
      },
    });
    w.start();
    while (seen.length === 0) await new Promise((r) => setTimeout(r, 10));
    await w.stop(5000);
    expect(finished).toBe(true);
    await queue.enqueue({ tenantId, userId: u.id, ncUserId: u.ncUserId });
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toHaveLength(1);
  });
});

describe('leases', () => {
  it('a worker renews the lease of a long job, so it is not recovered from under it', async () => {
    const u = await enrol('long');
    await queue.enqueue({ tenantId, userId: u.id, ncUserId: u.ncUserId });
    let recovered = -1;
    const w = createWorker({
      queue,
      logger,
      leaseMs: 1000,
      handle: async () => {
        await new Promise((r) => setTimeout(r, 2500));
        recovered = await queue.recoverExpired();
        return { retry: 'none' };
      },
    });
    expect(await w.runOnce()).toBe(true);
    expect(recovered).toBe(0);
  });

  it('the embedded database frees every lease at start-up: a job left running by a killed process runs again', async () => {
    const u = await enrol('killed');
    await queue.enqueue({ tenantId, userId: u.id, ncUserId: u.ncUserId });
    expect(await queue.claim(30 * 60_000)).not.toBeNull(); // then kill -9
    const other = await enrol('killed-no-job');
    const repos = createRepositories(t.db);
    await repos.syncRuns.start(other.id); // a run whose job is gone
    const runtime = createSyncRuntime({ db: t.db, vault: t.vault, logger });
    await runtime.prepare();
    expect(await queue.pendingFor(u.id)).toMatchObject({ state: 'queued' });
    expect((await repos.syncRuns.listForUser(other.id))[0]).toMatchObject({
      outcome: 'failed',
      error: 'interrupted: the worker stopped',
    });
  });
});

describe('scheduler', () => {
  it('enqueues users whose interval has passed, never paused users or users waiting for credentials', async () => {
    const fresh = await enrol('fresh');
    const due = await enrol('due');
    const recent = await enrol('recent');
    const paused = await enrol('paused');
    const locked = await enrol('locked');
    await t.store.tenants.putSettings(tenantId, { intervalMinutes: 15 });
    await t.db.query("UPDATE users SET last_attempt_at = now() - interval '20 minutes' WHERE id = $1", [due.id]);
    await t.db.query("UPDATE users SET last_attempt_at = now() - interval '5 minutes' WHERE id = $1", [recent.id]);
    await t.db.query("UPDATE users SET state = 'paused' WHERE id = $1", [paused.id]);
    await t.db.query("UPDATE users SET state = 'auth_required' WHERE id = $1", [locked.id]);
    const scheduler = createScheduler({ db: t.db, queue, logger });

    expect(await scheduler.tick()).toBe(2);
    expect(await queue.pendingFor(fresh.id)).not.toBeNull();
    expect(await queue.pendingFor(due.id)).not.toBeNull();
    for (const u of [recent, paused, locked]) expect(await queue.pendingFor(u.id)).toBeNull();
    expect(await scheduler.tick()).toBe(0); // already queued: nothing twice
  });

  it('with a 24 h interval (push on), still syncs every user at least every 6 h, so the periodic reconcile runs', async () => {
    const quiet = await enrol('quiet');
    const recent = await enrol('recent');
    await t.store.tenants.putSettings(tenantId, { intervalMinutes: 1440 });
    await t.db.query("UPDATE users SET last_attempt_at = now() - interval '6 hours 1 minute' WHERE id = $1", [
      quiet.id,
    ]);
    await t.db.query("UPDATE users SET last_attempt_at = now() - interval '5 hours' WHERE id = $1", [recent.id]);
    const scheduler = createScheduler({ db: t.db, queue, logger });
    expect(await scheduler.tick()).toBe(1);
    expect(await queue.pendingFor(quiet.id)).not.toBeNull();
    expect(await queue.pendingFor(recent.id)).toBeNull();
    await t.store.tenants.putSettings(tenantId, {});
  });

  it('deletes finished runs older than the retention, once an hour, keeping the newest sync; without a retention it keeps them', async () => {
    const user = await enrol('history');
    const runs = createRepositories(t.db).syncRuns;
    const finishedDaysAgo = async (days: number) => {
      const run = await runs.start(user.id);
      await runs.finish(run.id, { outcome: 'success' });
      await t.db.query(
        `UPDATE sync_runs SET started_at = now() - $2 * interval '1 day', finished_at = now() - $2 * interval '1 day' WHERE id = $1`,
        [run.id, days],
      );
      return run.id;
    };
    const old = await finishedDaysAgo(40);
    const newestButOld = await finishedDaysAgo(35);
    const count = async () =>
      (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM sync_runs WHERE user_id = $1', [user.id]))[0]!.n;

    await createScheduler({ db: t.db, queue, logger }).tick();
    expect(await count()).toBe(2); // no retention: kept

    const scheduler = createScheduler({ db: t.db, queue, logger, runRetentionDays: 30 });
    const now = new Date();
    await scheduler.tick(now);
    const left = await t.db.query<{ id: string }>('SELECT id FROM sync_runs WHERE user_id = $1', [user.id]);
    expect(left.map((r) => r.id)).toEqual([newestButOld]);
    expect(left.map((r) => r.id)).not.toContain(old);

    // A newer sync makes the one kept prunable, but not before the hour since the last pruning is up.
    await finishedDaysAgo(1);
    await scheduler.tick(new Date(now.getTime() + 59 * 60_000));
    expect(await count()).toBe(2);
    await scheduler.tick(new Date(now.getTime() + 60 * 60_000));
    expect(await count()).toBe(1);
  });
});

describe('idle worker', () => {
  it('does not add an abort listener per idle poll (no listener leak over many polls)', async () => {
    await t.db.query('DELETE FROM exsync_jobs.sync_jobs');
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    let polls = 0;
    const counting: JobQueue = {
      ...queue,
      claim: async (ms) => {
        polls++;
        return queue.claim(ms);
      },
    };
    const w = createWorker({
      queue: counting,
      logger,
      pollMs: 1,
      concurrency: 1,
      handle: async () => ({ retry: 'none' }),
    });
    try {
      w.start();
      while (polls < 60) await new Promise((r) => setTimeout(r, 5));
      await w.stop(1000);
      await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((m) => m.includes('MaxListenersExceeded'))).toEqual([]);
  });
});

describe('a job queued in the process', () => {
  it('wakes the idle worker loops at once, not at their next poll (scheduler tick, routes and push in one process)', async () => {
    const repos = createRepositories(t.db);
    const runtime = createSyncRuntime({
      db: t.db,
      vault: t.vault,
      logger,
      // Longer than the test may take: only a wake-up can start the job in time.
      worker: { pollMs: 60_000 },
      schedulerTickMs: 60_000,
    });
    await runtime.prepare();
    runtime.start();
    try {
      await new Promise((r) => setTimeout(r, 500)); // the first tick found nobody; both loops pause
      const u = await enrol('woken');
      await runtime.queue.enqueue({ tenantId, userId: u.id, ncUserId: u.ncUserId });
      // The sync itself fails at once (the tenant has no Exchange connection): what counts is that it ran.
      let runs = await repos.syncRuns.listForUser(u.id);
      for (let i = 0; i < 100 && runs.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
        runs = await repos.syncRuns.listForUser(u.id);
      }
      expect(runs).toHaveLength(1);
    } finally {
      await runtime.stop(1000);
    }
  });
});
