import { createRepositories, type Repositories, type User } from '@exsync/db';
import type { GraphClient } from '@exsync/exchange';
import { createSimulator, type SimulatorHandle } from '@exsync/exchange-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobQueue, type JobQueue } from '../jobs/queue';
import { createSyncRuntime } from '../jobs/sync-runtime';
import { createLogger } from '../logger';
import { createExchangeStores } from '../sync/exchange-stores';
import { openConnection } from '../sync/sync-user';
import { bearer, createTenant, startTestApp, type TestApp } from '../testing/harness';
import { GraphPush } from './graph-push';
import { createGraphRenewer, type GraphRenewer } from './graph-renewal';

/**
 * The renewal timer on a simulated clock: the service's clock and the simulator's move together, days at a time,
 * and no sync runs at all (as with a 24 h interval on a quiet mailbox). The subscription must stay alive at the
 * simulator the whole time, renewed by the timer alone; one the simulator no longer has is forgotten and the
 * user's sync queued (which subscribes again).
 */
const ALICE = 'alice@contoso.com';
const CLIENT_ID = 'b0b1c2d3-0000-4000-8000-00000000e5c4';
const CLIENT_SECRET = 'graph-client-secret';
const DAY = 86_400_000;

describe('Graph subscriptions renewed by their own timer (simulated clock, no syncs)', () => {
  let exchange: SimulatorHandle;
  let t: TestApp;
  let repos: Repositories;
  let queue: JobQueue;
  let push: GraphPush;
  let renewer: GraphRenewer;
  let user: User;
  let tenantId: string;
  let calendarId: string;
  let offset = 0;
  const now = () => new Date(Date.now() + offset);
  const advance = (ms: number) => {
    offset += ms;
    exchange.sim.advanceClock(ms);
  };
  // A fresh client (and token) per use: a token the simulator issued before its clock jumped days ahead is expired.
  const graphClient: (
    c: Parameters<ReturnType<typeof createExchangeStores>['graphClient']>[0],
  ) => Promise<GraphClient> = (c) => createExchangeStores().graphClient(c);
  const simSubs = () => [...exchange.sim.subscriptions.subscriptions.values()];

  beforeAll(async () => {
    exchange = createSimulator({ seed: 'exsync-graph-renewal' });
    exchange.sim.store.createMailbox({ smtpAddress: ALICE, displayName: 'Alice Example' });
    exchange.sim.directory.addApp({ clientId: CLIENT_ID, secrets: [CLIENT_SECRET] });
    const urls = await exchange.listen(0);
    calendarId = exchange.sim.store.distinguishedFolder(ALICE, 'calendar').id;
    t = await startTestApp();
    repos = createRepositories(t.db);
    queue = createJobQueue(t.db);
    const publicUrl = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const tenant = await createTenant(t, 'Contoso');
    tenantId = tenant.id;
    const connection = await t.app.inject({
      method: 'PUT',
      url: '/v1/exchange-connection',
      headers: bearer(tenant.key),
      payload: {
        kind: 'graph',
        url: urls.base,
        authority: urls.base,
        entraTenantId: exchange.sim.tenantId,
        clientId: CLIENT_ID,
        authKind: 'client_secret',
        clientSecret: CLIENT_SECRET,
      },
    });
    expect(connection.statusCode, connection.body).toBeLessThan(300);
    await t.app.inject({
      method: 'PUT',
      url: '/v1/users/alice',
      headers: bearer(tenant.key),
      payload: { loginName: 'alice', appPassword: 'pw', mailbox: ALICE },
    });
    const stored = await repos.users.get(tenantId, 'alice');
    if (!stored) throw new Error('alice was not enrolled');
    user = stored;
    push = new GraphPush({ repos, vault: t.vault, publicUrl, now });
    renewer = createGraphRenewer({
      repos,
      vault: t.vault,
      logger: createLogger('silent'),
      queue,
      push,
      graphClient,
      now,
    });
    // What a sync leaves behind: the calendar subscribed (handshake with the listening service included).
    const client = await graphClient(await openConnection({ repos, vault: t.vault }, { id: tenantId }));
    expect(await push.ensure(user, { client, resource: `/users/${encodeURIComponent(ALICE)}/events` })).toBe('created');
  }, 120_000);

  afterAll(async () => {
    await renewer?.stop();
    await t?.close();
    await exchange?.close();
  });

  it('renews nothing while more than half the lifetime is left', async () => {
    advance(DAY);
    expect(await renewer.tick()).toEqual({ renewed: 0, gone: 0, failed: 0 });
  });

  it('renews once half the lifetime is gone, at the simulator and in the database', async () => {
    const [before] = await repos.graphSubscriptions.forUser(user.id);
    advance(2.6 * DAY);
    expect(await renewer.tick()).toEqual({ renewed: 1, gone: 0, failed: 0 });
    const [after] = await repos.graphSubscriptions.forUser(user.id);
    expect(after?.id).toBe(before?.id);
    // The full lifetime again, from the (simulated) now, less the skew margin.
    expect(after?.expiresAt.getTime()).toBeGreaterThan(now().getTime() + 10_000 * 60_000);
    expect(simSubs()[0]?.expirationDateTime).toBe(after?.expiresAt.getTime());
  }, 60_000);

  it('keeps the subscription alive at the simulator through three weeks without a single sync', async () => {
    const id = simSubs()[0]?.id;
    for (let day = 0; day < 21; day++) {
      advance(DAY);
      const tally = await renewer.tick();
      expect(tally.failed, `day ${day}`).toBe(0);
      const [sim] = simSubs();
      expect(sim?.id).toBe(id);
      expect(sim?.expirationDateTime, `alive on day ${day}`).toBeGreaterThan(exchange.sim.clock.now());
    }
    // Still delivering: an Outlook edit reaches the service and queues alice's sync.
    const start = exchange.sim.clock.now() + 2 * DAY;
    exchange.sim.store.createEvent(calendarId, { subject: 'Late', start, end: start + 1_800_000 });
    await exchange.sim.subscriptions.flush();
    expect(exchange.sim.subscriptions.deliveries.at(-1)).toMatchObject({ kind: 'notification', status: 202 });
    expect(await queue.pendingFor(user.id)).toMatchObject({ state: 'queued' });
    await t.db.query('DELETE FROM exsync_jobs.sync_jobs');
  }, 120_000);

  it('forgets a subscription the simulator no longer has and queues the sync that subscribes again', async () => {
    const [stored] = await repos.graphSubscriptions.forUser(user.id);
    exchange.sim.subscriptions.subscriptions.delete(stored?.id ?? '');
    advance(4 * DAY);
    expect(await renewer.tick()).toEqual({ renewed: 0, gone: 1, failed: 0 });
    expect(await repos.graphSubscriptions.forUser(user.id)).toEqual([]);
    expect(await queue.pendingFor(user.id)).toMatchObject({ state: 'queued' });
  }, 60_000);

  it('uses the lifetime Microsoft documents per resource: To Do is due far sooner than Outlook', () => {
    const at = new Date();
    const left = (hours: number) => new Date(at.getTime() + hours * 3_600_000);
    // To Do tasks live 4,230 minutes (half: 35.25 h); Outlook events and contacts 10,080 minutes (half: 84 h).
    expect(push.renewalDue({ resource: '/users/a/todo/lists/L/tasks', expiresAt: left(36) }, at)).toBe(false);
    expect(push.renewalDue({ resource: '/users/a/todo/lists/L/tasks', expiresAt: left(35) }, at)).toBe(true);
    expect(push.renewalDue({ resource: '/users/a/calendars/C/events', expiresAt: left(85) }, at)).toBe(false);
    expect(push.renewalDue({ resource: '/users/a/contactFolders/F/contacts', expiresAt: left(83) }, at)).toBe(true);
  });

  it('the worker process runs the timer whenever push is on', async () => {
    const runtime = createSyncRuntime({ db: t.db, vault: t.vault, logger: createLogger('silent'), push });
    expect(runtime.renewer).toBeDefined();
    expect(createSyncRuntime({ db: t.db, vault: t.vault, logger: createLogger('silent') }).renewer).toBeUndefined();
  });
});
