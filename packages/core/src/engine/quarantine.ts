import { NotFoundError, PreconditionFailedError } from '../ports/errors';
import type { QuarantineDecision, StoredQuarantine } from './status-store';
import type { SyncDeps } from './sync-pair';
import { otherSide } from './types';

export type { QuarantineDecision } from './status-store';

export type QuarantineResult = 'done' | 'locked' | 'not-found' | 'changed-since';

/**
 * A person's decision on one quarantined deletion, carried out at once under the pair's lock. When the last one is
 * decided the pair no longer needs review. (The service records decisions instead, and the pair's next run carries
 * them out: `carryOutDecision`.)
 */
export async function resolveQuarantined(
  deps: SyncDeps,
  pair: string,
  id: string,
  decision: QuarantineDecision,
  signal?: AbortSignal,
): Promise<QuarantineResult> {
  const release = await deps.lock.tryAcquire(pair);
  if (!release) return 'locked';
  try {
    const q = (await deps.status.quarantined(pair)).find((x) => x.id === id);
    if (!q) return 'not-found';
    return await carryOutDecision(deps, pair, q, decision, signal);
  } finally {
    await release();
  }
}

/**
 * Carries out one decision; the caller holds the pair's lock. `apply` deletes the item from the side that still
 * holds it (unless it was edited since: that edit is newer than the deletion, so the deletion is dropped and the
 * result says so); `restore` marks the row so the run re-creates the item on the side it vanished from, from the
 * model both sides last agreed on. Either way the deletion is no longer held.
 */
export async function carryOutDecision(
  deps: SyncDeps,
  pair: string,
  q: StoredQuarantine,
  decision: QuarantineDecision,
  signal?: AbortSignal,
): Promise<Exclude<QuarantineResult, 'locked' | 'not-found'>> {
  const row = (await deps.status.rows(pair)).find((r) => r.ident === q.ident);
  const target = row?.[q.side];
  let result: Exclude<QuarantineResult, 'locked' | 'not-found'> = 'done';
  if (decision === 'apply') {
    let removed = true;
    if (target) {
      try {
        await deps[q.side].remove({ href: target.href, version: target.version }, signal);
      } catch (error) {
        if (error instanceof PreconditionFailedError) {
          removed = false;
          result = 'changed-since';
        } else if (!(error instanceof NotFoundError)) throw error;
      }
    }
    if (removed) await deps.status.transaction(pair, (tx) => tx.drop(q.ident));
  } else if (row && target) {
    const gone = otherSide(q.side);
    const { [gone]: _, ...rest } = row;
    await deps.status.transaction(pair, (tx) => tx.put({ ...rest, pendingCreate: gone }));
  }
  await deps.status.resolveQuarantine(pair, q.id);
  if ((await deps.status.quarantined(pair)).length === 0) {
    await deps.status.transaction(pair, (tx) => tx.setPairState({ needsReview: false }));
  }
  return result;
}
