import type { SyncWindow } from '../model/temporal';
import type { ChangeSet, CollectionStore } from '../ports/collection-store';
import { InvalidSyncTokenError } from '../ports/errors';
import { RECONCILE_EVERY_MS, type RunReport } from './sync-pair';
import type { PairState, Side } from './types';

export interface QuietInput {
  readonly a: CollectionStore;
  readonly b: CollectionStore;
  /** The pair's stored state, as the status store returns it. */
  readonly state: PairState;
  /** Unresolved held deletions of the pair (a decision on one is work for a run). */
  readonly held: number;
  readonly window: SyncWindow;
  readonly now: Date;
  readonly reconcileEveryMs?: number;
  readonly signal?: AbortSignal;
}

/** The answer: `quiet`, or the stores to run the engine with (holding what the check already read). */
export type QuietAnswer =
  | { readonly quiet: true }
  | { readonly quiet: false; readonly stores: { readonly a: CollectionStore; readonly b: CollectionStore } };

/**
 * Whether a run of the pair would do nothing at all: both sides report no change since their tokens (and hand back
 * the same tokens), nothing waits for a retry, the window and the reconcile period still hold, and no held deletion
 * waits. Such a run needs no lock, no status rows and no run to start and finish: the caller records it as a
 * finished success. The check is the run's own first read: when it finds work, the engine gets stores that answer
 * that read again from what the check saw, so a sync with changes sends no request twice.
 */
export async function checkQuiet(input: QuietInput): Promise<QuietAnswer> {
  const { state, window } = input;
  const stores = { a: input.a, b: input.b };
  const stale =
    state.lastFullSyncAt === undefined ||
    input.now.getTime() - Date.parse(state.lastFullSyncAt) >= (input.reconcileEveryMs ?? RECONCILE_EVERY_MS);
  const sameWindow =
    state.window !== undefined &&
    Date.parse(state.window.start) === Date.parse(window.start) &&
    Date.parse(state.window.end) === Date.parse(window.end);
  if (
    stale ||
    !sameWindow ||
    state.needsReview ||
    input.held > 0 ||
    state.retry.a.length > 0 ||
    state.retry.b.length > 0 ||
    !stores.a.caps.deltas ||
    !stores.b.caps.deltas
  ) {
    return { quiet: false, stores };
  }
  // Side b first: a DAV collection whose token did not move answers without a request.
  for (const side of ['b', 'a'] as const satisfies readonly Side[]) {
    const token = state.tokens[side];
    if (token === undefined) return { quiet: false, stores };
    let page: ChangeSet;
    try {
      page = await stores[side].changesSince(token, input.signal);
    } catch (error) {
      // A refused token is the engine's to handle (a reconcile); anything else fails the run as it would have.
      if (error instanceof InvalidSyncTokenError) return { quiet: false, stores };
      throw error;
    }
    if (page.changes.length > 0 || page.more || page.nextToken !== token) {
      return { quiet: false, stores: { ...stores, [side]: replaying(stores[side], token, page) } };
    }
  }
  return { quiet: true };
}

/** The report of a quiet pair's run: a success that read both deltas and found nothing. */
export function quietReport(): RunReport {
  return {
    outcome: 'success',
    counts: {},
    plan: [],
    needsReview: false,
    modes: { a: 'delta', b: 'delta' },
    parked: { a: [], b: [] },
    errors: [],
  };
}

/** The store, answering `changesSince(token)` once from the page already read; everything else goes through. */
function replaying(store: CollectionStore, token: string, page: ChangeSet): CollectionStore {
  let kept: ChangeSet | undefined = page;
  return {
    caps: store.caps,
    listWindow: (w, s) => store.listWindow(w, s),
    getMany: (h, s) => store.getMany(h, s),
    startToken: (w, s) => store.startToken(w, s),
    changesSince: async (t, s) => {
      if (kept && t === token) {
        const answer = kept;
        kept = undefined;
        return answer;
      }
      return store.changesSince(t, s);
    },
    create: (i, o, s) => store.create(i, o, s),
    update: (b, i, s) => store.update(b, i, s),
    remove: (r, s) => store.remove(r, s),
  };
}
