import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createSimulator, type SimulatorHandle } from '@exsync/exchange-sim';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveSkipReason, type RunningDavServer, startRadicale } from '../../../../packages/dav/src/testing/dav-servers';
import { createSyncRuntime, type SyncRuntime } from '../jobs/sync-runtime';
import {
  bearer,
  createTenant,
  createThrowawayPostgres,
  startTestApp,
  type TestApp,
  WITH_POSTGRES,
} from '../testing/harness';

/** Two replicas' workers on one PostgreSQL: they share the queue and never sync the same user at once. */
const skip = liveSkipReason('radicale') || !WITH_POSTGRES;
const ALICE = 'alice@contoso.com';

describe.skipIf(skip)('two replicas on PostgreSQL', () => {
  let radicale: RunningDavServer;
  let exchange: SimulatorHandle;
  let t: TestApp;
  let drop: () => Promise<void>;
  let replicas: SyncRuntime[] = [];
  let key: string;

  beforeAll(async () => {
    radicale = await startRadicale('alice', 'app-pw');
    exchange = createSimulator({ seed: 'exsync-sync-replicas' });
    exchange.sim.store.createMailbox({ smtpAddress: ALICE, displayName: 'Alice' });
    exchange.sim.directory.addServiceAccount({
      username: 'svc-sync',
      password: 'Passw0rd!',
      domain: 'CONTOSO',
      impersonation: [ALICE],
    });
    const urls = await exchange.listen(0);
    const cal = exchange.sim.store.distinguishedFolder(ALICE, 'calendar').id;
    const soon = Date.now() + 86_400_000;
    exchange.sim.store.createEvent(cal, { subject: 'Shared', start: soon, end: soon + 3_600_000 });

    const pg = await createThrowawayPostgres();
    drop = pg.drop;
    t = await startTestApp({ databaseUrl: pg.url });
    const tenant = await createTenant(t, 'Contoso');
    key = tenant.key;
    await t.app.inject({
      method: 'PATCH',
      url: `/v1/tenants/${tenant.id}`,
      headers: bearer(t.adminKey),
      payload: { nextcloudUrl: radicale.baseUrl },
    });
    await t.app.inject({
      method: 'PUT',
      url: '/v1/settings',
      headers: bearer(key),
      payload: {
        itemKinds: {
          events: { enabled: true, direction: 'two-way' },
          contacts: { enabled: false, direction: 'two-way' },
          tasks: { enabled: false, direction: 'two-way' },
        },
      },
    });
    await t.app.inject({
      method: 'PUT',
      url: '/v1/exchange-connection',
      headers: bearer(key),
      payload: { kind: 'ews', url: urls.ews, authKind: 'basic', username: 'CONTOSO\\svc-sync', password: 'Passw0rd!' },
    });
    await t.app.inject({
      method: 'PUT',
      url: '/v1/users/alice',
      headers: bearer(key),
      payload: { loginName: 'alice', appPassword: 'app-pw', mailbox: ALICE },
    });
    replicas = [0, 1].map(() =>
      createSyncRuntime({
        db: t.db,
        vault: t.vault,
        logger: pino({ level: 'silent' }),
        davRoot: (u) => u,
        worker: { pollMs: 20, concurrency: 2 },
      }),
    );
    for (const r of replicas) await r.prepare();
  }, 60_000);

  afterAll(async () => {
    for (const r of replicas) await r.stop(2000);
    await t?.close();
    await drop?.();
    await exchange?.close();
    await radicale?.stop();
  });

  it('with two replicas polling one queue, repeated syncs of a user all succeed, never overlap and duplicate nothing', async () => {
    for (const r of replicas) r.worker.start();
    const runs = async () =>
      t.db.query<{ started_at: Date; finished_at: Date | null; outcome: string }>(
        'SELECT started_at, finished_at, outcome::text AS outcome FROM sync_runs ORDER BY started_at',
      );
    const deadline = Date.now() + 30_000;
    // Keep asking while syncs run: a request during a run must wait for it, not run beside it.
    while ((await runs()).filter((r) => r.finished_at).length < 4 && Date.now() < deadline) {
      await t.app.inject({ method: 'POST', url: '/v1/users/alice/sync', headers: bearer(key), payload: {} });
      await new Promise((r) => setTimeout(r, 50));
    }
    const done = (await runs()).filter((r) => r.finished_at);
    expect(done.length).toBeGreaterThanOrEqual(4);
    expect(done.every((r) => r.outcome === 'success')).toBe(true);
    for (let i = 1; i < done.length; i++) {
      const prev = done[i - 1]!;
      expect(new Date(done[i]!.started_at).getTime()).toBeGreaterThanOrEqual(new Date(prev.finished_at!).getTime());
    }
    const dir = join(radicale.dataDir, 'collections', 'collection-root', 'alice', 'exchange-calendar');
    expect((await readdir(dir)).filter((n) => n.endsWith('.ics'))).toHaveLength(1);
  }, 60_000);
});
