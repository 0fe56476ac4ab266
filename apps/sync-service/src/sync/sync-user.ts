import { randomUUID } from 'node:crypto';
import {
  AuthError,
  type CollectionStore,
  checkQuiet,
  isStoreError,
  type PairLock,
  type PairState,
  type QuietAnswer,
  quietReport,
  type StatusStore,
  type SyncWindow,
  syncPair,
} from '@exsync/core';
import { DavTransport, DEFAULT_MAX_PER_HOST, nextcloudDavRoot } from '@exsync/dav';
import {
  type Database,
  type ExchangeConnection,
  type ExchangeConnectionSecrets,
  findOrCreatePair,
  forgetTokens,
  type ItemKind,
  loadSyncContext,
  type QuietRuns,
  type RememberedPair,
  type Repositories,
  type RunRequests,
  type Sealed,
  type Tenant,
  type User,
} from '@exsync/db';
import { httpFetch } from '@exsync/net';
import type { Logger } from 'pino';
import { countingFetch } from '../metrics/counting-fetch';
import type { SyncMetrics } from '../metrics/metrics';
import type { GraphPush, GraphWatch } from '../push/graph-push';
import { ITEM_KINDS, withDefaults } from '../settings';
import { secretContext } from '../store/port';
import type { Vault } from '../vault/vault';
import { DavSetupError, DavSide } from './dav-side';
import { adoptPortableUids, followExchangeMove } from './exchange-move';
import {
  defaultExchangeStores,
  ExchangeSetupError,
  type ExchangeStoreFactory,
  type OpenedConnection,
} from './exchange-stores';
import { KINDS } from './kinds';
import { describeError, type PairResult, type Verdict, verdictOf } from './outcome';
import { policyFor, windowFor } from './policy';
import { createProgressReporter } from './progress';

/**
 * Items a pair's run writes at once by default: each write waits a round trip on the peer (20-50 ms on a busy
 * Nextcloud), so a few in flight let the run's own work overlap the peer's without crowding its PHP workers (the
 * per-host cap bounds the total across users).
 */
