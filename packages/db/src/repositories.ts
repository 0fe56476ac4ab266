import { type ApiKeyRepository, createApiKeyRepository } from './api-keys';
import { type AuthFailureRepository, createAuthFailureRepository } from './auth-failures';
import { createExchangeConnectionRepository, type ExchangeConnectionRepository } from './exchange-connections';
import { createGraphSubscriptionRepository, type GraphSubscriptionRepository } from './graph-subscriptions';
import type { Database } from './open-database';
import { createPushStateRepository, type PushStateRepository } from './push-state';
import { createPushStatusRepository, type PushStatusRepository } from './push-status';
import { createReviewRepository, type ReviewRepository } from './review';
import { createSealedSecretRepository, type SealedSecretRepository } from './sealed-secrets';
import { createSyncRunRepository, type SyncRunRepository } from './sync-runs';
import { createTenantRepository, type TenantRepository } from './tenants';
import { createUserRepository, type UserRepository } from './users';

export interface Repositories {
  tenants: TenantRepository;
  apiKeys: ApiKeyRepository;
  exchangeConnections: ExchangeConnectionRepository;
  users: UserRepository;
  syncRuns: SyncRunRepository;
  sealedSecrets: SealedSecretRepository;
  authFailures: AuthFailureRepository;
  review: ReviewRepository;
  graphSubscriptions: GraphSubscriptionRepository;
  pushStatus: PushStatusRepository;
  pushState: PushStateRepository;
}

export function createRepositories(db: Database): Repositories {
  return {
    tenants: createTenantRepository(db),
    apiKeys: createApiKeyRepository(db),
    exchangeConnections: createExchangeConnectionRepository(db),
    users: createUserRepository(db),
    syncRuns: createSyncRunRepository(db),
    sealedSecrets: createSealedSecretRepository(db),
    authFailures: createAuthFailureRepository(db),
    review: createReviewRepository(db),
    graphSubscriptions: createGraphSubscriptionRepository(db),
    pushStatus: createPushStatusRepository(db),
    pushState: createPushStateRepository(db),
  };
}
