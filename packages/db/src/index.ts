export { DatabaseError, type DatabaseErrorCode, isDatabaseError } from './errors';
export {
  defaultMigrationsDir,
  getMigrationStatus,
  type LocalMigration,
  MIGRATION_LOCK_KEY,
  type MigrateResult,
  type MigrationStatus,
  type MigratorOptions,
  migrate,
  migrationChecksum,
  readLocalMigrations,
} from './migrator';
export {
  type Database,
  type DatabaseKind,
  type OpenDatabaseOptions,
  openDatabase,
  type SqlSession,
} from './open-database';
