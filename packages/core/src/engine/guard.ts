import type { ItemPlan, QuarantineRecord } from './plan-types';
import type { SyncPolicy } from './policy';
import type { Side } from './types';
import { otherSide } from './types';

export interface GuardInput {
  /** Items the pair held before the run (status rows). */
  readonly itemCount: number;
  /** Sides whose listing came back empty though the pair had items on them. */
  readonly emptied: ReadonlySet<Side>;
}

/**
 * The mass-deletion valve. Deletions on a side are held in quarantine (the row kept as it was, the pair flagged
 * for review) when the other side looks emptied, the policy says so, or they exceed the threshold.
 */
export function guardDeletions(
  plans: readonly ItemPlan[],
  input: GuardInput,
  policy: SyncPolicy,
): { plans: ItemPlan[]; needsReview: boolean } {
  const reasonFor = (side: Side): QuarantineRecord['reason'] | undefined => {
    if (policy.guard.emptiedSide && input.emptied.has(otherSide(side))) return 'emptied-side';
    if (policy.deletions.type === 'quarantine') return 'policy';
    const count = plans.filter((p) => p.writes.some((w) => w.type === 'delete' && w.side === side)).length;
    const { maxCount, minCount, maxRatio } = policy.guard;
    if (count > maxCount || (count > minCount && count > maxRatio * input.itemCount)) return 'threshold';
    return undefined;
  };
  const reasons = { a: reasonFor('a'), b: reasonFor('b') };
  let needsReview = false;
  const guarded = plans.map((plan) => {
    const held = plan.writes.filter((w) => w.type === 'delete' && reasons[w.side] !== undefined);
    if (held.length === 0) return plan;
    needsReview = true;
    const quarantine = held.map((w): QuarantineRecord => {
      const href = plan.old?.[w.side]?.href ?? plan.next?.[w.side]?.href ?? '';
      return { ident: plan.ident, side: w.side, href, reason: reasons[w.side]! };
    });
    // The row stays exactly as it was, so the deletion is neither applied nor forgotten.
    return {
      ...plan,
      cell: `${plan.cell} (quarantined)`,
      ...(plan.old ? { next: plan.old } : {}),
      writes: plan.writes.filter((w) => !held.includes(w)),
      quarantine,
    };
  });
  return { plans: guarded, needsReview };
}
