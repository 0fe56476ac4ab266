import { createHash, randomBytes } from 'node:crypto';
import { cp, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import {
  createOperationsRepository,
  createRepositories,
  type Database,
  migrate,
  openDatabase,
  readLocalMigrations,
} from '@exsync/db';
import type { Logger } from 'pino';
import { type App, buildApp } from '../app';
import { loadConfig } from '../config';
import { createJobQueue } from '../jobs/queue';
import { createLogger } from '../logger';
import { createMetrics, type SyncMetrics } from '../metrics/metrics';
import { createDbStore } from '../store/db-store';
import type { ServiceStore } from '../store/port';
import { createMailboxProbe } from '../sync/mailbox-probe';
import { KeyRing } from '../vault/key-ring';
import { createOnlineRotation } from '../vault/online-rotation';
import { Vault } from '../vault/vault';

/** Same variables as packages/db's tests: a role that may create databases, and a switch for machines without it. */
export const POSTGRES_ADMIN_URL = process.env.EXSYNC_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const WITH_POSTGRES = process.env.EXSYNC_TEST_POSTGRES !== 'off';

export interface TestApp {
  app: App;
  db: Database;
  store: ServiceStore;
  vault: Vault;
  adminKey: string;
  /** The embedded database's folder (a test may open it again, as a restarted service would). */
  dataDir: string;
  /** Everything the service logged so far. */
  logText(): string;
  close(): Promise<void>;
}

/** A throw-away PostgreSQL database on the local server; dropped by `drop()`. */
export async function createThrowawayPostgres(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `exsync_test_${randomBytes(6).toString('hex')}`;
  const admin = await openDatabase({ databaseUrl: POSTGRES_ADMIN_URL, maxConnections: 1 });
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.close();
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = await openDatabase({ databaseUrl: POSTGRES_ADMIN_URL, maxConnections: 1 });
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.close();
    },
  };
}

/**
 * Creating a PGlite database (initdb in WebAssembly) takes many seconds on a busy machine, so suites copy one
 * migrated database instead. It is keyed by the migrations' checksums: a new migration makes a new template.
 */
async function pgliteTemplate(): Promise<string> {
  const hash = createHash('sha256');
  for (const m of await readLocalMigrations()) hash.update(m.checksum);
  const template = join(tmpdir(), `exsync-pglite-template-${hash.digest('hex').slice(0, 16)}`);
  try {
    await stat(join(template, 'PG_VERSION'));
    return template;
  } catch {
    // build it below
  }
  const work = await mkdtemp(join(tmpdir(), 'exsync-pglite-build-'));
  const db = await openDatabase({ dataDir: work });
  await migrate(db);
  await db.close();
  // Another worker may have finished first; either copy is as good.
  await rename(join(work, 'pglite'), template).catch(() => undefined);
  await rm(work, { recursive: true, force: true });
  return template;
}

/** The real app on a fresh, migrated database (embedded PGlite unless `databaseUrl` is given). */
export async function startTestApp(
  options: {
    databaseUrl?: string;
    envAdminKey?: string;
    auth?: { maxFailures?: number; failureWindowMs?: number };
    /** Serve /metrics from what this makes of the test database (and accept `metricsKey` there). */
    metrics?: (db: Database) => SyncMetrics;
    metricsKey?: string;
    /** The DELETE /users/{id} hook, made from the test's database and vault. */
    beforeUserRemoved?: (ctx: {
      db: Database;
      vault: Vault;
      logger: Logger;
    }) => (tenantId: string, ncUserId: string) => Promise<void>;
  } = {},
): Promise<TestApp> {
  const dataDir = await mkdtemp(join(tmpdir(), 'exsync-app-'));
  if (!options.databaseUrl) await cp(await pgliteTemplate(), join(dataDir, 'pglite'), { recursive: true });
  const db = await openDatabase({ databaseUrl: options.databaseUrl, dataDir });
  await migrate(db);
  const store = createDbStore(db);
  const vault = new Vault(new KeyRing(randomBytes(32)));

  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const logger = createLogger('trace', sink);
  const queue = createJobQueue(db);
  await queue.start();
  const app = await buildApp({
    store,
    vault,
    logger,
    adminKey: options.envAdminKey,
    // Every test app serves /metrics, as the server does (so the OpenAPI document and the route walk see it).
    metrics: options.metrics
      ? options.metrics(db)
      : createMetrics({ operations: createOperationsRepository(db), processMetrics: false }),
    ...(options.metricsKey ? { metricsKey: options.metricsKey } : {}),
    rotateKey: createOnlineRotation(
      loadConfig({ EXSYNC_SECRET_KEY: vault.ring.current.key.toString('base64'), EXSYNC_DATA_DIR: dataDir }),
      store,
      vault,
    ),
    auth: options.auth ?? { maxFailures: 1000 },
    sync: { db, queue },
    probeMailbox: createMailboxProbe({ repos: createRepositories(db), vault }),
    ...(options.beforeUserRemoved ? { beforeUserRemoved: options.beforeUserRemoved({ db, vault, logger }) } : {}),
  });
  await app.ready();

  const admin = await store.apiKeys.issue({ role: 'admin', label: 'test' });

  return {
    app,
    db,
    store,
    vault,
    adminKey: admin.plaintext,
    dataDir,
    logText: () => chunks.join(''),
    async close() {
      await app.close();
      await db.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** Creates a tenant with its own API key through the API, as an operator would. */
export async function createTenant(t: TestApp, name: string): Promise<{ id: string; key: string }> {
  const created = await t.app.inject({
    method: 'POST',
    url: '/v1/tenants',
    headers: bearer(t.adminKey),
    payload: { name, nextcloudUrl: `https://${name.toLowerCase()}.example.org` },
  });
  if (created.statusCode !== 201) throw new Error(`create tenant: ${created.statusCode} ${created.body}`);
  const id = created.json<{ id: string }>().id;
  const issued = await t.app.inject({
    method: 'POST',
    url: `/v1/tenants/${id}/api-keys`,
    headers: bearer(t.adminKey),
    payload: { label: 'nextcloud' },
  });
  if (issued.statusCode !== 201) throw new Error(`issue key: ${issued.statusCode} ${issued.body}`);
  return { id, key: issued.json<{ key: string }>().key };
}
