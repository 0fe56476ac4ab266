// The drift test: migrate an empty database with the service's migrator, then ask Prisma's own schema engine
// (`prisma migrate diff --from-config-datasource --to-schema`, as WebAssembly) what the database lacks compared
// with prisma/schema.prisma. The engine parses the schema with Prisma's parser and describes the database from
// pg_catalog: tables, columns, types, nullability, defaults, primary keys, unique and plain indexes (with sort
// order), foreign keys with their actions, and enums.
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffDatabaseToSchema, nextMigrationSql, postgresToolingAdapter, schemaPath } from './dev/prisma-schema-engine';
import { defaultMigrationsDir, migrate } from './migrator';
import { driverAdapterFactoryOf } from './open-database';
import { adminUrl, createTestDatabase, type TestDatabase, testBackends } from './testing/test-database';

const schema = await readFile(schemaPath, 'utf8');

const ADD_LOCALE = ['  lastSyncAt ', '  locale String?\n  lastSyncAt '] as const;

function edit(source: string, from: string, to: string): string {
  if (!source.includes(from)) throw new Error(`schema.prisma no longer contains ${JSON.stringify(from)}`);
  return source.replace(from, to);
}

describe.each(testBackends)('schema.prisma and the migrations agree (%s)', (kind) => {
  let test: TestDatabase;
  let adapter: SqlMigrationAwareDriverAdapterFactory;
  beforeAll(async () => {
    test = await createTestDatabase(kind);
    await migrate(test.db);
    adapter = test.url ? postgresToolingAdapter(test.url) : driverAdapterFactoryOf(test.db);
  });
  afterAll(async () => {
    await test?.dispose();
  });

  it('a freshly migrated database matches schema.prisma exactly', async () => {
    const diff = await diffDatabaseToSchema(adapter, schema);
    expect(diff.script).toBe('-- This is an empty migration.\n');
    expect(diff.inSync).toBe(true);
  });

  // Each mutation makes the schema disagree with what the migrations built; the comparison must notice. It tests
  // the comparison rather than the backend, so one backend is enough (PostgreSQL when present: faster).
  if (kind === testBackends.at(-1)) {
    it.each([
      ['an extra column', ADD_LOCALE[0], ADD_LOCALE[1], 'ADD COLUMN     "locale"'],
      ['a nullability change', 'email                 String?', 'email                 String', '"email" SET NOT NULL'],
      ['a type change', 'label      String?', 'label      Int?', 'ADD COLUMN     "label" INTEGER'],
      [
        'a dropped default',
        'state                 UserState @default(active)',
        'state                 UserState',
        'DROP DEFAULT',
      ],
      ['a missing index', '  @@index([tenantId, state])\n', '', 'DROP INDEX "users_tenant_id_state_idx"'],
      ['an index made unique', '@@index([bKey])', '@@unique([bKey])', 'CREATE UNIQUE INDEX "item_links_b_key_key"'],
      [
        'a changed foreign-key action',
        'onDelete: Cascade)\n\n  @@id([pairId, identKey])',
        'onDelete: Restrict)\n\n  @@id([pairId, identKey])',
        'ON DELETE RESTRICT',
      ],
      ['an extra enum value', '  needs_review\n', '  needs_review\n  disabled\n', "ADD VALUE 'disabled'"],
    ])('reports %s', async (_what, from, to, expected) => {
      const diff = await diffDatabaseToSchema(adapter, edit(schema, from, to));
      expect(diff.inSync).toBe(false);
      expect(diff.script).toContain(expected);
    });
  }

  it('reports a column that a migration added but schema.prisma does not have', async () => {
    await test.db.query('ALTER TABLE "users" ADD COLUMN "rogue" TEXT');
    try {
      const diff = await diffDatabaseToSchema(adapter, schema);
      expect(diff.inSync).toBe(false);
      expect(diff.script).toContain('DROP COLUMN "rogue"');
    } finally {
      await test.db.query('ALTER TABLE "users" DROP COLUMN "rogue"');
    }
  });
});

describe('migration SQL generation', () => {
  // Shadow databases start far faster on PostgreSQL than in PGlite.
  const shadowServer = testBackends.includes('postgres') ? adminUrl : undefined;

  it('finds nothing to add when the committed migrations already produce schema.prisma', async () => {
    const next = await nextMigrationSql(defaultMigrationsDir, schema, shadowServer);
    expect(next).toEqual({ inSync: true, script: '-- This is an empty migration.\n' });
  });

  it('writes the SQL Prisma would write for a schema change, which then migrates to an in-sync database', async () => {
    const changed = edit(schema, ...ADD_LOCALE);
    const next = await nextMigrationSql(defaultMigrationsDir, changed, shadowServer);
    expect(next.script).toBe('-- AlterTable\nALTER TABLE "users" ADD COLUMN     "locale" TEXT;\n');

    const dir = await mkdtemp(path.join(tmpdir(), 'exsync-migrations-'));
    const test = await createTestDatabase(testBackends.includes('postgres') ? 'postgres' : 'pglite');
    try {
      await cp(defaultMigrationsDir, dir, { recursive: true });
      await mkdir(path.join(dir, '29990101000000_add_locale'));
      await writeFile(path.join(dir, '29990101000000_add_locale', 'migration.sql'), next.script);
      await migrate(test.db, { migrationsDir: dir });
      const adapter = test.url ? postgresToolingAdapter(test.url) : driverAdapterFactoryOf(test.db);
      expect((await diffDatabaseToSchema(adapter, changed)).inSync).toBe(true);
    } finally {
      await test.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
