/**
 * The sync engine. `syncPair(deps, options)` runs one pair under its lock: it reads both sides through their
 * `CollectionStore`s (deltas, or a windowed reconcile), plans with `planRun` (pure: vdirsyncer's three-way table,
 * first-run matching, field merge, policies), holds back mass deletions (`guardDeletions`), executes item by item
 * (`executePlan`) and advances tokens last. State lives behind the `StatusStore` and `PairLock` ports.
 */
export { canonical, sameValue } from './canonical';
export type { ExecContext, ExecOutcome } from './executor';
export { executePlan, RunAbort } from './executor';
export type { GuardInput } from './guard';
export { guardDeletions } from './guard';
export { MemoryPairLock, MemoryStatusStore } from './memory-status-store';
export type { FieldMerge, MergeInput, Resolution, SideHoldings } from './merge';
export { mergeFields, resolveConflict } from './merge';
export type { ReadSideInput, SideRead } from './observe';
export { readOne, readSide } from './observe';
export type { ConflictRecord, ItemPlan, QuarantineRecord, Write } from './plan-types';
export type { ItemGroup } from './planner';
export { groupObservations, planGroups, planItem, planRun, sameContent, statusOf } from './planner';
export type { ConflictPolicy, DeletionGuard, DeletionPolicy, Direction, SyncPolicy } from './policy';
export { defaultGuard, defaultPolicy } from './policy';
export type { QuarantineDecision, QuarantineResult } from './quarantine';
export { carryOutDecision, resolveQuarantined } from './quarantine';
export type { QuietAnswer, QuietInput } from './quiet';
export { checkQuiet, quietReport } from './quiet';
export type {
  ItemError,
  PairLock,
  PairRelease,
  PlanSummary,
  RunCounts,
  RunOutcome,
  RunRecord,
  StatusStore,
  StatusWriter,
  StoredConflict,
  StoredQuarantine,
  StoredRun,
} from './status-store';
export { ITEM_ERRORS_KEPT, summarize } from './status-store';
export type { RunOutcomeKind, RunProgress, RunReport, SyncDeps, SyncOptions } from './sync-pair';
export { RECONCILE_EVERY_MS, syncPair } from './sync-pair';
export type { Observation, PairState, PairTokens, Side, SideObservations, SideStatus, StatusRow } from './types';
export { emptyPairState, otherSide, SHORTENED_HASH, SHORTENED_HASH_MIN, sameHash } from './types';
