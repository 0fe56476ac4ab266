import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { secretContext } from '../store/port';
import { createThrowawayPostgres, startTestApp, type TestApp, WITH_POSTGRES } from '../testing/harness';
import { createJobQueue, type QueueLimits, type SyncJob } from './queue';
import { createScheduler, SCHEDULED_STATES } from './scheduler';

// Sized for 10,000 users: jitter at the interval boundary, the longest-due first across tenants, and caps per
// Exchange connection and per Nextcloud host. Every clock here is given, never waited for.
const logger = pino({ level: 'silent' });
const MINUTE = 60_000;
const T = Date.parse('2026-03-02T08:00:00Z');
let t: TestApp;
let drop: (() => Promise<void>) | undefined;

async function tenant(name: string, nextcloudUrl: string, intervalMinutes = 60) {
  const created = await t.store.tenants.create({ name, nextcloudUrl });
  await t.db.query('UPDATE tenants SET settings = $2::jsonb WHERE id = $1::uuid', [
    created.id,
    JSON.stringify({ intervalMinutes }),
  ]);
  return created.id;
}

async function enrol(tenantId: string, ncUserId: string, lastAttemptAt: number) {
  const { user } = await t.store.users.upsert(tenantId, {
    ncUserId,
    loginName: ncUserId,
    email: null,
    mailbox: `${ncUserId}@example.org`,
    displayName: null,
    appPassword: t.vault.seal('pw', secretContext.appPassword(tenantId, ncUserId)),
  });
  await t.db.query('UPDATE users SET last_attempt_at = $2 WHERE id = $1::uuid', [user.id, new Date(lastAttemptAt)]);
  return user;
}

async function queueJobs(limits: QueueLimits, jobs: { tenantId: string; ncUserId: string }[]) {
  const queue = createJobQueue(t.db, limits);
  for (const [i, job] of jobs.entries()) {
    const user = await enrol(job.tenantId, job.ncUserId, T);
    // One second apart, in the order given: the order the queue must hand them out in.
    await queue.enqueue({ ...job, userId: user.id, runAt: new Date(T + i * 1000) });
  }
  return queue;
}

/** Claims until the queue hands out nothing more (nothing completes meanwhile). */
async function claimAll(queue: ReturnType<typeof createJobQueue>): Promise<SyncJob[]> {
  const claimed: SyncJob[] = [];
  for (let job = await queue.claim(60_000); job; job = await queue.claim(60_000)) claimed.push(job);
  return claimed;
}

