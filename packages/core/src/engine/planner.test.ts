import { describe, expect, it } from 'vitest';
import { guardDeletions } from './guard';
import type { ItemPlan } from './plan-types';
import { planRun } from './planner';
import type { SyncPolicy } from './policy';
import { defaultPolicy } from './policy';
import { fetched, gone, leftWindow, linked, obs, present, task } from './test-support';
import type { StatusRow } from './types';

const policy = defaultPolicy('a');
const base = task('u1', { summary: 'Lunch', description: 'with Ann', priority: 5 });
const a1 = fetched('/a/u1', 'va1', base);
const b1 = fetched('/b/u1', 'vb1', base);
const row = linked('u1', a1, b1, base);

const only = (plans: ItemPlan[]) => {
  expect(plans).toHaveLength(1);
  return plans[0]!;
};
const writes = (p: ItemPlan) => p.writes.map((w) => `${w.type}:${w.side}`);

describe('planner decision table (row exists)', () => {
  it('a-same/b-same: nothing reported, nothing planned', () => {
    expect(planRun([row], obs(), obs(), policy)).toEqual([]);
  });

  it('echo of our own write (same version as recorded) is a no-op', () => {
    const p = only(planRun([row], obs(present(a1)), obs(present(b1)), policy));
    expect(p.cell).toBe('a-same/b-same');
    expect(p.writes).toEqual([]);
  });

  it('version changed but hash the same is no change, and the new version is recorded', () => {
    const bumped = fetched('/a/u1', 'va2', base);
    const p = only(planRun([row], obs(present(bumped)), obs(), policy));
    expect(p.cell).toBe('a-same/b-same');
    expect(p.writes).toEqual([]);
    expect(p.next?.a?.version).toBe('va2');
  });

  it('version and hash changed but the model equals the base (unmapped property) is no change to propagate', () => {
    const f = { ...fetched('/a/u1', 'va2', base), hash: 'other', raw: 'raw with X-EXTRA' };
    const p = only(planRun([row], obs(present(f)), obs(), policy));
    expect(p.writes).toEqual([]);
    expect(p.next?.a?.raw).toBe('raw with X-EXTRA');
  });

  it('a-changed/b-same: update b from a', () => {
    const changed = fetched('/a/u1', 'va2', { ...base, summary: 'Dinner' });
    const p = only(planRun([row], obs(present(changed)), obs(), policy));
    expect(p.cell).toBe('a-changed/b-same');
    expect(writes(p)).toEqual(['update:b']);
    expect(p.writes[0]?.type === 'update' && p.writes[0].item).toMatchObject({ summary: 'Dinner' });
  });

  it('a-same/b-changed: update a from b', () => {
    const changed = fetched('/b/u1', 'vb2', { ...base, summary: 'Dinner' });
    const p = only(planRun([row], obs(), obs(present(changed)), policy));
    expect(writes(p)).toEqual(['update:a']);
  });

  it('both changed different fields: merged field by field, both updated, no conflict', () => {
    const ca = fetched('/a/u1', 'va2', { ...base, summary: 'Dinner' });
    const cb = fetched('/b/u1', 'vb2', { ...base, description: 'with Bob' });
    const p = only(planRun([row], obs(present(ca)), obs(present(cb)), policy));
    expect(p.cell).toBe('a-changed/b-changed');
    expect(p.conflict).toBeUndefined();
    expect(writes(p)).toEqual(['update:a', 'update:b']);
    for (const w of p.writes)
      expect(w.type === 'update' && w.item).toMatchObject({ summary: 'Dinner', description: 'with Bob' });
  });

  it('both changed to the same content: nothing to write, no conflict', () => {
    const same = { ...base, summary: 'Dinner' };
    const p = only(
      planRun([row], obs(present(fetched('/a/u1', 'va2', same))), obs(present(fetched('/b/u1', 'vb2', same))), policy),
    );
    expect(p.writes).toEqual([]);
    expect(p.conflict).toBeUndefined();
    expect(p.next?.base).toMatchObject({ summary: 'Dinner' });
  });

  const bothEdited = () => ({
    a: obs(
      present(
        fetched('/a/u1', 'va2', { ...base, summary: 'A title', priority: 1 }, { modifiedAt: '2026-01-01T10:00:00Z' }),
      ),
    ),
    b: obs(present(fetched('/b/u1', 'vb2', { ...base, summary: 'B title' }, { modifiedAt: '2026-01-01T11:00:00Z' }))),
  });

  it('same field changed on both, side a wins: conflict recorded with both versions, b updated', () => {
    const { a, b } = bothEdited();
    const p = only(planRun([row], a, b, policy));
    expect(p.conflict).toMatchObject({ fields: ['summary'], winner: 'a', policy: 'side-wins' });
    expect(p.conflict?.aItem).toMatchObject({ summary: 'A title' });
    expect(p.conflict?.bItem).toMatchObject({ summary: 'B title' });
    expect(p.conflict?.aRaw).toBeDefined();
    expect(p.conflict?.bRaw).toBeDefined();
    expect(writes(p)).toEqual(['update:b']);
    expect(p.next?.base).toMatchObject({ summary: 'A title', priority: 1 });
  });

  it('same field changed on both, side b wins: non-conflicting a edits survive', () => {
    const { a, b } = bothEdited();
    const p = only(planRun([row], a, b, { ...policy, conflict: { type: 'side-wins', side: 'b' } }));
    expect(p.next?.base).toMatchObject({ summary: 'B title', priority: 1 });
    expect(writes(p)).toEqual(['update:a', 'update:b']);
  });

  it('same field changed on both, newest wins by each side’s own modification time', () => {
    const { a, b } = bothEdited();
    const p = only(planRun([row], a, b, { ...policy, conflict: { type: 'newest', fallback: 'a' } }));
    expect(p.conflict?.winner).toBe('b');
    expect(p.next?.base).toMatchObject({ summary: 'B title' });
  });

  it('same field changed on both, keep both: the losing version is created as a copy on both sides', () => {
    const { a, b } = bothEdited();
    const plans = planRun([row], a, b, { ...policy, conflict: { type: 'keep-both', keep: 'a' } });
    const p = only(plans);
    expect(p.copy?.writes.map((w) => `${w.type}:${w.side}`)).toEqual(['create:a', 'create:b']);
    expect(p.copy?.writes[0]?.type === 'create' && p.copy.writes[0].item).toMatchObject({ summary: 'B title' });
    expect(p.copy?.ident).not.toBe('u1');
  });

  it('a-gone/b-same: delete b', () => {
    const p = only(planRun([row], obs(gone('/a/u1')), obs(), policy));
    expect(p.cell).toBe('a-gone/b-same');
    expect(writes(p)).toEqual(['delete:b']);
  });

  it('a-same/b-gone: delete a', () => {
    const p = only(planRun([row], obs(), obs(gone('/b/u1')), policy));
    expect(writes(p)).toEqual(['delete:a']);
  });

  it('delete-vs-modify (a deleted, b modified): modification wins, re-created on a', () => {
    const cb = fetched('/b/u1', 'vb2', { ...base, summary: 'Moved' });
    const p = only(planRun([row], obs(gone('/a/u1')), obs(present(cb)), policy));
    expect(p.cell).toBe('a-gone/b-changed');
    expect(writes(p)).toEqual(['create:a']);
    expect(p.next?.pendingCreate).toBe('a');
  });

  it('modify-vs-delete (a modified, b deleted): modification wins, re-created on b', () => {
    const ca = fetched('/a/u1', 'va2', { ...base, summary: 'Moved' });
    const p = only(planRun([row], obs(present(ca)), obs(gone('/b/u1')), policy));
    expect(writes(p)).toEqual(['create:b']);
  });

  it('a-gone/b-gone: the row is forgotten', () => {
    const p = only(planRun([row], obs(gone('/a/u1')), obs(gone('/b/u1')), policy));
    expect(p.next).toBeUndefined();
    expect(p.writes).toEqual([]);
  });

  it('leaving the window is not deletion: the row turns dormant', () => {
    const p = only(planRun([row], obs(leftWindow('/a/u1')), obs(), policy));
    expect(p.writes).toEqual([]);
    expect(p.next).toMatchObject({ ident: 'u1', dormant: true, a: row.a, b: row.b });
  });

  it('a row with a pending create and no item found: the create is retried with the same ident', () => {
    const pending: StatusRow = { ident: 'u1', a: row.a!, base, pendingCreate: 'b' };
    const p = only(planRun([pending], obs(), obs(), policy));
    expect(writes(p)).toEqual(['create:b']);
    expect(p.ident).toBe('u1');
  });
});

