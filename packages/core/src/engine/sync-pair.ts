import type { PimItem } from '../model/item';
import type { SyncWindow } from '../model/temporal';
import type { CollectionStore } from '../ports/collection-store';
import { type AuthCause, AuthError, isStoreError, RetryableError } from '../ports/errors';
import type { ExecContext, ExecOutcome } from './executor';
import { executePlan, pendingKey, RunAbort } from './executor';
import { guardDeletions } from './guard';
import type { SideRead } from './observe';
import { readSide } from './observe';
import { PageWrites } from './page-writes';
import type { ItemPlan } from './plan-types';
import { groupObservations, planGroups } from './planner';
import type { SyncPolicy } from './policy';
import { carryOutDecision } from './quarantine';
import type {
  ItemError,
  PairLock,
  PlanSummary,
  RunCounts,
  RunRecord,
  StatusStore,
  StoredQuarantine,
} from './status-store';
import { ITEM_ERRORS_KEPT, summarize } from './status-store';
import type { PairState, Side, StatusRow } from './types';

export interface SyncDeps {
  readonly a: CollectionStore;
  readonly b: CollectionStore;
  readonly status: StatusStore;
  readonly lock: PairLock;
}

export interface SyncOptions {
  /** The collection pair's id in the status store. */
  readonly pair: string;
  readonly policy: SyncPolicy;
  readonly window: SyncWindow;
  /** Plan only: store and return the plan, write nothing (not even tokens). */
  readonly dryRun?: boolean;
  /** List both windows instead of reading deltas (the scheduler's periodic reconcile). */
  readonly reconcile?: boolean;
  /** A reconcile runs when the last one is older than this. Default 6 h. */
  readonly reconcileEveryMs?: number;
  readonly now?: () => Date;
  readonly signal?: AbortSignal;
  /** Stored with the run record: the caller's id of the sync this pair's run is part of. */
  readonly syncId?: string;
  /**
   * Told as the run goes: the phase and how much of it is done. Called often (every listed item, every fetched
   * batch, every item written) and synchronously: the caller throttles anything costly, and must not throw.
   */
  readonly onProgress?: (progress: RunProgress) => void;
  /**
   * Items of a page written at once (default 1: one after another). Each remote write waits a round trip on the
   * peer; with several in flight the run's own work overlaps the peer's, so the run's wall approaches the time the
   * peer needs for the writes. Items are independent (their plans are made before any write); a store that cannot
   * take concurrent calls serialises them itself (the EWS session does), and a per-host cap belongs to the store's
   * transport (DavTransport's `maxPerHost`).
   */
  readonly writeConcurrency?: number;
}

/**
 * Where a run is: `listing` what changed on `side` (`planned` unknown until the listing ends), `fetching` the
 * changed items of `side`, or `writing` the planned changes (`done` of `planned` items).
 */
export interface RunProgress {
  readonly phase: 'listing' | 'fetching' | 'writing';
  readonly side?: Side;
  readonly done: number;
  readonly planned: number | null;
}

export type RunOutcomeKind =
  | 'success'
  /** Some items failed and are parked for the next run. */
  | 'partial'
  /** Another run holds the pair. Nothing was done. */
  | 'locked'
  | 'dry-run'
  /** Credentials refused: no further request was sent; the user needs new credentials. */
  | 'auth-failed'
  /** The peer asked us to back off; run again after `retryAfterMs`. */
  | 'throttled'
  /** A store could not be read (down, timing out, or the run was cancelled): nothing was decided; run again later. */
  | 'unavailable';

export interface RunReport {
  readonly outcome: RunOutcomeKind;
  readonly counts: RunCounts;
  readonly plan: readonly PlanSummary[];
  readonly needsReview: boolean;
  readonly modes: Readonly<Record<Side, SideRead['mode']>>;
  readonly parked: Readonly<Record<Side, readonly string[]>>;
  readonly retryAfterMs?: number;
  /** For `auth-failed`: what exactly was refused (credentials, a missing mailbox, access to the mailbox). */
  readonly refused?: AuthCause;
  readonly errors: readonly string[];
}

/** How old the last full reconcile of a pair may get before a run reconciles again (the default of `reconcileEveryMs`). */
export const RECONCILE_EVERY_MS = 6 * 3600_000;
/** Items whose status rows are committed together. */
const PAGE = 100;

