export {
  type ApiKeyRepository,
  type CreatedApiKey,
  createApiKeyRepository,
  hashApiKey,
  type NewApiKey,
} from './api-keys';
export { type AuthFailureLimits, type AuthFailureRepository, createAuthFailureRepository } from './auth-failures';
export { findOrCreatePair, forgetTokens, type RememberedPair, rememberedPairs } from './collection-pairs';
export { DatabaseError, type DatabaseErrorCode, isDatabaseError } from './errors';
export {
  createExchangeConnectionRepository,
  type ExchangeConnectionInput,
  type ExchangeConnectionRepository,
} from './exchange-connections';
export {
  createGraphSubscriptionRepository,
  type GraphSubscriptionRecord,
  type GraphSubscriptionRepository,
} from './graph-subscriptions';
export { createJobQueue, type EnqueueInput, type JobQueue, type QueueLimits, type SyncJob } from './job-queue';
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
  type DatabaseLogger,
  embeddedInstanceOf,
  type OpenDatabaseOptions,
  openDatabase,
  ping,
  type SqlSession,
} from './open-database';
export {
  type CycleSpan,
  createOperationsRepository,
  type OperationsRepository,
  type QueueStats,
  type RunTally,
} from './operations';
export {
  findPairOnOtherExchange,
  linksKeyedByExchangeHref,
  type PairOnOtherExchange,
  type RepointInput,
  repointPair,
} from './pair-repoint';
export { createPushStateRepository, type NextcloudPushState, type PushStateRepository } from './push-state';
export {
  createPushStatusRepository,
  type PushMode,
  type PushSide,
  type PushStatusRecord,
  type PushStatusRepository,
} from './push-status';
export { createRepositories, type Repositories } from './repositories';
export { type ConflictEntry, createReviewRepository, type HeldDeletion, type ReviewRepository } from './review';
export {
  createSealedSecretRepository,
  type SealedSecretRepository,
  type SecretKind,
  type SecretRef,
  type StoredSecret,
  secretKinds,
} from './sealed-secrets';
export { AdvisoryPairLock, PrismaStatusStore } from './status-store';
export { type ContextPair, loadSyncContext, type SyncContext } from './sync-context';
export { createSyncRunRepository, INTERRUPTED, type SyncRunRepository } from './sync-runs';
export { createTenantRepository, type NewTenant, type TenantChanges, type TenantRepository } from './tenants';
export * from './types';
export {
  type BulkUpsertResult,
  createUserRepository,
  type QuietRuns,
  type UpsertedUser,
  type UserInput,
  type UserListOptions,
  type UserPage,
  type UserRepository,
  type UserSortKey,
  userSortKeys,
} from './users';
