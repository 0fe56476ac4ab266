import { describe, expect, it } from 'vitest';
import { planRun } from './planner';
import { defaultPolicy } from './policy';
import { fetched, linked, obs, present, task } from './test-support';

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
});
