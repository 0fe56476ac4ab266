import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PimItem } from '../model/item';
import type { ConflictPolicy } from './policy';
import type { StatusStore } from './status-store';
import type { ModelOptions } from './sync-model.test-support';

/**
 * The model test (sync-model.test-support.ts) is only worth what it catches. Each case here breaks the engine on
 * purpose — by swapping one engine function for a broken version with `vi.doMock`, or by dropping the status
 * writes a broken executor would not make — and asserts that the model test then FAILS, for the expected reason.
 * Fixed seeds keep it deterministic; `endOnFailure` skips shrinking (only the failure matters here).
 */

type ModelModule = typeof import('./sync-model.test-support');

async function runModelAgainst(
  mock: () => void,
  options: ModelOptions = {},
  variant: 'same fields' | 'limited side' = 'same fields',
): Promise<{ failed: boolean; message: string }> {
  vi.resetModules();
  mock();
  const { modelProperty, limitedScenarioArb, scenarioArb } = (await import('./sync-model.test-support')) as ModelModule;
  const scenarios = variant === 'limited side' ? limitedScenarioArb : scenarioArb;
  const details = await fc.check(modelProperty(options, undefined, scenarios), {
    numRuns: 100,
    seed: 20261206,
    endOnFailure: true,
  });
  const error = details.errorInstance;
  return { failed: details.failed, message: error instanceof Error ? error.message : String(error) };
}

afterEach(() => {
  vi.doUnmock('./planner');
  vi.doUnmock('./merge');
  vi.resetModules();
});

describe('the model test catches a broken engine', () => {
  it('passes on the engine as it is (the control: same seed, same runs)', async () => {
    const result = await runModelAgainst(() => {});
    expect(result.failed, result.message).toBe(false);
  }, 120_000);

  it('mutant 1 — a planner that reverts every one-sided edit (writes the base instead of the changed side)', async () => {
    const result = await runModelAgainst(() => {
      vi.doMock('./planner', async (importOriginal) => {
        const real = await importOriginal<typeof import('./planner')>();
        return {
          ...real,
          planGroups: (...args: Parameters<typeof real.planGroups>) =>
            real.planGroups(...args).map(({ group, plan }) => {
              const changed =
                plan.cell === 'a-changed/b-same' ? 'a' : plan.cell === 'a-same/b-changed' ? 'b' : undefined;
              const base = plan.old?.base;
              const current = changed && group[changed]?.type === 'present' ? group[changed].fetched.item : undefined;
              if (!changed || !base || !current || !plan.next) return { group, plan };
              const revert = { ...base, uid: current.uid } as PimItem;
              return {
                group,
                plan: {
                  ...plan,
                  next: { ...plan.next, base },
                  writes: [{ type: 'update' as const, side: changed, item: revert }],
                },
              };
            }),
        };
      });
    });
    expect(result.failed).toBe(true);
    expect(result.message).toMatch(/converged to/);
  }, 120_000);

  it('mutant 2 — an executor without the crash-safety pending row (pendingCreate never reaches the status store)', async () => {
    const withoutPendingRow = (status: StatusStore): StatusStore => ({
      ...status,
      rows: (p) => status.rows(p),
      pairState: (p) => status.pairState(p),
      conflicts: (p) => status.conflicts(p),
      quarantined: (p) => status.quarantined(p),
      decideQuarantine: (p, id, d) => status.decideQuarantine(p, id, d),
      resolveQuarantine: (p, id) => status.resolveQuarantine(p, id),
      startRun: (p, o) => status.startRun(p, o),
      finishRun: (r, rec) => status.finishRun(r, rec),
      runs: (p) => status.runs(p),
      transaction: (p, fn) =>
        status.transaction(p, (tx) =>
          fn({ ...tx, put: async (row) => (row.pendingCreate === undefined ? tx.put(row) : undefined) }),
        ),
    });
    const result = await runModelAgainst(() => {}, { wrapStatus: withoutPendingRow });
    expect(result.failed).toBe(true);
    // A deletion or an edit made after a create of unknown outcome is undone: the result the oracle excludes.
    expect(result.message).toMatch(/converged to/);
  }, 120_000);

  it('mutant 3 — an engine that duplicates what it creates on side b only', async () => {
    const result = await runModelAgainst(() => {
      vi.doMock('./planner', async (importOriginal) => {
        const real = await importOriginal<typeof import('./planner')>();
        return {
          ...real,
          planGroups: (...args: Parameters<typeof real.planGroups>) =>
            real.planGroups(...args).map(({ group, plan }) => ({
              group,
              plan: {
                ...plan,
                writes: plan.writes.flatMap((w) =>
                  w.type === 'create' && w.side === 'b'
                    ? [w, { ...w, item: { ...w.item, uid: `${w.item.uid}-again` } as PimItem }]
                    : [w],
                ),
              },
            })),
        };
      });
    });
    expect(result.failed).toBe(true);
    expect(result.message).toMatch(/duplicate of \S+ on side b/);
  }, 120_000);

  it('mutant 5 — no reconcile after a change log was pruned (its lost changes are never found)', async () => {
    const result = await runModelAgainst(() => {}, { reconcileAfterPrune: false });
    expect(result.failed).toBe(true);
    expect(result.message).toMatch(/converged to/);
  }, 120_000);

  it('mutant 4 — a conflict resolution that ignores the policy (side a always wins)', async () => {
    const result = await runModelAgainst(() => {
      vi.doMock('./merge', async (importOriginal) => {
        const real = await importOriginal<typeof import('./merge')>();
        const aWins: ConflictPolicy = { type: 'side-wins', side: 'a' };
        return {
          ...real,
          resolveConflict: (_policy: ConflictPolicy, ...rest: [never, PimItem, PimItem, { a?: string; b?: string }]) =>
            real.resolveConflict(aWins, ...rest),
        };
      });
    });
    expect(result.failed).toBe(true);
    expect(result.message).toMatch(/converged to/);
  }, 120_000);

  it('the capability variant passes on the engine as it is (the control: same seed, same runs)', async () => {
    const result = await runModelAgainst(() => {}, {}, 'limited side');
    expect(result.failed, result.message).toBe(false);
  }, 120_000);

  it('mutant 6 — a merge that ignores what each side holds (a field a side cannot hold, absent there, reads as deleted)', async () => {
    const result = await runModelAgainst(
      () => {
        vi.doMock('./merge', async (importOriginal) => {
          const real = await importOriginal<typeof import('./merge')>();
          return {
            ...real,
            mergeFields: (input: Parameters<typeof real.mergeFields>[0]) => real.mergeFields({ ...input, holds: {} }),
          };
        });
      },
      {},
      'limited side',
    );
    expect(result.failed).toBe(true);
    // The failing item was predicted to keep the URL only the full side holds; the mutant lost it there.
    expect(result.message).toMatch(/converged to .*possible: .*"url":"https:\/\/example\.org\//);
  }, 120_000);
});
