import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isDatabaseError } from './errors';
import {
  defaultMigrationsDir,
  getMigrationStatus,
  MIGRATION_LOCK_KEY,
  migrate,
  migrationChecksum,
  readLocalMigrations,
} from './migrator';
import { openDatabase } from './open-database';
import { createTestDatabase, type TestDatabase, testBackends } from './testing/test-database';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function copyOfMigrations(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'exsync-migrations-'));
  await cp(defaultMigrationsDir, dir, { recursive: true });
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function addMigration(dir: string, name: string, sql: string): Promise<void> {
  await mkdir(path.join(dir, name));
  await writeFile(path.join(dir, name, 'migration.sql'), sql);
}

async function postgres(): Promise<TestDatabase> {
  const test = await createTestDatabase('postgres');
  cleanups.push(test.dispose);
  return test;
}

describe('migrationChecksum', () => {
  it("matches Prisma's own test vector (schema-engine checksum.rs)", () => {
    expect(migrationChecksum('hello')).toBe('2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
  });

  it('hashes the file bytes unchanged, so CRLF and LF files differ as they do for Prisma', () => {
    expect(migrationChecksum('a\r\nb')).not.toBe(migrationChecksum('a\nb'));
  });
});

describe.runIf(testBackends.includes('postgres'))('migrate on PostgreSQL', () => {
  it("records every migration the way Prisma Migrate does, in Prisma's table layout", async () => {
    const { db } = await postgres();
    const local = await readLocalMigrations();
    const result = await migrate(db);
    expect(result.applied).toEqual(local.map((m) => m.name));
    expect(result.status).toMatchObject({ pending: [], failed: [], modified: [], upToDate: true });

    const columns = await db.query<{ column_name: string; data_type: string; is_nullable: string; d: string | null }>(
      `SELECT column_name, data_type, is_nullable, column_default AS d
         FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    );
    expect(columns).toEqual([
      { column_name: 'id', data_type: 'character varying', is_nullable: 'NO', d: null },
      { column_name: 'checksum', data_type: 'character varying', is_nullable: 'NO', d: null },
      { column_name: 'finished_at', data_type: 'timestamp with time zone', is_nullable: 'YES', d: null },
      { column_name: 'migration_name', data_type: 'character varying', is_nullable: 'NO', d: null },
      { column_name: 'logs', data_type: 'text', is_nullable: 'YES', d: null },
      { column_name: 'rolled_back_at', data_type: 'timestamp with time zone', is_nullable: 'YES', d: null },
      { column_name: 'started_at', data_type: 'timestamp with time zone', is_nullable: 'NO', d: 'now()' },
      { column_name: 'applied_steps_count', data_type: 'integer', is_nullable: 'NO', d: '0' },
    ]);

    const rows = await db.query<Record<string, unknown>>('SELECT * FROM _prisma_migrations ORDER BY migration_name');
    expect(rows).toHaveLength(local.length);
    for (const [i, row] of rows.entries()) {
      const migration = local[i]!;
      const onDisk = await readFile(path.join(defaultMigrationsDir, migration.name, 'migration.sql'));
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(row.checksum).toBe(migrationChecksum(onDisk));
      expect(row.migration_name).toBe(migration.name);
      expect(row.logs).toBeNull();
      expect(row.rolled_back_at).toBeNull();
      expect(row.applied_steps_count).toBe(1);
      expect(row.finished_at).toBeInstanceOf(Date);
      expect((row.finished_at as Date).getTime()).toBeGreaterThanOrEqual((row.started_at as Date).getTime());
    }
  });

  it('reports every migration pending on an empty database, and is idempotent once applied', async () => {
    const { db } = await postgres();
    const before = await getMigrationStatus(db);
    expect(before.pending.length).toBeGreaterThan(0);
    expect(before.upToDate).toBe(false);

    await migrate(db);
    const again = await migrate(db);
    expect(again.applied).toEqual([]);
    expect(again.status.upToDate).toBe(true);
    const [{ count }] = (await db.query<{ count: number }>(
      'SELECT count(*)::int AS count FROM _prisma_migrations',
    )) as [{ count: number }];
    expect(count).toBe(before.pending.length);
  });

  it('applies only the new migration when one is added later', async () => {
    const { db } = await postgres();
    const dir = await copyOfMigrations();
    await migrate(db, { migrationsDir: dir });
    await addMigration(dir, '29990101000000_add_probe', 'CREATE TABLE "probe" ("id" INTEGER NOT NULL);\n');
    expect((await getMigrationStatus(db, { migrationsDir: dir })).pending).toEqual(['29990101000000_add_probe']);
    const result = await migrate(db, { migrationsDir: dir });
    expect(result.applied).toEqual(['29990101000000_add_probe']);
    expect(await db.query('SELECT * FROM probe')).toEqual([]);
  });

  it('refuses to run when an applied migration was edited afterwards', async () => {
    const { db } = await postgres();
    const dir = await copyOfMigrations();
    await addMigration(dir, '29990101000000_add_probe', 'CREATE TABLE "probe" ("id" INTEGER NOT NULL);\n');
    await migrate(db, { migrationsDir: dir });
    await writeFile(path.join(dir, '29990101000000_add_probe', 'migration.sql'), 'CREATE TABLE "probe" ("id" TEXT);\n');
    await addMigration(dir, '29990102000000_after', 'CREATE TABLE "after" ("id" INTEGER);\n');

    const error = await migrate(db, { migrationsDir: dir }).catch((e: unknown) => e);
    expect(isDatabaseError(error, 'migration_checksum_mismatch')).toBe(true);
    expect((error as Error).message).toContain('29990101000000_add_probe');
    const status = await getMigrationStatus(db, { migrationsDir: dir });
    expect(status).toMatchObject({ modified: ['29990101000000_add_probe'], pending: ['29990102000000_after'] });
    expect(status.upToDate).toBe(false);
    expect(await db.query(`SELECT to_regclass('after') AS t`)).toEqual([{ t: null }]);
  });

  it('records a failing migration with its error, then refuses to continue until it is resolved', async () => {
    const { db } = await postgres();
    const dir = await copyOfMigrations();
    await addMigration(dir, '29990101000000_broken', 'CREATE TABLE "half" ("id" INTEGER);\nSELECT no_such_fn();\n');

    const error = await migrate(db, { migrationsDir: dir }).catch((e: unknown) => e);
    expect(isDatabaseError(error, 'migration_failed')).toBe(true);
    const [row] = await db.query<{ logs: string; finished_at: Date | null; applied_steps_count: number }>(
      `SELECT logs, finished_at, applied_steps_count FROM _prisma_migrations WHERE migration_name = '29990101000000_broken'`,
    );
    expect(row).toMatchObject({ finished_at: null, applied_steps_count: 0 });
    expect(row!.logs).toContain('no_such_fn');
    // The script ran as one implicit transaction, as with Prisma: nothing of it remains.
    expect(await db.query(`SELECT to_regclass('half') AS t`)).toEqual([{ t: null }]);

    const again = await migrate(db, { migrationsDir: dir }).catch((e: unknown) => e);
    expect(isDatabaseError(again, 'migration_failed_previously')).toBe(true);
    expect((await getMigrationStatus(db, { migrationsDir: dir })).failed).toEqual(['29990101000000_broken']);

    // Resolving it as Prisma does (`migrate resolve --rolled-back`) lets a fixed migration run.
    await db.query(
      `UPDATE _prisma_migrations SET rolled_back_at = now() WHERE migration_name = '29990101000000_broken'`,
    );
    await writeFile(path.join(dir, '29990101000000_broken', 'migration.sql'), 'CREATE TABLE "half" ("id" INTEGER);\n');
    expect((await migrate(db, { migrationsDir: dir })).applied).toEqual(['29990101000000_broken']);
  });

  it('applies each migration once when two service instances migrate at the same moment', async () => {
    const { url } = await postgres();
    const dir = await copyOfMigrations();
    // A slow migration makes the two runs overlap for sure.
    await addMigration(dir, '29990101000000_slow', 'SELECT pg_sleep(0.5);\nCREATE TABLE "slow" ("id" INTEGER);\n');
    const first = await openDatabase({ databaseUrl: url });
    const second = await openDatabase({ databaseUrl: url });
    cleanups.push(async () => {
      await first.close();
      await second.close();
    });

    const [a, b] = await Promise.all([migrate(first, { migrationsDir: dir }), migrate(second, { migrationsDir: dir })]);
    const local = await readLocalMigrations(dir);
    expect([...a.applied, ...b.applied].sort()).toEqual(local.map((m) => m.name));
    expect(a.applied.length === 0 || b.applied.length === 0).toBe(true);
    const rows = await first.query<{ migration_name: string }>('SELECT migration_name FROM _prisma_migrations');
    expect(rows).toHaveLength(local.length);
  });

  it('gives up with a clear error when another session holds the lock too long', async () => {
    const { db, url } = await postgres();
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    cleanups.push(() => holder.end());
    await holder.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);

    const error = await migrate(db, { lockTimeoutMs: 300 }).catch((e: unknown) => e);
    expect(isDatabaseError(error, 'migration_lock_timeout')).toBe(true);
    expect((await getMigrationStatus(db)).upToDate).toBe(false);
  });
});

describe('migrate on PGlite', () => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await createTestDatabase('pglite');
  });
  afterAll(async () => {
    await test?.dispose();
  });

  it('applies every migration once even when called concurrently in one process, then reports up to date', async () => {
    const local = await readLocalMigrations();
    const [a, b] = await Promise.all([migrate(test.db), migrate(test.db)]);
    expect([...a.applied, ...b.applied]).toEqual(local.map((m) => m.name));
    expect((await migrate(test.db)).applied).toEqual([]);
    expect(await getMigrationStatus(test.db)).toMatchObject({ pending: [], upToDate: true });
    const rows = await test.db.query<{ checksum: string; applied_steps_count: number }>(
      'SELECT checksum, applied_steps_count FROM _prisma_migrations ORDER BY migration_name',
    );
    expect(rows).toEqual(local.map((m) => ({ checksum: m.checksum, applied_steps_count: 1 })));
  });

  it('has advisory locks: a held lock is visible to pg_try_advisory_lock from another backend only', async () => {
    // PGlite is a single backend, so the lock is re-entrant there; the migrator adds an in-process queue.
    const rows = await test.db.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
      MIGRATION_LOCK_KEY,
    ]);
    expect(rows).toEqual([{ locked: true }]);
    await test.db.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
  });
});

describe('openDatabase configuration errors', () => {
  it('rejects a non-PostgreSQL URL with a typed error that says what is expected', async () => {
    const error = await openDatabase({ databaseUrl: 'mysql://x@localhost/db' }).catch((e: unknown) => e);
    expect(isDatabaseError(error, 'invalid_config')).toBe(true);
    expect((error as Error).message).toContain('postgres://');
  });

  it('rejects a missing URL and missing data directory with a typed error', async () => {
    const error = await openDatabase({}).catch((e: unknown) => e);
    expect(isDatabaseError(error, 'invalid_config')).toBe(true);
  });
});
