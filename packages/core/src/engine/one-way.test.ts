import { describe, expect, it } from 'vitest';
import type { ItemPlan } from './plan-types';
import { planRun } from './planner';
import type { SyncPolicy } from './policy';
import { defaultPolicy } from './policy';
import { fetched, gone, linked, obs, present, task } from './test-support';
import type { Observation, Side } from './types';

/**
 * One-way directions from either side (pnpm mutation showed every `ro === 'a' ? … : …` of the planner untested
 * with side b as the source: planner.test.ts covers one-way from a only). The oracle, both ways round: the source
 * side is never written, the read-only side's own edits are kept (ignore) or overwritten (revert), its deletions
 * forgotten (ignore) or re-created (revert), and a conflict always goes to the source whatever the pair's policy.
 */
const other = (s: Side): Side => (s === 'a' ? 'b' : 'a');
const base = task('u1', { summary: 'Lunch', description: 'with Ann', priority: 5 });
const at = (side: Side, version: string, item = base) => fetched(`/${side}/u1`, version, item);
const row = linked('u1', at('a', 'va1'), at('b', 'vb1'), base);
const writes = (p: ItemPlan) => p.writes.map((w) => `${w.type}:${w.side}`);
const itemOf = (p: ItemPlan, i = 0) => {
  const w = p.writes[i];
  return w && w.type !== 'delete' ? w.item : undefined;
};

for (const from of ['a', 'b'] as const) {
  const ro = other(from);
  const oneWay = (readOnlyEdits: 'ignore' | 'revert'): SyncPolicy => ({
    ...defaultPolicy(ro), // the pair's conflict policy favours the read-only side: one-way must override it
    direction: { type: 'one-way', from, readOnlyEdits },
  });
  const plan = (rows: (typeof row)[], seen: Partial<Record<Side, Observation>>, policy: SyncPolicy) => {
    const plans = planRun(rows, obs(...(seen.a ? [seen.a] : [])), obs(...(seen.b ? [seen.b] : [])), policy);
    expect(plans).toHaveLength(1);
    return plans[0]!;
  };
  const edited = (side: Side, fields: Parameters<typeof task>[1]) => at(side, `v${side}2`, { ...base, ...fields });

  describe(`one-way from ${from} (${ro} read-only)`, () => {
    it('a read-only edit, ignore: nothing written, its new version recorded, the base kept', () => {
      const p = plan([row], { [ro]: present(edited(ro, { summary: 'local edit' })) }, oneWay('ignore'));
      expect(p.writes).toEqual([]);
      expect(p.next?.[ro]?.version).toBe(`v${ro}2`);
      expect(p.next?.[from]?.version).toBe(`v${from}1`);
      expect(p.next?.base).toEqual(base);
    });

    it('a read-only edit, revert: only the read-only side is overwritten, with the base', () => {
      const p = plan([row], { [ro]: present(edited(ro, { summary: 'local edit' })) }, oneWay('revert'));
      expect(writes(p)).toEqual([`update:${ro}`]);
      expect(itemOf(p)).toEqual(base);
    });

    it('a read-only edit on a row without a base, revert: overwritten with the source’s model', () => {
      const { base: _, ...bare } = row;
      const source = task('u1', { summary: 'Source' });
      const p = plan(
        [bare],
        { [from]: present(at(from, `v${from}1`, source)), [ro]: present(edited(ro, { summary: 'local edit' })) },
        oneWay('revert'),
      );
      expect(writes(p)).toEqual([`update:${ro}`]);
      expect(itemOf(p)).toMatchObject({ summary: 'Source' });
    });

    it('a read-only deletion, revert: re-created on the read-only side; ignore: the link is forgotten', () => {
      const reverted = plan([row], { [ro]: gone(`/${ro}/u1`) }, oneWay('revert'));
      expect(writes(reverted)).toEqual([`create:${ro}`]);
      expect(itemOf(reverted)).toEqual(base);
      expect(reverted.next?.pendingCreate).toBe(ro);
      const ignored = plan([row], { [ro]: gone(`/${ro}/u1`) }, oneWay('ignore'));
      expect(ignored.writes).toEqual([]);
      expect(ignored.next).toBeUndefined();
    });

    it('a source deletion propagates to the read-only side, even over its own edit', () => {
      expect(writes(plan([row], { [from]: gone(`/${from}/u1`) }, oneWay('revert')))).toEqual([`delete:${ro}`]);
      const p = plan(
        [row],
        { [from]: gone(`/${from}/u1`), [ro]: present(edited(ro, { summary: 'local edit' })) },
        oneWay('ignore'),
      );
      expect(writes(p)).toEqual([`delete:${ro}`]);
    });

    it('a source edit travels; on the same field as a read-only edit the source wins without a conflict record', () => {
      const p = plan(
        [row],
        {
          [from]: present(edited(from, { summary: 'from the source' })),
          [ro]: present(edited(ro, { summary: 'local edit', description: 'local notes' })),
        },
        oneWay('ignore'),
      );
      expect(writes(p)).toEqual([`update:${ro}`]);
      expect(itemOf(p)).toMatchObject({ summary: 'from the source', description: 'with Ann' });
      expect(p.conflict).toBeUndefined();
    });

    it('the same field changed on both sides of a first link goes to the source, recorded as side-wins', () => {
      const p = plan(
        [],
        {
          [from]: present(at(from, `v${from}1`, task('u1', { summary: 'source' }))),
          [ro]: present(at(ro, `v${ro}1`, task('u1', { summary: 'mirror' }))),
        },
        oneWay('ignore'),
      );
      expect(writes(p)).toEqual([`update:${ro}`]);
      expect(itemOf(p)).toMatchObject({ summary: 'source' });
      expect(p.conflict).toMatchObject({ policy: 'side-wins', winner: from, fields: ['summary'] });
    });

    it('a new item on the source is created on the read-only side; one on the read-only side is not copied', () => {
      const created = plan([], { [from]: present(at(from, `v${from}1`)) }, oneWay('ignore'));
      expect(writes(created)).toEqual([`create:${ro}`]);
      const mirrorOnly = plan([], { [ro]: present(at(ro, `v${ro}1`)) }, oneWay('revert'));
      expect(mirrorOnly.writes).toEqual([]);
      expect(mirrorOnly.next).toBeUndefined();
    });

    it('a read-only item whose source copy is gone for good keeps its row but is not copied back', () => {
      // The row knew only the read-only side (its source create failed for good); the read-only side shows it anew.
      const { [from]: _, ...roOnly } = row;
      const p = plan([roOnly], { [ro]: present(at(ro, `v${ro}9`, { ...base, summary: 'other' })) }, oneWay('ignore'));
      expect(p.writes).toEqual([]);
      expect(p.next?.[ro]?.version).toBe(`v${ro}9`); // the link to the read-only copy is kept
    });

    it('a read-only item left alone whose source copy is gone for good keeps its link, unchanged', () => {
      const { [from]: _, ...roOnly } = row;
      const plans = planRun([roOnly], obs(), obs(), oneWay('revert'));
      expect(plans).toHaveLength(1);
      expect(plans[0]?.writes).toEqual([]);
      expect(plans[0]?.next).toEqual(roOnly);
    });
  });
}
