import { describe, expect, it } from 'vitest';
import { planRun } from './planner';
import { defaultPolicy } from './policy';
import { fetched, linked, obs, present, task } from './test-support';
import type { StatusRow } from './types';

/**
 * How a side is classified changed or not when its hash proves nothing (pnpm mutation: the memory store's hash
 * and model always agree, so the model test cannot tell the version, hash and model checks apart).
 */
const base = task('u1', { summary: 'Lunch' });
const a1 = fetched('/a/u1', 'va1', base);
const noHash = (version: string, item = base) => fetched('/b/u1', version, item, { hash: '' });

describe('classification', () => {
  it('an empty hash never proves sameness: a side that gives none is compared by model', () => {
    // The row holds no hash for b (our write was not read back); b now shows an edit, again without a hash.
    const row = linked('u1', a1, noHash('vb1'));
    const [plan] = planRun(
      [row],
      obs(),
      obs(present(noHash('vb2', { ...base, summary: 'edited on b' }))),
      defaultPolicy('a'),
    );
    expect(plan?.writes).toEqual([{ type: 'update', side: 'a', item: { ...base, summary: 'edited on b' } }]);
  });

  it('a new version without a hash but with the base’s model is no change: only the version is recorded', () => {
    const row = linked('u1', a1, noHash('vb1'));
    const [plan] = planRun([row], obs(), obs(present(noHash('vb2'))), defaultPolicy('a'));
    expect(plan?.cell).toBe('a-same/b-same');
    expect(plan?.writes).toEqual([]);
    expect(plan?.next?.b?.version).toBe('vb2');
  });

  it('a new version whose hash differs but whose model equals the base (a property we do not map) is no change', () => {
    const row = linked('u1', a1, fetched('/b/u1', 'vb1', base));
    const churned = fetched('/b/u1', 'vb2', base, { hash: 'h:with an X-property we drop' });
    const [plan] = planRun([row], obs(), obs(present(churned)), defaultPolicy('a'));
    expect(plan?.cell).toBe('a-same/b-same');
    expect(plan?.next?.b?.hash).toBe('h:with an X-property we drop');
  });

  // The status store keeps 128 bits of a long hash (item_links: 16 bytes instead of 32 a hash). The hash must still
  // prove sameness when the model cannot: a side whose parse differs from the base it holds (here: an edit we never
  // saw, recorded with the hash of the content we last read) must not be propagated again on a version bump alone.
  describe('a shortened recorded hash', () => {
    const full = 'sha256:0e4d12a61c3feb356c49d625507763f994d8b3a745e91ff1384f326a09b6b478';
    const shortened = (keep: number) => `${full.slice(0, 'sha256:'.length + keep)}…`;
    const seenOnB = fetched('/b/u1', 'vb1', { ...base, summary: 'not the base' }, { hash: full });
    const rowWith = (hash: string): StatusRow => {
      const row = linked('u1', a1, seenOnB, base);
      return { ...row, b: { ...row.b!, hash } };
    };
    const bumped = (hash: string) => fetched('/b/u1', 'vb2', { ...base, summary: 'not the base' }, { hash });
    const planOf = (recorded: string, seen: string) =>
      planRun([rowWith(recorded)], obs(), obs(present(bumped(seen))), defaultPolicy('a'))[0]!;

    it('proves sameness when the fetched hash starts with what was kept (only the version is recorded)', () => {
      const plan = planOf(shortened(32), full);
      expect(plan.cell).toBe('a-same/b-same');
      expect(plan.writes).toEqual([]);
      expect(plan.next?.b?.version).toBe('vb2');
    });

    it('proves nothing when the start differs, is under 32 characters, lacks the mark or the fetched hash is empty', () => {
      const other = `${full.slice(0, 30)}ff${full.slice(32)}`;
      for (const [recorded, seen] of [
        [shortened(32), other],
        [`${full.slice(7, 7 + 31)}…`, full.slice(7)],
        [full.slice(0, 'sha256:'.length + 32), full],
        [shortened(32), ''],
        [`${full}…`, full],
      ] as const) {
        expect(planOf(recorded, seen).cell, `${recorded} / ${seen}`).toBe('a-same/b-changed');
      }
    });
  });
});
