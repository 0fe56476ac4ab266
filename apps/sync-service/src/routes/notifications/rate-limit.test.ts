import { createRepositories } from '@exsync/db';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobQueue, type JobQueue } from '../../jobs/queue';
import { clientStateContext } from '../../push/graph-push';
import { secretContext } from '../../store/port';
import { startTestApp, type TestApp } from '../../testing/harness';
import { notificationRoutes } from './index';

/**
 * The per-subscription rate limit must cost latency, never a change: a burst cut off inside the minute leaves one
 * sync owed at the minute's end, so the changes behind the ignored notifications do not wait for the schedule.
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

  it('queues one sync when the minute ends, for changes whose notifications were ignored', async () => {
    expect((await notify()).statusCode).toBe(202);
    expect(await queue.pendingFor(userId)).not.toBeNull();
    // The worker ran that sync; the burst goes on.
    await t.db.query('DELETE FROM exsync_jobs.sync_jobs');
    clock += 59_850;
    await notify(); // second: within the limit, queues again
    await t.db.query('DELETE FROM exsync_jobs.sync_jobs');
    await notify(); // third: over the limit, ignored
    await notify(); // fourth: ignored too
    expect(await queue.pendingFor(userId)).toBeNull();
    // 150 ms later the minute is over: the owed sync is queued.
    await new Promise((r) => setTimeout(r, 600));
    expect(await queue.pendingFor(userId)).toMatchObject({ state: 'queued' });
    const rows = await t.db.query('SELECT 1 FROM exsync_jobs.sync_jobs');
    expect(rows).toHaveLength(1);
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
