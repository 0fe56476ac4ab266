import { describe, expect, it } from 'vitest';
import { sampleTask } from '../testing/sample-items';
import { pairHarness } from './harness.test-support';
import { resolveQuarantined } from './quarantine';

async function massDeleted() {
  const h = pairHarness();
  for (let i = 0; i < 10; i++) h.a.put(sampleTask(`t${i}`));
  await h.sync();
  for (let i = 0; i < 8; i++) h.a.delete(`/a/t${i}`);
  await h.sync();
  const deps = { a: h.a, b: h.b, status: h.status, lock: h.lock };
  return { h, deps, held: await h.status.quarantined('p1') };
}

describe('resolveQuarantined', () => {
  it('restore brings the item back on the side it vanished from; apply deletes it; review ends with the last one', async () => {
    const { h, deps, held } = await massDeleted();
    expect(held).toHaveLength(8);
    const [first, second, ...rest] = held;
    expect(await resolveQuarantined(deps, 'p1', first!.id, 'restore')).toBe('done');
    expect(await resolveQuarantined(deps, 'p1', second!.id, 'apply')).toBe('done');
    expect(h.b.get(second!.href)).toBeUndefined();
    await h.sync();
    expect(h.a.findByUid(first!.ident)).toBeDefined();
    expect((await h.status.pairState('p1')).needsReview).toBe(true);
    for (const q of rest) await resolveQuarantined(deps, 'p1', q.id, 'apply');
    expect((await h.status.pairState('p1')).needsReview).toBe(false);
    expect(
      h.b
        .entries()
        .map((e) => e.item.uid)
        .sort(),
    ).toEqual([first!.ident, 't8', 't9'].sort());
    expect((await h.sync()).counts).toEqual({});
  });

  it('an item edited since it was quarantined is not deleted by a late approval', async () => {
    const { h, deps, held } = await massDeleted();
    const q = held[0]!;
    h.b.put(sampleTask(q.ident, { summary: 'still needed' }));
    expect(await resolveQuarantined(deps, 'p1', q.id, 'apply')).toBe('changed-since');
    expect(h.b.get(q.href)).toBeDefined();
    expect(await h.status.quarantined('p1')).toHaveLength(8);
  });

  it('refuses while a run holds the pair', async () => {
    const { h, deps, held } = await massDeleted();
    const release = await h.lock.tryAcquire('p1');
    expect(await resolveQuarantined(deps, 'p1', held[0]!.id, 'apply')).toBe('locked');
    await release!();
  });
});
