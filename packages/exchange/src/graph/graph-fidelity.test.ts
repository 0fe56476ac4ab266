import type { ContactItem, EventItem, FetchedItem, PimItem, TaskItem } from '@exsync/core';
import { sampleContact, sampleEvent, sampleTask } from '@exsync/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphCollectionStore } from './graph-collection-store';
import { type GraphTestBed, startGraphTestBed } from './test-support';

let bed: GraphTestBed;
beforeAll(async () => {
  bed = await startGraphTestBed();
});
afterAll(() => bed.close());

async function readBack<I extends PimItem>(
  store: GraphCollectionStore,
  item: I,
): Promise<{ item: I; fetched: FetchedItem }> {
  const { ref } = await store.create(item, { marker: `m-${item.uid}` });
  for await (const r of store.getMany([ref.href])) {
    if (r.found) return { item: r.fetched.item as I, fetched: r.fetched };
  }
  throw new Error(`${item.uid} was not found after its create`);
}

describe('Graph fidelity: what Exchange receives is what the item says', () => {
  it('an event with DURATION instead of DTEND keeps its length in Exchange (PT1H45M; all-day P3D)', async () => {
    const { store, folderId } = await bed.freshStore('calendar');
    const timed = sampleEvent('dur-timed', '2030-03-05T09:00:00Z', { end: undefined, duration: 'PT1H45M' });
    const allDay = sampleEvent('dur-allday', '2030-03-05T00:00:00Z', {
      start: { kind: 'date', date: '2030-03-05' },
      end: undefined,
      duration: 'P3D',
    });
    const t = await readBack(store, timed);
    const a = await readBack(store, allDay);
    const held = bed.sim.store.listItems(bed.sim.store.findFolder(folderId)?.id ?? '');
    const length = (uid: string) => {
      const e = held.find((i) => i.kind === 'event' && i.extendedProperties.some((p) => p.value === uid));
      return e?.kind === 'event' ? (e.end - e.start) / 60_000 : undefined;
    };
    expect(length('dur-timed')).toBe(105);
    expect(length('dur-allday')).toBe(3 * 1440);
    expect(t.item.end).toEqual({ kind: 'utc', dateTime: '2030-03-05T10:45:00Z' });
    expect(a.item.end).toEqual({ kind: 'date', date: '2030-03-08' });
  });

  it('an event with CLASS:PUBLIC is accepted (Graph sensitivity "normal") and reads back without CLASS', async () => {
    const { store } = await bed.freshStore('calendar');
    const since = bed.sim.requests().at(-1)?.seq ?? 0;
    const { item } = await readBack(store, sampleEvent('public', '2030-03-05T09:00:00Z', { sensitivity: 'public' }));
    expect(item.sensitivity).toBeUndefined();
    const posts = bed.sim
      .requests({ face: 'graph', since })
      .filter((r) => r.method === 'POST' && r.url.endsWith('/events'));
    expect(posts.map((r) => r.status)).toEqual([201]);
  });

  it('an overridden occurrence with STATUS:CANCELLED does not happen in Exchange (it reads back as an excluded date)', async () => {
    const { store } = await bed.freshStore('calendar');
    const start = '2030-03-04T09:00:00Z';
    const series = sampleEvent('cancelled-exception', start, {
      recurrence: { freq: 'DAILY', count: 5 },
      exceptions: [
        {
          ...sampleEvent('x', '2030-03-06T09:00:00Z'),
          recurrenceId: { kind: 'utc', dateTime: '2030-03-06T09:00:00Z' } as const,
          status: 'cancelled' as const,
        },
      ].map(({ kind: _k, uid: _u, recurrence: _r, recurrenceDates: _d, excludedDates: _x, exceptions: _e, ...x }) => x),
    });
    const { item } = await readBack<EventItem>(store, series);
    expect(item.excludedDates).toEqual([{ kind: 'utc', dateTime: '2030-03-06T09:00:00Z' }]);
    expect(item.exceptions).toEqual([]);
  });

  it('cancelling an occurrence by an update (an exception with STATUS:CANCELLED) deletes it in Exchange', async () => {
    const { store } = await bed.freshStore('calendar');
    const series = sampleEvent('cancel-later', '2030-03-04T09:00:00Z', { recurrence: { freq: 'DAILY', count: 5 } });
    const { fetched } = await readBack<EventItem>(store, series);
    const {
      kind: _k,
      uid: _u,
      recurrence: _r,
      recurrenceDates: _d,
      excludedDates: _x,
      exceptions: _e,
      ...data
    } = sampleEvent('x', '2030-03-05T09:00:00Z');
    await store.update(fetched, {
      ...series,
      exceptions: [{ ...data, recurrenceId: { kind: 'utc', dateTime: '2030-03-05T09:00:00Z' }, status: 'cancelled' }],
    });
    for await (const r of store.getMany([fetched.ref.href])) {
      if (!r.found || r.fetched.item.kind !== 'event') throw new Error('the series is gone');
      expect(r.fetched.item.excludedDates).toEqual([{ kind: 'utc', dateTime: '2030-03-05T09:00:00Z' }]);
    }
  });
});