/**
 * One run of one pair under its lock: read both sides (deltas, or a windowed reconcile), plan, hold back mass
 * deletions, execute item by item, then advance each token — only now that every change it covers is committed or
 * parked for retry.
 */
export async function syncPair(deps: SyncDeps, options: SyncOptions): Promise<RunReport> {
  const release = await deps.lock.tryAcquire(options.pair);
  const empty = { a: [], b: [] };
  if (!release) {
    return {
      outcome: 'locked',
      counts: {},
      plan: [],
      needsReview: false,
      modes: { a: 'delta', b: 'delta' },
      parked: empty,
      errors: [],
    };
  }
  // A lock that ends by itself (its database connection was terminated) stops the run like a cancel, but as a
  // failure: another run may hold the pair by now.
  const lost = release.lost;
  const signal = lost && options.signal ? AbortSignal.any([options.signal, lost]) : (lost ?? options.signal);
  const stopped = (): StopRecord | undefined =>
    lost?.aborted
      ? { outcome: 'failed', error: `The pair lock was lost: ${describe(lost.reason)}` }
      : options.signal?.aborted
        ? { outcome: 'cancelled', error: 'The run was cancelled: the worker stopped.' }
        : undefined;
  try {
    return await run(deps, { ...options, ...(signal ? { signal } : {}) }, stopped);
  } finally {
    await release();
  }
}

/** Why a run was stopped from outside (cancelled, or its lock lost), as its record says it. */
interface StopRecord {
  readonly outcome: 'failed' | 'cancelled';
  readonly error: string;
}

/** Finishes the run's record; a second call is ignored, so every run is finished exactly once. */
type FinishRun = (record: RunRecord) => Promise<void>;

async function run(deps: SyncDeps, options: SyncOptions, stopped: () => StopRecord | undefined): Promise<RunReport> {
  const runId = await deps.status.startRun(options.pair, {
    dryRun: options.dryRun === true,
    ...(options.syncId !== undefined ? { syncId: options.syncId } : {}),
  });
  let finished = false;
  const finish: FinishRun = async (record) => {
    if (finished) return;
    finished = true;
    await deps.status.finishRun(runId, record);
  };
  try {
    return await runLocked(deps, options, finish, stopped);
  } catch (error) {
    const stop = stopped();
    if (stop) {
      // Cancelled (the worker is stopping) or the lock lost — first, whatever error the abort surfaced as (a
      // store reports an aborted request as retryable): nothing more is decided; the job runs again.
      await finish({ ...stop, counts: {} });
      return aborted(new RunAbort('unavailable', error), {}, [], false, { a: 'delta', b: 'delta' }, noParked(), [
        stop.error,
      ]);
    }
    // Refused credentials or a peer that is down while reading: stop, record why, move no token.
    if (error instanceof AuthError || error instanceof RetryableError) {
      const abort =
        error instanceof AuthError
          ? new RunAbort('auth', error)
          : error.retryAfterMs !== undefined && error.retryAfterMs > 0
            ? new RunAbort('throttled', error, error.retryAfterMs)
            : new RunAbort('unavailable', error);
      await finish({ outcome: 'failed', counts: {}, error: describe(error) });
      return aborted(abort, {}, [], false, { a: 'delta', b: 'delta' }, noParked(), [describe(error)]);
    }
    // Anything else (a programming error, a status store that failed) stops the run loudly: the record says
    // why, and the caller sees the error itself.
    await finish({ outcome: 'failed', counts: {}, error: describe(error) }).catch(() => {});
    throw error;
  }
}

const noParked = (): Record<Side, Set<string>> => ({ a: new Set(), b: new Set() });

function aborted(
  error: RunAbort,
  counts: RunCounts,
  plan: readonly PlanSummary[],
  needsReview: boolean,
  modes: Record<Side, SideRead['mode']>,
  parked: Record<Side, Set<string>>,
  errors: readonly string[],
): RunReport {
  return {
    outcome: error.reason === 'auth' ? 'auth-failed' : error.reason,
    counts,
    plan,
    needsReview,
    modes,
    parked: { a: [...parked.a], b: [...parked.b] },
    ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
    ...(error.cause instanceof AuthError ? { refused: error.cause.refused } : {}),
    errors,
  };
}

