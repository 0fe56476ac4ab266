import { Writable } from 'node:stream';
import { MemoryStore, sampleEvent } from '@exsync/core/testing';
import { type Database, openDatabase } from '@exsync/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveSkipReason, type RunningDavServer, startRadicale } from '../../../../packages/dav/src/testing/dav-servers';
import { createSyncRuntime } from '../jobs/sync-runtime';
import { createLogger } from '../logger';
import { bearer, createTenant, startTestApp, type TestApp } from '../testing/harness';

/**
 * The embedded database (PGlite) stops working while a pair is being synced: the run fails with the database's
 * reason, the process lives on, and the next start (which reopens the database) closes the run left open and syncs.
 * The Exchange side is an in-memory store, Nextcloud a real Radicale.
 */
const skip = liveSkipReason('radicale');
const APP_PASSWORD = 'alice-app-password';

describe.skipIf(skip)('the embedded database stops working mid-run', () => {
  let radicale: RunningDavServer;
  let t: TestApp;
  let tenantKey: string;
  let reopened: Database | undefined;
  const exchange = new MemoryStore({ hrefPrefix: '/x/' });
  const workerLog: string[] = [];
  const logger = createLogger(
    'info',
    new Writable({
      write(chunk, _enc, done) {
        workerLog.push(String(chunk));
        done();
      },
    }),
  );

  beforeAll(async () => {
    radicale = await startRadicale('alice', APP_PASSWORD);
    t = await startTestApp();
    const tenant = await createTenant(t, 'Contoso');
    tenantKey = tenant.key;
    await t.app.inject({
      method: 'PATCH',
      url: `/v1/tenants/${tenant.id}`,
      headers: bearer(t.adminKey),
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
  }, 180_000);

  afterAll(async () => {
    await reopened?.close();
    await t?.close();
    await radicale?.stop();
  });

  it('the run fails with the reason, the process lives on, and the next start closes the run and syncs', async () => {
    const at = (h: number) => new Date(Date.now() + 2 * 86_400_000 + h * 3_600_000).toISOString();
    for (let i = 0; i < 4; i++) exchange.put(sampleEvent(`p${i}`, at(i)));
    const runtime = (db: Database) =>
      createSyncRuntime({
        db,
        vault: t.vault,
        logger,
        davRoot: (url) => url,
        exchangeStores: () => ({ store: exchange, collectionId: 'memory-calendar' }),
      });
    const first = runtime(t.db);
    await first.prepare();
    const crashes: unknown[] = [];
    const onCrash = (error: unknown) => crashes.push(error);
    process.on('uncaughtException', onCrash);
    process.on('unhandledRejection', onCrash);
    // Once Exchange's side has been read, the database is gone.
    const getMany = exchange.getMany.bind(exchange);
    exchange.getMany = async function* (hrefs, signal) {
      for await (const r of getMany(hrefs, signal)) yield r;
      await t.db.close();
    };
    let ended: unknown;
    try {
      expect(
        (await t.app.inject({ method: 'POST', url: '/v1/users/alice/sync', headers: bearer(tenantKey), payload: {} }))
          .statusCode,
      ).toBe(200);
      await first.worker.runOnce().catch((error: unknown) => {
        ended = error;
      });
      // The worker's own loop goes on (it logs that the queue is unavailable) rather than ending the process.
      first.worker.start();
      await new Promise((r) => setTimeout(r, 300));
      await first.stop(1000);
    } finally {
      process.off('uncaughtException', onCrash);
      process.off('unhandledRejection', onCrash);
      exchange.getMany = getMany;
    }
    expect(crashes).toEqual([]);
    // What ended the job is the database, named as such (it could not even be recorded).
    expect(ended).toMatchObject({ name: 'DatabaseError', code: 'unavailable' });
    const logged = workerLog.map((l) => JSON.parse(l) as { msg: string; err?: { message?: string } });
    expect(logged.some((l) => l.msg === 'pair sync failed: unexpected error' || l.msg === 'sync job failed')).toBe(
      true,
    );
    expect(logged.find((l) => l.err?.message?.includes('The embedded database'))).toBeDefined();

    // The next start: the database is opened again; the run left open is closed as interrupted and the user synced.
    reopened = await openDatabase({ dataDir: t.dataDir });
    const second = runtime(reopened);
    await second.prepare();
    const open = await reopened.query<{ outcome: string; error: string | null }>(
      'SELECT outcome::text, error FROM sync_runs ORDER BY started_at',
    );
    expect(open.filter((r) => r.outcome === 'running')).toEqual([]);
    expect(open[0]).toMatchObject({ outcome: 'failed', error: expect.stringContaining('interrupted') });
    expect(await second.worker.runOnce()).toBe(true);
    const [alice] = await reopened.query<{ state: string }>("SELECT state::text FROM users WHERE nc_user_id = 'alice'");
    expect(alice?.state).toBe('active');
    // Every event is linked to its Nextcloud copy, once.
    const [links] = await reopened.query<{ n: number }>('SELECT count(*)::int AS n FROM item_links');
    expect(links?.n).toBe(4);
    await second.stop(1000);
  }, 120_000);
});
