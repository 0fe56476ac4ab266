// Plain types the repositories speak, so callers never depend on Prisma's generated types.

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export const userStates = ['active', 'paused', 'auth_required', 'throttled', 'error', 'needs_review'] as const;
export type UserState = (typeof userStates)[number];

export const exchangeKinds = ['ews', 'graph'] as const;
export type ExchangeKind = (typeof exchangeKinds)[number];

export const exchangeAuthKinds = ['basic', 'ntlm', 'oauth', 'client_secret', 'certificate'] as const;
export type ExchangeAuthKind = (typeof exchangeAuthKinds)[number];

export const apiKeyRoles = ['admin', 'tenant'] as const;
export type ApiKeyRole = (typeof apiKeyRoles)[number];

export const itemKinds = ['event', 'task', 'contact'] as const;
export type ItemKind = (typeof itemKinds)[number];

export const syncOutcomes = ['running', 'success', 'partial', 'failed', 'cancelled'] as const;
export type SyncOutcome = (typeof syncOutcomes)[number];

/** A secret as the service's vault sealed it. The database stores both strings as given and never decrypts. */
export interface Sealed {
  ciphertext: string;
  keyId: string;
}

export interface Tenant {
  id: string;
  name: string;
  nextcloudUrl: string;
  settings: JsonObject;
  createdAt: Date;
  updatedAt: Date;
}

export interface ApiKey {
  id: string;
  role: ApiKeyRole;
  /** Null for admin keys. */
  tenantId: string | null;
  /** Public part of the key, safe to show and log. */
  prefix: string;
  label: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export interface ExchangeConnection {
  id: string;
  tenantId: string;
  kind: ExchangeKind;
  endpoint: string | null;
  authKind: ExchangeAuthKind;
  username: string | null;
  entraTenantId: string | null;
  clientId: string | null;
  /** Entra authority root (no tenant), e.g. https://login.microsoftonline.us; null means the global cloud. */
  authority: string | null;
  /** Whether a password / client secret is stored (its ciphertext is only in `ExchangeConnectionSecrets`). */
  hasSecret: boolean;
  hasCertificate: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface ExchangeConnectionSecrets {
  secret: Sealed | null;
  certificate: Sealed | null;
}

/** An enrolled user, without credentials (see `UserRepository.getCredentials`). */
export interface User {
  id: string;
  tenantId: string;
  ncUserId: string;
  loginName: string;
  email: string | null;
  mailbox: string | null;
  displayName: string | null;
  state: UserState;
  stateReason: string | null;
  /** Why the user is in this state, as a stable code (null when there is nothing to say). */
  stateCode: string | null;
  /** End of the last successful sync (every item kind synced). */
  lastSyncAt: Date | null;
  /** End of the last finished sync, whatever its outcome. */
  lastAttemptAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface SyncRun {
  id: string;
  userId: string;
  pairId: string | null;
  /** The user sync this run belongs to (its runs of every item kind share it); null for older runs. */
  syncId: string | null;
  startedAt: Date;
  finishedAt: Date | null;
  outcome: SyncOutcome;
  counts: JsonObject;
  error: string | null;
  /** While running: the phase and counts the engine last reported (null before the first and once finished). */
  progress: RunProgressView | null;
  /** Requests the run sent to each side; null while it runs and for runs recorded before they were counted. */
  requests: RunRequests | null;
  /** The items that failed, each with its reason (the first 100 of the run); empty when none did. */
  itemErrors: RunItemError[];
}

/** One item a run could not sync (the engine's ItemError as stored): side `a` is Exchange, `b` Nextcloud. */
export interface RunItemError {
  item: string;
  ident?: string;
  href?: string;
  side?: 'a' | 'b';
  reason: string;
  code?: string;
}

/** Requests sent to each side: Exchange (EWS or Graph, Entra token requests not counted) and Nextcloud (DAV). */
export interface RunRequests {
  exchange: number;
  nextcloud: number;
}

/** One run of a sync, as the sync's summary lists it: one per item kind (kind null: failed before any pair). */
export interface SyncRunPart {
  kind: ItemKind | null;
  startedAt: Date;
  finishedAt: Date | null;
  outcome: SyncOutcome;
  counts: JsonObject;
  requests: RunRequests | null;
  error: string | null;
  itemErrors: RunItemError[];
}

/** A whole sync as one record: its runs folded together, and each run kept as a part (SyncRunRepository.lastSync). */
export interface SyncSummary extends SyncRun {
  parts: SyncRunPart[];
}

/** What a running run last reported (see SyncRunRepository.recordProgress). */
export interface RunProgressView {
  phase: 'listing' | 'fetching' | 'writing';
  /** `a` (Exchange) or `b` (Nextcloud) while listing or fetching. */
  side?: 'a' | 'b';
  done: number;
  planned: number | null;
  /** When the engine reported it. */
  at: string;
}