export const DEFAULT_WRITE_CONCURRENCY = 4;

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
  /** Items a pair's run writes at once (the engine's `writeConcurrency`). Default 4. */
  readonly writeConcurrency?: number;
  /** Requests in flight at once to one Nextcloud host, across the process (DavTransport `maxPerHost`). Default 8. */
  readonly nextcloudMaxRequests?: number;
  readonly now?: () => Date;
  /** Counts runs, items, errors and DAV requests for /metrics. */
  readonly metrics?: SyncMetrics;
  /** Graph change notifications (EXSYNC_PUBLIC_URL set): each synced Graph folder is kept subscribed. */
  readonly push?: GraphPush;
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
  // The user, tenant, sealed secrets and remembered pairs in one round trip (they were six).
  const context = await loadSyncContext(deps.db, request.userId);
  if (!context) return { skipped: 'unknown-user' };
  const { user, tenant } = context;
  if (NOT_SYNCED.has(user.state)) return { skipped: user.state === 'paused' ? 'paused' : 'auth-required' };
  const settings = withDefaults(tenant.settings);
  const kinds = ITEM_KINDS.filter((k) => settings.itemKinds[k].enabled).map((k) => KINDS[k]);
  if (kinds.length === 0) return { skipped: 'no-kinds' };
  const log = logger.child({ tenantId: tenant.id, ncUserId: user.ncUserId });

  if (request.resync) await forgetTokens(deps.db, user.id);
  const results: PairResult[] = [];
  // Every run of this sync (one per item kind, or the one failure before any) carries it: lastRun sums them.
  const syncId = randomUUID();
  let password: string;
  try {
    password = openAppPassword(deps, user, context.appPassword);
  } catch (error) {
    // An app password that cannot be opened (missing, or sealed under a key this service no longer has): the user
    // goes to `error` with that reason, recorded as a failed sync, instead of a job that fails without a word.
    results.push(await failed(deps, user, error, 'nextcloud', syncId));
    logFailure(log, error, 'user sync could not start');
    return finishSync(deps, user, results);
  }
  // Every request of this sync, per side: each run's record gets the requests sent while its kind was synced.
  const sent: RunRequests = { exchange: 0, nextcloud: 0 };
  // Over node:http keep-alive, as the DAV transport's default: the global fetch cost ~0.6 ms more CPU a request.
  const davFetch = deps.metrics ? countingFetch(deps.metrics, 'dav', httpFetch) : httpFetch;
  const transport = new DavTransport({
    credentials: { username: user.loginName, password },
    timeoutMs: deps.davTimeoutMs ?? 30_000,
    maxPerHost: deps.nextcloudMaxRequests ?? DEFAULT_MAX_PER_HOST,
    fetch: (input, init) => {
      sent.nextcloud += 1;
      return davFetch(input, init);
    },
  });
  const countExchange = () => {
    sent.exchange += 1;
  };
  const authSide = () => (transport.authFailed ? 'nextcloud' : 'exchange');
  // The pairs found quiet, recorded with the user's state once every kind is done (one statement for both).
  const quiet: { pairId: string; startedAt: Date; requests: RunRequests }[] = [];
  const now = (deps.now ?? (() => new Date()))();
  try {
    const connection = openStoredConnection(deps.vault, tenant.id, context.connection);
    // Discovery only for what no pair remembers; one PROPFIND per home otherwise.
    const remembered = request.resync ? [] : context.pairs;
    const davSide = new DavSide(transport, (deps.davRoot ?? nextcloudDavRoot)(tenant.nextcloudUrl), remembered);
    const mailbox = user.mailbox ?? user.email;
    if (!mailbox) throw new UserSetupError('The user has no mailbox or email address; set one when enrolling.');
    for (const kind of kinds) {
      if (request.signal?.aborted) break;
      const started = performance.now();
      const before = { ...sent };
      const sentSince = (): RunRequests => ({
        exchange: sent.exchange - before.exchange,
        nextcloud: sent.nextcloud - before.nextcloud,
      });
      // Once the engine has the pair, it owns the run's record (finished however the run ends); before that,
      // a failure gets a record of its own here, so every failed sync shows once in the history.
      let engineOwnsRun = false;
      let pair: string | undefined;
      try {
        const exchange = await (deps.exchangeStores ?? defaultExchangeStores)({
          connection,
          mailbox,
          kind,
          onRequest: countExchange,
          ...knownExchange(remembered, kind.itemKind),
        });
        const dav = await davSide.store(kind, request.signal);
        const ids = {
          userId: user.id,
          kind: kind.itemKind,
          aCollectionId: exchange.collectionId,
          bCollectionId: dav.url,
        };
        // The pair remembered for these very collections: no move to follow (a move leaves the newest pair on
        // other Exchange ids), no pair to create — two queries a quiet user's sync does without.
        const known = remembered.find(
          (p) => p.kind === kind.itemKind && p.aCollectionId === ids.aCollectionId && p.bCollectionId === dav.url,
        );
        const moved = known
          ? undefined
          : await followExchangeMove(deps, {
              ...ids,
              ...(exchange.identities ? { identities: exchange.identities } : {}),
              ...(request.signal ? { signal: request.signal } : {}),
            });
        if (moved) log.info({ kind: kind.name, ...moved }, 'pair followed the Exchange connection to its new ids');
        pair = known?.id ?? (await findOrCreatePair(deps.db, ids));
        const pairId = pair;
        const window = windowFor(settings, now);
        let stores: { a: CollectionStore; b: CollectionStore } = { a: exchange.store, b: dav };
        if (known && !known.lastRunFailed && !known.lastRunRunning && !request.resync) {
          // Most syncs find nothing: the engine's quiet check reads both deltas first, and a pair with nothing to
          // do is recorded with the others at the end, without a lock, status rows or a run to start and finish.
          // Its stored state and held deletions came with the sync's context (the same query as `lastRunFailed`).
          const answer = await quietCheck({
            stores,
            state: known.state,
            held: known.held,
            window,
            now,
            ...signalOf(request),
          });
          if (answer?.quiet) {
            if (deps.push && exchange.watch) await watchFolder(deps.push, user, exchange.watch, log, kind.name);
            quiet.push({
              pairId,
              startedAt: new Date(Date.now() - (performance.now() - started)),
              requests: sentSince(),
            });
            const report = quietReport();
            log.info({ kind: kind.name, outcome: report.outcome, counts: report.counts }, 'pair synced');
            deps.metrics?.pairRun(kind.name, report, (performance.now() - started) / 1000);
            results.push({ report });
            continue;
          }
          if (answer) stores = answer.stores;
        }
        const progress = createProgressReporter({
          record: (p) => repos.syncRuns.recordProgress(pairId, p),
          log: log.child({ kind: kind.name }),
        });
        engineOwnsRun = true;
        const report = await syncPair(
          { ...stores, status: deps.status, lock: deps.lock },
          {
            onProgress: progress.onProgress,
            pair,
            policy: policyFor(settings, kind.name),
            window,
            writeConcurrency: deps.writeConcurrency ?? DEFAULT_WRITE_CONCURRENCY,
            ...(request.resync || moved ? { reconcile: true } : {}),
            ...(request.signal ? { signal: request.signal } : {}),
            syncId,
          },
        );
        await progress.flush();
        log.info({ kind: kind.name, outcome: report.outcome, counts: report.counts }, 'pair synced');
        // Portable UIDs for Outlook's items: looked for when the run linked or changed something, or reconciled
        // (an adoption that failed is tried again then); a run that saw nothing change has nothing new to adopt.
        const touched = report.plan.length > 0 || report.modes.a === 'reconcile' || report.modes.b === 'reconcile';
        if (touched && (report.outcome === 'success' || report.outcome === 'partial')) {
          const adopted = await adoptPortableUids(deps.db, pairId, exchange.identities, request.signal);
          if (adopted > 0) log.info({ kind: kind.name, adopted }, 'Outlook items given a portable UID');
        }
        if ((report.outcome === 'success' || report.outcome === 'partial') && deps.push && exchange.watch) {
          await watchFolder(deps.push, user, exchange.watch, log, kind.name);
        }
        // After the portable UIDs and the change-notification subscription: their requests belong to this run.
        await repos.syncRuns.recordRequests(pairId, syncId, sentSince());
        deps.metrics?.pairRun(kind.name, report, (performance.now() - started) / 1000);
        const result: PairResult = report.outcome === 'auth-failed' ? { report, authSide: authSide() } : { report };
        results.push(result);
        if (report.outcome === 'auth-failed') break; // no further request with refused credentials
      } catch (error) {
        if (engineOwnsRun && pair) await recordRequestsQuietly(deps, pair, syncId, sentSince(), log);
        results.push(await failed(deps, user, error, authSide(), engineOwnsRun ? undefined : syncId, sentSince()));
        deps.metrics?.pairFailed(kind.name, error, (performance.now() - started) / 1000);
        logFailure(log.child({ kind: kind.name }), error, 'pair sync failed');
        if (error instanceof AuthError) break;
      }
    }
  } catch (error) {
    results.push(await failed(deps, user, error, authSide(), syncId, { ...sent }));
    // Before any pair (the Exchange connection, the mailbox): counted under the kind `none`.
    deps.metrics?.pairFailed('none', error, 0);
    logFailure(log, error, 'user sync could not start');
  }
  return finishSync(deps, user, results, { syncId, runs: quiet });
}