describe('planner: first-run matching before any create', () => {
  it('an item only on a is created on b, with a pending row', () => {
    const p = only(planRun([], obs(present(a1)), obs(), policy));
    expect(p.cell).toBe('a-new/b-absent');
    expect(writes(p)).toEqual(['create:b']);
    expect(p.next?.pendingCreate).toBe('b');
  });

  it('the same UID on both sides is linked, not duplicated', () => {
    const p = only(planRun([], obs(present(a1)), obs(present(b1)), policy));
    expect(p.cell).toBe('a-new/b-new');
    expect(p.writes).toEqual([]);
    expect(p.next).toMatchObject({ ident: 'u1', a: { href: '/a/u1' }, b: { href: '/b/u1' } });
  });

  it('the same UID with differing content is linked and settled by policy (no base: every difference conflicts)', () => {
    const bb = fetched('/b/u1', 'vb1', { ...base, summary: 'Other' });
    const p = only(planRun([], obs(present(a1)), obs(present(bb)), policy));
    expect(writes(p)).toEqual(['update:b']);
    expect(p.conflict?.fields).toEqual(['summary']);
  });

  it('an item carrying our marker links to the item whose UID it names (a side that assigns its own UID)', () => {
    const other = fetched('/b/x', 'vb1', { ...base, uid: 'server-assigned' }, { marker: 'u1' });
    const p = only(planRun([], obs(present(a1)), obs(present(other)), policy));
    expect(p.writes).toEqual([]);
    expect(p.next).toMatchObject({ a: { href: '/a/u1' }, b: { href: '/b/x' } });
  });

  it('after a crash between create and row update, the created item is re-linked by marker, not created again', () => {
    const pending: StatusRow = { ident: 'u1', a: row.a!, base, pendingCreate: 'b' };
    const created = fetched('/b/u1', 'vb1', base, { marker: 'u1' });
    const p = only(planRun([pending], obs(), obs(present(created)), policy));
    expect(p.writes).toEqual([]);
    expect(p.next?.pendingCreate).toBeUndefined();
    expect(p.next?.b?.href).toBe('/b/u1');
  });

  it('a deletion after a crash-interrupted create wins over the re-linked copy (it holds what we wrote)', async () => {
    const pending: StatusRow = { ident: 'u1', a: row.a!, base, pendingCreate: 'b' };
    const created = fetched('/b/u1', 'vb1', base, { marker: 'u1' });
    const p = only(planRun([pending], obs(gone('/a/u1')), obs(present(created)), policy));
    expect(writes(p)).toEqual(['delete:b']);
  });

  it('a tombstone for an href we never linked does nothing', () => {
    expect(planRun([], obs(gone('/a/zzz')), obs(), policy)[0]).toBeUndefined();
  });
});

