import { AuthError, type PairLock, type StatusStore, syncPair } from '@exsync/core';
import { DavTransport, nextcloudDavRoot } from '@exsync/dav';
import { type Database, type Repositories, rememberedPairs, type Tenant, type User } from '@exsync/db';
import type { Logger } from 'pino';
import { countingFetch } from '../metrics/counting-fetch';
import type { SyncMetrics } from '../metrics/metrics';
import { ITEM_KINDS, withDefaults } from '../settings';
import { secretContext } from '../store/port';
import type { Vault } from '../vault/vault';
import { DavSide } from './dav-side';
import { defaultExchangeStores, type ExchangeStoreFactory, type OpenedConnection } from './exchange-stores';
import { KINDS } from './kinds';
import { describeError, type PairResult, type Verdict, verdictOf } from './outcome';
import { findOrCreatePair, forgetTokens } from './pairs';
import { policyFor, windowFor } from './policy';
import { createProgressReporter } from './progress';

export interface UserSyncDeps {
  readonly db: Database;
  readonly repos: Repositories;
  readonly vault: Vault;
  readonly logger: Logger;
  readonly status: StatusStore;
  /** One per process: PGlite's advisory locks are re-entrant, so the lock also remembers what this process holds. */
  readonly lock: PairLock;
  readonly exchangeStores?: ExchangeStoreFactory;
  /** Where DAV discovery starts for a tenant's Nextcloud URL. Default: Nextcloud's `/remote.php/dav/`. */
  readonly davRoot?: (nextcloudUrl: string) => string;
  readonly davTimeoutMs?: number;
  readonly now?: () => Date;
  /** Counts runs, items, errors and DAV requests for /metrics. */
  readonly metrics?: SyncMetrics;
}

export interface UserSyncRequest {
  readonly userId: string;
  /** Forget the sync tokens first: the run lists both windows and re-matches (never deletes). */
  readonly resync?: boolean;
  readonly signal?: AbortSignal;
}

/** What a user's sync did; `skipped` says why nothing ran. */
export type UserSyncResult =
  | { readonly skipped: 'unknown-user' | 'paused' | 'auth-required' | 'no-kinds' }
  | { readonly verdict: Verdict; readonly results: readonly PairResult[] };

/** Users in these states are not synced: paused by a person, or credentials known to be refused. */
const NOT_SYNCED = new Set(['paused', 'auth_required']);

/**
 * One sync of one user: every enabled item kind, Exchange (side a) against Nextcloud (side b), each pair under
 * its advisory lock. Ends by recording the user's state. Credentials are opened here and never logged.
 */
