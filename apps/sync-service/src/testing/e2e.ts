/**
 * The end-to-end set-up the live tests share: a real Radicale standing in for Nextcloud, optionally the Exchange
 * simulator (EWS and Graph faces, one mailbox), the real app on PGlite or a throw-away PostgreSQL, a tenant whose
 * Nextcloud is that Radicale, its settings and Exchange connection, and one enrolled user — all through the REST
 * API, as an operator does it. Each test adds what it is about (its runtime options, its events, its faults).
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createRepositories, type Repositories } from '@exsync/db';
import { createSimulator, type SimulatorHandle } from '@exsync/exchange-sim';
import type { LightMyRequestResponse } from 'fastify';
import type { Logger } from 'pino';
import { type RunningDavServer, startRadicale } from '../../../../packages/dav/src/testing/dav-servers';
import type { LogLevel } from '../config';
import { createSyncRuntime, type SyncRuntime, type SyncRuntimeOptions } from '../jobs/sync-runtime';
import { createLogger } from '../logger';
import { bearer, createTenant, createThrowawayPostgres, startTestApp, type TestApp } from './harness';

export const ALICE = 'alice@contoso.com';
export const APP_PASSWORD = 'alice-app-password';
/** The simulator's service account (EWS, impersonating the mailbox). */
export const SVC_USER = 'svc-sync';
export const SVC_PASSWORD = 'Passw0rd!';
/** The simulator's Entra app (Graph, client credentials). */
export const GRAPH_CLIENT_ID = 'b0b1c2d3-0000-4000-8000-00000000e5c2';
export const GRAPH_CLIENT_SECRET = 'graph-client-secret';

type Urls = { base: string; ews: string };
type Kinds = { events?: boolean; contacts?: boolean; tasks?: boolean };

export interface E2eOptions {
  /** Starts the Exchange simulator with ALICE's mailbox, the EWS service account and the Graph app. */
  readonly simulator?: { readonly seed: string };
  /** The PUT /v1/exchange-connection body. Default: EWS with the service account on the simulator (without one,
   * an EWS URL nobody answers: the test gives the runtime its own `exchangeStores`). */
  readonly connection?: 'ews' | 'graph' | Record<string, unknown>;
  /** Item kinds enabled two-way; default events only. `service-defaults`: no PUT /v1/settings at all. */
  readonly kinds?: Kinds | 'service-defaults';
  /** The tenant's interval in minutes (default: the service's). */
  readonly intervalMinutes?: number;
  /** A throw-away PostgreSQL instead of PGlite. */
  readonly postgres?: boolean;
  /** The rest of startTestApp's options. */
  readonly app?: Omit<NonNullable<Parameters<typeof startTestApp>[0]>, 'databaseUrl'>;
  /** Listen on 127.0.0.1 (a public URL for Graph notifications, or a test calling over HTTP). */
  readonly listen?: boolean;
  /** The log level of `logger` (captured in `log`). Default info. */
  readonly logLevel?: LogLevel;
  /** Enrol `alice` (default true). */
  readonly enroll?: boolean;
}

export interface E2e {
  readonly radicale: RunningDavServer;
  /** With `simulator`. */
  readonly exchange: SimulatorHandle | undefined;
  readonly urls: Urls | undefined;
  /** ALICE's calendar folder in the simulator (with `simulator`). */
  readonly calendarId: string;
  readonly t: TestApp;
  readonly repos: Repositories;
  readonly tenant: { readonly id: string; readonly key: string };
  /** alice's user id (empty when not enrolled). */
  readonly userId: string;
  /** With `listen`. */
  readonly publicUrl: string;
  /** The PUT /v1/exchange-connection body used. */
  readonly connectionBody: Record<string, unknown>;
  /** Logs through the service's own logger (redaction included), captured in `log`. */
  readonly logger: Logger;
  readonly log: string[];
  logText(): string;
  /** A call with the tenant key, as the Nextcloud app makes it; the answer as it is (no status check). */
  api(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    payload?: unknown,
  ): Promise<LightMyRequestResponse>;
  /** A worker runtime as the service composes it (Radicale as its own DAV root), prepared; stopped by close(). */
  runtime(options?: Partial<SyncRuntimeOptions>): Promise<SyncRuntime>;
  /** The names of the `.ics` files in alice's synced Radicale calendar. */
  radicaleEvents(collection?: string): Promise<string[]>;
  close(): Promise<void>;
}

export function exchangeConnection(face: 'ews' | 'graph', urls: Urls, tenantId: string): Record<string, unknown> {
  return face === 'ews'
    ? { kind: 'ews', url: urls.ews, authKind: 'basic', username: `CONTOSO\\${SVC_USER}`, password: SVC_PASSWORD }
    : {
        kind: 'graph',
        // The simulator's root, as an admin enters https://graph.microsoft.com: the service appends /v1.0.
        url: urls.base,
        // Tokens from the simulator's Entra endpoint through the shipped service and the real msal-node.
        authority: urls.base,
        entraTenantId: tenantId,
        clientId: GRAPH_CLIENT_ID,
        authKind: 'client_secret',
        clientSecret: GRAPH_CLIENT_SECRET,
      };
}