describe('planner: one-way directions', () => {
  const fromA = (readOnlyEdits: 'ignore' | 'revert'): SyncPolicy => ({
    ...policy,
    direction: { type: 'one-way', from: 'a', readOnlyEdits },
  });
  const editedB = fetched('/b/u1', 'vb2', { ...base, summary: 'local edit' });

  it('read-only side edit, ignore: nothing written, its new version recorded', () => {
    const p = only(planRun([row], obs(), obs(present(editedB)), fromA('ignore')));
    expect(p.writes).toEqual([]);
    expect(p.next?.b?.version).toBe('vb2');
    expect(p.next?.base).toEqual(base);
  });

  it('read-only side edit, revert: overwritten with the source version', () => {
    const p = only(planRun([row], obs(), obs(present(editedB)), fromA('revert')));
    expect(writes(p)).toEqual(['update:b']);
    expect(p.writes[0]?.type === 'update' && p.writes[0].item).toMatchObject({ summary: 'Lunch' });
  });

  it('read-only side deletion, revert: re-created; ignore: the link is forgotten, nothing deleted', () => {
    expect(writes(only(planRun([row], obs(), obs(gone('/b/u1')), fromA('revert'))))).toEqual(['create:b']);
    const p = only(planRun([row], obs(), obs(gone('/b/u1')), fromA('ignore')));
    expect(p.writes).toEqual([]);
    expect(p.next).toBeUndefined();
  });

  it('source deletion propagates; source edits always win over read-only edits', () => {
    expect(writes(only(planRun([row], obs(gone('/a/u1')), obs(), fromA('ignore'))))).toEqual(['delete:b']);
    const ca = fetched('/a/u1', 'va2', { ...base, summary: 'source' });
    const p = only(planRun([row], obs(present(ca)), obs(present(editedB)), fromA('ignore')));
    expect(writes(p)).toEqual(['update:b']);
    expect(p.conflict).toBeUndefined();
  });

  it('a new item on the read-only side is not copied to the source', () => {
    const p = planRun([], obs(), obs(present(b1)), fromA('ignore'));
    expect(p.flatMap((x) => x.writes)).toEqual([]);
  });
});

