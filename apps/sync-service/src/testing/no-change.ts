import { createOperationsRepository } from '@exsync/db';
import { createSimulator, type SimulatorHandle } from '@exsync/exchange-sim';
import { startRadicale } from '../../../../packages/dav/src/testing/dav-servers';
import { FakeNextcloud } from '../../../../packages/dav/src/testing/fake-nextcloud';
import { createSyncRuntime, type SyncRuntime } from '../jobs/sync-runtime';
import { createLogger } from '../logger';
import { createMetrics, type SyncMetrics } from '../metrics/metrics';
import { bearer, createTenant, startTestApp, type TestApp } from './harness';

/** Requests one sync sent, per side, as the servers saw them. */
export interface SyncRequests {
  /** Requests the simulator logged on the connection's face (EWS, or Graph without Entra's token requests). */
  readonly exchange: number;
  /** DAV requests: the fake Nextcloud's own log, or the service's request counter in front of Radicale. */
  readonly dav: number;
}

/** What the sync's run record (GET user → lastRun) says it sent. */
export interface RecordedRequests {
  readonly requests: { exchange: number; nextcloud: number } | null;
  readonly kinds: readonly { kind: string | null; requests: { exchange: number; nextcloud: number } | null }[];
}

export interface NoChangeScenario {
  /** Syncs the user once (through the API and the worker) and counts the requests it sent. */
  sync(): Promise<SyncRequests>;
  /** The last sync's record as the API shows it. */
  recorded(): Promise<RecordedRequests>;
  close(): Promise<void>;
}

export interface NoChangeOptions {
  /** Radicale (calendars and address books in one home) or the fake Nextcloud (two homes, as Nextcloud). */
  readonly dav?: 'radicale' | 'nextcloud';
  readonly exchange?: 'ews' | 'graph';
  /** Another database than the embedded one (a benchmark on PostgreSQL). */
  readonly databaseUrl?: string;
  /** What the mailbox holds; default 5 events. */
  readonly mailbox?: { readonly events: number; readonly contacts?: number; readonly tasks?: number };
}

const ALICE = 'alice@contoso.com';
const APP_PASSWORD = 'alice-app-password';
const CLIENT_ID = 'a0b1c2d3-0000-4000-8000-0000000c4a9e';
const CLIENT_SECRET = 'no-change-client-secret';

/** The DAV server of the scenario: its URL for the tenant, how discovery starts, and a request count if it keeps one. */
interface DavServer {
  readonly baseUrl: string;
  readonly davRoot?: (url: string) => string;
  readonly requests?: () => number;
  stop(): Promise<void>;
}

async function startDav(kind: 'radicale' | 'nextcloud'): Promise<DavServer> {
  if (kind === 'radicale') {
    const radicale = await startRadicale('alice', APP_PASSWORD);
    // Radicale is its own DAV root (no /remote.php/dav/).
    return { baseUrl: radicale.baseUrl, davRoot: (url) => url, stop: () => radicale.stop() };
  }
  const nc = await new FakeNextcloud({ password: APP_PASSWORD }).start();
  // Discovery starts at /remote.php/dav/ as against a real Nextcloud.
  return { baseUrl: nc.baseUrl, requests: () => nc.requests.length, stop: () => nc.stop() };
}

/**
 * One user with events, contacts and tasks, simulator (EWS or Graph) ⇄ Radicale or the fake Nextcloud, driven as
 * the service is. Exchange requests come from the simulator's own request log; DAV requests from the fake
 * Nextcloud's log, or (Radicale keeps none) from the service's request counter, through which every DAV request
 * of a sync goes.
 */
export async function noChangeScenario(options: NoChangeOptions = {}): Promise<NoChangeScenario> {
  const face = options.exchange ?? 'ews';
  const dav = await startDav(options.dav ?? 'radicale');
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
    exchange.sim.directory.addApp({ clientId: CLIENT_ID, secrets: [CLIENT_SECRET] });
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
      payload: { nextcloudUrl: dav.baseUrl },
    });
    await put(
      '/v1/exchange-connection',
      face === 'ews'
        ? { kind: 'ews', url: urls.ews, authKind: 'basic', username: 'CONTOSO\\svc-sync', password: 'Passw0rd!' }
        : {
            kind: 'graph',
            url: urls.base,
            authority: urls.base,
            entraTenantId: exchange.sim.tenantId,
            clientId: CLIENT_ID,
            authKind: 'client_secret',
            clientSecret: CLIENT_SECRET,
          },
    );
    await put('/v1/users/alice', { loginName: 'alice', appPassword: APP_PASSWORD, mailbox: ALICE });
    if (!metrics) throw new Error('no metrics');
    const counted = metrics;
    const runtime = createSyncRuntime({
      db: app.db,
      vault: app.vault,
      logger: createLogger('silent'),
      ...(dav.davRoot ? { davRoot: dav.davRoot } : {}),
      metrics: counted,
    });
    sync = runtime;
    await runtime.prepare();
    const davRequests = async () => {
      if (dav.requests) return dav.requests();
      const family = (await counted.registry.getSingleMetric('exsync_backend_requests_total')?.get())?.values ?? [];
      return family.filter((v) => v.labels.backend === 'dav').reduce((a, v) => a + v.value, 0);
    };
    return {
      async sync() {
        const exchangeRequests = () => exchange.sim.requests().filter((r) => r.face === face).length;
        const ex = exchangeRequests();
        const davBefore = await davRequests();
        await app.app.inject({ method: 'POST', url: '/v1/users/alice/sync', headers: bearer(tenant.key), payload: {} });
        while (await runtime.worker.runOnce()) {}
        return { exchange: exchangeRequests() - ex, dav: (await davRequests()) - davBefore };
      },
      async recorded() {
        const user = await app.app.inject({ method: 'GET', url: '/v1/users/alice', headers: bearer(tenant.key) });
        const { requests, kinds } = user.json().lastRun as RecordedRequests;
        return { requests, kinds: kinds.map((k) => ({ kind: k.kind, requests: k.requests })) };
      },
      async close() {
        await runtime.stop(1000);
        await app.close();
        await exchange.close();
        await dav.stop();
      },
    };
  } catch (error) {
    await sync?.stop(1000);
    await t?.close();
    await exchange.close();
    await dav.stop();
    throw error;
  }
}