export async function syncUser(deps: UserSyncDeps, request: UserSyncRequest): Promise<UserSyncResult> {
  const { repos, logger } = deps;
  const user = await repos.users.getById(request.userId);
  if (!user) return { skipped: 'unknown-user' };
  if (NOT_SYNCED.has(user.state)) return { skipped: user.state === 'paused' ? 'paused' : 'auth-required' };
  const tenant = await repos.tenants.get(user.tenantId);
  if (!tenant) return { skipped: 'unknown-user' };
  const settings = withDefaults(tenant.settings);
  const kinds = ITEM_KINDS.filter((k) => settings.itemKinds[k].enabled).map((k) => KINDS[k]);
  if (kinds.length === 0) return { skipped: 'no-kinds' };
  const log = logger.child({ tenantId: tenant.id, ncUserId: user.ncUserId });

  if (request.resync) await forgetTokens(deps.db, user.id);
  const results: PairResult[] = [];
  const transport = new DavTransport({
    credentials: { username: user.loginName, password: await appPassword(deps, user) },
    timeoutMs: deps.davTimeoutMs ?? 30_000,
    ...(deps.metrics ? { fetch: countingFetch(deps.metrics, 'dav') } : {}),
  });
  const authSide = () => (transport.authFailed ? 'nextcloud' : 'exchange');
  const now = (deps.now ?? (() => new Date()))();
  try {
    const connection = await openConnection(deps, tenant);
    // Discovery only for what no pair remembers; one PROPFIND per home otherwise.
    const davSide = new DavSide(
      transport,
      (deps.davRoot ?? nextcloudDavRoot)(tenant.nextcloudUrl),
      request.resync ? [] : await rememberedPairs(deps.db, user.id),
    );
    const mailbox = user.mailbox ?? user.email;
    if (!mailbox) throw new UserSetupError('The user has no mailbox or email address; set one when enrolling.');
    for (const kind of kinds) {
      if (request.signal?.aborted) break;
      const started = performance.now();
      try {
        const exchange = await (deps.exchangeStores ?? defaultExchangeStores)({ connection, mailbox, kind });
        const dav = await davSide.store(kind, request.signal);
        const pair = await findOrCreatePair(deps.db, {
          userId: user.id,
          kind: kind.itemKind,
          aCollectionId: exchange.collectionId,
          bCollectionId: dav.url,
        });
        const progress = createProgressReporter({
          record: (p) => repos.syncRuns.recordProgress(pair, p),
          log: log.child({ kind: kind.name }),
        });
        const report = await syncPair(
          { a: exchange.store, b: dav, status: deps.status, lock: deps.lock },
          {
            onProgress: progress.onProgress,
            pair,
            policy: policyFor(settings, kind.name),
            window: windowFor(settings, now),
            ...(request.resync ? { reconcile: true } : {}),
            ...(request.signal ? { signal: request.signal } : {}),
          },
        );
        await progress.flush();
        log.info({ kind: kind.name, outcome: report.outcome, counts: report.counts }, 'pair synced');
        deps.metrics?.pairRun(kind.name, report, (performance.now() - started) / 1000);
        const result: PairResult = report.outcome === 'auth-failed' ? { report, authSide: authSide() } : { report };
        results.push(result);
        if (report.outcome === 'auth-failed') break; // no further request with refused credentials
      } catch (error) {
        results.push(await failed(deps, user, error, authSide()));
        deps.metrics?.pairFailed(kind.name, error, (performance.now() - started) / 1000);
        log.warn({ kind: kind.name, err: describeError(error) }, 'pair sync failed');
        if (error instanceof AuthError) break;
      }
    }
  } catch (error) {
    results.push(await failed(deps, user, error, authSide()));
    // Before any pair (discovery, the Exchange connection): counted under the kind `none`.
    deps.metrics?.pairFailed('none', error, 0);
    log.warn({ err: describeError(error) }, 'user sync could not start');
  }
  const verdict = verdictOf(results);
  await recordVerdict(deps, user, verdict);
  return { verdict, results };
}

/** The user's details are not enough to sync; the message says what to fix. */
export class UserSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserSetupError';
  }
}

async function appPassword(deps: UserSyncDeps, user: User): Promise<string> {
  const sealed = await deps.repos.users.getCredentials(user.tenantId, user.ncUserId);
  if (!sealed) throw new UserSetupError('The user has no app password.');
  return deps.vault.open(sealed, secretContext.appPassword(user.tenantId, user.ncUserId));
}

async function openConnection(deps: UserSyncDeps, tenant: Tenant): Promise<OpenedConnection> {
  const connection = await deps.repos.exchangeConnections.get(tenant.id);
  const secrets = await deps.repos.exchangeConnections.getSecrets(tenant.id);
  if (!connection || !secrets) {
    throw new UserSetupError('The tenant has no Exchange connection; configure it with PUT /v1/exchange-connection.');
  }
  return {
    connection,
    secret: secrets.secret ? deps.vault.open(secrets.secret, secretContext.exchange(tenant.id, 'secret')) : null,
    certificate: secrets.certificate
      ? deps.vault.open(secrets.certificate, secretContext.exchange(tenant.id, 'certificate'))
      : null,
  };
}

/** A run that failed before or outside the engine still shows in the user's run history. */
async function failed(deps: UserSyncDeps, user: User, error: unknown, authSide: 'nextcloud' | 'exchange') {
  const run = await deps.repos.syncRuns.start(user.id);
  await deps.repos.syncRuns.finish(run.id, { outcome: 'failed', error: describeError(error) });
  return { error, ...(error instanceof AuthError ? { authSide } : {}) } satisfies PairResult;
}

/** A person may have paused or removed the user while the run went on: their word wins. */
async function recordVerdict(deps: UserSyncDeps, user: User, verdict: Verdict): Promise<void> {
  await deps.db.query(
    `UPDATE users SET state = $2::user_state, state_reason = $3, last_sync_at = now(), updated_at = now()
     WHERE id = $1::uuid AND state NOT IN ('paused')`,
    [user.id, verdict.state, verdict.reason],
  );
}
