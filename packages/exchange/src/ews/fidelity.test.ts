import type { CollectionStore, EventItem, FetchedItem, PimItem, TaskItem } from '@exsync/core';
import { sampleContact, sampleEvent, sampleTask } from '@exsync/core/testing';
import type { CalendarEvent, Contact as SimContact, Task as SimTask } from '@exsync/exchange-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EwsCollectionStore } from './ews-collection-store';
import { ALICE, type SimHarness, startSimulator } from './test-simulator';

/**
 * Issue 8 (fidelity): each test names a way the EWS mapping used to lose or bend what the model said, and proves
 * through the simulator that a write followed by a read keeps it.
 */
let h: SimHarness;
let n = 0;

beforeAll(async () => {
  h = await startSimulator();
});
afterAll(() => h?.close());

function fresh(kind: 'calendar' | 'tasks' | 'addressbook'): EwsCollectionStore {
  const simKind = kind === 'addressbook' ? 'contacts' : kind;
  const folder = h.sim.store.createFolder(ALICE, { kind: simKind, displayName: `fid ${kind} ${++n}` });
  return new EwsCollectionStore(h.config({ id: folder.id, kind }));
}

async function roundTrip<I extends PimItem>(store: CollectionStore, item: I): Promise<{ href: string; read: I }> {
  const created = await store.create(item, { marker: 'm' });
  const read = await fetchOne(store, created.ref.href);
  return { href: created.ref.href, read: read.item as I };
}

async function fetchOne(store: CollectionStore, href: string): Promise<FetchedItem> {
  for await (const r of store.getMany([href])) if (r.found) return r.fetched;
  throw new Error(`${href} not found`);
}

const zoned = (dateTime: string, tzid: string) => ({ kind: 'zoned', dateTime, tzid }) as const;
const utc = (dateTime: string) => ({ kind: 'utc', dateTime }) as const;
const date = (d: string) => ({ kind: 'date', date: d }) as const;
const simEvent = (href: string) => h.sim.store.getItem(href) as CalendarEvent;
const MIN = 60_000;

describe('DURATION instead of DTEND', () => {
  it('an event with DURATION PT1H45M arrives 105 minutes long, not zero-length', async () => {
    const { end: _e, ...rest } = sampleEvent('dur-1', '2030-03-02T18:00:00Z');
    const event: EventItem = { ...rest, duration: 'PT1H45M' };
    const { href, read } = await roundTrip(fresh('calendar'), event);
    const stored = simEvent(href);
    expect((stored.end - stored.start) / MIN).toBe(105);
    expect(read.end).toEqual(utc('2030-03-02T19:45:00Z'));
  });

  it('an all-day event with DURATION P3D arrives three days long, not one', async () => {
    const { end: _e, ...rest } = sampleEvent('dur-2', '2030-03-02T00:00:00Z');
    const event: EventItem = { ...rest, start: date('2030-03-10'), duration: 'P3D' };
    const { read } = await roundTrip(fresh('calendar'), event);
    expect([read.start, read.end]).toEqual([date('2030-03-10'), date('2030-03-13')]);
  });

  it('a day of DURATION is nominal: P1D across the spring DST change ends at the same wall-clock time', async () => {
    const { end: _e, ...rest } = sampleEvent('dur-3', '2030-03-30T09:00:00Z');
    const event: EventItem = { ...rest, start: zoned('2030-03-30T10:00:00', 'Europe/Berlin'), duration: 'P1DT30M' };
    const { href, read } = await roundTrip(fresh('calendar'), event);
    expect(read.end).toEqual(zoned('2030-03-31T10:30:00', 'Europe/Berlin'));
    const stored = simEvent(href);
    expect((stored.end - stored.start) / MIN).toBe(23 * 60 + 30);
  });
});

describe('creating a series', () => {
  it('creating a series writes its exceptions and deleted occurrences, not only update', async () => {
    const store = fresh('calendar');
    const master = sampleEvent('series-create', '2030-03-04T09:00:00Z', { recurrence: { freq: 'WEEKLY', count: 4 } });
    const {
      kind: _k,
      uid: _u,
      recurrence: _r,
      recurrenceDates: _d,
      excludedDates: _x,
      exceptions: _e,
      ...data
    } = master;
    const series: EventItem = {
      ...master,
      exceptions: [
        {
          ...data,
          recurrenceId: utc('2030-03-11T09:00:00Z'),
          start: utc('2030-03-11T11:00:00Z'),
          end: utc('2030-03-11T12:00:00Z'),
          summary: 'Moved',
        },
      ],
      excludedDates: [utc('2030-03-18T09:00:00Z')],
    };
    const { href, read } = await roundTrip(store, series);
    expect(read.exceptions.map((e) => [e.recurrenceId, e.start, e.end, e.summary])).toEqual([
      [utc('2030-03-11T09:00:00Z'), utc('2030-03-11T11:00:00Z'), utc('2030-03-11T12:00:00Z'), 'Moved'],
    ]);
    expect(read.excludedDates).toEqual([utc('2030-03-18T09:00:00Z')]);
    const starts = h.sim.store
      .instancesOf(href, Date.parse('2030-03-01T00:00:00Z'), Date.parse('2030-04-01T00:00:00Z'))
      .map((o) => new Date(o.fields.start).toISOString());
    expect(starts).toEqual(['2030-03-04T09:00:00.000Z', '2030-03-11T11:00:00.000Z', '2030-03-25T09:00:00.000Z']);
  });
});

