import { createOperationsRepository } from '@exsync/db';
import { createSimulator, type SimulatorHandle } from '@exsync/exchange-sim';
import { type RunningDavServer, startRadicale } from '../../../../packages/dav/src/testing/dav-servers';
import { createSyncRuntime, type SyncRuntime } from '../jobs/sync-runtime';
import { createLogger } from '../logger';
import { createMetrics, type SyncMetrics } from '../metrics/metrics';
import { bearer, createTenant, startTestApp, type TestApp } from './harness';

/** Requests one sync sent, per side. */
export interface SyncRequests {
  readonly ews: number;
  readonly dav: number;
}

export interface NoChangeScenario {
  /** Syncs the user once (through the API and the worker) and counts the requests it sent. */
  sync(): Promise<SyncRequests>;
  close(): Promise<void>;
}

const ALICE = 'alice@contoso.com';
const APP_PASSWORD = 'alice-app-password';

/**
 * One user with events, contacts and tasks, EWS simulator ⇄ Radicale, driven as the service is. EWS requests come
 * from the simulator's own request log; DAV requests from the service's request counter (every DAV request of a
 * sync goes through one counting transport). On the embedded database unless `databaseUrl` names another.
 */
export async function noChangeScenario(
  options: {
    databaseUrl?: string;
    /** What the mailbox holds; default 5 events. */
    mailbox?: { readonly events: number; readonly contacts?: number; readonly tasks?: number };
  } = {},
): Promise<NoChangeScenario> {
  const radicale: RunningDavServer = await startRadicale('alice', APP_PASSWORD);
  const exchange: SimulatorHandle = createSimulator({ seed: 'exsync-no-change' });
  let t: TestApp | undefined;
  let sync: SyncRuntime | undefined;
  try {
    exchange.sim.store.createMailbox({ smtpAddress: ALICE, displayName: 'Alice Example' });
    exchange.sim.directory.addServiceAccount({
      username: 'svc-sync',
      password: 'Passw0rd!',
      domain: 'CONTOSO',
      impersonation: [ALICE],
    });
    const urls = await exchange.listen(0);
    const start = Date.now() + 2 * 86_400_000;
    const folder = (name: 'calendar' | 'contacts' | 'tasks') => exchange.sim.store.distinguishedFolder(ALICE, name).id;
    const mailbox = options.mailbox ?? { events: 5 };
    for (let i = 0; i < mailbox.events; i++) {
      exchange.sim.store.createEvent(folder('calendar'), {
        subject: `Event ${i}`,
        start: start + i * 3_600_000,
        end: start + i * 3_600_000 + 1_800_000,
      });
    }
    for (let i = 0; i < (mailbox.contacts ?? 0); i++) {
      exchange.sim.store.createContact(folder('contacts'), {
        displayName: `Contact ${i}`,
        givenName: 'C',
        surname: `${i}`,
      });
    }
    for (let i = 0; i < (mailbox.tasks ?? 0); i++) {
      exchange.sim.store.createTask(folder('tasks'), { title: `Task ${i}`, dueDateTime: start + i * 86_400_000 });
    }
    let metrics: SyncMetrics | undefined;
    t = await startTestApp({
      ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
      metrics: (db) => (metrics = createMetrics({ operations: createOperationsRepository(db), processMetrics: false })),
    });
    const app = t;
    const tenant = await createTenant(app, 'Contoso');
    const put = (url: string, payload: Record<string, unknown>) =>
      app.app.inject({ method: 'PUT', url, headers: bearer(tenant.key), payload });
    await app.app.inject({
      method: 'PATCH',
      url: `/v1/tenants/${tenant.id}`,
      headers: bearer(app.adminKey),
      payload: { nextcloudUrl: radicale.baseUrl },
    });
    await put('/v1/exchange-connection', {
      kind: 'ews',
      url: urls.ews,
      authKind: 'basic',
      username: 'CONTOSO\\svc-sync',
      password: 'Passw0rd!',
    });
    await put('/v1/users/alice', { loginName: 'alice', appPassword: APP_PASSWORD, mailbox: ALICE });
    if (!metrics) throw new Error('no metrics');
    const counted = metrics;
    const runtime = createSyncRuntime({
      db: app.db,
      vault: app.vault,
      logger: createLogger('silent'),
      davRoot: (url) => url,
      metrics: counted,
    });
    sync = runtime;
    await runtime.prepare();
    const davRequests = async () => {
      const family = (await counted.registry.getSingleMetric('exsync_backend_requests_total')?.get())?.values ?? [];
      return family.filter((v) => v.labels.backend === 'dav').reduce((a, v) => a + v.value, 0);
    };
    return {
      async sync() {
        const ews = exchange.sim.requests().filter((r) => r.face === 'ews').length;
        const dav = await davRequests();
        await app.app.inject({ method: 'POST', url: '/v1/users/alice/sync', headers: bearer(tenant.key), payload: {} });
        while (await runtime.worker.runOnce()) {}
        return {
          ews: exchange.sim.requests().filter((r) => r.face === 'ews').length - ews,
          dav: (await davRequests()) - dav,
        };
      },
      async close() {
        await runtime.stop(1000);
        await app.close();
        await exchange.close();
        await radicale.stop();
      },
    };
  } catch (error) {
    await sync?.stop(1000);
    await t?.close();
    await exchange.close();
    await radicale.stop();
    throw error;
  }
}
