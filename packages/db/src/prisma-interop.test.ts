// The migrator claims compatibility with Prisma Migrate. Prove it against Prisma's own schema engine (the code
// behind `prisma migrate deploy` and `prisma migrate status`, as WebAssembly): each accepts the other's
// `_prisma_migrations` rows, checksums included, and both see an edited migration the same way.
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { postgresToolingAdapter, prismaMigrateDeploy, prismaMigrateStatus } from './dev/prisma-schema-engine';
import { defaultMigrationsDir, getMigrationStatus, migrate, readLocalMigrations } from './migrator';
import { driverAdapterFactoryOf } from './open-database';
import { createTestDatabase, type TestDatabase, testBackends } from './testing/test-database';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function fresh(
  kind: (typeof testBackends)[number],
): Promise<[TestDatabase, SqlMigrationAwareDriverAdapterFactory]> {
  const test = await createTestDatabase(kind);
  cleanups.push(test.dispose);
  return [test, test.url ? postgresToolingAdapter(test.url) : driverAdapterFactoryOf(test.db)];
}

// PGlite databases are costly to start; one backend proves the table format, the other runs the drift test.
const kind = testBackends.at(-1)!;

describe(`Prisma Migrate and this migrator share one migration history (${kind})`, () => {
  it('Prisma sees a database migrated here as up to date, with no edited or failed migration', async () => {
    const [test, adapter] = await fresh(kind);
    await migrate(test.db);
    const status = await prismaMigrateStatus(adapter, defaultMigrationsDir);
    expect(status).toMatchObject({
      hasMigrationsTable: true,
      history: null,
      editedMigrationNames: [],
      failedMigrationNames: [],
    });
    expect(await prismaMigrateDeploy(adapter, defaultMigrationsDir)).toEqual([]);
  });

  it('this migrator sees a database migrated by Prisma as up to date and applies nothing', async () => {
    const [test, adapter] = await fresh(kind);
    const local = await readLocalMigrations();
    expect(await prismaMigrateDeploy(adapter, defaultMigrationsDir)).toEqual(local.map((m) => m.name));
    expect(await getMigrationStatus(test.db)).toMatchObject({ applied: local.map((m) => m.name), upToDate: true });
    expect((await migrate(test.db)).applied).toEqual([]);
  });

  it('both call the same edited migration edited', async () => {
    const [test, adapter] = await fresh(kind);
    const dir = await mkdtemp(path.join(tmpdir(), 'exsync-migrations-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await cp(defaultMigrationsDir, dir, { recursive: true });
    await migrate(test.db, { migrationsDir: dir });
    const [first] = await readLocalMigrations(dir);
    await writeFile(path.join(dir, first!.name, 'migration.sql'), `${first!.script}\n-- edited\n`);

    expect((await prismaMigrateStatus(adapter, dir)).editedMigrationNames).toEqual([first!.name]);
    expect((await getMigrationStatus(test.db, { migrationsDir: dir })).modified).toEqual([first!.name]);
  });
});
