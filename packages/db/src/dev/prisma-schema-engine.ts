// Prisma's own schema engine (the one behind `prisma migrate diff`), compiled to WebAssembly and driven through
// a driver adapter, since the native engine cannot be installed here. Development and test only: it writes
// migration SQL exactly as Prisma would and diffs a live database against schema.prisma for the drift test.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import * as bindings from '@prisma/schema-engine-wasm/schema_engine_bg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { readLocalMigrations } from '../migrator';

export const schemaPath = path.resolve(import.meta.dirname, '../../../../prisma/schema.prisma');

type Engine = Awaited<ReturnType<typeof bindings.SchemaEngine.new>>;
type DiffTarget = Parameters<Engine['diff']>[0]['from'];

let loaded: Promise<void> | undefined;

/** The package is built for bundlers (it imports its .wasm as a module), so instantiate it by hand once. */
function loadWasm(): Promise<void> {
  loaded ??= (async () => {
    const require = createRequire(import.meta.url);
    const glue = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const wasmPath = path.join(path.dirname(glue), 'schema_engine_bg.wasm');
    const { instance } = await WebAssembly.instantiate(await readFile(wasmPath), {
      './schema_engine_bg.js': bindings as unknown as WebAssembly.ModuleImports,
    });
    bindings.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
  })();
  return loaded;
}

const noFilters = { externalTables: [], externalEnums: [] };

async function withEngine<T>(
  adapter: SqlMigrationAwareDriverAdapterFactory,
  schema: string,
  fn: (engine: Engine) => Promise<T>,
): Promise<T> {
  await loadWasm();
  const engine = await bindings.SchemaEngine.new(
    { datamodels: [['schema.prisma', schema]] },
    () => {},
    bindMigrationAwareSqlAdapterFactory(adapter),
  );
  try {
    return await fn(engine);
  } finally {
    engine.free();
  }
}

async function diff(adapter: SqlMigrationAwareDriverAdapterFactory, schema: string, from: DiffTarget) {
  return withEngine(adapter, schema, async (engine) => {
    const result = await engine.diff({
      from,
      to: { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: schema }] },
      script: true,
      exitCode: true,
      filters: noFilters,
    });
    return { inSync: result.exitCode === 0, script: result.stdout ?? '' };
  });
}

export interface SchemaDiff {
  /** True when the database already matches the schema. */
  inSync: boolean;
  /** The SQL Prisma would run to make the database match the schema (a comment when in sync). */
  script: string;
}

/**
 * `prisma migrate diff --from-config-datasource --to-schema`: what the live database behind `adapter` lacks
 * compared with `schema` (tables, columns, types, nullability, defaults, indexes, foreign keys, enums).
 * Prisma's own `_prisma_migrations` table is ignored, as Prisma ignores it.
 */
export function diffDatabaseToSchema(
  adapter: SqlMigrationAwareDriverAdapterFactory,
  schema: string,
): Promise<SchemaDiff> {
  return diff(adapter, schema, {
    tag: 'schemaDatasource',
    files: [{ path: 'schema.prisma', content: schema }],
    configDir: path.dirname(schemaPath),
  });
}

/**
 * `prisma migrate diff --from-migrations --to-schema`: the SQL of the next migration, computed by applying the
 * existing migrations to a throw-away in-memory PGlite database.
 */
export async function nextMigrationSql(migrationsDir: string, schema: string): Promise<SchemaDiff> {
  const migrations = await readLocalMigrations(migrationsDir);
  const lockfile = path.join(migrationsDir, 'migration_lock.toml');
  const shadowHost = new PGlite();
  try {
    return await diff(new PrismaPGlite(shadowHost), schema, {
      tag: 'migrations',
      baseDir: migrationsDir,
      lockfile: { path: lockfile, content: await readFile(lockfile, 'utf8').catch(() => null) },
      shadowDbInitScript: '',
      migrationDirectories: migrations.map((m) => ({
        path: m.name,
        migrationFile: { path: 'migration.sql', content: { tag: 'ok', value: m.script } },
      })),
    });
  } finally {
    await shadowHost.close();
  }
}
