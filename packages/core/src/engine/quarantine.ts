import { NotFoundError, PreconditionFailedError } from '../ports/errors';
import type { SyncDeps } from './sync-pair';
import { otherSide } from './types';

export type QuarantineDecision =
  /** The deletion was meant: apply it now. */
  | 'apply'
  /** It was not: bring the item back on the side it vanished from (the next run re-creates it there). */
  | 'restore';

export type QuarantineResult = 'done' | 'locked' | 'not-found' | 'changed-since';

/**
 * A person's decision on one quarantined deletion, under the pair's lock. When the last one is decided the pair no
 * longer needs review.
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
    const row = (await deps.status.rows(pair)).find((r) => r.ident === q.ident);
    const target = row?.[q.side];
    if (decision === 'apply') {
      if (target) {
        try {
          await deps[q.side].remove({ href: target.href, version: target.version }, signal);
        } catch (error) {
          // Edited since it was quarantined: that edit is newer than the deletion, so it is not applied.
          if (error instanceof PreconditionFailedError) return 'changed-since';
          if (!(error instanceof NotFoundError)) throw error;
        }
      }
      await deps.status.transaction(pair, (tx) => tx.drop(q.ident));
    } else if (row && target) {
      const gone = otherSide(q.side);
      const { [gone]: _, ...rest } = row;
      await deps.status.transaction(pair, (tx) => tx.put({ ...rest, pendingCreate: gone }));
    }
    await deps.status.resolveQuarantine(pair, id);
    if ((await deps.status.quarantined(pair)).length === 0) {
      await deps.status.transaction(pair, (tx) => tx.setPairState({ needsReview: false }));
    }
    return 'done';
  } finally {
    await release();
  }
}
