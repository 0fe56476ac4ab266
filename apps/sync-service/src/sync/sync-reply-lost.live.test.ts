import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createSimulator, type SimulatorHandle } from '@exsync/exchange-sim';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveSkipReason, type RunningDavServer, startRadicale } from '../../../../packages/dav/src/testing/dav-servers';
import { ReplyLostProxy } from '../../../../packages/dav/src/testing/reply-lost-proxy';
import { createSyncRuntime, type SyncRuntime } from '../jobs/sync-runtime';
import { bearer, createTenant, startTestApp, type TestApp } from '../testing/harness';

/**
 * "Applied, reply lost" end to end, on every backend and item kind: the write is stored, the sync sees a reset or
 * a timeout. Nextcloud (Radicale behind a proxy that drops replies) loses the answer to the first create of each
 * kind; then Exchange (the simulator, over EWS or Graph) loses the answer to the first create of each kind. After
 * each run every item exists exactly once on both sides and the user is active.
 */
const skip = liveSkipReason('radicale');
const ALICE = 'alice@contoso.com';
const APP_PASSWORD = 'alice-app-password';
const CLIENT_ID = 'b0b1c2d3-0000-4000-8000-00000000e5c2';
const CLIENT_SECRET = 'graph-client-secret';
const DAY = 86_400_000;
const COLLECTIONS = { calendar: 'exchange-calendar', tasks: 'exchange-tasks', contacts: 'exchange-contacts' } as const;