/**
 * The engine's quiet check of a pair, from its stored state. Undefined when the check itself failed: the engine's
 * run then meets the same failure and records it as it records any (a refused login, a server that is down).
 */
async function quietCheck(input: {
  stores: { a: CollectionStore; b: CollectionStore };
  state: PairState;
  held: number;
  window: SyncWindow;
  now: Date;
  signal?: AbortSignal;
}): Promise<QuietAnswer | undefined> {
  try {
    const { stores, ...rest } = input;
    return await checkQuiet({ ...stores, ...rest });
  } catch {
    return undefined;
  }
}

const signalOf = (request: UserSyncRequest) => (request.signal ? { signal: request.signal } : {});

/** The Exchange collection a kind's pair remembers, unless its last run failed (then it is looked up again). */
function knownExchange(remembered: readonly RememberedPair[], kind: ItemKind): { knownCollectionId?: string } {
  const pair = remembered.find((p) => p.kind === kind);
  return pair && !pair.lastRunFailed ? { knownCollectionId: pair.aCollectionId } : {};
}

/** Folds the pairs' results into the user's state and records the sync, with the runs of its quiet pairs. */
async function finishSync(
  deps: UserSyncDeps,
  user: User,
  results: PairResult[],
  quiet?: QuietRuns,
): Promise<UserSyncResult> {
  const verdict = verdictOf(results);
  // Only a sync in which every pair ran to success moves lastSyncAt; any other attempt is still an attempt.
  const succeeded = results.length > 0 && results.every((r) => 'report' in r && r.report.outcome === 'success');
  await deps.repos.users.recordSync(
    user.id,
    {
      state: verdict.state,
      code: verdict.code,
      reason: verdict.reason,
      succeeded,
    },
    quiet,
  );
  return { verdict, results };
}