// PostgreSQL too: there, claims of one process run on separate connections at once (PGlite has one session).
for (const [engine, postgres] of [
  ['PGlite', false],
  ['PostgreSQL', true],
] as const) {
  describe.skipIf(postgres && !WITH_POSTGRES)(`scheduling on ${engine}`, () => {
    beforeAll(async () => {
      const pg = postgres ? await createThrowawayPostgres() : undefined;
      drop = pg?.drop;
      t = await startTestApp(pg ? { databaseUrl: pg.url } : {});
    }, 60_000);
    afterAll(async () => {
      await t?.close();
      await drop?.();
    });
    beforeEach(async () => {
      await t.db.query('DELETE FROM exsync_jobs.sync_jobs');
      await t.db.query('DELETE FROM users');
      await t.db.query('DELETE FROM tenants');
    });

    describe('jitter at the interval boundary', () => {
      it('spreads users synced at the same instant over the jitter, each at a fixed share of it', async () => {
        const id = await tenant('Acme', 'https://cloud.acme.example');
        for (let i = 0; i < 40; i++) await enrol(id, `user${i}`, T);
        const queue = createJobQueue(t.db);
        const due = (minutes: number) =>
          queue.dueUsers(id, {
            states: SCHEDULED_STATES,
            now: new Date(T + minutes * MINUTE),
            intervalMinutes: 60,
            jitterMinutes: 6,
          });

        expect(await due(59.99)).toHaveLength(0);
        const half = (await due(63)).length;
        expect(half).toBeGreaterThan(5);
        expect(half).toBeLessThan(35);
        const all = await due(66);
        expect(all).toHaveLength(40);
        // Every due time within [interval, interval + jitter), nearly all distinct, and the list longest-due first.
        const offsets = all.map((u) => (u.dueAt.getTime() - T) / MINUTE);
        for (const o of offsets) expect(o >= 60 && o < 66).toBe(true);
        expect(new Set(offsets.map((o) => o.toFixed(2))).size).toBeGreaterThan(35);
        expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
        // The same users again: the shares are the user's own, not drawn anew.
        expect((await due(66)).map((u) => u.dueAt.getTime())).toEqual(all.map((u) => u.dueAt.getTime()));
      });

      it('without jitter every user synced at one instant comes due at that instant plus the interval', async () => {
        const id = await tenant('Acme', 'https://cloud.acme.example');
        for (let i = 0; i < 10; i++) await enrol(id, `user${i}`, T);
        const queue = createJobQueue(t.db);
        const due = await queue.dueUsers(id, {
          states: SCHEDULED_STATES,
          now: new Date(T + 60 * MINUTE),
          intervalMinutes: 60,
        });
        expect(due.map((u) => u.dueAt.getTime())).toEqual(Array(10).fill(T + 60 * MINUTE));
      });
    });

    describe('one job per due user, across replicas', () => {
      it('does not queue a user whose sync another replica finished while this scheduler was queueing', async () => {
        const id = await tenant('Acme', 'https://cloud.acme.example');
        const ann = await enrol(id, 'ann', T - 61 * MINUTE);
        const real = createJobQueue(t.db);
        // Another replica records ann's finished sync just as this scheduler writes its jobs: were the due check
        // a separate step before the write, ann would be queued (and synced) once more.
        const finishedElsewhere = () =>
          t.db.query('UPDATE users SET last_attempt_at = $2 WHERE id = $1::uuid', [ann.id, new Date(T)]);
        const queue: typeof real = {
          ...real,
          async enqueue(input) {
            await finishedElsewhere();
            return real.enqueue(input);
          },
          async enqueueDue(tenantId, due) {
            await finishedElsewhere();
            return real.enqueueDue(tenantId, due);
          },
        };
        const scheduler = createScheduler({ db: t.db, queue, logger, jitter: 0 });
        expect(await scheduler.tick(new Date(T))).toBe(0);
        expect(await claimAll(real)).toEqual([]);
      });
    });

    describe('fair ordering', () => {
      it('queues each user at the time it came due, so workers take the longest-due first across tenants', async () => {
        const a = await tenant('Acme', 'https://cloud.acme.example');
        const b = await tenant('Beta', 'https://cloud.beta.example');
        // Beta's users waited longer than most of Acme's, and were created later: the order is by due time only.
        for (let i = 0; i < 5; i++) await enrol(a, `acme${i}`, T - (60 + i) * MINUTE);
        for (let i = 0; i < 5; i++) await enrol(b, `beta${i}`, T - (62 + 2 * i) * MINUTE + 30_000);
        const queue = createJobQueue(t.db);
        const scheduler = createScheduler({ db: t.db, queue, logger, jitter: 0 });
        expect(await scheduler.tick(new Date(T))).toBe(10);
        const order = (await claimAll(queue)).map((j) => j.ncUserId);
        expect(order).toEqual([
          'beta4',
          'beta3',
          'beta2',
          'acme4',
          'beta1',
          'acme3',
          'acme2',
          'beta0',
          'acme1',
          'acme0',
        ]);
      });
    });

    describe('caps on syncs at once', () => {
      it('holds a connection at its cap while other connections go ahead, and lets it on when one of its syncs ends', async () => {
        const a = await tenant('Acme', 'https://cloud.acme.example');
        const b = await tenant('Beta', 'https://cloud.beta.example');
        const jobs = [
          ...Array.from({ length: 4 }, (_, i) => ({ tenantId: a, ncUserId: `acme${i}` })),
          ...Array.from({ length: 4 }, (_, i) => ({ tenantId: b, ncUserId: `beta${i}` })),
        ];
        const queue = await queueJobs({ perExchange: 2 }, jobs);
        const claimed = await claimAll(queue);
        expect(claimed.map((j) => j.ncUserId)).toEqual(['acme0', 'acme1', 'beta0', 'beta1']);
        await queue.complete(claimed[0]!);
        // Acme's oldest waiting job, not a newer one: a job over the cap keeps its place.
        expect((await queue.claim(60_000))?.ncUserId).toBe('acme2');
        expect(await queue.claim(60_000)).toBeNull();
      });

      it('caps tenants sharing a Nextcloud host together, and leaves other hosts free', async () => {
        const a = await tenant('Acme', 'https://cloud.shared.example/acme');
        const b = await tenant('Beta', 'https://CLOUD.shared.example/beta/');
        const c = await tenant('Gamma', 'https://cloud.gamma.example');
        const jobs = [
          ...Array.from({ length: 3 }, (_, i) => ({ tenantId: a, ncUserId: `acme${i}` })),
          ...Array.from({ length: 3 }, (_, i) => ({ tenantId: b, ncUserId: `beta${i}` })),
          ...Array.from({ length: 3 }, (_, i) => ({ tenantId: c, ncUserId: `gamma${i}` })),
        ];
        const queue = await queueJobs({ perNextcloudHost: 4 }, jobs);
        const claimed = (await claimAll(queue)).map((j) => j.ncUserId);
        expect(claimed).toEqual(['acme0', 'acme1', 'acme2', 'beta0', 'gamma0', 'gamma1', 'gamma2']);
      });

      it('keeps to the cap when this process claims for many workers at once', async () => {
        const a = await tenant('Acme', 'https://cloud.acme.example');
        const jobs = Array.from({ length: 10 }, (_, i) => ({ tenantId: a, ncUserId: `acme${i}` }));
        const queue = await queueJobs({ perExchange: 3, perNextcloudHost: 5 }, jobs);
        const claimed = await Promise.all(Array.from({ length: 10 }, () => queue.claim(60_000)));
        expect(claimed.filter((j) => j !== null)).toHaveLength(3);
      });

      it('without caps hands out every due job', async () => {
        const a = await tenant('Acme', 'https://cloud.acme.example');
        const jobs = Array.from({ length: 6 }, (_, i) => ({ tenantId: a, ncUserId: `acme${i}` }));
        const queue = await queueJobs({}, jobs);
        expect(await claimAll(queue)).toHaveLength(6);
      });
    });
  });
}
