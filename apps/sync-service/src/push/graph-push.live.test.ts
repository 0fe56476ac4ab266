import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRepositories, type Repositories } from '@exsync/db';
import type { SimulatorHandle } from '@exsync/exchange-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveSkipReason, type RunningDavServer } from '../../../../packages/dav/src/testing/dav-servers';
import type { SyncRuntime } from '../jobs/sync-runtime';
import { createExchangeStores } from '../sync/exchange-stores';
import { type E2e, startE2e } from '../testing/e2e';
import { bearer, type TestApp } from '../testing/harness';
import { GraphPush, graphUnsubscriber } from './graph-push';

/**
 * Graph change notifications end to end: the service (listening on 127.0.0.1) subscribes while it syncs a Graph
 * pair, the simulator posts a notification to EXSYNC_PUBLIC_URL after an Outlook edit, the notification queues
 * the user's sync, and the worker carries the edit to Radicale. Forged notifications queue nothing.
 */
const skip = liveSkipReason('radicale');

describe.skipIf(skip)('Graph change notifications: simulator → service → Radicale', () => {
  let e: E2e;
  let radicale: RunningDavServer;
  let exchange: SimulatorHandle;
  let t: TestApp;
  let sync: SyncRuntime;
  let repos: Repositories;
  let tenantKey: string;
  let calendarId: string;
  let eventId: string;
  let userId: string;
  let publicUrl: string;

  beforeAll(async () => {
    e = await startE2e({
      simulator: { seed: 'exsync-graph-push' },
      connection: 'graph',
      listen: true,
      app: {
        beforeUserRemoved: ({ db, vault, logger }) =>
          graphUnsubscriber({
            repos: createRepositories(db),
            vault,
            logger,
            graphClient: createExchangeStores().graphClient,
          }),
      },
    });
    ({ radicale, t, repos, calendarId, userId, publicUrl } = e);
    exchange = e.exchange!;
    tenantKey = e.tenant.key;
    const start = Date.now() + 2 * 86_400_000;
    eventId = exchange.sim.store.createEvent(calendarId, { subject: 'Standup', start, end: start + 1_800_000 }).id;
    sync = await e.runtime({ push: new GraphPush({ repos, vault: t.vault, publicUrl }) });
  }, 60_000);

  afterAll(async () => {
    await e?.close();
  });

  async function drain(): Promise<number> {
    let ran = 0;
    while (await sync.worker.runOnce()) ran++;
    return ran;
  }

  async function radicaleText(): Promise<string> {
    const dir = join(radicale.dataDir, 'collections', 'collection-root', 'alice', 'exchange-calendar');
    const names = (await readdir(dir)).filter((n) => n.endsWith('.ics'));
    return (await Promise.all(names.map((n) => readFile(join(dir, n), 'utf8')))).join('\n');
  }

  const simSubs = () => [...exchange.sim.subscriptions.subscriptions.values()];

  async function notify(payload: unknown) {
    return fetch(`${publicUrl}/v1/notifications/graph`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    });
  }

  it('the first sync subscribes the synced calendar, clientState sealed, after the handshake', async () => {
    await t.app.inject({ method: 'POST', url: '/v1/users/alice/sync', headers: bearer(tenantKey), payload: {} });
    expect(await drain()).toBe(1);
    expect(await radicaleText()).toContain('SUMMARY:Standup');

    const stored = await repos.graphSubscriptions.forUser(userId);
    expect(stored).toHaveLength(1);
    const [sim] = simSubs();
    expect(sim).toBeDefined();
    expect(stored[0]).toMatchObject({ id: sim?.id, resource: sim?.resource });
    expect(sim?.resource).toMatch(/\/calendars\/.+\/events$/);
    expect(sim?.notificationUrl).toBe(`${publicUrl}/v1/notifications/graph`);
    expect(sim?.lifecycleNotificationUrl).toBe(`${publicUrl}/v1/notifications/graph`);
    // Stored encrypted: the database never holds the secret Graph echoes.
    expect(sim?.clientState).toBeTruthy();
    expect(stored[0]?.clientState.ciphertext).not.toContain(sim?.clientState);
    // Outlook's documented maximum (10,080 minutes), less a margin.
    const minutes = ((sim?.expirationDateTime ?? 0) - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(10_000);
    expect(minutes).toBeLessThanOrEqual(10_080);

    // A second sync keeps the subscription it has.
    await t.app.inject({ method: 'POST', url: '/v1/users/alice/sync', headers: bearer(tenantKey), payload: {} });
    await drain();
    expect(simSubs().map((s) => s.id)).toEqual([sim?.id]);
  }, 60_000);

  it('an Outlook edit posts a notification that queues one sync, which carries the edit to Radicale', async () => {
    expect(await sync.queue.pendingFor(userId)).toBeNull();
    exchange.sim.store.updateItem(eventId, { subject: 'Standup (room 4)' });
    exchange.sim.store.updateItem(eventId, { subject: 'Standup (room 5)' });
    await exchange.sim.subscriptions.flush();
    const deliveries = exchange.sim.subscriptions.deliveries.filter((d) => d.kind === 'notification');
    expect(deliveries.map((d) => d.status)).toEqual([202, 202]);
    expect(await sync.queue.pendingFor(userId)).toMatchObject({ state: 'queued' });
    // Two notifications, one run.
    expect(await drain()).toBe(1);
    expect(await radicaleText()).toContain('SUMMARY:Standup (room 5)');
    expect((await repos.graphSubscriptions.forUser(userId))[0]?.lastNotificationAt).not.toBeNull();
    // Operators see it on the user.
    const shown = await t.app.inject({ method: 'GET', url: '/v1/users/alice', headers: bearer(tenantKey) });
    expect(shown.json().push.exchange).toEqual({
      mode: 'graph-subscription',
      active: true,
      lastNotificationAt: expect.any(String),
      error: null,
    });
    expect(shown.json().graphNotifications).toEqual([
      {
        resource: expect.stringMatching(/\/calendars\/.+\/events$/),
        expiresAt: expect.any(String),
        lastNotificationAt: expect.any(String),
      },
    ]);
  }, 60_000);

  it('a forged notification (wrong clientState, unknown subscription) queues nothing and is logged', async () => {
    const [sub] = simSubs();
    const wrong = await notify({ value: [{ subscriptionId: sub?.id, clientState: 'guessed', changeType: 'updated' }] });
    expect(wrong.status).toBe(202);
    const unknown = await notify({
      value: [{ subscriptionId: '00000000-0000-4000-8000-000000000000', clientState: sub?.clientState }],
    });
    expect(unknown.status).toBe(202);
    expect(await sync.queue.pendingFor(userId)).toBeNull();
    expect(t.logText()).toContain('wrong clientState ignored');
    expect(t.logText()).not.toContain(sub?.clientState ?? '-');
  });

  it('an oversized body is refused before it is read', async () => {
    const [sub] = simSubs();
    const big = await notify({
      value: [{ subscriptionId: sub?.id, clientState: sub?.clientState, pad: 'x'.repeat(300 * 1024) }],
    });
    expect(big.status).toBe(413);
    expect(await sync.queue.pendingFor(userId)).toBeNull();
  });

  it('answers the validation handshake with the token as text/plain', async () => {
    const token = 'Validation: Testing client application reachability for subscription Request-Id: 42';
    const res = await fetch(`${publicUrl}/v1/notifications/graph?validationToken=${encodeURIComponent(token)}`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe(token);
  });

  it('a missed lifecycle event queues a sync', async () => {
    const [sub] = simSubs();
    exchange.sim.subscriptions.lifecycle(sub?.id ?? '', 'missed');
    await exchange.sim.subscriptions.flush();
    expect(await sync.queue.pendingFor(userId)).toMatchObject({ state: 'queued' });
    await drain();
  }, 60_000);

  it('a subscription near its end is renewed by the next sync', async () => {
    const [stored] = await repos.graphSubscriptions.forUser(userId);
    await repos.graphSubscriptions.renewed(stored?.id ?? '', new Date(Date.now() + 86_400_000));
    await t.app.inject({ method: 'POST', url: '/v1/users/alice/sync', headers: bearer(tenantKey), payload: {} });
    await drain();
    const [after] = await repos.graphSubscriptions.forUser(userId);
    expect(after?.id).toBe(stored?.id);
    expect(after?.expiresAt.getTime()).toBeGreaterThan(Date.now() + 6 * 86_400_000);
    expect(simSubs()[0]?.expirationDateTime).toBe(after?.expiresAt.getTime());
  }, 60_000);

  it('subscriptionRemoved queues a sync that subscribes again', async () => {
    const [sub] = simSubs();
    exchange.sim.subscriptions.lifecycle(sub?.id ?? '', 'subscriptionRemoved');
    await exchange.sim.subscriptions.flush();
    expect(await sync.queue.pendingFor(userId)).toMatchObject({ state: 'queued' });
    await drain();
    const again = simSubs();
    expect(again).toHaveLength(1);
    expect(again[0]?.id).not.toBe(sub?.id);
    expect((await repos.graphSubscriptions.forUser(userId)).map((s) => s.id)).toEqual([again[0]?.id]);
  }, 60_000);

  it('reauthorizationRequired queues a sync that renews the subscription', async () => {
    const [sub] = simSubs();
    const before = sub?.expirationDateTime ?? 0;
    await new Promise((r) => setTimeout(r, 20));
    exchange.sim.subscriptions.lifecycle(sub?.id ?? '', 'reauthorizationRequired');
    await exchange.sim.subscriptions.flush();
    expect(await sync.queue.pendingFor(userId)).toMatchObject({ state: 'queued' });
    await drain();
    expect(simSubs().map((s) => s.id)).toEqual([sub?.id]);
    expect(simSubs()[0]?.expirationDateTime).toBeGreaterThan(before);
    const [stored] = await repos.graphSubscriptions.forUser(userId);
    expect(stored?.expiresAt.getTime()).toBe(simSubs()[0]?.expirationDateTime);
  }, 60_000);

  it('a flood for one subscription is cut off after 60 notifications a minute (logged), one sync owed at its end', async () => {
    const [sub] = simSubs();
    const one = { subscriptionId: sub?.id, clientState: sub?.clientState, changeType: 'updated' };
    expect(t.logText()).not.toContain('over the rate limit');
    const before = Date.now();
    const res = await notify({ value: Array.from({ length: 61 }, () => one) });
    expect(res.status).toBe(202);
    expect(t.logText()).toContain('over the rate limit');
    // One job, not before the minute ends: the sync after the cut-off sees every change the flood stood for.
    const pending = await sync.queue.pendingFor(userId);
    expect(pending).toMatchObject({ state: 'queued' });
    expect(pending?.runAfter.getTime()).toBeGreaterThan(before);
    expect(pending?.runAfter.getTime()).toBeLessThanOrEqual(Date.now() + 60_000);
    expect(await drain()).toBe(0);
  }, 60_000);

  it("removing the user deletes the user's subscriptions at Graph and in the database", async () => {
    expect(simSubs()).toHaveLength(1);
    const removed = await t.app.inject({ method: 'DELETE', url: '/v1/users/alice', headers: bearer(tenantKey) });
    expect(removed.statusCode).toBe(204);
    expect(simSubs()).toEqual([]);
    expect(await repos.graphSubscriptions.forUser(userId)).toEqual([]);
  }, 60_000);
});
