import { randomUUID } from 'node:crypto';
import { createRepositories } from '@exsync/db';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { secretContext } from '../store/port';
import { createThrowawayPostgres, startTestApp, type TestApp, WITH_POSTGRES } from '../testing/harness';
import { createJobQueue, type JobQueue } from './queue';

const engines = [
  ['PGlite', false],
  ['PostgreSQL', true],
] as const;

for (const [name, postgres] of engines) {
  describe.skipIf(postgres && !WITH_POSTGRES)(`job queue on ${name}`, () => {
    let t: TestApp;
    let drop: (() => Promise<void>) | undefined;
    let queue: JobQueue;
    const tenantId = randomUUID();
    const job = (userId = randomUUID()) => ({ tenantId, userId, ncUserId: `u-${userId.slice(0, 8)}` });

    beforeAll(async () => {
      const pg = postgres ? await createThrowawayPostgres() : undefined;
      drop = pg?.drop;
      t = await startTestApp(pg ? { databaseUrl: pg.url } : {});
      queue = createJobQueue(t.db);
      await queue.start(); // a second start (the harness did one) must be harmless
    }, 60_000);
    afterAll(async () => {
      await t?.close();
      await drop?.();
    });
    beforeEach(async () => {
      await t.db.query('DELETE FROM exsync_jobs.sync_jobs');
    });

    it('keeps one waiting job per user; asking again merges into it (a resync stays a resync)', async () => {
      const j = job();
      const first = await queue.enqueue({ ...j, resync: true });
      const second = await queue.enqueue(j);
      expect(first.created).toBe(true);
      expect(second).toEqual({ id: first.id, created: false });
      expect(await queue.pendingFor(j.userId)).toMatchObject({ state: 'queued', resync: true });
    });

    it('never runs two jobs of one user at once, but runs other users’ jobs meanwhile', async () => {
      const alice = job();
      const bob = job();
      await queue.enqueue(alice);
      const running = await queue.claim(60_000);
      expect(running?.userId).toBe(alice.userId);
      await queue.enqueue(alice); // asked again while running: waits
      await queue.enqueue(bob);
      const next = await queue.claim(60_000);
      expect(next?.userId).toBe(bob.userId);
      expect(await queue.claim(60_000)).toBeNull();
      if (!running) throw new Error('unreachable');
      await queue.complete(running);
      expect((await queue.claim(60_000))?.userId).toBe(alice.userId);
    });

    it('hands concurrent claimers different jobs', async () => {
      await queue.enqueue(job());
      await queue.enqueue(job());
      const [x, y] = await Promise.all([queue.claim(60_000), queue.claim(60_000)]);
      expect(x).not.toBeNull();
      expect(y).not.toBeNull();
      expect(x?.id).not.toBe(y?.id);
    });

    it('a change notification never brings a waiting job forward (a throttled retry time holds); a person does', async () => {
      const j = job();
      const later = new Date(Date.now() + 3_600_000);
      await queue.enqueue({ ...j, runAt: later });
      await queue.enqueue({ ...j, mode: 'when-due' });
      expect(await queue.claim(60_000)).toBeNull();
      await queue.enqueue(j);
      expect((await queue.claim(60_000))?.userId).toBe(j.userId);
    });

    it('puts a retried job back for later with its attempt count', async () => {
      const j = job();
      await queue.enqueue(j);
      const claimed = await queue.claim(60_000);
      if (!claimed) throw new Error('nothing claimed');
      expect(claimed.attempts).toBe(1);
      await queue.retry(claimed, new Date(Date.now() + 60_000));
      expect(await queue.claim(60_000)).toBeNull();
      expect(await queue.pendingFor(j.userId)).toMatchObject({ state: 'queued' });
      await queue.retry({ ...claimed, id: '0' }, new Date()); // merged into the waiting one, brought forward
      expect((await queue.claim(60_000))?.attempts).toBe(2);
    });

    it('drops a waiting job on cancel and returns the job of a worker that died', async () => {
      const paused = job();
      await queue.enqueue(paused);
      expect(await queue.cancelWaiting(paused.userId)).toBe(1);
      expect(await queue.pendingFor(paused.userId)).toBeNull();

      const crashed = job();
      await queue.enqueue(crashed);
      expect(await queue.claim(1)).not.toBeNull();
      await new Promise((r) => setTimeout(r, 20));
      expect(await queue.claim(60_000)).toBeNull();
      expect(await queue.recoverExpired()).toBe(1);
      expect(await queue.claim(60_000)).toMatchObject({ userId: crashed.userId, attempts: 2 });
    });

    /** A real user (runs reference users), enrolled in a tenant of this suite. */
    async function enrolled(ncUserId: string) {
      const tenant = await t.store.tenants.create({ name: `T ${ncUserId}`, nextcloudUrl: 'https://cloud.example' });
      const { user } = await t.store.users.upsert(tenant.id, {
        ncUserId,
        loginName: ncUserId,
        email: null,
        mailbox: `${ncUserId}@example.com`,
        displayName: null,
        appPassword: t.vault.seal('pw', secretContext.appPassword(tenant.id, ncUserId)),
      });
      return { tenantId: tenant.id, userId: user.id, ncUserId };
    }

    it('recovers the job of a worker that stopped renewing its lease, and closes the run it left `running`', async () => {
      const j = await enrolled(`dead-${randomUUID().slice(0, 6)}`);
      const repos = createRepositories(t.db);
      await queue.enqueue(j);
      expect(await queue.claim(30)).not.toBeNull();
      const orphan = await repos.syncRuns.start(j.userId); // the worker was killed (kill -9) mid-run
      await new Promise((r) => setTimeout(r, 60));
      expect(await queue.recoverExpired()).toBe(1);
      const [run] = await repos.syncRuns.listForUser(j.userId);
      expect(run).toMatchObject({ id: orphan.id, outcome: 'failed', error: 'interrupted: the worker stopped' });
      expect(run?.finishedAt).not.toBeNull();
      expect(await queue.claim(60_000)).toMatchObject({ userId: j.userId });
    });

    it('a live worker renews its lease (heartbeat): its job is not taken away, its run not closed', async () => {
      const j = await enrolled(`live-${randomUUID().slice(0, 6)}`);
      const repos = createRepositories(t.db);
      await queue.enqueue(j);
      const claimed = await queue.claim(100);
      if (!claimed) throw new Error('nothing claimed');
      await repos.syncRuns.start(j.userId);
      for (let i = 0; i < 4; i++) {
        await new Promise((r) => setTimeout(r, 40));
        await queue.heartbeat(claimed, 100);
      }
      expect(await queue.recoverExpired()).toBe(0);
      expect((await repos.syncRuns.listForUser(j.userId))[0]?.outcome).toBe('running');
    });

    it('releaseAll (start-up of the only process, embedded) frees every lease at once, however long', async () => {
      const j = await enrolled(`boot-${randomUUID().slice(0, 6)}`);
      const repos = createRepositories(t.db);
      await queue.enqueue(j);
      expect(await queue.claim(30 * 60_000)).not.toBeNull();
      await repos.syncRuns.start(j.userId);
      expect(await queue.releaseAll()).toBe(1);
      expect(await queue.pendingFor(j.userId)).toMatchObject({ state: 'queued' });
      expect((await repos.syncRuns.listForUser(j.userId))[0]).toMatchObject({
        outcome: 'failed',
        error: 'interrupted: the worker stopped',
      });
    });
  });
}
