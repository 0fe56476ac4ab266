import type {
  ApiKey,
  AuthFailureRepository,
  ExchangeConnection,
  RunItemError,
  RunRequests,
  Sealed,
  SyncRun,
  SyncSummary,
  Tenant,
  User,
  UserSortKey,
  UserState,
} from '@exsync/db';

/**
 * What the HTTP edge needs from persistence. db-store.ts implements it with @exsync/db's repositories; the
 * port keeps the routes independent of how they are stored and keeps the vault on the service's side: the
 * store receives and returns only sealed secrets.
 */

export { userSortKeys as USER_SORT_KEYS, userStates as USER_STATES } from '@exsync/db';
export type {
  ApiKey,
  ExchangeConnection,
  RunItemError,
  RunRequests,
  Sealed,
  SyncRun,
  SyncSummary,
  Tenant,
  User,
  UserSortKey,
  UserState,
};

export interface UserInput {
  ncUserId: string;
  loginName: string;
  email: string | null;
  mailbox: string | null;
  displayName: string | null;
  appPassword: Sealed;
}

export interface ExchangeConnectionInput {
  kind: ExchangeConnection['kind'];
  endpoint: string | null;
  authKind: ExchangeConnection['authKind'];
  username: string | null;
  entraTenantId: string | null;
  clientId: string | null;
  /** Entra authority root; null means the global cloud (https://login.microsoftonline.com). */
  authority: string | null;
  /** A value replaces, null clears, undefined keeps what is stored. */
  secret: Sealed | null | undefined;
  certificate: Sealed | null | undefined;
}

/** A stored secret with the context the vault bound it to, so rotation can re-seal it in place. */
export interface StoredSecret {
  ref: { kind: string; id: string };
  context: string;
  sealed: Sealed;
}

export interface ServiceStore {
  /** Throws unless the database answers and every migration is applied. */
  checkReady(): Promise<void>;
  close(): Promise<void>;

  apiKeys: {
    /** The active key matching the presented plaintext, or null. */
    verify(plaintext: string): Promise<ApiKey | null>;
    issue(input: { role: 'admin'; label?: string } | { role: 'tenant'; tenantId: string; label?: string }): Promise<{
      key: ApiKey;
      plaintext: string;
    }>;
    listForTenant(tenantId: string): Promise<ApiKey[]>;
    /** Revokes a key of that tenant; false if the tenant has no such key. */
    revoke(tenantId: string, id: string): Promise<boolean>;
    hasActiveAdminKey(): Promise<boolean>;
  };

  tenants: {
    create(input: { name: string; nextcloudUrl: string }): Promise<Tenant>;
    list(): Promise<Tenant[]>;
    get(id: string): Promise<Tenant | null>;
    update(id: string, patch: { name?: string; nextcloudUrl?: string }): Promise<Tenant | null>;
    delete(id: string): Promise<boolean>;
    getSettings(id: string): Promise<unknown>;
    putSettings(id: string, settings: object): Promise<void>;
  };

  connections: {
    get(tenantId: string): Promise<ExchangeConnection | null>;
    put(tenantId: string, input: ExchangeConnectionInput): Promise<ExchangeConnection>;
    delete(tenantId: string): Promise<boolean>;
  };

  users: {
    upsert(tenantId: string, input: UserInput): Promise<{ user: User; created: boolean }>;
    /** All or nothing. */
    upsertMany(tenantId: string, inputs: UserInput[]): Promise<{ created: number; updated: number }>;
    get(tenantId: string, ncUserId: string): Promise<User | null>;
    /** Throws InvalidCursorError for a cursor the store did not issue. */
    list(
      tenantId: string,
      query: {
        state?: UserState;
        cursor?: string;
        limit: number;
        search?: string;
        sort?: UserSortKey;
        order?: 'asc' | 'desc';
      },
    ): Promise<{ items: User[]; nextCursor: string | null }>;
    /** Users per state, every state present. */
    counts(tenantId: string): Promise<Record<UserState, number>>;
    /** The user's most recent sync as one record with its runs as parts, or null before the first. */
    lastRun(userId: string): Promise<SyncSummary | null>;
    /** The user's Graph change-notification subscriptions (without their secrets). */
    graphSubscriptions(
      userId: string,
    ): Promise<{ resource: string; expiresAt: Date; lastNotificationAt: Date | null }[]>;
    /** How changes reach the service per side, as the watching process last reported it. */
    pushStatus(userId: string): Promise<
      {
        side: 'exchange' | 'nextcloud';
        mode: 'ews-streaming' | 'graph-subscription' | 'polling';
        active: boolean;
        lastNotificationAt: Date | null;
        error: string | null;
      }[]
    >;
    /** When the Nextcloud app last reported a change of the user, and last called at all (null: never). */
    nextcloudPush(userId: string): Promise<{ lastNotificationAt: Date | null; appSeenAt: Date | null }>;
    /** Forgets credentials and sync state; never touches the user's data on either side. */
    delete(tenantId: string, ncUserId: string): Promise<boolean>;
  };

  /** Failed authentications per client address, in the database so every replica enforces one limit. */
  authFailures: AuthFailureRepository;

  secrets: {
    /** Secrets not sealed under `currentKeyId`, at most `limit` of them. */
    listStale(currentKeyId: string, limit: number): Promise<StoredSecret[]>;
    /** Writes the re-sealed secret only if the row still holds `previous` (a concurrent write wins). */
    replace(ref: StoredSecret['ref'], previous: Sealed, next: Sealed): Promise<boolean>;
  };
}

/** The cursor was not issued by this store (or is damaged). */
export class InvalidCursorError extends Error {
  constructor() {
    super('invalid cursor');
    this.name = 'InvalidCursorError';
  }
}

/** The database answers but is not usable yet; the message is safe to show to unauthenticated callers. */
export class NotReadyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotReadyError';
  }
}

/** The authenticated context each kind of secret is sealed with (see Vault). */
export const secretContext = {
  appPassword: (tenantId: string, ncUserId: string) => `user:${tenantId}:${ncUserId}:appPassword`,
  exchange: (tenantId: string, field: 'secret' | 'certificate') => `exchange:${tenantId}:${field}`,
  graphClientState: (subscriptionId: string) => `graphSubscription:${subscriptionId}:clientState`,
};
