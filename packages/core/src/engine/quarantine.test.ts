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

  it('an item edited since it was quarantined is not deleted by a late approval: the edit wins and comes back', async () => {
    const { h, deps, held } = await massDeleted();
    const q = held[0]!;
    h.b.put(sampleTask(q.ident, { summary: 'still needed' }));
    expect(await resolveQuarantined(deps, 'p1', q.id, 'apply')).toBe('changed-since');
    expect(h.b.get(q.href)).toBeDefined();
    expect(await h.status.quarantined('p1')).toHaveLength(7);
    await h.sync();
    expect(h.a.findByUid(q.ident)?.item).toMatchObject({ summary: 'still needed' });
  });

  it('acts on the held deletion asked for, in any order; an unknown one is not found', async () => {
    const { h, deps, held } = await massDeleted();
    const last = held[held.length - 1]!;
    expect(await resolveQuarantined(deps, 'p1', last.id, 'apply')).toBe('done');
    expect(h.b.get(last.href)).toBeUndefined();
    expect(h.b.get(held[0]!.href)).toBeDefined();
    expect((await h.status.quarantined('p1')).map((q) => q.id)).not.toContain(last.id);
    expect(await resolveQuarantined(deps, 'p1', 'no-such-id', 'apply')).toBe('not-found');
    expect(await h.status.quarantined('p1')).toHaveLength(7);
  });

  it('approving a deletion of an item someone already deleted completes it', async () => {
    const { h, deps, held } = await massDeleted();
    const q = held[0]!;
    h.b.delete(q.href);
    expect(await resolveQuarantined(deps, 'p1', q.id, 'apply')).toBe('done');
    expect((await h.status.rows('p1')).map((r) => r.ident)).not.toContain(q.ident);
    expect((await h.sync()).counts).toEqual({});
  });

  it('a held deletion whose item is gone from both sides meanwhile is settled by either decision, creating nothing', async () => {
    const { h, deps, held } = await massDeleted();
    const [first, second] = held;
    h.b.delete(first!.href);
    h.b.delete(second!.href);
    await h.sync();
    expect(await resolveQuarantined(deps, 'p1', first!.id, 'restore')).toBe('done');
    expect(await resolveQuarantined(deps, 'p1', second!.id, 'apply')).toBe('done');
    await h.sync();
    expect(h.a.findByUid(first!.ident)).toBeUndefined();
    expect(h.b.findByUid(first!.ident)).toBeUndefined();
    expect(await h.status.quarantined('p1')).toHaveLength(6);
  });

  it('an approval whose delete fails for now fails loudly and stays held, to be decided again', async () => {
    const { h, deps, held } = await massDeleted();
    const q = held[0]!;
    h.b.failNextWrite();
    await expect(resolveQuarantined(deps, 'p1', q.id, 'apply')).rejects.toThrow(/Injected failure/);
    expect(h.b.get(q.href)).toBeDefined();
    expect((await h.status.quarantined('p1')).map((x) => x.id)).toContain(q.id);
  });

  it('refuses while a run holds the pair', async () => {
    const { h, deps, held } = await massDeleted();
    const release = await h.lock.tryAcquire('p1');
    expect(await resolveQuarantined(deps, 'p1', held[0]!.id, 'apply')).toBe('locked');
    await release!();
  });
});

describe('decisions recorded for the next run', () => {
  it('held deletions stay held and the pair in review, run after run, without being asked again', async () => {
    const { h, held } = await massDeleted();
    expect(held).toHaveLength(8);
    const again = await h.sync();
    expect(again.needsReview).toBe(true);
    expect(again.counts).toEqual({});
    const reconciled = await h.sync({ reconcile: true });
    expect(reconciled.needsReview).toBe(true);
    expect(await h.status.quarantined('p1')).toHaveLength(8);
    expect(h.b.entries()).toHaveLength(10);
  });

  it('the next run carries out each decision: restore re-creates on the deleting side, apply deletes; review ends with the last', async () => {
    const { h, held } = await massDeleted();
    const [first, second, ...rest] = held;
    expect(await h.status.decideQuarantine('p1', first!.id, 'restore')).toBe(true);
    expect(await h.status.decideQuarantine('p1', second!.id, 'apply')).toBe(true);
    const run = await h.sync();
    expect(run.needsReview).toBe(true);
    expect(h.a.findByUid(first!.ident)).toBeDefined();
    expect(h.b.get(second!.href)).toBeUndefined();
    expect(await h.status.quarantined('p1')).toHaveLength(6);
    for (const q of rest) await h.status.decideQuarantine('p1', q.id, 'apply');
    const last = await h.sync();
    expect(last.needsReview).toBe(false);
    expect((await h.status.pairState('p1')).needsReview).toBe(false);
    expect(
      h.b
        .entries()
        .map((e) => e.item.uid)
        .sort(),
    ).toEqual([first!.ident, 't8', 't9'].sort());
    expect(
      h.a
        .entries()
        .map((e) => e.item.uid)
        .sort(),
    ).toEqual([first!.ident, 't8', 't9'].sort());
    expect((await h.sync()).counts).toEqual({});
  });

  it('a restore decided after a quiet run is still carried out, though neither side reports a change', async () => {
    const { h, held } = await massDeleted();
    // A normal run in between: both sides' tokens move on, so the deciding run observes nothing on either side.
    expect((await h.sync()).counts).toEqual({});
    const [first] = held;
    expect(await h.status.decideQuarantine('p1', first!.id, 'restore')).toBe(true);
    await h.sync();
    expect(h.a.findByUid(first!.ident)).toBeDefined();
    expect(await h.status.quarantined('p1')).toHaveLength(7);
  });

  it('a dry run carries out no decision', async () => {
    const { h, held } = await massDeleted();
    await h.status.decideQuarantine('p1', held[0]!.id, 'apply');
    await h.sync({ dryRun: true });
    expect(await h.status.quarantined('p1')).toHaveLength(8);
  });
});
