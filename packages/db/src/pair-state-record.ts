import type { PairState } from '@exsync/core';

/** A pair's stored state as `collection_pairs` holds it (timestamps as Date, or as JSON's text when aggregated). */
export interface PairRecord {
  readonly aSyncToken: string | null;
  readonly bSyncToken: string | null;
  readonly retryHrefs: unknown;
  readonly windowStart: Date | string | null;
  readonly windowEnd: Date | string | null;
  readonly lastFullSyncAt: Date | string | null;
  readonly needsReview: boolean;
}

/** The columns of a `PairRecord`, for a SELECT on `collection_pairs`. */
export const PAIR_RECORD_COLUMNS = `a_sync_token AS "aSyncToken", b_sync_token AS "bSyncToken",
  retry_hrefs AS "retryHrefs", window_start AS "windowStart", window_end AS "windowEnd",
  last_full_sync_at AS "lastFullSyncAt", needs_review AS "needsReview"`;

const iso = (t: Date | string): string => new Date(t).toISOString();

/**
 * The engine's view of a stored pair state. One mapping for the status store's read and the sync context's (which
 * reads the state of every pair of the user in the query that loads the user), so both say the same.
 */
export function toPairState(p: PairRecord): PairState {
  const retry = (p.retryHrefs ?? {}) as { a?: string[]; b?: string[] };
  return {
    tokens: {
      ...(p.aSyncToken !== null ? { a: p.aSyncToken } : {}),
      ...(p.bSyncToken !== null ? { b: p.bSyncToken } : {}),
    },
    retry: { a: retry.a ?? [], b: retry.b ?? [] },
    ...(p.windowStart && p.windowEnd ? { window: { start: iso(p.windowStart), end: iso(p.windowEnd) } } : {}),
    ...(p.lastFullSyncAt ? { lastFullSyncAt: iso(p.lastFullSyncAt) } : {}),
    needsReview: p.needsReview,
  };
}
