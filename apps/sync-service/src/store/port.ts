import type { Sealed } from '../vault/vault';

/**
 * What the HTTP edge needs from persistence. The service owns this port and adapts @exsync/db to it
 * (db-store.ts), so routes never see Prisma types and the vault stays on this side of the boundary: the
 * store receives and returns only sealed secrets.
 */

export const USER_STATES = ['active', 'paused', 'auth_required', 'throttled', 'error', 'needs_review'] as const;
export type UserState = (typeof USER_STATES)[number];

export interface TenantRecord {
  id: string;
  name: string;
  nextcloudUrl: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface ApiKeyRecord {
  id: string;
  tenantId: string | null;
  role: 'admin' | 'tenant';
  prefix: string;
  hash: string;
  label: string | null;
  createdAt: Date;
  revokedAt: Date | null;
}

export interface ExchangeConnectionRecord {
  tenantId: string;
  kind: 'ews' | 'graph';
  endpoint: string | null;
  authKind: 'basic' | 'ntlm' | 'oauth' | 'client_secret' | 'certificate';
  username: string | null;
  entraTenantId: string | null;
  clientId: string | null;
  secret: Sealed | null;
  certificate: Sealed | null;
  createdAt: Date;
  updatedAt: Date;
}

export type ExchangeConnectionInput = Omit<ExchangeConnectionRecord, 'tenantId' | 'createdAt' | 'updatedAt'>;

export interface UserRecord {
  ncUserId: string;
  loginName: string;
  email: string | null;
  mailbox: string | null;
  displayName: string | null;
  appPassword: Sealed;
  state: UserState;
  stateReason: string | null;
  lastSyncAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface UserInput {
  ncUserId: string;
  loginName: string;
  email: string | null;
  mailbox: string | null;
  displayName: string | null;
  appPassword: Sealed;
}

export interface UserPage {
  items: UserRecord[];
  nextCursor: string | null;
}

/** A stored secret with enough identity to re-encrypt it in place during key rotation. */
export interface StoredSecret {
  /** Opaque reference the store uses to write the secret back. */
  ref: string;
  /** Authenticated context the vault bound the secret to. */
  context: string;
  sealed: Sealed;
}

export interface ServiceStore {
  /** Throws unless the database answers and every migration is applied. */
  checkReady(): Promise<void>;
  close(): Promise<void>;

  apiKeys: {
    findByPrefix(prefix: string): Promise<ApiKeyRecord | null>;
    create(input: {
      tenantId: string | null;
      role: 'admin' | 'tenant';
      prefix: string;
      hash: string;
      label: string | null;
    }): Promise<ApiKeyRecord>;
    listForTenant(tenantId: string): Promise<ApiKeyRecord[]>;
    revoke(tenantId: string, id: string): Promise<boolean>;
    countActiveAdmin(): Promise<number>;
  };

  tenants: {
    create(input: { name: string; nextcloudUrl: string }): Promise<TenantRecord>;
    list(): Promise<TenantRecord[]>;
    get(id: string): Promise<TenantRecord | null>;
    update(id: string, patch: { name?: string; nextcloudUrl?: string }): Promise<TenantRecord | null>;
    delete(id: string): Promise<boolean>;
    getSettings(id: string): Promise<unknown>;
    putSettings(id: string, settings: unknown): Promise<void>;
  };

  connections: {
    get(tenantId: string): Promise<ExchangeConnectionRecord | null>;
    put(tenantId: string, input: ExchangeConnectionInput): Promise<ExchangeConnectionRecord>;
    delete(tenantId: string): Promise<boolean>;
  };

  users: {
    upsert(tenantId: string, input: UserInput): Promise<{ user: UserRecord; created: boolean }>;
    /** All or nothing: one transaction. */
    upsertMany(tenantId: string, inputs: UserInput[]): Promise<{ created: number; updated: number }>;
    get(tenantId: string, ncUserId: string): Promise<UserRecord | null>;
    list(tenantId: string, query: { state?: UserState; cursor?: string; limit: number }): Promise<UserPage>;
    /** Forgets credentials and sync state; never touches the user's data on either side. */
    delete(tenantId: string, ncUserId: string): Promise<boolean>;
  };

  secrets: {
    /** Secrets not sealed under `currentKeyId`, at most `limit` of them. */
    listStale(currentKeyId: string, limit: number): Promise<StoredSecret[]>;
    /** Writes the re-sealed secret only if the row still holds `previous` (a concurrent write wins). */
    replace(ref: string, previous: StoredSecret['sealed'], next: StoredSecret['sealed']): Promise<boolean>;
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
