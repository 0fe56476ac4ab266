import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Repositories } from '@exsync/db';
import type { SimulatorHandle } from '@exsync/exchange-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveSkipReason, type RunningDavServer } from '../../../../packages/dav/src/testing/dav-servers';
import type { SyncRuntime } from '../jobs/sync-runtime';
import { ALICE, type E2e, SVC_PASSWORD, startE2e } from '../testing/e2e';
import { bearer, type TestApp } from '../testing/harness';
import { EwsPush } from './ews-push';

/**
 * EWS streaming notifications end to end: the service holds a GetStreamingEvents connection to the simulator's
 * EWS face for the enrolled user; an Outlook edit arrives as a notification, queues the user's sync, and the
 * running worker carries it to Radicale — with the interval at 24 hours, so polling cannot be what moved it.
 * The connection is reopened after its ConnectionTimeout, lost subscriptions are recreated, a server without
 * streaming puts the user on polling with the reason, a paused user's subscription ends, and an NTLM connection
 * streams too (each request's handshake on its own connection).
 */
const skip = liveSkipReason('radicale');

describe.skipIf(skip)('EWS streaming notifications: simulator → service → Radicale', () => {
  let e: E2e;
  let radicale: RunningDavServer;
  let exchange: SimulatorHandle;
  let t: TestApp;
  let sync: SyncRuntime;
  let push: EwsPush;
  let repos: Repositories;
  let tenantKey: string;
  let eventId: string;
  let userId: string;
  let connectionBody: Record<string, unknown>;
  let log: string[];

  beforeAll(async () => {
    e = await startE2e({ simulator: { seed: 'exsync-ews-push' }, intervalMinutes: 24 * 60 });
    ({ radicale, t, repos, userId, connectionBody, log } = e);
    const { logger } = e;
    exchange = e.exchange!;
    tenantKey = e.tenant.key;
    // An NTLM-only account for the last test: its name in the simulator's log shows which connection streamed.
    exchange.sim.directory.addServiceAccount({
      username: 'svc-ntlm',
      password: SVC_PASSWORD,
      domain: 'CONTOSO',
      impersonation: [ALICE],
    });
    const start = Date.now() + 2 * 86_400_000;
    eventId = exchange.sim.store.createEvent(e.calendarId, { subject: 'Standup', start, end: start + 1_800_000 }).id;
    sync = await e.runtime({ schedulerTickMs: 500 });
    // The first sync, then the worker and the scheduler run as in the service (nothing is due for 24 hours).
    await t.app.inject({ method: 'POST', url: '/v1/users/alice/sync', headers: bearer(tenantKey), payload: {} });
    while (await sync.worker.runOnce());
    expect(await radicaleText()).toContain('SUMMARY:Standup');
    sync.start();
    push = new EwsPush({
      repos,
      vault: t.vault,
      logger,
      queue: sync.queue,
      connectionMinutes: 1,
      // Longer than any test here: what the tests see is the group's own loop (reconnecting, resubscribing), not
      // a reconcile restarting it; the last test calls reconcile() itself, as the next minute's would.
      reconcileMs: 10 * 60_000,
      debounceMs: 100,
    });
    push.start();
  }, 120_000);

  afterAll(async () => {
    await push?.stop();
    await e?.close();
  });

  async function radicaleText(): Promise<string> {
    const dir = join(radicale.dataDir, 'collections', 'collection-root', 'alice', 'exchange-calendar');
    const names = (await readdir(dir)).filter((n) => n.endsWith('.ics'));
    return (await Promise.all(names.map((n) => readFile(join(dir, n), 'utf8')))).join('\n');
  }

  async function until<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false) {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const v = await probe();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  const streaming = () => exchange.sim.ewsStreaming;
  const openConnections = () => streaming().openConnections();
  const subscriptionIds = () => [...streaming().subscriptions.values()].map((s) => s.id);
  const shownPush = async () =>
    (await t.app.inject({ method: 'GET', url: '/v1/users/alice', headers: bearer(tenantKey) })).json().push.exchange;

  async function editReachesRadicale(subject: string): Promise<void> {
    exchange.sim.store.updateItem(eventId, { subject });
    await until(`"${subject}" in Radicale`, async () => (await radicaleText()).includes(`SUMMARY:${subject}`));
  }

  it('an Outlook edit reaches Radicale within seconds through the open stream, with the interval at 24 h', async () => {
    await until('an open GetStreamingEvents connection', () => openConnections().length === 1);
    expect(exchange.sim.ewsStreaming.subscriptions.size).toBe(1);
    const started = Date.now();
    await editReachesRadicale('Standup (room 4)');
    // Seconds, not an interval: a generous bound that polling (24 h) could never meet.
    expect(Date.now() - started).toBeLessThan(15_000);
    const shown = await shownPush();
    expect(shown).toEqual({
      mode: 'ews-streaming',
      active: true,
      lastNotificationAt: expect.any(String),
      error: null,
    });
  }, 30_000);

  it('when the server closes the stream at its ConnectionTimeout, the service reconnects and changes keep coming', async () => {
    const before = openConnections()[0];
    expect(before).toBeDefined();
    // The connection's minute passes on the simulator's clock: the server sends ConnectionStatus Closed.
    exchange.sim.advanceClock(61_000);
    await until('a new connection', () => {
      const now = openConnections()[0];
      return now !== undefined && now.closesAt !== before?.closesAt;
    });
    // Same subscription, new connection.
    expect(openConnections()[0]?.subscriptionIds).toEqual(before?.subscriptionIds);
    await editReachesRadicale('Standup (room 5)');
  }, 30_000);

  it('a subscription the server lost (EWS restarted, or expired) is created again and the user synced', async () => {
    const [old] = subscriptionIds();
    expect(streaming().forget(ALICE)).toBe(1);
    // Changed while no subscription exists: no notification can report it; the sync after resubscribing does.
    exchange.sim.store.updateItem(eventId, { subject: 'Standup (while lost)' });
    await until('a new subscription on a new connection', () => {
      const ids = subscriptionIds();
      return ids.length === 1 && ids[0] !== old && openConnections().length === 1;
    });
    await until('the missed edit in Radicale', async () =>
      (await radicaleText()).includes('SUMMARY:Standup (while lost)'),
    );
    await editReachesRadicale('Standup (room 6)');
    expect(log.join('')).toContain('EWS subscriptions lost; recreating');
  }, 30_000);

  it('a server that refuses streaming puts the user on polling, with the reason shown and logged once', async () => {
    streaming().behaviour.streaming = 'refuse';
    streaming().forget();
    await until('polling shown on the user', async () => (await shownPush()).mode === 'polling');
    const shown = await shownPush();
    expect(shown.active).toBe(false);
    // Exchange 2007 SP1's answer: its schema has no StreamingSubscriptionRequest, nor GetStreamingEvents.
    expect(shown.error).toMatch(
      /^(ErrorSchemaValidation|ErrorInvalidRequest): .*(StreamingSubscriptionRequest|GetStreamingEvents)/,
    );
    // Later comparisons do not warn again.
    await push.reconcile();
    await push.reconcile();
    const warnings = log.filter((l) => l.includes('EWS refused streaming notifications'));
    expect(warnings).toHaveLength(1);
    expect(openConnections()).toHaveLength(0);
  }, 30_000);

  it("a paused user's subscription ends; resumed after the connection changes, streaming starts again", async () => {
    streaming().behaviour.streaming = 'on';
    // A changed connection (the admin saves it again) is tried afresh.
    const again = await t.app.inject({
      method: 'PUT',
      url: '/v1/exchange-connection',
      headers: bearer(tenantKey),
      payload: connectionBody,
    });
    expect(again.statusCode, again.body).toBeLessThan(300);
    await push.reconcile();
    await until('streaming again', () => openConnections().length === 1);
    await until('active again', async () => (await shownPush()).mode === 'ews-streaming');
    const paused = await t.app.inject({
      method: 'POST',
      url: '/v1/users/alice/pause',
      headers: bearer(tenantKey),
      payload: {},
    });
    expect(paused.statusCode, paused.body).toBeLessThan(300);
    await push.reconcile();
    await until('no subscription left', () => streaming().subscriptions.size === 0 && openConnections().length === 0);
    await until('polling shown on the user', async () => (await shownPush()).mode === 'polling');
    expect(await repos.pushStatus.forUser(userId)).toEqual([]);
  }, 30_000);

  it('an NTLM connection is streamed too: every streaming request authenticates its own connection', async () => {
    const from = exchange.sim.requests().at(-1)?.seq ?? 0;
    const resumed = await t.app.inject({
      method: 'POST',
      url: '/v1/users/alice/resume',
      headers: bearer(tenantKey),
      payload: {},
    });
    expect(resumed.statusCode, resumed.body).toBeLessThan(300);
    const ntlm = await t.app.inject({
      method: 'PUT',
      url: '/v1/exchange-connection',
      headers: bearer(tenantKey),
      payload: { ...connectionBody, authKind: 'ntlm', username: 'CONTOSO\\svc-ntlm' },
    });
    expect(ntlm.statusCode, ntlm.body).toBeLessThan(300);
    await push.reconcile();
    await until('streaming over NTLM', () =>
      exchange.sim
        .requests({ face: 'ews', since: from })
        .some((e) => e.operation === 'GetStreamingEvents' && e.client === 'CONTOSO\\svc-ntlm'),
    );
    await until('active over NTLM', async () => (await shownPush()).mode === 'ews-streaming');
    const started = Date.now();
    await editReachesRadicale('Standup (over NTLM)');
    expect(Date.now() - started).toBeLessThan(15_000);
    const ews = exchange.sim.requests({ face: 'ews', since: from });
    // The service account's streaming requests came after an NTLM challenge, and none was refused.
    expect(ews.some((e) => e.notes?.includes('auth: NTLM challenge sent'))).toBe(true);
    expect(ews.flatMap((e) => e.notes ?? []).filter((n) => /NTLM .*(rejected|without a challenge)/.test(n))).toEqual(
      [],
    );
    expect(ews.filter((e) => e.operation === 'Subscribe').map((e) => e.client)).toContain('CONTOSO\\svc-ntlm');
  }, 30_000);
});