describe('Graph fidelity: reading what Exchange set', () => {
  it('an occurrence Exchange marked cancelled (isCancelled on an attendee’s copy) reads as a cancelled exception', async () => {
    const { store } = await bed.freshStore('calendar');
    const { fetched } = await readBack<EventItem>(
      store,
      sampleEvent('cancelled-by-organizer', '2030-03-04T09:00:00Z', { recurrence: { freq: 'DAILY', count: 3 } }),
    );
    const occurrence = bed.sim.store
      .instancesOf(fetched.ref.href, Date.parse('2030-03-05T00:00:00Z'), Date.parse('2030-03-06T00:00:00Z'))
      .at(0);
    bed.sim.store.updateOccurrence(occurrence?.id ?? '', { isCancelled: true });
    for await (const r of store.getMany([fetched.ref.href])) {
      if (!r.found || r.fetched.item.kind !== 'event') throw new Error('the series is gone');
      expect(r.fetched.item.exceptions.map((x) => [x.recurrenceId, x.status])).toEqual([
        [{ kind: 'utc', dateTime: '2030-03-05T09:00:00Z' }, 'cancelled'],
      ]);
    }
  });
});

describe('Graph fidelity: To Do tasks', () => {
  it('an all-day DUE and start come back as dates, not as UTC midnight (the evening before west of UTC)', async () => {
    const { store } = await bed.freshStore('tasks');
    const { item } = await readBack<TaskItem>(
      store,
      sampleTask('all-day-due', {
        start: { kind: 'date', date: '2030-03-04' },
        due: { kind: 'date', date: '2030-03-06' },
      }),
    );
    expect(item.due).toEqual({ kind: 'date', date: '2030-03-06' });
    expect(item.start).toEqual({ kind: 'date', date: '2030-03-04' });
  });
});

describe('Graph fidelity: contacts', () => {
  it('a contact’s ROLE survives (Graph’s profession)', async () => {
    const { store } = await bed.freshStore('addressbook');
    const { item } = await readBack<ContactItem>(store, sampleContact('role', { role: 'Project lead' }));
    expect(item.role).toBe('Project lead');
  });
});

describe('Graph create idempotency', () => {
  it('the same UID and marker created in two calendars makes two events (the retry key is per folder)', async () => {
    const a = await bed.freshStore('calendar');
    const b = await bed.freshStore('calendar');
    const item = sampleEvent('same-uid', '2030-03-04T09:00:00Z');
    const inA = await a.store.create(item, { marker: 'same-marker' });
    const inB = await b.store.create(item, { marker: 'same-marker' });
    expect(inB.ref.href).not.toBe(inA.ref.href);
    const listed = [];
    for await (const r of b.store.listWindow({ start: '2030-03-01T00:00:00Z', end: '2030-04-01T00:00:00Z' }))
      listed.push(r);
    expect(listed.map((r) => r.href)).toEqual([inB.ref.href]);
  });
});
