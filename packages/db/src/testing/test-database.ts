// Throw-away databases for tests: a fresh PGlite folder, or a fresh database on the PostgreSQL server named by
// EXSYNC_TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres, a role allowed to create
// databases). Set EXSYNC_TEST_POSTGRES=off to run only the embedded backend on a machine without PostgreSQL.
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readFile, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { type Database, type DatabaseKind, openDatabase } from '../open-database';

export const adminUrl = process.env.EXSYNC_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export const testBackends: DatabaseKind[] =
  process.env.EXSYNC_TEST_POSTGRES === 'off' ? ['pglite'] : ['pglite', 'postgres'];

export interface TestDatabase {
  db: Database;
  kind: DatabaseKind;
  /** Set for PostgreSQL: lets a test open a second, independent connection to the same database. */
  url?: string;
  /** Set for PGlite. */
  dataDir?: string;
  dispose(): Promise<void>;
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `exsync_test_${randomBytes(6).toString('hex')}`;
  await withAdmin((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => withAdmin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}),
  };
}

async function pgliteVersion(): Promise<string> {
  let dir = path.dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  for (;;) {
    const manifest = await readFile(path.join(dir, 'package.json'), 'utf8').catch(() => undefined);
    if (manifest && JSON.parse(manifest).name === '@electric-sql/pglite') return JSON.parse(manifest).version;
    if (path.dirname(dir) === dir) return 'unknown';
    dir = path.dirname(dir);
  }
}

/**
 * A fresh PGlite data folder costs an initdb (many seconds on a busy machine); copying an empty one made once
 * per PGlite version is near instant. Concurrent workers may both build it; the first rename wins.
 */
async function pgliteTemplate(): Promise<string> {
  const template = path.join(tmpdir(), `exsync-pglite-template-${await pgliteVersion()}`);
  if (await stat(path.join(template, 'PG_VERSION')).catch(() => undefined)) return template;
  const staging = await mkdtemp(path.join(tmpdir(), 'exsync-pglite-staging-'));
  try {
    const db = new PGlite(path.join(staging, 'pglite'));
    await db.waitReady;
    await db.close();
    await rename(path.join(staging, 'pglite'), template).catch(() => {});
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return template;
}

export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  if (kind === 'postgres') {
    const created = await createPostgresDatabase();
    const db = await openDatabase({ databaseUrl: created.url });
    return {
      db,
      kind,
      url: created.url,
      async dispose() {
        await db.close();
        await created.drop();
      },
    };
  }
  const dataDir = await mkdtemp(path.join(tmpdir(), 'exsync-db-test-'));
  await cp(await pgliteTemplate(), path.join(dataDir, 'pglite'), { recursive: true });
  const db = await openDatabase({ dataDir });
  return {
    db,
    kind,
    dataDir,
    async dispose() {
      await db.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
