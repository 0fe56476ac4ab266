import { AsyncLocalStorage } from 'node:async_hooks';
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
   * says so. Session state (advisory locks) went with it. On the embedded database: when the instance the session
   * ran on stopped working (it is reopened, without the session's state).
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
  /**
   * Runs `listener` each time the embedded database was reopened after it stopped working, before any other query
   * reaches the new instance (to release what the dead instance's work left held). Returns its removal. PostgreSQL
   * never calls it: its pool replaces lost connections by itself.
   */
  onReopen(listener: () => Promise<void>): () => void;
  close(): Promise<void>;
}

/** Where the database reports that it stopped working and came back (a pino logger fits). */
export interface DatabaseLogger {
  warn(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
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
  /** Told, once each time, when the embedded database stopped working and when it was reopened. */
  logger?: DatabaseLogger | undefined;
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
  return openPglite(path.join(options.dataDir, 'pglite'), options);
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
    onReopen: () => () => {},
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

/** Waits between attempts to reopen the embedded database: doubling from the first, capped. */
const REOPEN_FIRST_WAIT_MS = 250;
const REOPEN_MAX_WAIT_MS = 30_000;
/** An instance that is gone may never finish closing; the reopen does not wait for it longer than this. */
const CLOSE_DEAD_MS = 2_000;

const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/** The PGlite instance behind an embedded database, for tests that take it away under the service. */
const embeddedInstances = new WeakMap<Database, () => PGlite>();
export function embeddedInstanceOf(db: Database): PGlite {
  const current = embeddedInstances.get(db);
  if (!current) throw new DatabaseError('invalid_config', 'This is not an embedded database.');
  return current();
}

async function startPglite(dir: string): Promise<PGlite> {
  const instance = new PGlite(dir);
  await instance.waitReady;
  return instance;
}

async function openPglite(dir: string, options: OpenDatabaseOptions): Promise<Database> {
  await mkdir(dir, { recursive: true });
  /** The live instance; replaced when it is gone (closed under the service, or its WebAssembly aborted). */
  let db = await startPglite(dir);
  /** Aborts when `db` is declared gone: what a session started on it held (advisory locks) went with it. */
  let lost = new AbortController();
  /** Set while the instance is gone and not yet replaced: queries fail at once, naming it. */
  let down: { why: string; reopening: Promise<void> } | undefined;
  let closing = false;
  /** Ends a back-off wait early when the service stops, so stopping never waits for the next attempt. */
  let wake = () => {};
  const stopped = new Promise<void>((r) => {
    wake = r;
  });
  const reopenListeners = new Set<() => Promise<void>>();
  /** Marks the reopen listeners' own queries, the only ones let through before the reopened database is handed out. */
  const recovering = new AsyncLocalStorage<true>();

  const unavailable = (why: string, cause?: unknown) =>
    new DatabaseError(
      'unavailable',
      closing
        ? 'The embedded database was closed: the service is stopping.'
        : `The embedded database stopped working (${why}); the service is reopening it.`,
      cause === undefined ? undefined : { cause },
    );

  /** Replaces the dead instance on the same data folder, one attempt at a time, waiting longer after each failure. */
  async function reopen(dead: PGlite): Promise<void> {
    // Two instances must never share the data folder: the dead one is closed first, as far as it still can be.
    await Promise.race([dead.close().catch(() => {}), pause(CLOSE_DEAD_MS)]);
    let wait = REOPEN_FIRST_WAIT_MS;
    for (let attempt = 1; !closing; attempt++) {
      try {
        const next = await startPglite(dir);
        if (closing) {
          await next.close().catch(() => {});
          return;
        }
        db = next;
        lost = new AbortController();
        // Leases and runs the dead instance's work left open are released before anything else can claim a job.
        for (const listener of reopenListeners) {
          await recovering.run(true, listener).catch((error: unknown) => {
            options.logger?.warn({ err: error }, 'after reopening the embedded database, recovery failed');
          });
        }
        down = undefined;
        options.logger?.info({ attempts: attempt }, 'the embedded database was reopened');
        return;
      } catch (error) {
        if (attempt === 1) {
          options.logger?.warn({ err: error }, 'the embedded database could not be reopened yet; retrying');
        }
        await Promise.race([pause(wait), stopped]);
        wait = Math.min(wait * 2, REOPEN_MAX_WAIT_MS);
      }
    }
  }

  /**
   * A query error (a constraint, a missing relation) is the caller's to handle, as PostgreSQL's are. An instance
   * that is gone is named as such, so the run that met it fails with that reason (and is retried), and is replaced:
   * the first to notice starts the reopen, logged once.
   */
  const failure = (instance: PGlite, error: unknown): unknown => {
    if (error instanceof DatabaseError) return error;
    const aborted = error instanceof WasmRuntimeError;
    if (!instance.closed && !aborted) return error;
    const why = error instanceof Error ? error.message : String(error);
    if (!closing && instance === db && !down) {
      options.logger?.warn({ reason: why }, 'the embedded database stopped working; reopening it');
      lost.abort(unavailable(why, error));
      down = { why, reopening: reopen(instance) };
    }
    return unavailable(down?.why ?? why, error);
  };
  /** The live instance, or the reason there is none right now. */
  const live = (): PGlite => {
    if (closing) throw unavailable('closed');
    if (down && !recovering.getStore()) throw unavailable(down.why);
    return db;
  };
  const guard = async <T>(work: (instance: PGlite) => Promise<T>): Promise<T> => {
    const instance = live();
    try {
      return await work(instance);
    } catch (error) {
      throw failure(instance, error);
    }
  };
  const session = (): SqlSession => ({
    query: (sql, params) => guard(async (i) => (await i.query(sql, params as unknown[] | undefined)).rows as never[]),
    exec: (sql) => guard(async (i) => void (await i.exec(sql))),
    lost: lost.signal,
  });
  /**
   * What Prisma's adapter talks to: the live instance of the moment, its failures noticed like the wrapper's own
   * (the adapter keeps the client it was given for good, so it is given this stand-in).
   */
  const forPrisma = {
    query: (...args: Parameters<PGlite['query']>) => guard((i) => i.query(...args)),
    exec: (...args: Parameters<PGlite['exec']>) => guard((i) => i.exec(...args)),
    transaction: <T>(fn: Parameters<PGlite['transaction']>[0]) => guard((i) => i.transaction(fn)) as Promise<T>,
  } as unknown as PGlite;
  const adapter = new PrismaPGlite(forPrisma);
  const prisma = new PrismaClient({ adapter });
  const database: Database = {
    kind: 'pglite',
    prisma,
    query: (sql, params) => session().query(sql, params),
    // PGlite is a single session shared by everything in this process; it is lost with the instance it ran on.
    withSession: (fn) => fn(session()),
    transaction: (fn) =>
      guard((i) =>
        i.transaction((tx) =>
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
    onReopen(listener) {
      reopenListeners.add(listener);
      return () => reopenListeners.delete(listener);
    },
    async close() {
      if (closing) return;
      closing = true;
      wake();
      await prisma.$disconnect();
      await down?.reopening;
      if (!db.closed) await db.close();
    },
  };
  adapterFactories.set(database, adapter);
  embeddedInstances.set(database, () => db);
  return database;
}