describe('deletion guard', () => {
  const rows = Array.from({ length: 10 }, (_, i) => {
    const t = task(`t${i}`);
    return linked(`t${i}`, fetched(`/a/t${i}`, 'v', t), fetched(`/b/t${i}`, 'v', t));
  });
  const deletions = (n: number) => planRun(rows, obs(...rows.slice(0, n).map((r) => gone(r.a!.href))), obs(), policy);

  it('deletions within the threshold go through', () => {
    const g = guardDeletions(
      deletions(1),
      { itemCount: 10, emptied: new Set() },
      { ...policy, guard: { maxRatio: 0.2, minCount: 0, maxCount: 50, emptiedSide: true } },
    );
    expect(g.needsReview).toBe(false);
    expect(g.plans.flatMap(writes)).toEqual(['delete:b']);
  });

  it('deletions above the ratio are quarantined, the rows kept as they were, the pair flagged', () => {
    const g = guardDeletions(
      deletions(3),
      { itemCount: 10, emptied: new Set() },
      { ...policy, guard: { maxRatio: 0.2, minCount: 0, maxCount: 50, emptiedSide: true } },
    );
    expect(g.needsReview).toBe(true);
    expect(g.plans.flatMap(writes)).toEqual([]);
    expect(g.plans.map((p) => p.quarantine[0]?.reason)).toEqual(['threshold', 'threshold', 'threshold']);
    expect(g.plans[0]?.next).toEqual(rows[0]);
  });

  it('deletions above the absolute count are quarantined whatever the ratio', () => {
    const g = guardDeletions(
      deletions(3),
      { itemCount: 10, emptied: new Set() },
      { ...policy, guard: { maxRatio: 1, minCount: 0, maxCount: 2, emptiedSide: true } },
    );
    expect(g.needsReview).toBe(true);
  });

  it('an emptied side quarantines every deletion it would cause', () => {
    const g = guardDeletions(deletions(1), { itemCount: 10, emptied: new Set(['a']) }, policy);
    expect(g.plans[0]?.quarantine[0]).toMatchObject({ side: 'b', reason: 'emptied-side', href: '/b/t0' });
  });
});