/** A subscription that cannot be made only costs latency (polling goes on): logged, never a failed sync. */
async function watchFolder(push: GraphPush, user: User, watch: GraphWatch, log: Logger, kind: string): Promise<void> {
  try {
    const done = await push.ensure(user, watch);
    if (done !== 'current') log.info({ kind, resource: watch.resource }, `Graph change notifications ${done}`);
  } catch (error) {
    log.warn(
      { kind, err: describeError(error) },
      'Graph change notifications not set up; polling only for this folder',
    );
  }
}

/** The user's details are not enough to sync; the message says what to fix. */
export class UserSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserSetupError';
  }
}

function openAppPassword(deps: UserSyncDeps, user: User, sealed: Sealed | null): string {
  if (!sealed) throw new UserSetupError('The user has no app password.');
  return deps.vault.open(sealed, secretContext.appPassword(user.tenantId, user.ncUserId));
}

export async function openConnection(
  deps: Pick<UserSyncDeps, 'repos' | 'vault'>,
  tenant: Pick<Tenant, 'id'>,
): Promise<OpenedConnection> {
  const connection = await deps.repos.exchangeConnections.get(tenant.id);
  const secrets = await deps.repos.exchangeConnections.getSecrets(tenant.id);
  return openStoredConnection(deps.vault, tenant.id, connection && secrets ? { connection, secrets } : null);
}

/** The tenant's connection with its secrets opened; a tenant without one cannot sync. */
function openStoredConnection(
  vault: Vault,
  tenantId: string,
  stored: { connection: ExchangeConnection; secrets: ExchangeConnectionSecrets } | null,
): OpenedConnection {
  if (!stored) {
    throw new UserSetupError('The tenant has no Exchange connection; configure it with PUT /v1/exchange-connection.');
  }
  const { connection, secrets } = stored;
  return {
    connection,
    secret: secrets.secret ? vault.open(secrets.secret, secretContext.exchange(tenantId, 'secret')) : null,
    certificate: secrets.certificate
      ? vault.open(secrets.certificate, secretContext.exchange(tenantId, 'certificate'))
      : null,
  };
}

/**
 * A peer's or a setting's fault is a warning with its message; anything else (a bug, our own database) is an
 * error logged with its stack.
 */
function logFailure(log: Logger, error: unknown, what: string): void {
  if (
    isStoreError(error) ||
    error instanceof UserSetupError ||
    error instanceof ExchangeSetupError ||
    error instanceof DavSetupError
  ) {
    log.warn({ err: describeError(error) }, what);
  } else {
    log.error({ err: error }, `${what}: unexpected error`);
  }
}

/**
 * The requests of a run that ended in an error: best effort, so a database that is failing does not hide the
 * error that ended the run (the run itself is already recorded by the engine).
 */
async function recordRequestsQuietly(
  deps: UserSyncDeps,
  pair: string,
  syncId: string,
  requests: RunRequests,
  log: Logger,
): Promise<void> {
  try {
    await deps.repos.syncRuns.recordRequests(pair, syncId, requests);
  } catch (error) {
    log.warn({ err: describeError(error) }, 'requests of a failed run not recorded');
  }
}

/** A run that failed before or outside the engine still shows in the user's run history. */
async function failed(
  deps: UserSyncDeps,
  user: User,
  error: unknown,
  authSide: 'nextcloud' | 'exchange',
  /** The sync to record the failure under; undefined when the engine already recorded the run. */
  recordAs: string | undefined,
  requests?: RunRequests,
) {
  if (recordAs) await deps.repos.syncRuns.recordFailure(user.id, describeError(error), recordAs, requests);
  return { error, ...(error instanceof AuthError ? { authSide } : {}) } satisfies PairResult;
}