for (const face of ['ews', 'graph'] as const) {
  describe.skipIf(skip)(`a lost reply duplicates nothing (Exchange over ${face} ⇄ Radicale)`, () => {
    let radicale: RunningDavServer;
    let proxy: ReplyLostProxy;
    let exchange: SimulatorHandle;
    let t: TestApp;
    let sync: SyncRuntime;
    let key: string;
    const folder = (kind: keyof typeof COLLECTIONS) => exchange.sim.store.distinguishedFolder(ALICE, kind).id;
    const soon = Date.now() + 3 * DAY;

    beforeAll(async () => {
      radicale = await startRadicale('alice', APP_PASSWORD);
      proxy = await new ReplyLostProxy(radicale.baseUrl).start();
      exchange = createSimulator({ seed: `exsync-reply-lost-${face}` });
      const store = exchange.sim.store;
      store.createMailbox({ smtpAddress: ALICE, displayName: 'Alice Example' });
      exchange.sim.directory.addServiceAccount({
        username: 'svc-sync',
        password: 'Passw0rd!',
        domain: 'CONTOSO',
        impersonation: [ALICE],
      });
      exchange.sim.directory.addApp({ clientId: CLIENT_ID, secrets: [CLIENT_SECRET] });
      const urls = await exchange.listen(0);
      for (const i of [1, 2]) {
        const start = soon + i * 3_600_000;
        store.createEvent(folder('calendar'), { subject: `Exchange event ${i}`, start, end: start + 1_800_000 });
        store.createTask(folder('tasks'), { title: `Exchange task ${i}`, dueDateTime: soon });
        store.createContact(folder('contacts'), {
          displayName: `Exchange Contact ${i}`,
          givenName: 'Ex',
          surname: `${i}`,
        });
      }
      t = await startTestApp();
      const tenant = await createTenant(t, 'Contoso');
      key = tenant.key;
      await t.app.inject({
        method: 'PATCH',
        url: `/v1/tenants/${tenant.id}`,
        headers: bearer(t.adminKey),
        payload: { nextcloudUrl: proxy.baseUrl },
      });
      const connection =
        face === 'ews'
          ? { kind: 'ews', url: urls.ews, authKind: 'basic', username: 'CONTOSO\\svc-sync', password: 'Passw0rd!' }
          : {
              kind: 'graph',
              url: urls.graph,
              // Tokens from the simulator's Entra endpoint, as the shipped service gets them.
              authority: urls.base,
              entraTenantId: exchange.sim.tenantId,
              clientId: CLIENT_ID,
              authKind: 'client_secret',
              clientSecret: CLIENT_SECRET,
            };
      const c = await t.app.inject({
        method: 'PUT',
        url: '/v1/exchange-connection',
        headers: bearer(key),
        payload: connection,
      });
      expect(c.statusCode, c.body).toBeLessThan(300);
      const user = await t.app.inject({
        method: 'PUT',
        url: '/v1/users/alice',
        headers: bearer(key),
        payload: { loginName: 'alice', appPassword: APP_PASSWORD, mailbox: ALICE },
      });
      expect(user.statusCode).toBe(201);
      sync = createSyncRuntime({
        db: t.db,
        vault: t.vault,
        logger: pino({ level: 'silent' }),
        davRoot: (u) => u,
      });
      await sync.prepare();
    }, 60_000);

    afterAll(async () => {
      await sync?.stop(1000);
      await t?.close();
      await exchange?.close();
      await proxy?.stop();
      await radicale?.stop();
    });

    async function runSync(): Promise<void> {
      const r = await t.app.inject({ method: 'POST', url: '/v1/users/alice/sync', headers: bearer(key), payload: {} });
      expect(r.statusCode, r.body).toBe(200);
      while (await sync.worker.runOnce()) {}
    }

    async function davNames(collection: string): Promise<string[]> {
      const dir = join(radicale.dataDir, 'collections', 'collection-root', 'alice', collection);
      const texts = await Promise.all(
        (await readdir(dir)).filter((n) => /\.(ics|vcf)$/.test(n)).map((n) => readFile(join(dir, n), 'utf8')),
      );
      return texts.map((x) => /^(?:SUMMARY|FN):(.*)$/m.exec(x)?.[1]?.trim() ?? '?').sort();
    }

    function exchangeNames(kind: keyof typeof COLLECTIONS): string[] {
      return exchange.sim.store
        .listItems(folder(kind))
        .map((i) => (i.kind === 'event' ? i.subject : i.kind === 'task' ? i.title : i.displayName))
        .sort();
    }

    /** Active, and no run failed or left items behind: the lost reply was settled in the run that met it. */
    async function expectActive(): Promise<void> {
      const user = await t.app.inject({ method: 'GET', url: '/v1/users/alice', headers: bearer(key) });
      expect(user.json(), JSON.stringify(user.json().lastRun)).toMatchObject({ state: 'active', stateReason: null });
      const runs = await t.app.inject({ method: 'GET', url: '/v1/users/alice/runs?limit=100', headers: bearer(key) });
      const outcomes = runs.json().items.map((r: { kind: string; outcome: string }) => `${r.kind}:${r.outcome}`);
      expect(outcomes.filter((o: string) => !o.endsWith(':success'))).toEqual([]);
    }

    it('Nextcloud stores the first create of each kind but the reply is lost: each item is there once', async () => {
      for (const collection of Object.values(COLLECTIONS)) proxy.loseNext('PUT', 1, new RegExp(`/${collection}/.+`));
      await runSync();
      expect(proxy.lost).toHaveLength(3);
      await expectActive();
      expect(await davNames(COLLECTIONS.calendar)).toEqual(['Exchange event 1', 'Exchange event 2']);
      expect(await davNames(COLLECTIONS.tasks)).toEqual(['Exchange task 1', 'Exchange task 2']);
      expect(await davNames(COLLECTIONS.contacts)).toEqual(['Exchange Contact 1', 'Exchange Contact 2']);
    }, 120_000);

    it('Exchange stores the first create of each kind but the reply is lost: each item is there once', async () => {
      const auth = { authorization: `Basic ${Buffer.from(`alice:${APP_PASSWORD}`).toString('base64')}` };
      const put = async (collection: string, name: string, type: string, body: string) => {
        const r = await fetch(`${radicale.baseUrl}alice/${collection}/${name}`, {
          method: 'PUT',
          headers: { ...auth, 'content-type': `${type}; charset=utf-8`, 'if-none-match': '*' },
          body,
        });
        expect(r.status).toBe(201);
      };
      const stamp = (ms: number) =>
        new Date(ms)
          .toISOString()
          .replace(/[-:]/g, '')
          .replace(/\.\d{3}/, '');
      for (const i of [1, 2]) {
        const start = soon + DAY + i * 3_600_000;
        const cal = (c: string, lines: string[]) =>
          [
            'BEGIN:VCALENDAR',
            'VERSION:2.0',
            'PRODID:-//t//t//EN',
            `BEGIN:${c}`,
            ...lines,
            `END:${c}`,
            'END:VCALENDAR',
            '',
          ].join('\r\n');
        await put(
          COLLECTIONS.calendar,
          `nc-ev-${i}.ics`,
          'text/calendar',
          cal('VEVENT', [
            `UID:nc-ev-${i}`,
            `DTSTAMP:${stamp(Date.now())}`,
            `DTSTART:${stamp(start)}`,
            `DTEND:${stamp(start + 3_600_000)}`,
            `SUMMARY:Nextcloud event ${i}`,
          ]),
        );
        await put(
          COLLECTIONS.tasks,
          `nc-t-${i}.ics`,
          'text/calendar',
          cal('VTODO', [`UID:nc-t-${i}`, `DTSTAMP:${stamp(Date.now())}`, `SUMMARY:Nextcloud task ${i}`]),
        );
        await put(
          COLLECTIONS.contacts,
          `nc-c-${i}.vcf`,
          'text/vcard',
          `BEGIN:VCARD\r\nVERSION:3.0\r\nUID:nc-c-${i}\r\nFN:Nextcloud Contact ${i}\r\nN:${i};Nextcloud;;;\r\nEND:VCARD\r\n`,
        );
      }
      if (face === 'ews') {
        // Every CreateItem of the run (two per kind) is stored but answered by a reset.
        exchange.sim.injectFault({ face: 'ews', operation: 'CreateItem' }, { kind: 'replyLost', after: 'reset' }, 6);
      } else {
        // The first create of each kind is stored but answered by a reset.
        for (const path of ['events', 'contacts', 'tasks']) {
          exchange.sim.injectFault(
            { face: 'graph', method: 'POST', path: `re:/${path}(\\?|$)` },
            { kind: 'replyLost', after: 'reset' },
            1,
          );
        }
      }
      await runSync();
      expect(exchange.sim.faults.list()).toEqual([]); // every lost reply happened
      await expectActive();
      for (const [kind, names] of [
        ['calendar', ['Exchange event 1', 'Exchange event 2', 'Nextcloud event 1', 'Nextcloud event 2']],
        ['tasks', ['Exchange task 1', 'Exchange task 2', 'Nextcloud task 1', 'Nextcloud task 2']],
        ['contacts', ['Exchange Contact 1', 'Exchange Contact 2', 'Nextcloud Contact 1', 'Nextcloud Contact 2']],
      ] as const) {
        expect(exchangeNames(kind), kind).toEqual(names);
        expect(await davNames(COLLECTIONS[kind]), kind).toEqual(names);
      }
      // And the next run finds nothing left to repair.
      await runSync();
      await expectActive();
      expect(exchangeNames('contacts')).toHaveLength(4);
      expect(await davNames(COLLECTIONS.contacts)).toHaveLength(4);
    }, 120_000);
  });
}
