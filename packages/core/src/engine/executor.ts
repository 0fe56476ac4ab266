import type { CollectionStore, WriteResult } from '../ports/collection-store';
import {
  AuthError,
  isStoreError,
  NotFoundError,
  PreconditionFailedError,
  RejectedError,
  RetryableError,
} from '../ports/errors';
import { sameValue } from './canonical';
import { readOne } from './observe';
import type { ItemPlan, Write } from './plan-types';
import type { ItemGroup } from './planner';
import { planItem, statusOf } from './planner';
import type { SyncPolicy } from './policy';
import type { RunCounts, StatusStore } from './status-store';
import type { Side, SideStatus, StatusRow } from './types';

/** Stops the whole run: credentials refused, or the peer asked us to back off. */
export class RunAbort extends Error {
  constructor(
    readonly reason: 'auth' | 'throttled' | 'unavailable',
    override readonly cause: unknown,
    readonly retryAfterMs?: number,
  ) {
    super(
      reason === 'auth'
        ? 'Credentials were refused; the run stopped'
        : reason === 'throttled'
          ? 'The peer is throttling; the run stopped'
          : 'A store could not be read; the run stopped',
    );
    this.name = 'RunAbort';
  }
}

export interface ExecContext {
  readonly pair: string;
  readonly stores: Readonly<Record<Side, CollectionStore>>;
  readonly status: StatusStore;
  readonly policy: SyncPolicy;
  readonly signal?: AbortSignal;
  readonly counts: RunCounts;
  /**
   * Hrefs this run created, per side. The run's delta token was read before its own writes, and a side may report
   * nothing for an item created and deleted since a token (Exchange's sync state does): the next run fetches these
   * once, so a copy deleted before it still has its deletion carried over.
   */
  readonly created?: Record<Side, Set<string>>;
  /**
   * Makes every status write so far durable (`PageWrites.flush`) before a remote create relies on its pending row.
   * Left out, `status` commits each transaction itself.
   */
  readonly durable?: () => Promise<void>;
  /**
   * Creates whose pending row (`pendingKey`) the caller already made durable with the page's other rows: the
   * executor does not write it again. Each key is used once.
   */
  readonly prepared?: Set<string>;
}

/** The key of a create's pending row in `ExecContext.prepared`. */
export const pendingKey = (ident: string, side: Side): string => `${side}:${ident}`;

export type ExecOutcome =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly parked: { readonly a?: string; readonly b?: string };
      readonly error: unknown;
      /** The side whose write failed. */
      readonly side?: Side;
    };

/**
 * Runs one item's plan. Each remote write is followed by its row, so what we wrote is known (its echo is then a
 * no-op); a failure puts the item's old row back and parks its hrefs for the next run. A lost race (precondition
 * failed, or the target vanished) is re-read and re-planned once, at once.
 */
export async function executePlan(
  group: ItemGroup,
  plan: ItemPlan,
  ctx: ExecContext,
  attempt = 0,
): Promise<ExecOutcome> {
  if (plan.copy) {
    const copied = await executePlan({ ident: plan.copy.ident }, plan.copy, ctx, 1);
    // Without its copy the losing version would be overwritten: leave the whole conflict for the next run.
    if (!copied.ok) return { ...copied, parked: plan.sources };
  }
  if (plan.writes.length === 0 && !plan.conflict && plan.quarantine.length === 0 && sameValue(plan.next, plan.old)) {
    return { ok: true }; // an echo or a listing of what we already know: nothing to store
  }
  let row: StatusRow | undefined = plan.next;
  for (const [index, write] of plan.writes.entries()) {
    try {
      row = await applyWrite(write, row, plan, ctx);
      count(ctx.counts, write.side === 'b' ? 'a_to_b' : 'b_to_a', write.type);
    } catch (error) {
      // Only a store's typed failure belongs to this one item; anything else is a bug that stops the run.
      if (!isStoreError(error)) {
        await rollback(plan, ctx);
        throw error;
      }
      if (error instanceof AuthError) {
        await rollback(plan, ctx);
        throw new RunAbort('auth', error);
      }
      const lostRace =
        error instanceof PreconditionFailedError || (error instanceof NotFoundError && write.type === 'update');
      if (lostRace && index === 0 && attempt === 0) {
        const side = write.side;
        const href = plan.next?.[side]?.href ?? plan.old?.[side]?.href;
        const fresh = href ? await readOne(ctx.stores[side], href, ctx.signal).catch(() => undefined) : undefined;
        if (fresh) {
          const regroup: ItemGroup = { ...group, [side]: fresh };
          const holds = { a: ctx.stores.a.caps.holds, b: ctx.stores.b.caps.holds };
          return executePlan(regroup, planItem(regroup, ctx.policy, holds), ctx, 1);
        }
      }
      // A create that failed retryably may have landed (saved, then a 5xx or a reset): its pending row stays, so
      // the next run takes an object with our marker for our own create, never for a new item of the user's.
      if (!(write.type === 'create' && error instanceof RetryableError)) await rollback(plan, ctx);
      count(ctx.counts, 'failed', write.type);
      if (error instanceof RetryableError && error.retryAfterMs !== undefined && error.retryAfterMs > 0) {
        throw new RunAbort('throttled', error, error.retryAfterMs);
      }
      // A side that refuses this content for good (unsupported, too large, read-only, forbidden) would refuse it on
      // every run: it is not parked for retry, only reported; the item is tried again when it changes.
      return { ok: false, parked: refusedForGood(error) ? {} : plan.sources, error, side: write.side };
    }
  }
  await ctx.status.transaction(ctx.pair, async (tx) => {
    if (row && (row.a || row.b || row.pendingCreate)) await tx.put(row);
    else await tx.drop(plan.ident);
    if (plan.conflict) await tx.recordConflict(plan.conflict);
    for (const q of plan.quarantine) await tx.quarantine(q);
  });
  if (plan.conflict) count(ctx.counts, 'conflict', plan.conflict.policy);
  if (plan.quarantine.length > 0) count(ctx.counts, 'quarantine', 'delete', plan.quarantine.length);
  return { ok: true };
}

