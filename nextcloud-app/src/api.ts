/**
 * The admin page's calls to this app's own endpoints (lib/Controller/AdminController.php), never to the sync
 * service directly: the tenant key stays on the server. Errors come back as { code, message } in the admin's words.
 */
import axios from '@nextcloud/axios';
import { confirmPassword } from '@nextcloud/password-confirmation';
import { generateUrl } from '@nextcloud/router';

export const USER_STATES = ['active', 'paused', 'auth_required', 'throttled', 'error', 'needs_review'] as const;
export type UserState = (typeof USER_STATES)[number];
export const USER_ACTIONS = ['sync', 'resync', 'pause', 'resume'] as const;
export type UserAction = (typeof USER_ACTIONS)[number];

export interface AppSettings {
  service_url: string;
  allow_local_address: boolean;
  allow_insecure_http: boolean;
  mailbox_rule: 'email' | 'template' | 'attribute';
  mailbox_template: string;
  mailbox_attribute: string;
  groups: string[];
  api_key_set: boolean;
}

/** The service's stable cause of a state (README "How users are synced"); older services send none. */
export type StateCode =
  | 'nextcloud_app_password_refused'
  | 'exchange_credentials_refused'
  | 'exchange_mailbox_not_found'
  | 'exchange_mailbox_access_denied'
  | 'exchange_connection_invalid'
  | 'throttled'
  | 'sync_failed'
  | 'internal_error'
  | 'items_failed'
  | 'deletions_held_for_review'
  | 'paused';

/**
 * How changes reach the service without waiting for the interval, per side. Newer services send `push` on one user;
 * its fields are read defensively (any may be missing), and `graphNotifications` is the older form for Exchange.
 */
export interface PushSide {
  /** Is push on for this side? */
  active?: boolean;
  /** e.g. graph-notifications, ews-streaming, nextcloud-app; or polling */
  mode?: string | null;
  lastEventAt?: string | null;
  lastNotificationAt?: string | null;
  expiresAt?: string | null;
  error?: string | null;
}

export interface ServiceUser {
  ncUserId: string;
  email: string | null;
  mailbox: string | null;
  displayName: string | null;
  state: UserState;
  stateReason: string | null;
  stateCode?: StateCode | string | null;
  /** End of the last sync in which every item kind synced; partial and failed syncs leave it alone. */
  lastSuccessAt: string | null;
  /** End of the last finished sync, whatever its outcome: newer than lastSuccessAt when that one failed or was partial. */
  lastAttemptAt: string | null;
  /** On one user (GET …/users/{id}) only: the most recent sync, each item kind's run in `kinds`. */
  lastRun?: LastRun | null;
  push?: { exchange?: PushSide | null; nextcloud?: PushSide | null } | null;
  graphNotifications?: { resource: string; expiresAt: string; lastNotificationAt: string | null }[];
}

/** lastSuccessAt: latest success first or last (the app's endpoint passes it to the service under its sort key). */
export const USER_SORTS = ['ncUserId', 'displayName', 'state', 'lastSuccessAt'] as const;
export type UserSort = (typeof USER_SORTS)[number];

/** What POST /exchange-connection/test answers: a failure is an answer with the cause's code. */
export interface MailboxTest {
  ok: boolean;
  mailbox: string;
  stateCode: StateCode | string | null;
  message: string;
  folders: { kind: 'events' | 'contacts' | 'tasks'; ok: boolean }[];
}

export type ItemKind = 'event' | 'task' | 'contact';
export type Outcome = 'running' | 'success' | 'partial' | 'failed' | 'cancelled';
/** Writes per direction (exchange_to_nextcloud, nextcloud_to_exchange) and action (create, update, delete, failed, …). */
export type RunCounts = Record<string, Record<string, number>>;

/** One item a run could not sync, as the service records it (the first 100 per run). */
export interface ItemError {
  /** The item's title, else its href. */
  item: string;
  href: string | null;
  /** The side that refused the write or could not be read; null when unknown. */
  side: 'exchange' | 'nextcloud' | null;
  reason: string;
  /** rejected, invalid-item, retryable, not-found, precondition-failed; null when the failure was not typed. */
  code: string | null;
}

export interface Run {
  id?: string;
  kind?: ItemKind | null;
  startedAt: string;
  finishedAt: string | null;
  outcome: Outcome;
  counts: RunCounts;
  error: string | null;
}

/** One item kind's run of the last sync. */
export interface KindRun {
  kind: ItemKind | null;
  outcome: Outcome;
  counts: RunCounts;
  requests: { exchange: number; nextcloud: number } | null;
  durationMs: number | null;
  error: string | null;
  itemErrors: ItemError[];
}

/** The user's most recent sync: its kinds' runs summed, the worst outcome, and each kind's run in `kinds`. */
export interface LastRun extends Omit<KindRun, 'kind'> {
  startedAt: string;
  finishedAt: string | null;
  kinds: KindRun[];
}

export interface HeldDeletion {
  id: string;
  kind: 'event' | 'task' | 'contact';
  deletedIn: 'exchange' | 'nextcloud';
  reason: 'threshold' | 'emptied-side' | 'policy';
  heldAt: string;
  summary: string | null;
  decision: 'apply' | 'restore' | null;
}

export interface Conflict {
  id: string;
  kind: 'event' | 'task' | 'contact';
  fields: string[];
  policy: string;
  winner: 'exchange' | 'nextcloud' | null;
  at: string;
}

