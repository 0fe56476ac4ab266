import { createRepositories } from '@exsync/db';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobQueue, type JobQueue } from '../../jobs/queue';
import { clientStateContext } from '../../push/graph-push';
import { secretContext } from '../../store/port';
import { startTestApp, type TestApp } from '../../testing/harness';
import { notificationRoutes } from './index';

/**
 * The per-subscription rate limit must cost latency, never a change: a burst cut off inside the minute leaves the
 * user's sync queued for the minute's end, so the changes behind the ignored notifications do not wait for the
 * schedule — in the shared queue, so neither a restart nor another replica loses it.
 */
describe('Graph notifications over the rate limit', () => {
  let t: TestApp;
  let queue: JobQueue;
  let userId: string;
  let tenantId: string;
  let clock = Date.parse('2026-03-02T08:00:00Z');
  const route = Fastify();

  beforeAll(async () => {
    t = await startTestApp();
    queue = createJobQueue(t.db);
    const repos = createRepositories(t.db);
    const tenant = await t.store.tenants.create({ name: 'Acme', nextcloudUrl: 'https://cloud.acme.example' });
    const { user } = await t.store.users.upsert(tenant.id, {
      ncUserId: 'alice',
      loginName: 'alice',
      email: null,
      mailbox: 'alice@acme.example',
      displayName: null,
      appPassword: t.vault.seal('pw', secretContext.appPassword(tenant.id, 'alice')),
    });
    userId = user.id;
    tenantId = tenant.id;
    await repos.graphSubscriptions.save({
      id: 'sub-1',
      tenantId: tenant.id,
      userId,
      resource: '/users/alice@acme.example/events',
      clientState: t.vault.seal('the-client-state', clientStateContext('sub-1')),
      expiresAt: new Date(Date.now() + 86_400_000),
    });
    await route.register(notificationRoutes, {
      prefix: '/v1',
      db: t.db,
      queue,
      vault: t.vault,
      perSubscriptionPerMinute: 2,
      now: () => new Date(clock),
    });
  }, 120_000);
  afterAll(async () => {
    await route.close();
    await t?.close();
  });

  const notify = () =>
    route.inject({
      method: 'POST',
      url: '/v1/notifications/graph',
      payload: { value: [{ subscriptionId: 'sub-1', clientState: 'the-client-state', changeType: 'updated' }] },
    });

  it('queues the sync for the end of the minute whose notifications were cut off, as a job any replica runs', async () => {
    const windowStart = clock;
    expect((await notify()).statusCode).toBe(202);
    expect(await queue.pendingFor(userId)).toMatchObject({ state: 'queued' });
    // The worker ran that sync; the burst goes on.
    await t.db.query('DELETE FROM exsync_jobs.sync_jobs');
    clock += 59_850;
    await notify(); // second: within the limit, queues a sync due now
    await notify(); // third: over the limit, ignored — the waiting sync must come after it and the rest
    await notify(); // fourth: ignored too
    const rows = await t.db.query<{ run_after: Date }>('SELECT run_after FROM exsync_jobs.sync_jobs');
    expect(rows.map((r) => new Date(r.run_after).getTime())).toEqual([windowStart + 60_000]);
  }, 60_000);

  it('leaves the retry time of a user waiting out throttling alone (a notification is no reason to ask again early)', async () => {
    await t.db.query('DELETE FROM exsync_jobs.sync_jobs');
    const retryAt = new Date(Date.now() + 3_600_000);
    await queue.enqueue({ tenantId, userId, ncUserId: 'alice', runAt: retryAt });
    clock += 120_000; // a new minute: within the rate limit
    expect((await notify()).statusCode).toBe(202);
    expect(await queue.pendingFor(userId)).toMatchObject({ state: 'queued', runAfter: retryAt });
  }, 60_000);
});
