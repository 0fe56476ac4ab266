import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DatabaseError } from './errors';
import type { Database, SqlSession } from './open-database';

/** prisma/migrations at the repository root. */
export const defaultMigrationsDir = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../prisma/migrations',
);

/**
 * The advisory lock key Prisma Migrate takes (schema-engine sql flavour postgres.rs), so this migrator and
 * `prisma migrate deploy` never run at the same time against one database.
 */
export const MIGRATION_LOCK_KEY = 72707369;

/** Prisma's `_prisma_migrations` table, verbatim from its Postgres flavour (create_migrations_table). */
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
);
`;

export interface LocalMigration {
  name: string;
  script: string;
  checksum: string;
}

export interface MigrationStatus {
  /** Names in order, applied successfully and unchanged since. */
  applied: string[];
  /** Local migrations not yet applied. */
  pending: string[];
  /** Recorded as started but never finished (and not rolled back): needs an operator. */
  failed: string[];
  /** Applied, but the local migration.sql no longer has the checksum recorded. */
  modified: string[];
  /** Recorded in the database but absent locally (the database is newer than this code). */
  unknown: string[];
  /** True when nothing is pending, failed or modified: the readiness check. */
  upToDate: boolean;
}

export interface MigrateResult {
  /** Migrations applied by this call, in order. */
  applied: string[];
  status: MigrationStatus;
}

export interface MigratorOptions {
  migrationsDir?: string;
  /** How long to wait for another migrator holding the lock (default 60 s). */
  lockTimeoutMs?: number;
}

interface MigrationRow {
  id: string;
  checksum: string;
  finished_at: Date | string | null;
  migration_name: string;
  rolled_back_at: Date | string | null;
}

/**
 * Prisma's checksum: lower-case hex SHA-256 of the migration.sql bytes, no normalisation
 * (schema-engine checksum.rs render_checksum).
 */
export function migrationChecksum(script: string | Uint8Array): string {
  return createHash('sha256').update(script).digest('hex');
}

/** Prisma also accepts checksums written without zero-padding by old engines (prisma-engines#1887). */
function checksumMatches(script: string, recorded: string): boolean {
  const digest = createHash('sha256').update(script).digest();
  if (recorded.length === 64) return digest.toString('hex') === recorded;
  return [...digest].map((byte) => byte.toString(16)).join('') === recorded;
}

export async function readLocalMigrations(dir: string = defaultMigrationsDir): Promise<LocalMigration[]> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    throw new DatabaseError('invalid_config', `The migrations folder ${dir} cannot be read.`, { cause: error });
  }
  const migrations: LocalMigration[] = [];
  // Prisma orders migrations by folder name; the timestamp prefix makes that chronological.
  for (const name of entries.sort()) {
    const folder = path.join(dir, name);
    if (!(await stat(folder)).isDirectory()) continue;
    let script: string;
    try {
      script = await readFile(path.join(folder, 'migration.sql'), 'utf8');
    } catch (error) {
      throw new DatabaseError(
        'migration_missing_sql',
        `Migration folder ${name} has no readable migration.sql; restore it or remove the folder.`,
        { cause: error },
      );
    }
    migrations.push({ name, script, checksum: migrationChecksum(script) });
  }
  return migrations;
}

async function tableExists(session: SqlSession): Promise<boolean> {
  const rows = await session.query<{ exists: boolean }>(
    `SELECT to_regclass('_prisma_migrations') IS NOT NULL AS "exists"`,
  );
  return rows[0]?.exists === true;
}

async function readRows(session: SqlSession): Promise<MigrationRow[]> {
  if (!(await tableExists(session))) return [];
  return session.query<MigrationRow>(
    'SELECT id, checksum, finished_at, migration_name, rolled_back_at FROM _prisma_migrations ORDER BY started_at, migration_name',
  );
}

function computeStatus(local: LocalMigration[], rows: MigrationRow[]): MigrationStatus {
  const live = rows.filter((row) => row.rolled_back_at === null);
  const localNames = new Set(local.map((m) => m.name));
  const status: MigrationStatus = { applied: [], pending: [], failed: [], modified: [], unknown: [], upToDate: false };
  for (const migration of local) {
    const records = live.filter((row) => row.migration_name === migration.name);
    const finished = records.find((row) => row.finished_at !== null);
    if (finished) {
      if (checksumMatches(migration.script, finished.checksum)) status.applied.push(migration.name);
      else status.modified.push(migration.name);
    } else if (records.length > 0) {
      status.failed.push(migration.name);
    } else {
      status.pending.push(migration.name);
    }
  }
  for (const row of live) {
    if (!localNames.has(row.migration_name) && !status.unknown.includes(row.migration_name)) {
      status.unknown.push(row.migration_name);
    }
  }
  status.upToDate = status.pending.length === 0 && status.failed.length === 0 && status.modified.length === 0;
  return status;
}

/** Applied / pending / failed / modified migrations, without taking the lock or changing anything. */
export async function getMigrationStatus(db: Database, options: MigratorOptions = {}): Promise<MigrationStatus> {
  const local = await readLocalMigrations(options.migrationsDir);
  const rows = await db.withSession(readRows);
  return computeStatus(local, rows);
}

function refuseUnsafeHistory(status: MigrationStatus): void {
  if (status.modified.length > 0) {
    throw new DatabaseError(
      'migration_checksum_mismatch',
      `Applied migration(s) ${status.modified.join(', ')} were changed after they ran. Restore the original ` +
        'migration.sql files and add a new migration for the change instead.',
    );
  }
  if (status.failed.length > 0) {
    throw new DatabaseError(
      'migration_failed_previously',
      `Migration(s) ${status.failed.join(', ')} failed earlier and left the database in an unknown state. Fix the ` +
        'database by hand, then mark the migration rolled back (set rolled_back_at in _prisma_migrations, or ' +
        '`prisma migrate resolve --rolled-back <name>`) and start again.',
    );
  }
}

async function acquireLock(session: SqlSession, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await session.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
      MIGRATION_LOCK_KEY,
    ]);
    if (rows[0]?.locked === true) return;
    if (Date.now() >= deadline) {
      throw new DatabaseError(
        'migration_lock_timeout',
        `Another migrator held the migration lock (pg advisory lock ${MIGRATION_LOCK_KEY}) for over ` +
          `${Math.round(timeoutMs / 1000)} s. Wait for it to finish, or end the session holding it.`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// PGlite is one session per process, where an advisory lock is re-entrant: serialise in-process callers too.
const inProcessQueues = new WeakMap<Database, Promise<unknown>>();

/**
 * Applies pending migrations in order, each recorded in `_prisma_migrations` exactly as Prisma Migrate records
 * it, under Prisma's advisory lock. Refuses to run when an applied migration changed or an earlier one failed.
 */
export async function migrate(db: Database, options: MigratorOptions = {}): Promise<MigrateResult> {
  const previous = inProcessQueues.get(db) ?? Promise.resolve();
  const run = previous.catch(() => {}).then(() => migrateLocked(db, options));
  inProcessQueues.set(db, run);
  return run;
}

async function migrateLocked(db: Database, options: MigratorOptions): Promise<MigrateResult> {
  const local = await readLocalMigrations(options.migrationsDir);
  return db.withSession(async (session) => {
    await acquireLock(session, options.lockTimeoutMs ?? 60_000);
    try {
      if (!(await tableExists(session))) await session.exec(CREATE_MIGRATIONS_TABLE);
      const before = computeStatus(local, await readRows(session));
      refuseUnsafeHistory(before);
      const applied: string[] = [];
      for (const name of before.pending) {
        const migration = local.find((m) => m.name === name)!;
        await applyOne(session, migration);
        applied.push(name);
      }
      return { applied, status: computeStatus(local, await readRows(session)) };
    } finally {
      await session.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  });
}

/** Mirrors Prisma: record started, run the script as one simple-query batch, count the step, record finished. */
async function applyOne(session: SqlSession, migration: LocalMigration): Promise<void> {
  const id = randomUUID();
  await session.query(
    'INSERT INTO _prisma_migrations (id, checksum, started_at, migration_name) VALUES ($1, $2, now(), $3)',
    [id, migration.checksum, migration.name],
  );
  try {
    await session.exec(migration.script);
  } catch (error) {
    const logs = error instanceof Error ? error.message : String(error);
    // A script with its own BEGIN leaves the session in an aborted transaction; outside one this is a no-op.
    await session.exec('ROLLBACK').catch(() => {});
    await session.query('UPDATE _prisma_migrations SET logs = $2 WHERE id = $1', [id, logs]);
    throw new DatabaseError(
      'migration_failed',
      `Migration ${migration.name} failed: ${logs}. Fix the migration, then mark it rolled back before starting again.`,
      { cause: error },
    );
  }
  await session.query('UPDATE _prisma_migrations SET applied_steps_count = applied_steps_count + 1 WHERE id = $1', [
    id,
  ]);
  await session.query('UPDATE _prisma_migrations SET finished_at = now() WHERE id = $1', [id]);
}
