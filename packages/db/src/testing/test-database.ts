// Throw-away databases for tests: a fresh PGlite folder, or a fresh database on the PostgreSQL server named by
// EXSYNC_TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres, a role allowed to create
// databases). Set EXSYNC_TEST_POSTGRES=off to run only the embedded backend on a machine without PostgreSQL.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
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
