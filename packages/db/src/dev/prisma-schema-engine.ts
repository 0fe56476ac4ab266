// Prisma's own schema engine (the one behind `prisma migrate diff`), compiled to WebAssembly and driven through
// a driver adapter, since the native engine cannot be installed here. Development and test only: it writes
// migration SQL exactly as Prisma would and diffs a live database against schema.prisma for the drift test.

import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import * as bindings from '@prisma/schema-engine-wasm/schema_engine_bg';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { readLocalMigrations } from '../migrator';

export const schemaPath = path.resolve(import.meta.dirname, '../../../../prisma/schema.prisma');

type Engine = Awaited<ReturnType<typeof bindings.SchemaEngine.new>>;
type DiffTarget = Parameters<Engine['diff']>[0]['from'];

// The project compiles without the DOM lib, which is where TypeScript declares WebAssembly's JS API.
interface WasmApi {
  instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: Record<string, unknown> } }>;
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let loaded: Promise<void> | undefined;

/** The package is built for bundlers (it imports its .wasm as a module), so instantiate it by hand once. */
function loadWasm(): Promise<void> {
  loaded ??= (async () => {
    const require = createRequire(import.meta.url);
    const glue = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const wasmPath = path.join(path.dirname(glue), 'schema_engine_bg.wasm');
    const { instance } = await wasmApi.instantiate(await readFile(wasmPath), {
      './schema_engine_bg.js': bindings,
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

/**
 * @prisma/adapter-pg 7.10 cannot map Postgres' one-byte "char" type (OID 18), which the schema engine's
 * catalog queries return (relkind, contype, …), so it fails with "Column type 'char' could not be
 * deserialized". pg already returns those values as strings; reporting them as text (OID 25) is exact.
 */
function charAsTextPool(connectionString: string): pg.Pool {
  const pool = new pg.Pool({ connectionString, max: 2 });
  // Dropping a shadow database ends its idle connections; that is expected, not a crash.
  pool.on('error', () => {});
  const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<pg.QueryResult>;
  (pool as unknown as { query: unknown }).query = async (...args: unknown[]) => {
    const result = await query(...args);
    for (const field of result.fields ?? []) if (field.dataTypeID === 18) field.dataTypeID = 25;
    return result;
  };
  return pool;
}

/**
 * @prisma/adapter-pg 7.10 runs a migration script by splitting it at every ";" (`executeScript`), which cuts a
 * function body (`$$ … ; … $$`) apart. Here a script runs as one simple-query batch, as our migrator and Prisma's own
 * schema engine run it, its errors mapped by the adapter as before.
 */
function scriptsWhole(adapter: SqlDriverAdapter, pool: pg.Pool): SqlDriverAdapter {
  return new Proxy(adapter, {
    get(target, key, receiver) {
      if (key === 'executeScript') {
        return async (script: string) => {
          await pool.query(script).catch((error: unknown) => {
            (target as unknown as { onError(e: unknown): never }).onError(error);
          });
        };
      }
      const value = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function withDispose(adapter: SqlDriverAdapter, dispose: () => Promise<void>): SqlDriverAdapter {
  return new Proxy(adapter, {
    get(target, key, receiver) {
      if (key === 'dispose') return dispose;
      const value = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * A driver adapter for Prisma's tooling against PostgreSQL at `url`. Its shadow databases (for diffs from a
 * migrations folder) are created beside it on the same server and dropped afterwards.
 */
export function postgresToolingAdapter(url: string): SqlMigrationAwareDriverAdapterFactory {
  const connect = async (connectionString: string) => {
    const pool = charAsTextPool(connectionString);
    const adapter = await new PrismaPg(pool).connect();
    return withDispose(scriptsWhole(adapter, pool), async () => {
      await adapter.dispose();
      await pool.end();
    });
  };
  return {
    provider: 'postgres',
    adapterName: '@exsync/db-tooling-pg',
    connect: () => connect(url),
    async connectToShadowDb() {
      const name = `prisma_migrate_shadow_db_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query(`CREATE DATABASE "${name}"`);
      const shadowUrl = new URL(url);
      shadowUrl.pathname = `/${name}`;
      const adapter = await connect(shadowUrl.toString());
      return withDispose(adapter, async () => {
        await adapter.dispose();
        await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await admin.end();
      });
    },
  };
}

async function migrationList(migrationsDir: string) {
  const migrations = await readLocalMigrations(migrationsDir);
  const lockfile = path.join(migrationsDir, 'migration_lock.toml');
  return {
    baseDir: migrationsDir,
    lockfile: { path: lockfile, content: await readFile(lockfile, 'utf8').catch(() => null) },
    shadowDbInitScript: '',
    migrationDirectories: migrations.map((m) => ({
      path: m.name,
      migrationFile: { path: 'migration.sql', content: { tag: 'ok' as const, value: m.script } },
    })),
  };
}

/** What `prisma migrate deploy` does: applies pending migrations; returns the names it applied. */
export async function prismaMigrateDeploy(
  adapter: SqlMigrationAwareDriverAdapterFactory,
  migrationsDir: string,
): Promise<string[]> {
  const schema = await readFile(schemaPath, 'utf8');
  return withEngine(adapter, schema, async (engine) => {
    const result = await engine.applyMigrations({
      migrationsList: await migrationList(migrationsDir),
      filters: noFilters,
    });
    return result.appliedMigrationNames;
  });
}

/** What `prisma migrate status` reads: edited, failed and unapplied migrations, as Prisma sees them. */
export async function prismaMigrateStatus(adapter: SqlMigrationAwareDriverAdapterFactory, migrationsDir: string) {
  const schema = await readFile(schemaPath, 'utf8');
  const migrationsList = await migrationList(migrationsDir);
  return withEngine(adapter, schema, (engine) =>
    engine.diagnoseMigrationHistory({ migrationsList, optInToShadowDatabase: false, filters: noFilters }),
  );
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
 * existing migrations to a throw-away shadow database: on the PostgreSQL server at `postgresUrl` (a role that
 * may create databases), or else in an in-memory PGlite (slower to start).
 */
export async function nextMigrationSql(
  migrationsDir: string,
  schema: string,
  postgresUrl?: string,
): Promise<SchemaDiff> {
  const shadowHost = postgresUrl ? undefined : new PGlite();
  try {
    const adapter = shadowHost ? new PrismaPGlite(shadowHost) : postgresToolingAdapter(postgresUrl!);
    return await diff(adapter, schema, { tag: 'migrations', ...(await migrationList(migrationsDir)) });
  } finally {
    await shadowHost?.close();
  }
}
