import { describe, expect, it } from 'vitest';
import { guardDeletions } from './guard';
import type { ItemPlan } from './plan-types';
import { planRun } from './planner';
import type { DeletionGuard, SyncPolicy } from './policy';
import { defaultPolicy } from './policy';
import { fetched, gone, linked, obs, task } from './test-support';

/**
 * The mass-deletion valve at its edges (planner.test.ts has the plain cases): where exactly "too many" starts, which
 * side's deletions are held, and what a held deletion leaves behind.
 */
const rows = Array.from({ length: 10 }, (_, i) => {
  const t = task(`t${i}`);
  return linked(`t${i}`, fetched(`/a/t${i}`, 'v', t), fetched(`/b/t${i}`, 'v', t));
});
const policyWith = (guard: Partial<DeletionGuard>, deletions: SyncPolicy['deletions'] = { type: 'propagate' }) => {
  const p = defaultPolicy('a');
  return { ...p, deletions, guard: { ...p.guard, ...guard } };
};
/** Plans for `onA` items deleted on side a (to delete on b) and `onB` others deleted on side b (to delete on a). */
const deleted = (onA: number, onB = 0, policy = policyWith({})) =>
  planRun(
    rows,
    obs(...rows.slice(0, onA).map((r) => gone(r.a!.href))),
    obs(...rows.slice(onA, onA + onB).map((r) => gone(r.b!.href))),
    policy,
  );
const heldSides = (plans: readonly ItemPlan[]) => plans.flatMap((p) => p.quarantine.map((q) => q.side));
const deletes = (plans: readonly ItemPlan[]) =>
  plans.flatMap((p) => p.writes.filter((w) => w.type === 'delete').map((w) => w.side));

describe('the deletion guard at its limits', () => {
  it('exactly maxCount deletions go through; one more is held', () => {
    const policy = policyWith({ maxCount: 3, maxRatio: 1, minCount: 0 });
    const atLimit = guardDeletions(deleted(3), { itemCount: 10, emptied: new Set() }, policy);
    expect(atLimit.needsReview).toBe(false);
    expect(deletes(atLimit.plans)).toEqual(['b', 'b', 'b']);
    const over = guardDeletions(deleted(4), { itemCount: 10, emptied: new Set() }, policy);
    expect(over.needsReview).toBe(true);
    expect(deletes(over.plans)).toEqual([]);
  });

  it('deleting exactly the allowed share goes through; above it is held', () => {
    const policy = policyWith({ maxRatio: 0.3, minCount: 0, maxCount: 50 });
    expect(guardDeletions(deleted(3), { itemCount: 10, emptied: new Set() }, policy).needsReview).toBe(false);
    expect(guardDeletions(deleted(4), { itemCount: 10, emptied: new Set() }, policy).needsReview).toBe(true);
  });

  it('the share applies only above minCount deletions: deleting 2 of 3 items with minCount 2 goes through', () => {
    const policy = policyWith({ maxRatio: 0.2, minCount: 2, maxCount: 50 });
    const two = guardDeletions(deleted(2), { itemCount: 3, emptied: new Set() }, policy);
    expect(two.needsReview).toBe(false);
    expect(deletes(two.plans)).toEqual(['b', 'b']);
    expect(guardDeletions(deleted(3), { itemCount: 3, emptied: new Set() }, policy).needsReview).toBe(true);
  });

  it('only deletions count towards the limit: many edits beside one deletion let it through', () => {
    const policy = policyWith({ maxCount: 2, maxRatio: 1, minCount: 0 });
    const edits = rows.slice(1).map((r) => {
      const edited = task(r.ident, { summary: 'edited' });
      return fetched(r.a!.href, 'v2', edited);
    });
    const plans = planRun(
      rows,
      obs(gone(rows[0]!.a!.href), ...edits.map((f) => ({ type: 'present' as const, fetched: f }))),
      obs(),
      policy,
    );
    const g = guardDeletions(plans, { itemCount: 10, emptied: new Set() }, policy);
    expect(g.needsReview).toBe(false);
    expect(deletes(g.plans)).toEqual(['b']);
  });

  it('each side is judged on its own deletions: many on one side hold only those', () => {
    const policy = policyWith({ maxCount: 2, maxRatio: 1, minCount: 0 });
    const g = guardDeletions(deleted(3, 1), { itemCount: 10, emptied: new Set() }, policy);
    expect(heldSides(g.plans)).toEqual(['b', 'b', 'b']);
    expect(deletes(g.plans)).toEqual(['a']);
  });

  it('with the emptied-side check off, an emptied side’s deletions pass when within the limits', () => {
    const policy = policyWith({ emptiedSide: false, maxCount: 50, maxRatio: 1, minCount: 0 });
    const g = guardDeletions(deleted(2), { itemCount: 10, emptied: new Set(['a']) }, policy);
    expect(g.needsReview).toBe(false);
    expect(deletes(g.plans)).toEqual(['b', 'b']);
  });

  it('an emptied side holds only the deletions it would cause on the other side', () => {
    const policy = policyWith({ maxCount: 50, maxRatio: 1, minCount: 0 });
    const g = guardDeletions(deleted(1, 1), { itemCount: 10, emptied: new Set(['a']) }, policy);
    expect(g.plans.flatMap((p) => p.quarantine)).toEqual([
      { ident: 't0', side: 'b', href: '/b/t0', reason: 'emptied-side' },
    ]);
    expect(deletes(g.plans)).toEqual(['a']);
  });

  it('the quarantine policy holds every deletion, however few, naming the policy', () => {
    const policy = policyWith({}, { type: 'quarantine' });
    const g = guardDeletions(deleted(1), { itemCount: 10, emptied: new Set() }, policy);
    expect(g.needsReview).toBe(true);
    expect(g.plans[0]).toMatchObject({
      cell: `${deleted(1)[0]!.cell} (quarantined)`,
      writes: [],
      quarantine: [{ ident: 't0', side: 'b', href: '/b/t0', reason: 'policy' }],
    });
    // The row stays exactly as it was: neither applied nor forgotten.
    expect(g.plans[0]!.next).toEqual(rows[0]);
  });

  it('plans without a deletion pass unchanged beside held ones', () => {
    const policy = policyWith({}, { type: 'quarantine' });
    const plans = deleted(1);
    const untouched = { ...plans[0]!, ident: 'other', writes: [] };
    const g = guardDeletions([...plans, untouched], { itemCount: 10, emptied: new Set() }, policy);
    expect(g.plans[1]).toBe(untouched);
  });
});
