import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SimulatorHandle } from '@exsync/exchange-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveSkipReason, type RunningDavServer } from '../../../../packages/dav/src/testing/dav-servers';
import type { SyncRuntime } from '../jobs/sync-runtime';
import {
  ALICE,
  APP_PASSWORD,
  GRAPH_CLIENT_SECRET as CLIENT_SECRET,
  type E2e,
  SVC_PASSWORD,
  startE2e,
} from '../testing/e2e';
import { bearer, type TestApp } from '../testing/harness';

/**
 * The whole path, with no part faked: the REST API on PGlite enrols a user, POST …/sync queues a job, the worker
 * syncs the Exchange simulator (EWS, Basic auth, impersonation) with a real Radicale, and back.
 */
const skip = liveSkipReason('radicale');

for (const face of ['ews', 'graph'] as const) {
  describe.skipIf(skip)(`sync end to end: Exchange simulator (${face}) ⇄ Radicale, driven through the API`, () => {
    let e: E2e;
    let radicale: RunningDavServer;
    let exchange: SimulatorHandle;
    let t: TestApp;
    let sync: SyncRuntime;
    let tenantKey: string;
    let calendarId: string;
    let connectionBody: Record<string, unknown> = {};

    beforeAll(async () => {
      // The service's own logger (with its redaction) captures the worker's log, searched for secrets below.
      e = await startE2e({ simulator: { seed: 'exsync-sync-e2e' }, connection: face, logLevel: 'trace' });
      ({ radicale, t, calendarId, connectionBody } = e);
      exchange = e.exchange!;
      tenantKey = e.tenant.key;
      const start = Date.now() + 2 * 86_400_000;
      exchange.sim.store.createEvent(calendarId, {
        subject: 'Quarterly review',
        start,
        end: start + 3_600_000,
      });
      sync = await e.runtime();
    }, 60_000);

    afterAll(async () => {
      await e?.close();
    });

    const post = (path: string) =>
      t.app.inject({ method: 'POST', url: `/v1/users/${path}`, headers: bearer(tenantKey), payload: {} });

    /** Runs the worker until the queue has nothing due. */
    async function drain(): Promise<number> {
      let ran = 0;
      while (await sync.worker.runOnce()) ran++;
      return ran;
    }

    async function radicaleItems(): Promise<{ name: string; text: string }[]> {
      const dir = join(radicale.dataDir, 'collections', 'collection-root', 'alice', 'exchange-calendar');
      const names = (await readdir(dir)).filter((n) => n.endsWith('.ics'));
      return Promise.all(names.map(async (name) => ({ name, text: await readFile(join(dir, name), 'utf8') })));
    }

    it('POST …/sync queues a job; the worker puts the Exchange event into a new Radicale calendar', async () => {
      const queued = await post('alice/sync');
      expect(queued.statusCode, queued.body).toBe(200);
      expect(queued.json().job).toMatchObject({ state: 'queued', resync: false });

      expect(await drain()).toBe(1);

      const items = await radicaleItems();
      expect(items).toHaveLength(1);
      expect(items[0]?.text).toContain('SUMMARY:Quarterly review');
      const user = await t.app.inject({ method: 'GET', url: '/v1/users/alice', headers: bearer(tenantKey) });
      expect(user.json()).toMatchObject({ state: 'active', stateReason: null });
      expect(user.json().lastSyncAt).not.toBeNull();
      const runs = await t.app.inject({ method: 'GET', url: '/v1/users/alice/runs', headers: bearer(tenantKey) });
      expect(runs.statusCode).toBe(200);
      expect(runs.json().items).toHaveLength(1);
      expect(runs.json().items[0]).toMatchObject({
        kind: 'event',
        outcome: 'success',
        counts: { exchange_to_nextcloud: { create: 1 } },
      });
    }, 60_000);

    it('an edit in Radicale reaches Exchange on the next sync, and Exchange mails nobody', async () => {
      const [item] = await radicaleItems();
      if (!item) throw new Error('no item in Radicale');
      const url = `${radicale.baseUrl}alice/exchange-calendar/${item.name}`;
      const auth = { authorization: `Basic ${Buffer.from(`alice:${APP_PASSWORD}`).toString('base64')}` };
      const got = await fetch(url, { headers: auth });
      const etag = got.headers.get('etag') ?? '';
      const edited = (await got.text()).replace('SUMMARY:Quarterly review', 'SUMMARY:Quarterly review (moved room)');
      const put = await fetch(url, {
        method: 'PUT',
        headers: { ...auth, 'content-type': 'text/calendar; charset=utf-8', 'if-match': etag },
        body: edited,
      });
      expect(put.status).toBeLessThan(300);

      expect((await post('alice/sync')).statusCode).toBe(200);
      expect(await drain()).toBe(1);

      const subjects = exchange.sim.store.listItems(calendarId).map((i) => (i as { subject?: string }).subject);
      expect(subjects).toEqual(['Quarterly review (moved room)']);
      expect(exchange.sim.sentMail()).toEqual([]);
      const runs = await t.app.inject({
        method: 'GET',
        url: '/v1/users/alice/runs?limit=1',
        headers: bearer(tenantKey),
      });
      expect(runs.json().items[0]).toMatchObject({
        outcome: 'success',
        counts: { nextcloud_to_exchange: { update: 1 } },
      });
      expect(runs.json().nextCursor).not.toBeNull();
      const older = await t.app.inject({
        method: 'GET',
        url: `/v1/users/alice/runs?limit=1&cursor=${runs.json().nextCursor}`,
        headers: bearer(tenantKey),
      });
      expect(older.json().items[0]).toMatchObject({ counts: { exchange_to_nextcloud: { create: 1 } } });
    }, 60_000);

    it('an item Exchange refuses is listed in the run record with the item, the side and the reason', async () => {
      // Exchange refuses an event that ends before it starts (ErrorCalendarEndDateIsEarlierThanStartDate).
      const url = `${radicale.baseUrl}alice/exchange-calendar/backwards.ics`;
      const auth = { authorization: `Basic ${Buffer.from(`alice:${APP_PASSWORD}`).toString('base64')}` };
      const day = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
      const put = await fetch(url, {
        method: 'PUT',
        headers: { ...auth, 'content-type': 'text/calendar; charset=utf-8', 'if-none-match': '*' },
        body: [
          'BEGIN:VCALENDAR',
          'VERSION:2.0',
          'PRODID:-//exsync//test//EN',
          'BEGIN:VEVENT',
          'UID:backwards-1',
          'DTSTAMP:20260101T000000Z',
          `DTSTART:${day}T150000Z`,
          `DTEND:${day}T140000Z`,
          'SUMMARY:Ends before it starts',
          'END:VEVENT',
          'END:VCALENDAR',
          '',
        ].join('\r\n'),
      });
      expect(put.status).toBeLessThan(300);
      try {
        expect((await post('alice/sync')).statusCode).toBe(200);
        expect(await drain()).toBe(1);
        const user = await t.app.inject({ method: 'GET', url: '/v1/users/alice', headers: bearer(tenantKey) });
        const lastRun = user.json().lastRun;
        expect(lastRun.outcome).toBe('partial');
        const expected = {
          item: 'Ends before it starts',
          href: expect.stringContaining('backwards.ics'),
          side: 'exchange',
          // EWS answers ErrorInvalidPropertyRequest for it; Graph says it in words.
          reason: expect.stringMatching(/end.*before.*start|ErrorInvalidPropertyRequest/i),
          code: expect.any(String),
        };
        expect(lastRun.kinds).toHaveLength(1);
        expect(lastRun.kinds[0].itemErrors).toEqual([expected]);
        expect(lastRun.itemErrors).toEqual([expected]);
        const runs = await t.app.inject({
          method: 'GET',
          url: '/v1/users/alice/runs?limit=1',
          headers: bearer(tenantKey),
        });
        expect(runs.json().items[0]).toMatchObject({ outcome: 'partial', itemErrors: [expected] });
      } finally {
        // Gone again, so the following runs have nothing refused.
        await fetch(url, { method: 'DELETE', headers: auth });
      }
    }, 60_000);

    it('resync forgets the tokens and re-matches both sides without duplicating or deleting anything', async () => {
      const queued = await post('alice/resync');
      expect(queued.json().job).toMatchObject({ resync: true });
      expect(await drain()).toBe(1);
      expect(await radicaleItems()).toHaveLength(1);
      expect(exchange.sim.store.listItems(calendarId)).toHaveLength(1);
      const user = await t.app.inject({ method: 'GET', url: '/v1/users/alice', headers: bearer(tenantKey) });
      expect(user.json().state).toBe('active');
    }, 60_000);

    it('a server asking to slow down sets throttled and the job waits for its Retry-After', async () => {
      exchange.sim.injectFault({ face }, { kind: 'status', status: 503, retryAfterSeconds: 120 }, 100);
      const before = Date.now();
      try {
        expect((await post('alice/sync')).statusCode).toBe(200);
        expect(await drain()).toBe(1);
      } finally {
        exchange.sim.faults.clear();
      }
      const user = await t.app.inject({ method: 'GET', url: '/v1/users/alice', headers: bearer(tenantKey) });
      expect(user.json().state).toBe('throttled');
      expect(user.json().stateReason).toMatch(/next attempt is at/);
      const [job] = await t.db.query<{ run_after: Date }>(
        "SELECT run_after FROM exsync_jobs.sync_jobs WHERE nc_user_id = 'alice' AND state = 'queued'",
      );
      expect(new Date(job?.run_after ?? 0).getTime()).toBeGreaterThanOrEqual(before + 119_000);
      expect(await drain()).toBe(0); // not before its time
      // A person's "sync now" overrides the wait; with the server back the user is active again.
      await post('alice/sync');
      expect(await drain()).toBe(1);
      const after = await t.app.inject({ method: 'GET', url: '/v1/users/alice', headers: bearer(tenantKey) });
      expect(after.json()).toMatchObject({ state: 'active', stateReason: null });
    }, 60_000);

    it('refused Exchange credentials set error (not auth_required: the app password is fine) until the connection is fixed', async () => {
      const wrong =
        face === 'ews'
          ? { ...connectionBody, password: 'wrong-password' }
          : { ...connectionBody, clientSecret: 'wrong-secret' };
      const put = (payload: object) =>
        t.app.inject({ method: 'PUT', url: '/v1/exchange-connection', headers: bearer(tenantKey), payload });
      const refused = await put(wrong);
      expect(refused.statusCode, refused.body).toBeLessThan(300);
      await post('alice/sync');
      expect(await drain()).toBe(1);
      const user = await t.app.inject({ method: 'GET', url: '/v1/users/alice', headers: bearer(tenantKey) });
      expect(user.json().state).toBe('error');
      expect(user.json().stateReason).toMatch(/Exchange refused/);
      // The failed run's error reaches the user's lastRun, and neither the wrong nor the right secret does.
      expect(user.json().lastRun).toMatchObject({ outcome: 'failed' });
      expect(user.json().lastRun.error).toEqual(expect.any(String));
      for (const s of [SVC_PASSWORD, CLIENT_SECRET, 'wrong-password', 'wrong-secret', APP_PASSWORD]) {
        expect(user.body).not.toContain(s);
      }
      expect((await put(connectionBody)).statusCode).toBeLessThan(300);
      await post('alice/sync');
      expect(await drain()).toBe(1);
      const fixed = await t.app.inject({ method: 'GET', url: '/v1/users/alice', headers: bearer(tenantKey) });
      expect(fixed.json().state).toBe('active');
    }, 60_000);

    it('a refused app password sets auth_required and the user is not synced again until re-enrolled', async () => {
      const put = await t.app.inject({
        method: 'PUT',
        url: '/v1/users/alice',
        headers: bearer(tenantKey),
        payload: { loginName: 'alice', appPassword: 'revoked-password', mailbox: ALICE },
      });
      expect(put.statusCode).toBe(200);
      await post('alice/sync');
      expect(await drain()).toBe(1);
      const user = await t.app.inject({ method: 'GET', url: '/v1/users/alice', headers: bearer(tenantKey) });
      expect(user.json()).toMatchObject({ state: 'auth_required' });
      expect(user.json().stateReason).toMatch(/app password/);
      const again = await post('alice/sync');
      expect(again.statusCode).toBe(409);
      expect(again.json().code).toBe('EXSYNC_USER_NOT_SYNCABLE');
      for (const log of [t.logText(), e.logText()]) {
        expect(log).not.toContain('revoked-password');
        expect(log).not.toContain(SVC_PASSWORD);
        expect(log).not.toContain(CLIENT_SECRET);
      }
    }, 60_000);

    it('with contacts enabled, a contact in the Exchange default Contacts folder appears in a Radicale address book', async () => {
      const contacts = exchange.sim.store.distinguishedFolder(ALICE, 'contacts').id;
      exchange.sim.store.createContact(contacts, {
        displayName: 'Dora Explorer',
        givenName: 'Dora',
        surname: 'Explorer',
      });
      const reenrolled = await t.app.inject({
        method: 'PUT',
        url: '/v1/users/alice',
        headers: bearer(tenantKey),
        payload: { loginName: 'alice', appPassword: APP_PASSWORD, mailbox: ALICE },
      });
      expect(reenrolled.statusCode).toBe(200);
      const settings = await t.app.inject({
        method: 'PUT',
        url: '/v1/settings',
        headers: bearer(tenantKey),
        payload: {
          itemKinds: {
            events: { enabled: true, direction: 'two-way' },
            contacts: { enabled: true, direction: 'two-way' },
            tasks: { enabled: false, direction: 'two-way' },
          },
        },
      });
      expect(settings.statusCode).toBe(200);

      expect((await post('alice/sync')).statusCode).toBe(200);
      expect(await drain()).toBe(1);

      const dir = join(radicale.dataDir, 'collections', 'collection-root', 'alice', 'exchange-contacts');
      const cards = await Promise.all(
        (await readdir(dir)).filter((n) => n.endsWith('.vcf')).map((n) => readFile(join(dir, n), 'utf8')),
      );
      expect(cards).toHaveLength(1);
      expect(cards[0]).toContain('FN:Dora Explorer');
      const runs = await t.app.inject({
        method: 'GET',
        url: '/v1/users/alice/runs?limit=2',
        headers: bearer(tenantKey),
      });
      const latest = runs.json().items.find((r: { kind: string }) => r.kind === 'contact');
      expect(latest).toMatchObject({ outcome: 'success', counts: { exchange_to_nextcloud: { create: 1 } } });
      const user = await t.app.inject({ method: 'GET', url: '/v1/users/alice', headers: bearer(tenantKey) });
      expect(user.json()).toMatchObject({ state: 'active', stateReason: null });
    }, 60_000);
  });
}