async function applyWrite(write: Write, row: StatusRow | undefined, plan: ItemPlan, ctx: ExecContext) {
  const store = ctx.stores[write.side];
  const current = { ident: plan.ident, ...row } as StatusRow;
  switch (write.type) {
    case 'create': {
      // The row (and so the marker) exists before the item does: a crash in between is re-linked, not duplicated.
      const pending: StatusRow = { ...current, pendingCreate: write.side };
      if (!ctx.prepared?.delete(pendingKey(plan.ident, write.side))) {
        await ctx.status.transaction(ctx.pair, (tx) => tx.put(pending));
        await ctx.durable?.();
      }
      const result = await store.create(write.item, { marker: plan.ident }, ctx.signal);
      const { pendingCreate: _, ...rest } = pending;
      const side = await written(store, result, ctx.signal);
      ctx.created?.[write.side].add(side.href);
      return { ...rest, [write.side]: side };
    }
    case 'update': {
      const base = current[write.side];
      if (!base) throw new Error(`No ${write.side} side to update for ${plan.ident}`);
      const result = await store.update(
        { ref: { href: base.href, version: base.version }, raw: base.raw },
        write.item,
        ctx.signal,
      );
      return { ...current, [write.side]: await written(store, result, ctx.signal) };
    }
    case 'delete': {
      const base = current[write.side];
      if (base) {
        try {
          await store.remove({ href: base.href, version: base.version }, ctx.signal);
        } catch (error) {
          if (!(error instanceof NotFoundError)) throw error;
          // Already gone is what we wanted, but only a direct read proves it (proxies answer 404 too).
          const seen = await readOne(store, base.href, ctx.signal);
          if (seen.type !== 'gone') throw new PreconditionFailedError(`${base.href} answered 404 but still exists`);
        }
      }
      const rest: { -readonly [K in keyof StatusRow]: StatusRow[K] } = { ...current };
      delete rest[write.side];
      return rest.a || rest.b ? rest : undefined;
    }
  }
}

/** The side's state after our write, so the echo in its next delta matches and is a no-op. */
async function written(store: CollectionStore, result: WriteResult, signal?: AbortSignal): Promise<SideStatus> {
  if (result.stored) return statusOf(result.stored);
  try {
    const seen = await readOne(store, result.ref.href, signal);
    if (seen.type === 'present' && seen.fetched.ref.version === result.ref.version) return statusOf(seen.fetched);
  } catch {
    // The write succeeded; without a read-back the empty hash makes the next run compare models instead.
  }
  return { href: result.ref.href, version: result.ref.version, hash: '', raw: '' };
}

function refusedForGood(error: unknown): boolean {
  return error instanceof RejectedError && error.reason !== 'uid-conflict';
}

async function rollback(plan: ItemPlan, ctx: ExecContext): Promise<void> {
  await ctx.status.transaction(ctx.pair, async (tx) => {
    if (plan.old) await tx.put(plan.old);
    else await tx.drop(plan.ident);
  });
}

function count(counts: RunCounts, group: string, key: string, by = 1): void {
  const g = counts[group] ?? {};
  g[key] = (g[key] ?? 0) + by;
  counts[group] = g;
}
