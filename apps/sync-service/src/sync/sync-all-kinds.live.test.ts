import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SimulatorHandle } from '@exsync/exchange-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveSkipReason, type RunningDavServer } from '../../../../packages/dav/src/testing/dav-servers';
import type { SyncRuntime } from '../jobs/sync-runtime';
import { ALICE, APP_PASSWORD, type E2e, startE2e } from '../testing/e2e';
import { bearer, type TestApp } from '../testing/harness';

/** The default settings (every item kind, two-way) against the EWS face of the simulator and a real Radicale. */
const skip = liveSkipReason('radicale');

describe.skipIf(skip)('sync end to end with the default settings: events, tasks and contacts over EWS', () => {
  let e: E2e;
  let radicale: RunningDavServer;
  let exchange: SimulatorHandle;
  let t: TestApp;
  let sync: SyncRuntime;
  let key: string;

  beforeAll(async () => {
    e = await startE2e({ simulator: { seed: 'exsync-sync-all-kinds' }, kinds: 'service-defaults', logLevel: 'silent' });
    ({ radicale, t } = e);
    exchange = e.exchange!;
    key = e.tenant.key;
    const store = exchange.sim.store;
    const soon = Date.now() + 3 * 86_400_000;
    store.createEvent(store.distinguishedFolder(ALICE, 'calendar').id, {
      subject: 'Board meeting',
      start: soon,
      end: soon + 3_600_000,
    });
    store.createTask(store.distinguishedFolder(ALICE, 'tasks').id, { title: 'Renew passport', dueDateTime: soon });
    store.createContact(store.distinguishedFolder(ALICE, 'contacts').id, {
      displayName: 'Bob Builder',
      givenName: 'Bob',
      surname: 'Builder',
    });
    sync = await e.runtime();
  }, 60_000);

  afterAll(async () => {
    await e?.close();
  });

  async function files(collection: string, ext: string): Promise<string[]> {
    const dir = join(radicale.dataDir, 'collections', 'collection-root', 'alice', collection);
    const names = (await readdir(dir)).filter((n) => n.endsWith(ext));
    return Promise.all(names.map((n) => readFile(join(dir, n), 'utf8')));
  }

  it('creates one Nextcloud collection per kind and fills each with its Exchange item', async () => {
    const r = await t.app.inject({ method: 'POST', url: '/v1/users/alice/sync', headers: bearer(key), payload: {} });
    expect(r.statusCode).toBe(200);
    while (await sync.worker.runOnce()) {}

    const user = await t.app.inject({ method: 'GET', url: '/v1/users/alice', headers: bearer(key) });
    expect(user.json()).toMatchObject({ state: 'active', stateReason: null });
    const events = await files('exchange-calendar', '.ics');
    const tasks = await files('exchange-tasks', '.ics');
    const contacts = await files('exchange-contacts', '.vcf');
    expect(events).toHaveLength(1);
    expect(events[0]).toContain('SUMMARY:Board meeting');
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatch(/BEGIN:VTODO[\s\S]*SUMMARY:Renew passport/);
    expect(contacts).toHaveLength(1);
    expect(contacts[0]).toContain('FN:Bob Builder');
    const runs = await t.app.inject({ method: 'GET', url: '/v1/users/alice/runs', headers: bearer(key) });
    const kinds = runs.json().items.map((x: { kind: string; outcome: string }) => `${x.kind}:${x.outcome}`);
    expect(kinds.sort()).toEqual(['contact:success', 'event:success', 'task:success']);
    expect(exchange.sim.sentMail()).toEqual([]);
  }, 60_000);

  it('a contact created in Nextcloud appears in the Exchange contacts folder', async () => {
    const url = `${radicale.baseUrl}alice/exchange-contacts/carol.vcf`;
    const put = await fetch(url, {
      method: 'PUT',
      headers: {
        authorization: `Basic ${Buffer.from(`alice:${APP_PASSWORD}`).toString('base64')}`,
        'content-type': 'text/vcard; charset=utf-8',
        'if-none-match': '*',
      },
      body: 'BEGIN:VCARD\r\nVERSION:3.0\r\nUID:carol-1\r\nFN:Carol Jones\r\nN:Jones;Carol;;;\r\nEND:VCARD\r\n',
    });
    expect(put.status).toBe(201);
    await t.app.inject({ method: 'POST', url: '/v1/users/alice/sync', headers: bearer(key), payload: {} });
    while (await sync.worker.runOnce()) {}
    const folder = exchange.sim.store.distinguishedFolder(ALICE, 'contacts').id;
    const names = exchange.sim.store.listItems(folder).map((i) => (i as { displayName?: string }).displayName);
    expect(names.sort()).toEqual(['Bob Builder', 'Carol Jones']);
  }, 60_000);
});