async function runLocked(
  deps: SyncDeps,
  options: SyncOptions,
  finish: FinishRun,
  stopped: () => StopRecord | undefined,
): Promise<RunReport> {
  const { pair, window, status, signal } = { ...options, status: deps.status };
  const policy = effectivePolicy(options.policy, deps);
  const now = (options.now ?? (() => new Date()))();
  // Held deletions a person decided since the last run are carried out first, under this run's lock.
  const held = options.dryRun ? [] : await deps.status.quarantined(pair);
  const decided = options.dryRun ? [] : await carryOutDecisions(deps, pair, held, signal);
  const state = await status.pairState(pair);
  // Loaded once, and only when a side reports a change or the run reconciles: planning nothing needs no rows.
  let loading: Promise<readonly StatusRow[]> | undefined;
  const loadRows = () => {
    loading ??= status.rows(pair);
    return loading;
  };
  const windowMoved =
    state.window !== undefined &&
    // Compared as instants: a database hands back `…00.000Z` for `…00Z`.
    (Date.parse(state.window.start) !== Date.parse(window.start) ||
      Date.parse(state.window.end) !== Date.parse(window.end));
  const stale =
    state.lastFullSyncAt === undefined ||
    now.getTime() - Date.parse(state.lastFullSyncAt) >= (options.reconcileEveryMs ?? RECONCILE_EVERY_MS);
  const reconcile = options.reconcile === true || windowMoved || stale;

  const read = async (side: Side) =>
    readSide({
      side,
      store: deps[side],
      rows: loadRows,
      token: state.tokens[side],
      retry: state.retry[side],
      window,
      reconcile,
      ...(signal ? { signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
  const reads = { a: await read('a'), b: await read('b') };
  const observed = reads.a.observations.size + reads.b.observations.size > 0;
  // A restored held deletion is a row that lost its deleted side and waits to be written back there: planned like
  // any row, though neither side reported a change.
  const restored = held.some((q) => q.decision === 'restore');
  const rows: readonly StatusRow[] =
    observed || restored || reads.a.mode === 'reconcile' || reads.b.mode === 'reconcile' ? await loadRows() : [];
  const groups = groupObservations(rows, reads.a.observations, reads.b.observations);
  const planned = planGroups(rows, groups, policy, { a: deps.a.caps.holds, b: deps.b.caps.holds });
  const emptied = new Set((['a', 'b'] as const).filter((s) => reads[s].emptied));
  const guarded = guardDeletions(
    planned.map((p) => p.plan),
    { itemCount: rows.length, emptied },
    policy,
  );
  const plan = guarded.plans.filter((p) => p.writes.length > 0 || p.conflict || p.quarantine.length > 0);
  const summary = plan.map(summarize);
  const modes = { a: reads.a.mode, b: reads.b.mode };
  const errors = [
    ...decided,
    ...[...reads.a.unreadable, ...reads.b.unreadable].map((u) => `unreadable item ${u.href}: ${u.reason}`),
  ];
  // The same failures item by item, for the run record (bounded: the counts still count every failed write).
  const itemErrors: ItemError[] = (['a', 'b'] as const).flatMap((side) =>
    reads[side].unreadable.map((u) => ({ item: u.href, href: u.href, side, reason: u.reason })),
  );
  const kept = () => (itemErrors.length > 0 ? { itemErrors: itemErrors.slice(0, ITEM_ERRORS_KEPT) } : {});

  if (options.dryRun) {
    await finish({ outcome: 'success', counts: {}, plan: summary });
    return {
      outcome: 'dry-run',
      counts: {},
      plan: summary,
      needsReview: guarded.needsReview,
      modes,
      parked: { a: [], b: [] },
      errors,
    };
  }

  const counts: RunCounts = {};
  const created: Record<Side, Set<string>> = { a: new Set(), b: new Set() };
  // The rows of a page of items are committed together (one transaction per page, not one or two per item).
  const page = new PageWrites(status, pair);
  const prepared = new Set<string>();
  const unstarted = new Map<string, ItemPlan>();
  const ctx: ExecContext = {
    pair,
    stores: { a: deps.a, b: deps.b },
    status: page.store(),
    policy,
    counts,
    created,
    durable: () => page.flush(),
    prepared,
    ...(signal ? { signal } : {}),
  };
  const parked: Record<Side, Set<string>> = { a: new Set(), b: new Set() };
  // Items with something to do, as `writing` counts them (the rest pass without a write).
  const toWrite = plan.length;
  let written = 0;
  options.onProgress?.({ phase: 'writing', done: 0, planned: toWrite });
  let failedItems = 0;
  const concurrency = Math.max(1, Math.floor(options.writeConcurrency ?? 1));
  try {
    for (let start = 0; start < planned.length; start += PAGE) {
      const end = Math.min(planned.length, start + PAGE);
      unstarted.clear();
      // The pending rows of the page's creates go out with the previous page's rows, before any of those creates.
      for (let i = start; i < end; i++) {
        const item = guarded.plans[i]!;
        const first = item.writes[0];
        if (item.copy || first?.type !== 'create') continue;
        await page.gather(async (tx) => tx.put({ ...item.next, ident: item.ident, pendingCreate: first.side }));
        prepared.add(pendingKey(item.ident, first.side));
        unstarted.set(pendingKey(item.ident, first.side), item);
      }
      await page.flush();
      await inPool(start, end, concurrency, async (i) => {
        // Stopped from outside: no further write (a lost lock means another run may be writing this pair now).
        if (signal?.aborted) throw new RunAbort('unavailable', signal.reason);
        const { group } = planned[i]!;
        const item = guarded.plans[i]!;
        const busy = item.writes.length > 0 || item.conflict !== undefined || item.quarantine.length > 0;
        const outcome = await executePlan(group, item, ctx);
        if (busy) options.onProgress?.({ phase: 'writing', done: ++written, planned: toWrite });
        if (!outcome.ok) {
          failedItems += 1;
          if (outcome.parked.a) parked.a.add(outcome.parked.a);
          if (outcome.parked.b) parked.b.add(outcome.parked.b);
          errors.push(`${item.ident}: ${describe(outcome.error)}`);
          if (itemErrors.length < ITEM_ERRORS_KEPT) itemErrors.push(itemError(item, outcome));
        }
      });
    }
    await page.flush();
  } catch (error) {
    // What was written remotely before the stop keeps its rows; the creates the stop came before lose the pending
    // rows written for them (nothing was started); a store that cannot take this fails like a crash.
    for (const [key, item] of unstarted) {
      if (!prepared.has(key)) continue;
      await page.gather(async (tx) => (item.old ? tx.put(item.old) : tx.drop(item.ident)));
    }
    await page.flush().catch(() => {});
    const stop = stopped();
    if (!(error instanceof RunAbort) && !stop) {
      await finish({ outcome: 'failed', counts, error: describe(error), plan: summary, ...kept() });
      throw error;
    }
    const abort = error instanceof RunAbort ? error : new RunAbort('unavailable', error);
    await finish({
      outcome: stop?.outcome ?? 'failed',
      counts,
      error: stop?.error ?? abort.message,
      plan: summary,
      ...kept(),
    });
    return aborted(abort, counts, summary, guarded.needsReview, modes, parked, [
      ...errors,
      stop?.error ?? abort.message,
    ]);
  }

  const fullSync = reads.a.mode === 'reconcile' && reads.b.mode === 'reconcile';
  const next: Partial<PairState> = {
    tokens: { a: reads.a.nextToken, b: reads.b.nextToken },
    // What this run created is looked at once more next run (see ExecContext.created), with what it parked.
    retry: { a: [...new Set([...parked.a, ...created.a])], b: [...new Set([...parked.b, ...created.b])] },
    window,
    ...(fullSync ? { lastFullSyncAt: now.toISOString() } : {}),
    ...(guarded.needsReview ? { needsReview: true } : {}),
  };
  // A run in which nothing moved (same tokens, nothing to retry, same window) has nothing to store.
  if (!unchangedState(state, next, windowMoved)) await status.transaction(pair, (tx) => tx.setPairState(next));
  const partial = failedItems > 0;
  // Deletions held in earlier runs and not yet decided keep the pair in review: the next run neither forgets nor
  // re-asks them (the quarantine is idempotent per item and side). None held before, none decided and none
  // held now: the list read at the start still holds, no second read.
  const heldNow = plan.some((p) => p.quarantine.length > 0);
  const needsReview =
    guarded.needsReview || (held.length === 0 && !heldNow ? false : (await status.quarantined(pair)).length > 0);
  await finish({
    outcome: partial ? 'partial' : 'success',
    counts,
    plan: summary,
    ...(errors.length > 0 ? { error: errors.join('; ') } : {}),
    ...kept(),
  });
  return {
    outcome: partial ? 'partial' : 'success',
    counts,
    plan: summary,
    needsReview,
    modes,
    parked: { a: [...parked.a], b: [...parked.b] },
    errors,
  };
}

/**
 * Runs `work` for the indexes start..end-1 with at most `limit` at once, in index order of starting. After a
 * failure no further index starts and the ones in flight are waited for, then the first failure is thrown: the
 * caller's clean-up (pending rows of creates never started) must not race a write still under way.
 */
async function inPool(start: number, end: number, limit: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = start;
  let failure: { error: unknown } | undefined;
  const lane = async () => {
    while (next < end && !failure) {
      const i = next++;
      try {
        await work(i);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, end - start) }, lane));
  if (failure) throw failure.error;
}

/** True when storing `next` would change nothing in `state`: the pair state write is skipped. */
function unchangedState(state: PairState, next: Partial<PairState>, windowMoved: boolean): boolean {
  return (
    state.window !== undefined &&
    !windowMoved &&
    next.lastFullSyncAt === undefined &&
    next.needsReview === undefined &&
    next.tokens?.a === state.tokens.a &&
    next.tokens?.b === state.tokens.b &&
    state.retry.a.length === 0 &&
    state.retry.b.length === 0 &&
    next.retry?.a.length === 0 &&
    next.retry?.b.length === 0
  );
}

/** Carries out every decided held deletion; returns what could not be done as the person asked, in words. */
async function carryOutDecisions(
  deps: SyncDeps,
  pair: string,
  held: readonly StoredQuarantine[],
  signal?: AbortSignal,
): Promise<string[]> {
  const notes: string[] = [];
  for (const q of held) {
    if (!q.decision) continue;
    const result = await carryOutDecision(deps, pair, q, q.decision, signal);
    if (result === 'changed-since') {
      notes.push(`${q.ident}: the held deletion was not applied: the item was edited since, and the edit wins`);
    }
  }
  return notes;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** A store that cannot be written is a read-only side whatever the configured direction says. */
export function effectivePolicy(
  policy: SyncPolicy,
  stores: { readonly a: CollectionStore; readonly b: CollectionStore },
): SyncPolicy {
  const ro = (['a', 'b'] as const).filter((s) => stores[s].caps.readOnly);
  if (ro.length === 0) return policy;
  if (ro.length === 2) throw new Error('Both collections of the pair are read-only: there is nothing to sync into.');
  const from = ro[0]!; // what cannot be written can only be the source
  if (policy.direction.type === 'one-way' && policy.direction.from === from) return policy;
  return { ...policy, direction: { type: 'one-way', from, readOnlyEdits: 'ignore' } };
}

/** What a person recognises an item by: an event's or task's summary, a contact's or group's name. */
function titleOf(item: PimItem | undefined): string | undefined {
  switch (item?.kind) {
    case 'event':
    case 'task':
      return item.summary;
    case 'contact':
      return item.formattedName;
    case 'group':
      return item.name;
    default:
      return undefined;
  }
}

/** A failed item as the run record lists it: its title (or href, or ident), where it came from, the side, why. */
function itemError(plan: ItemPlan, outcome: Extract<ExecOutcome, { ok: false }>): ItemError {
  const written = plan.writes.find((w) => w.type !== 'delete');
  const title =
    titleOf(written && 'item' in written ? written.item : undefined) ?? titleOf(plan.next?.base ?? plan.old?.base);
  const side = outcome.side;
  const href =
    plan.sources.a ?? plan.sources.b ?? (side ? (plan.old?.[side]?.href ?? plan.next?.[side]?.href) : undefined);
  return {
    item: title?.trim() || href || plan.ident,
    ident: plan.ident,
    ...(href ? { href } : {}),
    ...(side ? { side } : {}),
    reason: describe(outcome.error),
    ...(isStoreError(outcome.error) ? { code: outcome.error.code } : {}),
  };
}
