import { MemoryStore } from '@exsync/core/testing';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { liveSkipReason, type RunningDavServer, startRadicale } from '../../../../packages/dav/src/testing/dav-servers';
import { createSyncRuntime, type SyncRuntime } from '../jobs/sync-runtime';
import { bearer, createTenant, startTestApp, type TestApp } from '../testing/harness';

/**
 * Run records as the API shows them: one record per pair run, finished whatever ended it, and the user's state
 * naming the cause. The Exchange side is an in-memory store (the seam `exchangeStores`), Nextcloud a real Radicale.
 */
const skip = liveSkipReason('radicale');
const APP_PASSWORD = 'alice-app-password';

describe.skipIf(skip)('run records of a user sync', () => {
  let radicale: RunningDavServer;
  let t: TestApp;
  let sync: SyncRuntime;
  let tenantKey: string;
  let exchange: MemoryStore;

  beforeAll(async () => {
    radicale = await startRadicale('alice', APP_PASSWORD);
    t = await startTestApp();
    const tenant = await createTenant(t, 'Contoso');
    tenantKey = tenant.key;
    const admin = bearer(t.adminKey);
    await t.app.inject({
      method: 'PATCH',
      url: `/v1/tenants/${tenant.id}`,
      headers: admin,
      payload: { nextcloudUrl: radicale.baseUrl },
    });
    await t.app.inject({
      method: 'PUT',
      url: '/v1/settings',
      headers: bearer(tenantKey),
      payload: {
        itemKinds: {
          events: { enabled: true, direction: 'two-way' },
          contacts: { enabled: false, direction: 'two-way' },
          tasks: { enabled: false, direction: 'two-way' },
        },
      },
    });
    const connection = await t.app.inject({
      method: 'PUT',
      url: '/v1/exchange-connection',
      headers: bearer(tenantKey),
      payload: {
        kind: 'ews',
        url: 'https://mail.contoso.example/EWS/Exchange.asmx',
        authKind: 'basic',
        username: 'CONTOSO\\svc',
        password: 'pw',
      },
    });
    expect(connection.statusCode, connection.body).toBeLessThan(300);
    const user = await t.app.inject({
      method: 'PUT',
      url: '/v1/users/alice',
      headers: bearer(tenantKey),
      payload: { loginName: 'alice', appPassword: APP_PASSWORD, mailbox: 'alice@contoso.com' },
    });
    expect(user.statusCode).toBe(201);
    sync = createSyncRuntime({
      db: t.db,
      vault: t.vault,
      logger: pino({ level: 'silent' }),
      davRoot: (url) => url,
      exchangeStores: () => ({ store: exchange, collectionId: 'memory-calendar' }),
    });
    await sync.prepare();
  }, 60_000);

  afterAll(async () => {
    await sync?.stop(1000);
    await t?.close();
    await radicale?.stop();
  });

  beforeEach(async () => {
    exchange = new MemoryStore({ hrefPrefix: '/x/' });
    await t.db.query('DELETE FROM sync_runs');
    await t.db.query('DELETE FROM exsync_jobs.sync_jobs');
  });

  const get = (path: string) => t.app.inject({ method: 'GET', url: `/v1/users/${path}`, headers: bearer(tenantKey) });
  const post = (path: string) =>
    t.app.inject({ method: 'POST', url: `/v1/users/${path}`, headers: bearer(tenantKey), payload: {} });

  it('a pair failing with an unexpected error leaves one finished `failed` run, none `running`, and the user in error', async () => {
    exchange.listWindow = () => {
      throw new TypeError("Cannot read properties of undefined (reading 'href')");
    };
    exchange.changesSince = async () => {
      throw new TypeError("Cannot read properties of undefined (reading 'href')");
    };
    expect((await post('alice/sync')).statusCode).toBe(200);
    expect(await sync.worker.runOnce()).toBe(true);
    const runs = (await get('alice/runs')).json().items as {
      outcome: string;
      error: string | null;
      finishedAt: string | null;
    }[];
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ outcome: 'failed', error: expect.stringContaining('TypeError') });
    expect(runs[0]?.finishedAt).not.toBeNull();
    const user = (await get('alice')).json();
    expect(user.state).toBe('error');
    expect(user.stateReason).toContain('TypeError');
  }, 60_000);
});
