import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { DatabaseError } from './errors';
import { PrismaClient } from './generated/client';

export type DatabaseKind = 'postgres' | 'pglite';

/** One connection for work that needs a single session, e.g. holding an advisory lock. */
export interface SqlSession {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a script of one or more statements without parameters (simple query protocol). */
  exec(sql: string): Promise<void>;
  /**
   * Aborts when the session's connection is lost under it (terminated by the server, network gone); its reason
   * says so. Session state (advisory locks) went with it. The embedded database has no connection to lose.
   */
  readonly lost?: AbortSignal;
}

export interface Database {
  readonly kind: DatabaseKind;
  readonly prisma: PrismaClient;
  /** Parameterised raw SQL ($1, $2, …) on any pooled connection. */
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs fn on one dedicated session, released afterwards (session-level locks die with it). */
  withSession<T>(fn: (session: SqlSession) => Promise<T>): Promise<T>;
  /**
   * Runs fn inside one transaction: committed when fn resolves, rolled back when it throws. Use only `tx`
   * inside fn; on PGlite, other queries wait until the transaction ends.
   */
  transaction<T>(fn: (tx: SqlSession) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** One round trip to the database: throws when it cannot be reached (readiness checks). */
export async function ping(db: Database): Promise<void> {
  await db.query('SELECT 1');
}

export interface OpenDatabaseOptions {
  /** postgres:// or postgresql:// URL. Unset or empty: the embedded PGlite database in `<dataDir>/pglite`. */
  databaseUrl?: string | undefined;
  /** Required for the embedded database. */
  dataDir?: string | undefined;
  /** Pool size for PostgreSQL (default 10). */
  maxConnections?: number;
}

const adapterFactories = new WeakMap<Database, SqlMigrationAwareDriverAdapterFactory>();

/** The driver adapter behind a database, for Prisma tooling in tests (not exported from the package). */
export function driverAdapterFactoryOf(db: Database): SqlMigrationAwareDriverAdapterFactory {
  const factory = adapterFactories.get(db);
  if (!factory) throw new DatabaseError('invalid_config', 'This database was not opened by openDatabase().');
  return factory;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const url = options.databaseUrl?.trim();
  if (url) return openPostgres(url, options.maxConnections ?? 10);
  if (!options.dataDir) {
    throw new DatabaseError(
      'invalid_config',
      'No database configured: set DATABASE_URL to a PostgreSQL URL, or give a data directory for the embedded database.',
    );
  }
  return openPglite(path.join(options.dataDir, 'pglite'));
}

function assertPostgresUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DatabaseError(
      'invalid_config',
      'DATABASE_URL is not a URL; expected postgres://user:password@host:5432/db.',
    );
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new DatabaseError(
      'invalid_config',
      `DATABASE_URL must start with postgres:// or postgresql://, not ${parsed.protocol}//.`,
    );
  }
}

async function openPostgres(url: string, max: number): Promise<Database> {
  assertPostgresUrl(url);
  const pool = new pg.Pool({ connectionString: url, max });
  // An idle client losing its server connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const adapter = new PrismaPg(pool);
  const prisma = new PrismaClient({ adapter });
  const database: Database = {
    kind: 'postgres',
    prisma,
    async query(sql, params) {
      const result = await pool.query(sql, params as unknown[] | undefined);
      return result.rows;
    },
    async withSession(fn) {
      const client = await pool.connect();
      let broken: Error | undefined;
      // A checked-out client has no pool 'error' listener: without this one, a connection terminated while the
      // session is idle (an advisory lock held during a sync) is an unhandled 'error' event that ends the process.
      const lost = new AbortController();
      const onError = (error: Error) => {
        broken ??= error;
        lost.abort(
          new DatabaseError('unavailable', `The database connection was lost: ${error.message}`, { cause: error }),
        );
      };
      client.on('error', onError);
      try {
        return await fn({
          async query(sql, params) {
            return (await client.query(sql, params as unknown[] | undefined)).rows;
          },
          async exec(sql) {
            await client.query(sql);
          },
          lost: lost.signal,
        });
      } catch (error) {
        broken ??= error instanceof Error ? error : new Error(String(error));
        throw error;
      } finally {
        // A session that failed may still hold session state (locks, an aborted transaction): discard it.
        client.off('error', onError);
        if (broken) client.on('error', () => {}); // a discarded client may still report its end
        client.release(broken);
      }
    },
    async transaction(fn) {
      return database.withSession(async (session) => {
        await session.exec('BEGIN');
        try {
          const result = await fn(session);
          await session.exec('COMMIT');
          return result;
        } catch (error) {
          await session.exec('ROLLBACK').catch(() => {});
          throw error;
        }
      });
    },
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
  adapterFactories.set(database, adapter);
  return database;
}

/** WebAssembly's trap (an aborted PGlite instance); the project's type libraries declare WebAssembly as types only. */
const WasmRuntimeError = (globalThis as unknown as { WebAssembly: { RuntimeError: new () => Error } }).WebAssembly
  .RuntimeError;

async function openPglite(dir: string): Promise<Database> {
  await mkdir(dir, { recursive: true });
  const db = new PGlite(dir);
  await db.waitReady;
  const adapter = new PrismaPGlite(db);
  const prisma = new PrismaClient({ adapter });
  let closing = false;
  /**
   * A query error (a constraint, a missing relation) is the caller's to handle, as PostgreSQL's are. An embedded
   * database that is gone (closed under the service, or its WebAssembly instance aborted) is named as such, so a
   * run that meets it fails with that reason: nothing in this process can write to it again until a restart, which
   * reopens it and closes the runs left open (the queue's start-up release).
   */
  const failure = (error: unknown): unknown => {
    if (error instanceof DatabaseError) return error;
    const aborted = error instanceof WasmRuntimeError;
    if (!db.closed && !aborted) return error;
    const why = error instanceof Error ? error.message : String(error);
    return new DatabaseError(
      'unavailable',
      closing
        ? 'The embedded database was closed: the service is stopping.'
        : `The embedded database stopped working (${why}); restart the service: the next start reopens it and closes the runs this one left.`,
      { cause: error },
    );
  };
  const guard = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw failure(error);
    }
  };
  const session: SqlSession = {
    query: (sql, params) => guard(async () => (await db.query(sql, params as unknown[] | undefined)).rows as never[]),
    exec: (sql) => guard(async () => void (await db.exec(sql))),
  };
  const database: Database = {
    kind: 'pglite',
    prisma,
    query: session.query,
    // PGlite is a single session shared by everything in this process.
    withSession: (fn) => fn(session),
    transaction: (fn) =>
      guard(() =>
        db.transaction((tx) =>
          fn({
            async query(sql, params) {
              return (await tx.query(sql, params as unknown[] | undefined)).rows as never[];
            },
            async exec(sql) {
              await tx.exec(sql);
            },
          }),
        ),
      ),
    async close() {
      if (db.closed) return;
      closing = true;
      await prisma.$disconnect();
      await db.close();
    },
  };
  adapterFactories.set(database, adapter);
  return database;
}