describe('exceptions are whole events', () => {
  it('an exception without the location and attendees of its series is written without them', async () => {
    const master = sampleEvent('sparse-exception', '2030-03-04T09:00:00Z', {
      location: 'Room 1',
      attendees: [{ email: 'bob@example.org', role: 'required', status: 'needs-action' }],
      recurrence: { freq: 'WEEKLY', count: 3 },
    });
    const {
      kind: _k,
      uid: _u,
      recurrence: _r,
      recurrenceDates: _d,
      excludedDates: _x,
      exceptions: _e,
      ...data
    } = master;
    const { location: _l, ...withoutLocation } = data;
    const series: EventItem = {
      ...master,
      exceptions: [{ ...withoutLocation, attendees: [], recurrenceId: master.start, summary: 'Alone' }],
    };
    const { read } = await roundTrip(fresh('calendar'), series);
    expect(read.exceptions.map((x) => [x.summary, x.location, x.attendees])).toEqual([['Alone', undefined, []]]);
  });

  it('a zoned series gets its exceptions written (an occurrence keeps the series zone)', async () => {
    const paris = (dateTime: string) => zoned(dateTime, 'Europe/Paris');
    const master = sampleEvent('zoned-exception', '2030-03-04T08:00:00Z', {
      start: paris('2030-03-04T09:00:00'),
      end: paris('2030-03-04T10:00:00'),
      recurrence: { freq: 'WEEKLY', count: 3 },
    });
    const {
      kind: _k,
      uid: _u,
      recurrence: _r,
      recurrenceDates: _d,
      excludedDates: _x,
      exceptions: _e,
      ...data
    } = master;
    const series: EventItem = {
      ...master,
      exceptions: [
        {
          ...data,
          recurrenceId: paris('2030-03-11T09:00:00'),
          start: paris('2030-03-11T15:00:00'),
          end: paris('2030-03-11T16:00:00'),
        },
      ],
    };
    const { read } = await roundTrip(fresh('calendar'), series);
    expect(read.exceptions.map((x) => x.start)).toEqual([paris('2030-03-11T15:00:00')]);
  });
});

describe('recurrence patterns', () => {
  it('reads the interval of a series: biweekly stays biweekly, every 3 days stays every 3 days', async () => {
    const store = fresh('calendar');
    const biweekly = sampleEvent('interval-2w', '2030-03-04T09:00:00Z', {
      recurrence: { freq: 'WEEKLY', interval: 2, byDay: [{ day: 'MO' }], count: 3 },
    });
    const every3 = sampleEvent('interval-3d', '2030-03-04T09:00:00Z', {
      recurrence: { freq: 'DAILY', interval: 3, count: 3 },
    });
    expect((await roundTrip(store, biweekly)).read.recurrence).toEqual(biweekly.recurrence);
    expect((await roundTrip(store, every3)).read.recurrence).toEqual(every3.recurrence);
  });

  it('computes the implicit weekday and month day of a series in its own zone, not in UTC', async () => {
    const store = fresh('calendar');
    // Monday 08:00 in Tokyo is Sunday 23:00 UTC; the 1st at 08:00 in Tokyo is the 31st in UTC.
    const weekly = sampleEvent('tokyo-weekly', '2030-03-03T23:00:00Z', {
      start: zoned('2030-03-04T08:00:00', 'Asia/Tokyo'),
      end: zoned('2030-03-04T09:00:00', 'Asia/Tokyo'),
      recurrence: { freq: 'WEEKLY', count: 3 },
    });
    const monthly = sampleEvent('tokyo-monthly', '2030-03-31T23:00:00Z', {
      start: zoned('2030-04-01T08:00:00', 'Asia/Tokyo'),
      end: zoned('2030-04-01T09:00:00', 'Asia/Tokyo'),
      recurrence: { freq: 'MONTHLY', count: 3 },
    });
    const w = await roundTrip(store, weekly);
    expect(w.read.recurrence).toEqual({ freq: 'WEEKLY', count: 3, byDay: [{ day: 'MO' }] });
    expect(simEvent(w.href).recurrence?.range.startDate).toBe('2030-03-04');
    const wStarts = h.sim.store
      .instancesOf(w.href, Date.parse('2030-03-01T00:00:00Z'), Date.parse('2030-04-01T00:00:00Z'))
      .map((o) => new Date(o.fields.start).toISOString());
    expect(wStarts).toEqual(['2030-03-03T23:00:00.000Z', '2030-03-10T23:00:00.000Z', '2030-03-17T23:00:00.000Z']);
    const m = await roundTrip(store, monthly);
    expect(m.read.recurrence).toEqual({ freq: 'MONTHLY', count: 3, byMonthDay: [1] });
  });

  it('writes FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR ("every weekday") as a weekly pattern on those days', async () => {
    const store = fresh('calendar');
    const weekdays = (['MO', 'TU', 'WE', 'TH', 'FR'] as const).map((day) => ({ day }));
    const event = sampleEvent('every-weekday', '2030-03-04T09:00:00Z', {
      recurrence: { freq: 'DAILY', byDay: weekdays, count: 7 },
    });
    const { href, read } = await roundTrip(store, event);
    expect(simEvent(href).recurrence?.pattern).toMatchObject({ type: 'weekly', interval: 1 });
    expect(read.recurrence).toEqual({ freq: 'WEEKLY', byDay: weekdays, count: 7 });
    const starts = h.sim.store
      .instancesOf(href, Date.parse('2030-03-01T00:00:00Z'), Date.parse('2030-04-01T00:00:00Z'))
      .map((o) => new Date(o.fields.start).toISOString().slice(0, 10));
    expect(starts).toEqual([
      '2030-03-04',
      '2030-03-05',
      '2030-03-06',
      '2030-03-07',
      '2030-03-08',
      '2030-03-11',
      '2030-03-12',
    ]);
  });
});

