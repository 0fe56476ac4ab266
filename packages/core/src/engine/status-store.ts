import type { ConflictRecord, ItemPlan, QuarantineRecord } from './plan-types';
import type { PairState, Side, StatusRow } from './types';

/**
 * Where the engine keeps what it knows about each pair: the status rows, the per-side tokens, the conflict log,
 * quarantined deletions and run records. `packages/db` implements it on PostgreSQL/PGlite; `MemoryStatusStore`
 * in memory. `pair` is the collection pair's id.
 */
export interface StatusStore {
  rows(pair: string): Promise<StatusRow[]>;
  pairState(pair: string): Promise<PairState>;
  /** Runs `fn` atomically: all of its writes land, or none. */
  transaction<T>(pair: string, fn: (tx: StatusWriter) => Promise<T>): Promise<T>;
  conflicts(pair: string): Promise<StoredConflict[]>;
  /** Unresolved quarantined deletions. */
  quarantined(pair: string): Promise<StoredQuarantine[]>;
  /** Marks a quarantined deletion reviewed (applied or rejected by a person). */
  resolveQuarantine(pair: string, id: string): Promise<void>;
  /**
   * Records a person's decision on an unresolved quarantined deletion; the pair's next run carries it out under
   * its lock. False when there is no such unresolved deletion.
   */
  decideQuarantine(pair: string, id: string, decision: QuarantineDecision): Promise<boolean>;
  /** `syncId` groups the runs of one sync of several pairs (the caller's id; opaque here). */
  startRun(pair: string, options: { readonly dryRun: boolean; readonly syncId?: string }): Promise<string>;
  finishRun(run: string, record: RunRecord): Promise<void>;
  runs(pair: string): Promise<StoredRun[]>;
}

export interface StatusWriter {
  put(row: StatusRow): Promise<void>;
  drop(ident: string): Promise<void>;
  /** Merges `patch` into the pair's state (tokens replace per side). */
  setPairState(patch: Partial<PairState>): Promise<void>;
  recordConflict(conflict: ConflictRecord): Promise<void>;
  /** Idempotent per (ident, side) while unresolved: a deletion seen again is not quarantined twice. */
  quarantine(record: QuarantineRecord): Promise<void>;
}

export interface StoredConflict extends ConflictRecord {
  readonly id: string;
  readonly createdAt: string;
}

export interface StoredQuarantine extends QuarantineRecord {
  readonly id: string;
  readonly createdAt: string;
  /** Decided by a person, not yet carried out. */
  readonly decision?: QuarantineDecision;
}

export type QuarantineDecision =
  /** The deletion was meant: apply it now. */
  | 'apply'
  /** It was not: bring the item back on the side it vanished from. */
  | 'restore';

export type RunOutcome = 'success' | 'partial' | 'failed' | 'cancelled';

/** Counts per direction and action, e.g. `{ a_to_b: { create: 3 }, b_to_a: { delete: 1 } }`. */
export type RunCounts = Record<string, Record<string, number>>;

/** At most this many item errors are kept per run record; the `failed` counts still count every failed write. */
export const ITEM_ERRORS_KEPT = 100;

/** One item a run could not sync, and why, as the run record lists it. */
export interface ItemError {
  /** What a person recognises: the item's title (summary, contact or group name), else its href, else its ident. */
  readonly item: string;
  readonly ident?: string;
  /** Where the item came from (the href the run read it at), when known. */
  readonly href?: string;
  /** The side that refused the write, or that the item could not be read from. */
  readonly side?: Side;
  readonly reason: string;
  /** The store's error code (e.g. `rejected`, `invalid-item`), when the store typed the failure. */
  readonly code?: string;
}

export interface RunRecord {
  readonly outcome: RunOutcome;
  readonly counts: RunCounts;
  readonly error?: string;
  /** The items that failed, each with its reason: the first ITEM_ERRORS_KEPT, in the order they failed. */
  readonly itemErrors?: readonly ItemError[];
  /** The plan of a dry run (or of any run, for the record), in a JSON-safe summary. */
  readonly plan?: readonly PlanSummary[];
}

export interface StoredRun extends RunRecord {
  readonly id: string;
  readonly dryRun: boolean;
  readonly startedAt: string;
  readonly finishedAt?: string;
}

/** One item's plan as a dry run reports it. */
export interface PlanSummary {
  readonly ident: string;
  readonly cell: string;
  readonly writes: readonly { readonly type: string; readonly side: string }[];
  readonly conflict?: readonly string[];
  readonly quarantine?: readonly string[];
}

export function summarize(plan: ItemPlan): PlanSummary {
  return {
    ident: plan.ident,
    cell: plan.cell,
    writes: plan.writes.map((w) => ({ type: w.type, side: w.side })),
    ...(plan.conflict ? { conflict: plan.conflict.fields } : {}),
    ...(plan.quarantine.length > 0 ? { quarantine: plan.quarantine.map((q) => `${q.side}:${q.reason}`) } : {}),
  };
}

/**
 * Ends a hold on a pair. `lost`, when the lock offers it, aborts if the lock ends by itself while held (the database
 * connection holding it was terminated): the run must stop, another may already hold the pair.
 */
export type PairRelease = (() => Promise<void>) & { readonly lost?: AbortSignal };

/** One pair never syncs twice at once (PostgreSQL: pg_try_advisory_lock). */
export interface PairLock {
  /** Resolves to a release function, or undefined when another run holds the pair. */
  tryAcquire(pair: string): Promise<PairRelease | undefined>;
}