export interface BulkResult {
  results: { userId: string; ok: boolean; message?: string }[];
  succeeded: number;
}

export type Direction = 'two-way' | 'exchange-to-nextcloud' | 'nextcloud-to-exchange';
export interface SyncSettings {
  window: { daysBack: number; daysAhead: number };
  intervalMinutes: number;
  itemKinds: Record<'events' | 'contacts' | 'tasks', { enabled: boolean; direction: Direction }>;
  conflictPolicy: { kind: 'exchange-wins' | 'nextcloud-wins' | 'newest' | 'keep-both' };
  deletionPolicy: { kind: 'propagate' | 'never'; maxPercent?: number; maxCount?: number };
}

export interface ExchangeConnection {
  kind: 'ews' | 'graph';
  url: string | null;
  authKind: 'basic' | 'ntlm' | 'oauth' | 'client_secret' | 'certificate';
  username: string | null;
  entraTenantId: string | null;
  clientId: string | null;
  hasSecret?: boolean;
  hasCertificate?: boolean;
  password?: string;
  clientSecret?: string;
  certificate?: string;
}

/** An error the page can show: the server's readable message, or what went wrong on the way. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

const url = (path: string) => generateUrl('/apps/exsync' + path);

async function call<T>(
  method: 'get' | 'put' | 'post' | 'delete',
  path: string,
  data?: unknown,
  confirm = false,
): Promise<T> {
  if (confirm) await confirmPassword();
  try {
    const response = await axios.request<T>({ method, url: url(path), data });
    return response.data;
  } catch (error) {
    const body = (error as { response?: { data?: { code?: string; message?: string } } }).response?.data;
    if (body?.message) throw new ApiError(body.message, body.code ?? 'EXSYNC_APP_ERROR');
    throw new ApiError((error as Error).message || 'The request failed.', 'EXSYNC_APP_NETWORK');
  }
}

export const api = {
  settings: () => call<AppSettings>('get', '/admin/settings'),
  /** Where app passwords go: confirmed, and a different URL forgets the tenant key. */
  saveSettings: (settings: Partial<AppSettings>) => call<AppSettings>('put', '/admin/settings', { settings }, true),
  saveApiKey: (apiKey: string) => call<{ api_key_set: boolean }>('put', '/admin/api-key', { apiKey }, true),
  testConnection: () =>
    call<{ service: boolean; exchange: boolean; exchangeKind: string | null }>('post', '/admin/test-connection'),
  searchGroups: (search: string) =>
    call<{ groups: { id: string; displayName: string }[] }>(
      'get',
      `/admin/groups/search?search=${encodeURIComponent(search)}`,
    ),
  saveGroups: (groups: string[]) =>
    call<{ groups: string[]; members: number; queued: boolean }>('put', '/admin/groups', { groups }, true),
  exchangeConnection: () => call<{ connection: ExchangeConnection | null }>('get', '/admin/exchange-connection'),
  saveExchangeConnection: (connection: Partial<ExchangeConnection>) =>
    call<{ connection: ExchangeConnection }>('put', '/admin/exchange-connection', { connection }, true),
  syncSettings: () => call<SyncSettings>('get', '/admin/sync-settings'),
  saveSyncSettings: (syncSettings: SyncSettings) => call<SyncSettings>('put', '/admin/sync-settings', { syncSettings }),
  /** Tries the saved Exchange connection on one mailbox: an address, or an enrolled user's. */
  testMailbox: (target: { mailbox: string } | { userId: string }) =>
    call<MailboxTest>('post', '/admin/exchange-connection/test', target),
  users: (query: {
    state?: string;
    cursor?: string;
    search?: string;
    limit?: number;
    sort?: UserSort;
    order?: 'asc' | 'desc';
  }) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query))
      if (value !== undefined && value !== '') params.set(key, String(value));
    return call<{ items: ServiceUser[]; nextCursor: string | null; pendingPush: string[] }>(
      'get',
      `/admin/users?${params}`,
    );
  },
  counts: () =>
    call<{ counts: Record<UserState, number>; total: number; pendingPush: number; complete: boolean }>(
      'get',
      '/admin/user-counts',
    ),
  user: (userId: string) => call<ServiceUser>('get', `/admin/users/${encodeURIComponent(userId)}`),
  runs: (userId: string) =>
    call<{ items: Run[]; nextCursor: string | null }>('get', `/admin/users/${encodeURIComponent(userId)}/runs`),
  heldDeletions: (userId: string) =>
    call<{ items: HeldDeletion[] }>('get', `/admin/users/${encodeURIComponent(userId)}/held-deletions`),
  /** Applying deletes data on the other side: confirmed. ids undefined = all of the user's held deletions. */
  decide: (userId: string, decision: 'apply' | 'restore', ids?: string[]) =>
    call<{ decided: number; notHeld: string[] }>(
      'post',
      `/admin/users/${encodeURIComponent(userId)}/held-deletions/decision`,
      ids ? { decision, ids } : { decision, all: true },
      true,
    ),
  conflicts: (userId: string) =>
    call<{ items: Conflict[]; nextCursor: string | null }>(
      'get',
      `/admin/users/${encodeURIComponent(userId)}/conflicts`,
    ),
  bulk: (action: UserAction, userIds: string[]) => call<BulkResult>('post', '/admin/users/bulk', { action, userIds }),
  reissue: (userIds: string[]) => call<BulkResult>('post', '/admin/users/bulk-credentials', { userIds }, true),
};
