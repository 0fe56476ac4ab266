import { Writable } from 'node:stream';
import { createRepositories, type EnqueueInput } from '@exsync/db';
import { createSimulator, type SimulatorHandle } from '@exsync/exchange-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logger';
import { bearer, createTenant, startTestApp, type TestApp } from '../testing/harness';
import { EwsPush } from './ews-push';

/**
 * The service's grouping of EWS streaming subscriptions, against the simulator's EWS face (no Nextcloud needed:
 * the queue is observed instead of a worker). Alice and Carol live on one Mailbox server, Bob on another.
 */
const MAILBOXES = { alice: 'alice@contoso.com', bob: 'bob@contoso.com', carol: 'carol@contoso.com' } as const;
const SVC_PASSWORD = 'Svc-Passw0rd!';

describe('EWS streaming push: groups by affinity, one connection per group, debounced syncs', () => {
  let exchange: SimulatorHandle;
  let t: TestApp;
  let push: EwsPush;
  const queued: EnqueueInput[] = [];
  const userIds: Record<string, string> = {};

  beforeAll(async () => {
    exchange = createSimulator({ seed: 'exsync-ews-push-groups' });
    for (const smtpAddress of Object.values(MAILBOXES)) exchange.sim.store.createMailbox({ smtpAddress });
    exchange.sim.directory.addServiceAccount({
      username: 'svc-sync',
      password: SVC_PASSWORD,
      domain: 'CONTOSO',
      impersonation: Object.values(MAILBOXES),
    });
    exchange.sim.ewsStreaming.behaviour.servers = {
      [MAILBOXES.alice]: 'MBX1.contoso.local',
      [MAILBOXES.bob]: 'MBX2.contoso.local',
      [MAILBOXES.carol]: 'MBX1.contoso.local',
    };
    const urls = await exchange.listen(0);
    t = await startTestApp();
    const tenant = await createTenant(t, 'Contoso');
    const key = bearer(tenant.key);
    const connection = await t.app.inject({
      method: 'PUT',
      url: '/v1/exchange-connection',
      headers: key,
      payload: { kind: 'ews', url: urls.ews, authKind: 'basic', username: 'CONTOSO\\svc-sync', password: SVC_PASSWORD },
    });
    expect(connection.statusCode, connection.body).toBeLessThan(300);
    const repos = createRepositories(t.db);
    for (const [id, mailbox] of Object.entries(MAILBOXES)) {
      await t.app.inject({
        method: 'PUT',
        url: `/v1/users/${id}`,
        headers: key,
        payload: { loginName: id, appPassword: `${id}-app-password`, mailbox },
      });
      userIds[id] = (await repos.users.get(tenant.id, id))!.id;
    }
    push = new EwsPush({
      repos,
      vault: t.vault,
      logger: createLogger('warn', new Writable({ write: (_c, _e, done) => done() })),
      queue: {
        enqueue: async (job) => {
          queued.push(job);
          return { id: String(queued.length), created: true };
        },
      },
      groupSize: 2,
      debounceMs: 300,
      reconcileMs: 10 * 60_000,
    });
    push.start();
  }, 120_000);

  afterAll(async () => {
    await push?.stop();
    await t?.close();
    await exchange?.close();
  });

  const until = async (what: string, check: () => boolean) => {
    const deadline = Date.now() + 15_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  it('puts the first mailboxes in alphabetical order in one group on the anchor’s server, the rest in the next', async () => {
    const streaming = exchange.sim.ewsStreaming;
    await until('two connections', () => streaming.openConnections().length === 2);
    const subs = [...streaming.subscriptions.values()];
    const serverOf = (m: string) => subs.find((s) => s.smtpAddress === m)?.server;
    // Bob lives on MBX2, but his subscription went where the group's anchor (Alice) is, through the cookie.
    expect(serverOf(MAILBOXES.alice)).toBe('MBX1.contoso.local');
    expect(serverOf(MAILBOXES.bob)).toBe('MBX1.contoso.local');
    const byConnection = streaming
      .openConnections()
      .map((c) => c.subscriptionIds.map((id) => streaming.subscriptions.get(id)?.smtpAddress).sort());
    expect(byConnection.sort((a, b) => b.length - a.length)).toEqual([
      [MAILBOXES.alice, MAILBOXES.bob],
      [MAILBOXES.carol],
    ]);
  });

  it('a burst of changes in one mailbox queues one sync of that user only; the payload names nothing else', async () => {
    queued.length = 0;
    const calendar = exchange.sim.store.distinguishedFolder(MAILBOXES.bob, 'calendar').id;
    const ev = exchange.sim.store.createEvent(calendar, { subject: 'a', start: 0, end: 3_600_000 });
    exchange.sim.store.updateItem(ev.id, { subject: 'b' });
    exchange.sim.store.updateItem(ev.id, { subject: 'c' });
    await until('a queued sync', () => queued.length > 0);
    await new Promise((r) => setTimeout(r, 600));
    expect(queued).toEqual([{ tenantId: expect.any(String), userId: userIds.bob, ncUserId: 'bob', mode: 'when-due' }]);
    const status = await createRepositories(t.db).pushStatus.forUser(userIds.bob!);
    expect(status).toEqual([expect.objectContaining({ mode: 'ews-streaming', active: true, error: null })]);
    expect(status[0]?.lastNotificationAt).toBeInstanceOf(Date);
  });

  it('stopping the watcher ends its subscriptions and connections and shows the users inactive', async () => {
    await push.stop();
    expect(exchange.sim.ewsStreaming.openConnections()).toEqual([]);
    expect(exchange.sim.ewsStreaming.subscriptions.size).toBe(0);
    const repos = createRepositories(t.db);
    for (const id of Object.values(userIds)) {
      expect(await repos.pushStatus.forUser(id)).toEqual([
        expect.objectContaining({ mode: 'ews-streaming', active: false, error: null }),
      ]);
    }
  });
});