describe('tasks', () => {
  it('writes the completion date of a completed task', async () => {
    const task = sampleTask('task-done', {
      status: 'completed',
      completed: utc('2030-03-05T14:00:00Z'),
      due: date('2030-03-06'),
    });
    const { href, read } = await roundTrip(fresh('tasks'), task);
    expect((h.sim.store.getItem(href) as SimTask).completedDateTime).toBeDefined();
    expect(read.completed).toBeDefined();
    expect(read.status).toBe('completed');
  });

  it('maps the recurrence of a task', async () => {
    const task = sampleTask('task-weekly', {
      due: date('2030-03-04'),
      recurrence: { freq: 'WEEKLY', interval: 2, byDay: [{ day: 'MO' }] },
    });
    const { href, read } = await roundTrip(fresh('tasks'), task);
    expect((h.sim.store.getItem(href) as SimTask).recurrence?.pattern).toMatchObject({ type: 'weekly', interval: 2 });
    expect(read.recurrence).toEqual(task.recurrence);
  });

  it('reads a date-only due and start back as dates, not as UTC midnight', async () => {
    const task: TaskItem = sampleTask('task-dates', { start: date('2030-03-04'), due: date('2030-03-06') });
    const { read } = await roundTrip(fresh('tasks'), task);
    expect([read.start, read.due]).toEqual([date('2030-03-04'), date('2030-03-06')]);
  });
});

describe('contacts', () => {
  it('writes a year-less birthday as Outlook does (1604) and reads 1604 back as no year', async () => {
    const contact = sampleContact('bday-noyear', { birthday: { month: 7, day: 14 } });
    const { href, read } = await roundTrip(fresh('addressbook'), contact);
    expect((h.sim.store.getItem(href) as SimContact).birthday).toBe('1604-07-14');
    expect(read.birthday).toEqual({ month: 7, day: 14 });
  });

  it('stores a business fax over EWS', async () => {
    const contact = sampleContact('fax', {
      phones: [
        { value: '+49 30 1234', types: ['work', 'voice'] },
        { value: '+49 30 1235', types: ['work', 'fax'] },
      ],
    });
    const { read } = await roundTrip(fresh('addressbook'), contact);
    expect(read.phones).toEqual(contact.phones);
  });
});

describe('Windows time zones', () => {
  it('writes a zone the library knows only by its Windows id (Europe/Kyiv) with that zone, not as UTC', async () => {
    const kyiv = (dateTime: string) => zoned(dateTime, 'Europe/Kyiv');
    const event = sampleEvent('kyiv', '2030-03-04T07:00:00Z', {
      start: kyiv('2030-03-04T09:00:00'),
      end: kyiv('2030-03-04T10:00:00'),
    });
    const { href, read } = await roundTrip(fresh('calendar'), event);
    expect(simEvent(href).timeZone).not.toBe('UTC');
    // Exchange names the zone by its Windows id; CLDR's canonical IANA zone for it is Europe/Kiev.
    expect(read.start).toEqual(zoned('2030-03-04T09:00:00', 'Europe/Kiev'));
  });

  it('knows "Pacific Standard Time (Mexico)": an Outlook appointment in it reads as America/Tijuana', async () => {
    const folder = h.sim.store.createFolder(ALICE, { kind: 'calendar', displayName: `fid tz ${++n}` });
    const store = new EwsCollectionStore(h.config({ id: folder.id, kind: 'calendar' }));
    const created = await store.create(
      sampleEvent('tijuana', '2030-03-04T17:00:00Z', {
        start: zoned('2030-03-04T09:00:00', 'America/Tijuana'),
        end: zoned('2030-03-04T10:00:00', 'America/Tijuana'),
      }),
      { marker: 'm' },
    );
    const read = (await fetchOne(store, created.ref.href)).item as EventItem;
    expect(read.start).toEqual(zoned('2030-03-04T09:00:00', 'America/Tijuana'));
    expect(simEvent(created.ref.href).timeZone).toBe('America/Tijuana');
  });
});