/** An EWS connection nobody answers: for tests whose runtime brings its own Exchange stores. */
const UNUSED_EWS = {
  kind: 'ews',
  url: 'https://mail.contoso.example/EWS/Exchange.asmx',
  authKind: 'basic',
  username: 'CONTOSO\\svc',
  password: 'pw',
};

export async function startE2e(options: E2eOptions = {}): Promise<E2e> {
  // Undone in reverse: the runtimes before the app that owns their database, the app before its PostgreSQL.
  const closers: (() => Promise<unknown>)[] = [];
  const close = async () => {
    for (let c = closers.pop(); c; c = closers.pop()) await c();
  };
  try {
    const radicale = await startRadicale('alice', APP_PASSWORD);
    closers.push(() => radicale.stop());
    let exchange: SimulatorHandle | undefined;
    let urls: Urls | undefined;
    let calendarId = '';
    if (options.simulator) {
      const sim = createSimulator({ seed: options.simulator.seed });
      exchange = sim;
      closers.push(() => sim.close());
      sim.sim.store.createMailbox({ smtpAddress: ALICE, displayName: 'Alice Example' });
      sim.sim.directory.addServiceAccount({
        username: SVC_USER,
        password: SVC_PASSWORD,
        domain: 'CONTOSO',
        impersonation: [ALICE],
      });
      sim.sim.directory.addApp({ clientId: GRAPH_CLIENT_ID, secrets: [GRAPH_CLIENT_SECRET] });
      urls = await sim.listen(0);
      calendarId = sim.sim.store.distinguishedFolder(ALICE, 'calendar').id;
    }
    const pg = options.postgres ? await createThrowawayPostgres() : undefined;
    if (pg) closers.push(() => pg.drop());
    const t = await startTestApp({ ...options.app, ...(pg ? { databaseUrl: pg.url } : {}) });
    closers.push(() => t.close());
    const repos = createRepositories(t.db);
    const publicUrl = options.listen ? await t.app.listen({ port: 0, host: '127.0.0.1' }) : '';
    const tenant = await createTenant(t, 'Contoso');

    const inject = (key: string, method: string, url: string, payload?: unknown) =>
      t.app.inject({
        method: method as 'GET',
        url,
        headers: bearer(key),
        ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}),
      });
    const call = async (key: string, method: string, url: string, payload?: unknown) => {
      const r = await inject(key, method, url, payload);
      if (r.statusCode >= 300) throw new Error(`${method} ${url}: ${r.statusCode} ${r.body}`);
      return r;
    };
    await call(t.adminKey, 'PATCH', `/v1/tenants/${tenant.id}`, { nextcloudUrl: radicale.baseUrl });
    const kinds = options.kinds ?? { events: true };
    const kind = (on: boolean | undefined) => ({ enabled: on ?? false, direction: 'two-way' });
    if (kinds !== 'service-defaults') {
      await call(tenant.key, 'PUT', '/v1/settings', {
        ...(options.intervalMinutes !== undefined ? { intervalMinutes: options.intervalMinutes } : {}),
        itemKinds: { events: kind(kinds.events), contacts: kind(kinds.contacts), tasks: kind(kinds.tasks) },
      });
    }
    const wanted = options.connection ?? 'ews';
    const connectionBody =
      typeof wanted === 'object'
        ? wanted
        : exchange && urls
          ? exchangeConnection(wanted, urls, exchange.sim.tenantId)
          : UNUSED_EWS;
    await call(tenant.key, 'PUT', '/v1/exchange-connection', connectionBody);
    let userId = '';
    if (options.enroll !== false) {
      const enrolled = await call(tenant.key, 'PUT', '/v1/users/alice', {
        loginName: 'alice',
        appPassword: APP_PASSWORD,
        mailbox: ALICE,
      });
      if (enrolled.statusCode !== 201) throw new Error(`enrol alice: ${enrolled.statusCode}`);
      userId = (await repos.users.get(tenant.id, 'alice'))?.id ?? '';
    }

    const log: string[] = [];
    const logger = createLogger(
      options.logLevel ?? 'info',
      new Writable({
        write(chunk, _enc, done) {
          log.push(String(chunk));
          done();
        },
      }),
    );
    return {
      radicale,
      exchange,
      urls,
      calendarId,
      t,
      repos,
      tenant,
      userId,
      publicUrl,
      connectionBody,
      logger,
      log,
      logText: () => log.join(''),
      api: (method, url, payload) => inject(tenant.key, method, url, payload),
      async runtime(runtimeOptions = {}) {
        const runtime = createSyncRuntime({
          db: t.db,
          vault: t.vault,
          logger,
          // Radicale is its own DAV root; a Nextcloud would be discovered at /remote.php/dav/.
          davRoot: (url) => url,
          ...runtimeOptions,
        });
        // Stopped once, whoever asks first (the test, or close() before the app closes the database under it).
        const stop = runtime.stop.bind(runtime);
        let stopping: Promise<void> | undefined;
        runtime.stop = (graceMs) => {
          stopping ??= stop(graceMs);
          return stopping;
        };
        closers.push(() => runtime.stop(1000));
        await runtime.prepare();
        return runtime;
      },
      async radicaleEvents(collection = 'exchange-calendar') {
        const dir = join(radicale.dataDir, 'collections', 'collection-root', 'alice', collection);
        return (await readdir(dir)).filter((n) => n.endsWith('.ics'));
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
