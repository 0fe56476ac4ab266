import { describe, expect, it } from 'vitest';
import type { Capabilities, FieldCapabilities, TaskItem } from '../model';
import { notHeldField } from '../model';
import { planRun } from './planner';
import type { SyncPolicy } from './policy';
import { defaultPolicy } from './policy';
import { fetched, linked, obs, present, task } from './test-support';
import type { StatusRow } from './types';

/**
 * Planner edges pnpm mutation found untested: keep-both copy idents, keep-both under a one-way direction, and
 * what a retried create carries when the side it comes from holds less than the base.
 */
const base = task('u1', { summary: 'Lunch', description: 'with Ann' });
const a1 = fetched('/a/u1', 'va1', base);
const b1 = fetched('/b/u1', 'vb1', base);
const row = linked('u1', a1, b1, base);
const keepBoth: SyncPolicy = { ...defaultPolicy('a'), conflict: { type: 'keep-both', keep: 'a' } };
const bothEdited = () => ({
  a: obs(present(fetched('/a/u1', 'va2', { ...base, summary: 'A title' }))),
  b: obs(present(fetched('/b/u1', 'vb2', { ...base, summary: 'B title' }))),
});

describe('keep-both copies', () => {
  it('the copy is a plan of its own: both creates, its base the losing version under its ident, nothing quarantined', () => {
    const { a, b } = bothEdited();
    const [p] = planRun([row], a, b, keepBoth);
    const item = { ...base, summary: 'B title', uid: 'u1~copy' };
    expect(p?.copy).toEqual({
      ident: 'u1~copy',
      cell: 'keep-both-copy',
      next: { ident: 'u1~copy', base: item },
      writes: [
        { type: 'create', side: 'a', item },
        { type: 'create', side: 'b', item },
      ],
      quarantine: [],
      sources: {},
    });
  });

  it('a copy ident already taken by a row or by another item of the run is not reused: ~copy2, ~copy3', () => {
    const { a, b } = bothEdited();
    const taken: StatusRow = linked(
      'u1~copy',
      fetched('/a/c', 'v', task('u1~copy')),
      fetched('/b/c', 'v', task('u1~copy')),
    );
    expect(planRun([row, taken], a, b, keepBoth)[0]?.copy?.ident).toBe('u1~copy2');
    // Also taken by an item first seen in this run (no row yet).
    const fresh = fetched('/a/new', 'v', task('u1~copy2'));
    const plans = planRun([row, taken], obs(...a.values(), present(fresh)), b, keepBoth);
    expect(plans.find((p) => p.ident === 'u1')?.copy?.ident).toBe('u1~copy3');
  });

  it('a one-way pair never makes a keep-both copy: the source wins, the read-only version is not copied', () => {
    // A first link of two differing versions: the one conflict a one-way pair records (side-wins, the source).
    const a = obs(present(fetched('/a/u1', 'va1', { ...base, summary: 'A title' })));
    const b = obs(present(fetched('/b/u1', 'vb1', { ...base, summary: 'B title' })));
    const oneWay: SyncPolicy = { ...keepBoth, direction: { type: 'one-way', from: 'a', readOnlyEdits: 'ignore' } };
    const [p] = planRun([], a, b, oneWay);
    expect(p?.conflict).toMatchObject({ policy: 'side-wins', winner: 'a' });
    expect(p?.copy).toBeUndefined();
  });
});

describe('a retried create', () => {
  const noDescription: Capabilities = {
    task: { description: notHeldField('no body') } as unknown as FieldCapabilities<TaskItem>,
  };

  it('carries the whole base, not only what the side it comes from holds', () => {
    const heldOnA = fetched('/a/u1', 'va1', { ...base, description: undefined });
    const pending: StatusRow = { ...linked('u1', heldOnA, undefined, base), pendingCreate: 'b' };
    const [p] = planRun([pending], obs(), obs(), defaultPolicy('a'), { a: noDescription });
    expect(p?.writes).toEqual([{ type: 'create', side: 'b', item: base }]);
  });

  it('on a row from before bases were kept, carries the side’s current model', () => {
    const { base: _, ...bare } = { ...linked('u1', a1, undefined), pendingCreate: 'b' as const };
    const [p] = planRun([bare], obs(present(a1)), obs(), defaultPolicy('a'));
    expect(p?.writes).toEqual([{ type: 'create', side: 'b', item: base }]);
  });
});
