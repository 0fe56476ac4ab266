import { defaultPolicy, MemoryPairLock, MemoryStatusStore, syncPair } from '@exsync/core';
import { MemoryStore, sampleEvent } from '@exsync/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GraphTestBed, startGraphTestBed } from './test-support';

const WINDOW = { start: '2030-03-01T00:00:00Z', end: '2030-04-01T00:00:00Z' };

let bed: GraphTestBed;
beforeAll(async () => {
  bed = await startGraphTestBed();
});
afterAll(() => bed.close());

describe('syncPair between an Exchange Online calendar (Graph) and a memory store', () => {
  it('converges both ways, then stays quiet; Outlook and Nextcloud edits and an Outlook deletion cross over', async () => {
    const { store: graph, folderId } = await bed.freshStore('calendar');
    const memory = new MemoryStore({ hrefPrefix: '/nc/', kinds: ['event'] });
    const status = new MemoryStatusStore();
    const lock = new MemoryPairLock();
    const sync = () =>
      syncPair(
        { a: graph, b: memory, status, lock },
        { pair: 'graph-mem', policy: defaultPolicy('a'), window: WINDOW },
      );

    const outlook = bed.sim.store.createEvent(folderId, {
      subject: 'From Outlook',
      start: Date.parse('2030-03-10T09:00:00Z'),
      end: Date.parse('2030-03-10T10:00:00Z'),
      timeZone: 'UTC',
      isReminderOn: false,
    });
    memory.put(sampleEvent('nc-1', '2030-03-11T09:00:00Z', { summary: 'From Nextcloud' }));

    const first = await sync();
    expect(first.outcome).toBe('success');
    expect(first.counts).toEqual({ a_to_b: { create: 1 }, b_to_a: { create: 1 } });
    const summaries = () => ({
      graph: bed.sim.store
        .listItems(folderId)
        .map((i) => (i.kind === 'event' ? i.subject : ''))
        .sort(),
      memory: memory
        .entries()
        .map((e) => (e.item.kind === 'event' ? e.item.summary : ''))
        .sort(),
    });
    expect(summaries()).toEqual({
      graph: ['From Nextcloud', 'From Outlook'],
      memory: ['From Nextcloud', 'From Outlook'],
    });

    const quiet = await sync();
    expect(quiet.outcome).toBe('success');
    expect(quiet.counts).toEqual({});

    bed.sim.store.updateItem(outlook.id, { subject: 'Edited in Outlook' });
    const ncEntry = memory.findByUid('nc-1');
    if (ncEntry?.item.kind !== 'event') throw new Error('nc-1 missing');
    memory.put({ ...ncEntry.item, summary: 'Edited in Nextcloud', location: 'Room 2' });
    const edits = await sync();
    expect(edits.counts).toEqual({ a_to_b: { update: 1 }, b_to_a: { update: 1 } });
    expect(summaries()).toEqual({
      graph: ['Edited in Nextcloud', 'Edited in Outlook'],
      memory: ['Edited in Nextcloud', 'Edited in Outlook'],
    });

    bed.sim.store.deleteItem(outlook.id);
    const deletion = await sync();
    expect(deletion.counts).toEqual({ a_to_b: { delete: 1 } });
    expect(summaries()).toEqual({ graph: ['Edited in Nextcloud'], memory: ['Edited in Nextcloud'] });
    expect(await sync()).toMatchObject({ outcome: 'success', counts: {} });
    expect(bed.sim.sentMail()).toEqual([]);
  });
});
