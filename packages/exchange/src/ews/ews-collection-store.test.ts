import {
  AuthError,
  type CollectionStore,
  type FetchedItem,
  InvalidSyncTokenError,
  RetryableError,
  type SyncWindow,
} from '@exsync/core';
import { sampleContact, sampleEvent, sampleTask } from '@exsync/core/testing';
import { type CalendarEvent, weeklySeries } from '@exsync/exchange-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXSYNC_MARKER_PROPERTY_NAME, EXSYNC_MARKER_PROPERTY_SET } from '../marker-property';
import { EwsCollectionStore, type EwsCollectionStoreOptions } from './ews-collection-store';
import { ALICE, BOB, basic, PASSWORD, type SimHarness, startSimulator } from './test-simulator';

const WINDOW: SyncWindow = { start: '2030-03-01T00:00:00Z', end: '2030-04-01T00:00:00Z' };
let h: SimHarness;
let n = 0;

beforeAll(async () => {
  h = await startSimulator();
});
afterAll(() => h?.close());

function freshCalendar(
  auth = basic(),
  options: EwsCollectionStoreOptions = {},
): { store: EwsCollectionStore; folderId: string } {
  const folder = h.sim.store.createFolder(ALICE, { kind: 'calendar', displayName: `cal ${++n}` });
  return {
    store: new EwsCollectionStore(h.config({ id: folder.id, kind: 'calendar' }, auth), options),
    folderId: folder.id,
  };
}

/** One try only: these tests read how a single failure is classified, not the retry rule. */
const ONE_TRY: EwsCollectionStoreOptions = { retry: { retries: 0, maxWaitMs: 0, baseWaitMs: 0 } };

async function fetchOne(store: CollectionStore, href: string): Promise<FetchedItem> {
  for await (const r of store.getMany([href])) if (r.found) return r.fetched;
  throw new Error(`${href} not found`);
}

async function drain(store: CollectionStore, token: string) {
  const changes = [];
  let next = token;
  for (;;) {
    const page = await store.changesSince(next);
    changes.push(...page.changes);
    next = page.nextToken;
    if (!page.more) return { changes, nextToken: next };
  }
}

const ewsRequests = () => h.sim.requests({ face: 'ews' }).length;

describe('authentication', () => {
  it('works with Basic credentials of the impersonating service account', async () => {
    const { store } = freshCalendar();
    const created = await store.create(sampleEvent('auth-basic', '2030-03-02T10:00:00Z'), { marker: 'm' });
    expect((await fetchOne(store, created.ref.href)).item.uid).toBe('auth-basic');
  });

  it('works with NTLM: the type1/type2/type3 handshake precedes each call', async () => {
    const { store } = freshCalendar({ kind: 'ntlm', username: 'CONTOSO\\svc-sync', password: PASSWORD });
    const before = h.sim.requests({ face: 'ews' }).length;
    await store.startToken(WINDOW);
    const log = h.sim.requests({ face: 'ews' }).slice(before);
    expect(log.map((e) => [e.method, e.status])).toEqual([
      ['GET', 401],
      ['POST', 200],
    ]);
    expect(log[1]?.client).toBe('CONTOSO\\svc-sync');
  });

  it('works with an OAuth client-credentials token from msal-node, fetched once and cached', async () => {
    const tokenCalls = () => h.sim.requests({ face: 'entra' }).filter((e) => e.url.includes('/token')).length;
    const before = tokenCalls();
    const { store } = freshCalendar({
      kind: 'oauth',
      clientId: 'app-ews',
      clientSecret: 's3cret',
      authority: `https://login.sim.invalid/${h.sim.tenantId}`,
      knownAuthorities: ['login.sim.invalid'],
      authorityMetadata: h.sim.msalAuthorityMetadata(),
    });
    const token = await store.startToken(WINDOW);
    await store.changesSince(token);
    expect(tokenCalls() - before).toBe(1);
    const last = h.sim.requests({ face: 'ews' }).at(-1);
    expect(last).toMatchObject({ status: 200, client: 'app-ews', anchorMailbox: ALICE });
  });

  it('turns a 401 into AuthError and sends no further request with that credential', async () => {
    const { store } = freshCalendar(basic('wrong password'));
    const before = ewsRequests();
    await expect(store.startToken(WINDOW)).rejects.toBeInstanceOf(AuthError);
    const afterFirst = ewsRequests();
    expect(afterFirst - before).toBe(1);
    await expect(store.changesSince('ews1:anything')).rejects.toBeInstanceOf(AuthError);
    await expect(store.create(sampleEvent('x', '2030-03-02T10:00:00Z'), { marker: 'm' })).rejects.toBeInstanceOf(
      AuthError,
    );
    expect(ewsRequests()).toBe(afterFirst);
    // Another store (another folder or mailbox) with the same refused credential sends nothing either.
    const sibling = new EwsCollectionStore(h.config('contacts', basic('wrong password')));
    await expect(sibling.startToken(WINDOW)).rejects.toBeInstanceOf(AuthError);
    expect(ewsRequests()).toBe(afterFirst);
  });

  it('reports a mailbox the account may not impersonate, or that does not exist, as AuthError naming which', async () => {
    const denied = new EwsCollectionStore(h.config('calendar', basic(), BOB));
    await expect(denied.startToken(WINDOW)).rejects.toMatchObject({ code: 'auth', refused: 'mailbox-access-denied' });
    const missing = new EwsCollectionStore(h.config('calendar', basic(), 'nobody@contoso.com'));
    await expect(missing.startToken(WINDOW)).rejects.toMatchObject({ code: 'auth', refused: 'mailbox-missing' });
  });

  it('sets X-AnchorMailbox to the impersonated mailbox', async () => {
    const { store } = freshCalendar();
    await store.startToken(WINDOW);
    expect(h.sim.requests({ face: 'ews' }).at(-1)).toMatchObject({ anchorMailbox: ALICE, mailbox: ALICE });
  });
});

describe('change feed', () => {
  it('sees an Outlook-side edit as an upsert with the new ChangeKey, and reads the new content', async () => {
    const { store } = freshCalendar();
    const created = await store.create(sampleEvent('outlook-edit', '2030-03-03T10:00:00Z'), { marker: 'm' });
    const token = await store.startToken(WINDOW);
    const edited = h.sim.store.updateItem<CalendarEvent>(created.ref.href, { subject: 'Renamed in Outlook' });
    const { changes } = await drain(store, token);
    expect(changes).toEqual([{ type: 'upsert', ref: { href: created.ref.href, version: edited.changeKey } }]);
    const fetched = await fetchOne(store, created.ref.href);
    expect(fetched.item.kind === 'event' && fetched.item.summary).toBe('Renamed in Outlook');
  });

  it('reports an edited exception as an upsert of the series master, whose read carries the exception', async () => {
    const { store, folderId } = freshCalendar();
    const series = sampleEvent('series-ex', '2030-03-04T09:00:00Z', { recurrence: { freq: 'WEEKLY', count: 4 } });
    const created = await store.create(series, { marker: 'm' });
    const token = await store.startToken(WINDOW);
    const [, second] = h.sim.store.instancesOf(
      created.ref.href,
      Date.parse('2030-03-01T00:00:00Z'),
      Date.parse('2030-04-01T00:00:00Z'),
    );
    expect(second).toBeDefined();
    h.sim.store.updateOccurrence(second!.id, { subject: 'Moved once' });
    const { changes } = await drain(store, token);
    expect(changes.map((c) => (c.type === 'upsert' ? c.ref.href : c.href))).toEqual([created.ref.href]);
    const fetched = await fetchOne(store, created.ref.href);
    if (fetched.item.kind !== 'event') throw new Error('expected an event');
    expect(fetched.item.recurrence).toMatchObject({ freq: 'WEEKLY', count: 4 });
    expect(fetched.item.exceptions).toHaveLength(1);
    expect(fetched.item.exceptions[0]).toMatchObject({
      summary: 'Moved once',
      recurrenceId: { kind: 'utc', dateTime: '2030-03-11T09:00:00Z' },
    });
    expect(h.sim.store.listItems(folderId)).toHaveLength(1);
  });

  it('rejects a tampered token as InvalidSyncTokenError', async () => {
    const { store } = freshCalendar();
    await store.create(sampleEvent('tamper', '2030-03-05T10:00:00Z'), { marker: 'm' });
    const token = await store.startToken(WINDOW);
    const state = token.slice('ews1:'.length);
    const tampered = `ews1:${state.slice(0, 8)}${state.slice(8, 9) === 'A' ? 'B' : 'A'}${state.slice(9)}`;
    await expect(store.changesSince(tampered)).rejects.toBeInstanceOf(InvalidSyncTokenError);
    await expect(store.changesSince(`ews1:${state.slice(0, state.length / 2)}`)).rejects.toBeInstanceOf(
      InvalidSyncTokenError,
    );
  });

  it('pages the change feed: startToken walks the initial sync to "now", changes come in pages with more', async () => {
    const folder = h.sim.store.createFolder(ALICE, { kind: 'tasks', displayName: `paged ${++n}` });
    const store = new EwsCollectionStore(h.config({ id: folder.id, kind: 'tasks' }), { syncPageSize: 2 });
    for (let i = 0; i < 5; i++) h.sim.store.createTask(folder.id, { title: `old ${i}` });
    const token = await store.startToken(WINDOW);
    expect((await store.changesSince(token)).changes).toEqual([]);
    for (let i = 0; i < 3; i++) h.sim.store.createTask(folder.id, { title: `new ${i}` });
    const first = await store.changesSince(token);
    expect(first.changes).toHaveLength(2);
    expect(first.more).toBe(true);
    const rest = await drain(store, first.nextToken);
    expect(rest.changes).toHaveLength(1);
  });
});

describe('mapping what Outlook wrote', () => {
  it('reads a Berlin appointment as wall-clock time in the IANA zone, and an all-day event as dates', async () => {
    const { store, folderId } = freshCalendar();
    const zoned = h.sim.store.createEvent(folderId, {
      subject: 'Berlin',
      start: Date.parse('2030-03-10T09:00:00Z'),
      end: Date.parse('2030-03-10T10:00:00Z'),
      timeZone: 'Europe/Berlin',
      endTimeZone: 'Europe/Berlin',
    });
    const allDay = h.sim.store.createEvent(folderId, {
      subject: 'Holiday',
      start: Date.parse('2030-03-12T00:00:00Z'),
      end: Date.parse('2030-03-13T00:00:00Z'),
      isAllDay: true,
    });
    const z = (await fetchOne(store, zoned.id)).item;
    expect(z.kind === 'event' && [z.start, z.end]).toEqual([
      { kind: 'zoned', dateTime: '2030-03-10T10:00:00', tzid: 'Europe/Berlin' },
      { kind: 'zoned', dateTime: '2030-03-10T11:00:00', tzid: 'Europe/Berlin' },
    ]);
    const d = (await fetchOne(store, allDay.id)).item;
    expect(d.kind === 'event' && [d.start, d.end]).toEqual([
      { kind: 'date', date: '2030-03-12' },
      { kind: 'date', date: '2030-03-13' },
    ]);
  });

  it('patches only the fields that changed: an HTML body written in Outlook keeps its format', async () => {
    const { store } = freshCalendar();
    const created = await store.create(sampleEvent('patch-1', '2030-03-09T10:00:00Z'), { marker: 'm' });
    h.sim.store.updateItem(created.ref.href, {
      location: 'Room 1',
      body: { contentType: 'html', content: '<p>Agenda <b>bold</b></p>' },
    });
    const base = await fetchOne(store, created.ref.href);
    const before = h.sim.requests({ face: 'ews' }).length;
    await store.update(base, { ...base.item, summary: 'Patched' } as typeof base.item);
    const stored = h.sim.store.getItem(created.ref.href) as CalendarEvent;
    expect(stored).toMatchObject({
      subject: 'Patched',
      location: 'Room 1',
      body: { contentType: 'html', content: '<p>Agenda <b>bold</b></p>' },
    });
    expect(
      h.sim
        .requests({ face: 'ews' })
        .slice(before)
        .map((e) => e.operation),
    ).toEqual(['GetItem', 'UpdateItem']);
  });
});

describe('listing', () => {
  it('lists a window longer than the two years a CalendarView allows, and a series only once', async () => {
    const { store } = freshCalendar();
    const early = await store.create(sampleEvent('long-1', '2030-01-10T10:00:00Z'), { marker: 'm' });
    const late = await store.create(sampleEvent('long-2', '2032-11-10T10:00:00Z'), { marker: 'm' });
    const series = await store.create(
      sampleEvent('long-s', '2030-01-07T09:00:00Z', { recurrence: { freq: 'WEEKLY' } }),
      { marker: 'm' },
    );
    const hrefs = [];
    for await (const item of store.listWindow({ start: '2030-01-01T00:00:00Z', end: '2033-01-01T00:00:00Z' }))
      hrefs.push(item.href);
    expect(hrefs.sort()).toEqual([early.ref.href, late.ref.href, series.ref.href].sort());
  });
});

describe('a view of more instances than one CalendarView gives', () => {
  const HOUR = 3_600_000;
  const from = Date.parse('2031-01-01T00:00:00Z');
  const window: SyncWindow = { start: '2031-01-01T00:00:00Z', end: '2031-12-31T00:00:00Z' };

  /** 1,100 singles over 300 days and 40 weekly series of 10: 1,500 instances, where a view gives 1,000. */
  function crowdedCalendar() {
    const { store, folderId } = freshCalendar();
    const ids: string[] = [];
    for (let i = 0; i < 1140; i++) {
      const start = from + (i % 300) * 24 * HOUR + (i % 9) * HOUR;
      const series = i < 40 ? { recurrence: weeklySeries(start, 10) } : {};
      ids.push(h.sim.store.createEvent(folderId, { subject: `e${i}`, start, end: start + HOUR, ...series }).id);
    }
    return { store, ids };
  }

  const views = (before: number) =>
    h.sim
      .requests({ face: 'ews' })
      .slice(before)
      .filter((e) => e.operation === 'FindItem').length;

  it('lists every single and series once, continuing the view from its latest start (two views, one masters page)', async () => {
    const { store, ids } = crowdedCalendar();
    const before = h.sim.requests({ face: 'ews' }).length;
    const hrefs: string[] = [];
    for await (const item of store.listWindow(window)) hrefs.push(item.href);
    expect(hrefs.length).toBe(ids.length);
    expect(new Set(hrefs)).toEqual(new Set(ids));
    expect(views(before)).toBe(3);
  });
});

describe('contact groups', () => {
  it('lists, reads, creates and patches distribution lists as groups, and reports them in changes', async () => {
    const folder = h.sim.store.createFolder(ALICE, { kind: 'contacts', displayName: `groups ${++n}` });
    const store = new EwsCollectionStore(h.config({ id: folder.id, kind: 'addressbook' }));
    const token = await store.startToken(WINDOW);
    const outlook = h.sim.store.createDistributionList(folder.id, {
      displayName: 'Team',
      members: [{ name: 'Bob', address: BOB }],
    });
    const listed = [];
    for await (const item of store.listWindow(WINDOW)) listed.push(item.href);
    expect(listed).toEqual([outlook.id]);
    const read = await fetchOne(store, outlook.id);
    expect(read.item).toMatchObject({ kind: 'group', name: 'Team', members: [{ email: BOB, name: 'Bob' }] });

    const created = await store.create(
      {
        kind: 'group',
        uid: 'group-1',
        name: 'Friends',
        members: [{ email: 'ann@example.org', name: 'Ann' }],
        categories: [],
      },
      { marker: 'row-g' },
    );
    const base = await fetchOne(store, created.ref.href);
    expect(base).toMatchObject({ marker: 'row-g', item: { uid: 'group-1', name: 'Friends' } });
    if (base.item.kind !== 'group') throw new Error('expected a group');
    await store.update(base, { ...base.item, members: [...base.item.members, { email: 'cid@example.org' }] });
    const after = await fetchOne(store, created.ref.href);
    expect(after.item.kind === 'group' && after.item.members.map((m) => m.email)).toEqual([
      'ann@example.org',
      'cid@example.org',
    ]);
    const { changes } = await drain(store, token);
    expect(new Set(changes.map((c) => (c.type === 'upsert' ? c.ref.href : c.href)))).toEqual(
      new Set([outlook.id, created.ref.href]),
    );
  });
});

describe('time zones', () => {
  it('writes a zoned event with its zone and reads back the same wall-clock time and IANA zone', async () => {
    const { store } = freshCalendar();
    const berlin = (dateTime: string) => ({ kind: 'zoned', dateTime, tzid: 'Europe/Berlin' }) as const;
    const event = sampleEvent('zoned-1', '2030-03-20T08:00:00Z', {
      start: berlin('2030-03-20T09:00:00'),
      end: berlin('2030-03-20T10:30:00'),
      recurrence: { freq: 'WEEKLY', count: 3 },
    });
    const created = await store.create(event, { marker: 'm' });
    const stored = h.sim.store.getItem(created.ref.href) as CalendarEvent;
    expect(stored.start).toBe(Date.parse('2030-03-20T08:00:00Z'));
    const fetched = await fetchOne(store, created.ref.href);
    if (fetched.item.kind !== 'event') throw new Error('expected an event');
    expect([fetched.item.start, fetched.item.end]).toEqual([
      berlin('2030-03-20T09:00:00'),
      berlin('2030-03-20T10:30:00'),
    ]);
    // After the DST change the series keeps 09:00 Berlin, i.e. 07:00 UTC.
    const after = h.sim.store.instancesOf(
      created.ref.href,
      Date.parse('2030-04-01T00:00:00Z'),
      Date.parse('2030-04-10T00:00:00Z'),
    );
    expect(after.map((o) => new Date(o.fields.start).toISOString())).toEqual(['2030-04-03T07:00:00.000Z']);
    const updated = await store.update(fetched, {
      ...fetched.item,
      start: berlin('2030-03-20T11:00:00'),
      end: berlin('2030-03-20T12:00:00'),
    });
    const again = await fetchOne(store, updated.ref.href);
    expect(again.item.kind === 'event' && again.item.start).toEqual(berlin('2030-03-20T11:00:00'));
  });
});

describe('writing a series', () => {
  it('writes an exception and a deleted occurrence made on the other side to their occurrences, mailing nobody', async () => {
    const { store } = freshCalendar();
    const sentBefore = h.sim.sentMail().length;
    const created = await store.create(
      sampleEvent('series-w', '2030-03-04T09:00:00Z', { recurrence: { freq: 'WEEKLY', count: 4 } }),
      { marker: 'm' },
    );
    const base = await fetchOne(store, created.ref.href);
    if (base.item.kind !== 'event') throw new Error('expected an event');
    const {
      kind: _k,
      uid: _u,
      recurrence: _r,
      recurrenceDates: _d,
      excludedDates: _x,
      exceptions: _e,
      ...data
    } = base.item;
    const next = {
      ...base.item,
      exceptions: [
        {
          ...data,
          recurrenceId: { kind: 'utc', dateTime: '2030-03-11T09:00:00Z' } as const,
          start: { kind: 'utc', dateTime: '2030-03-11T11:00:00Z' } as const,
          end: { kind: 'utc', dateTime: '2030-03-11T12:00:00Z' } as const,
          summary: 'Moved',
        },
      ],
      excludedDates: [{ kind: 'utc', dateTime: '2030-03-18T09:00:00Z' } as const],
    };
    const updated = await store.update(base, next);
    expect(updated.ref.version).not.toBe(base.ref.version);
    const after = await fetchOne(store, created.ref.href);
    expect(after.ref.version).toBe(updated.ref.version);
    if (after.item.kind !== 'event') throw new Error('expected an event');
    expect(after.item.exceptions.map((e) => [e.recurrenceId, e.start, e.summary])).toEqual([
      [{ kind: 'utc', dateTime: '2030-03-11T09:00:00Z' }, { kind: 'utc', dateTime: '2030-03-11T11:00:00Z' }, 'Moved'],
    ]);
    expect(after.item.excludedDates).toEqual([{ kind: 'utc', dateTime: '2030-03-18T09:00:00Z' }]);
    expect(h.sim.sentMail().slice(sentBefore)).toEqual([]);
  });
});

describe('failures', () => {
  it('turns ErrorServerBusy (fault and in-band) into RetryableError with the advertised back-off', async () => {
    const { store } = freshCalendar(basic(), ONE_TRY);
    const token = await store.startToken(WINDOW);
    h.sim.injectFault(
      { face: 'ews', operation: 'SyncFolderItems' },
      { kind: 'ewsServerBusy', channel: 'fault', backOffMs: 4500 },
    );
    const fault = await store.changesSince(token).catch((e: unknown) => e);
    expect(fault).toBeInstanceOf(RetryableError);
    expect((fault as RetryableError).retryAfterMs).toBe(4500);
    h.sim.injectFault(
      { face: 'ews', operation: 'SyncFolderItems' },
      { kind: 'ewsServerBusy', channel: 'inBand', backOffMs: 30000 },
    );
    const inBand = await store.changesSince(token).catch((e: unknown) => e);
    expect(inBand).toBeInstanceOf(RetryableError);
    expect((inBand as RetryableError).retryAfterMs).toBe(30000);
  });

  it('reads GetItem failures from our own parse: faults and in-band errors with their back-off, gone items', async () => {
    const { store } = freshCalendar(basic(), ONE_TRY);
    const { ref } = await store.create(sampleEvent('getitem-faults', '2030-03-03T10:00:00Z'), { marker: 'm' });
    h.sim.injectFault(
      { face: 'ews', operation: 'GetItem' },
      { kind: 'ewsServerBusy', channel: 'fault', backOffMs: 4500 },
    );
    const fault = await fetchOne(store, ref.href).catch((e: unknown) => e);
    expect(fault).toBeInstanceOf(RetryableError);
    expect((fault as RetryableError).retryAfterMs).toBe(4500);
    h.sim.injectFault(
      { face: 'ews', operation: 'GetItem' },
      { kind: 'ewsServerBusy', channel: 'inBand', backOffMs: 30000 },
    );
    const inBand = await fetchOne(store, ref.href).catch((e: unknown) => e);
    expect(inBand).toBeInstanceOf(RetryableError);
    expect((inBand as RetryableError).retryAfterMs).toBe(30000);
    h.sim.injectFault({ face: 'ews', operation: 'GetItem' }, { kind: 'error500', body: 'html' });
    await expect(fetchOne(store, ref.href)).rejects.toBeInstanceOf(RetryableError);
    // A deleted item and an id Exchange cannot read are not found (in-band ErrorItemNotFound / ErrorInvalidIdMalformed).
    const other = freshCalendar(basic(), ONE_TRY).store;
    const gone = await other.create(sampleEvent('getitem-gone', '2030-03-03T12:00:00Z'), { marker: 'g' });
    h.sim.store.deleteItem(gone.ref.href);
    const found = [];
    for await (const r of other.getMany([gone.ref.href, 'not-an-id', ref.href])) found.push([r.href, r.found]);
    expect(found).toEqual([
      [gone.ref.href, false],
      ['not-an-id', false],
      [ref.href, true],
    ]);
  });

  it('reads many items in GetItem batches of 25 (the batch of Microsoft’s example), one answer per href in order', async () => {
    const { store } = freshCalendar(basic(), ONE_TRY);
    const hrefs: string[] = [];
    for (let i = 0; i < 58; i++) {
      const start = `2030-03-${String(2 + (i % 25)).padStart(2, '0')}T${String(8 + (i % 9)).padStart(2, '0')}:00:00Z`;
      hrefs.push((await store.create(sampleEvent(`batch-${i}`, start), { marker: `b${i}` })).ref.href);
    }
    // Two that are not there, one in the first batch and one in the last: each answered not found in its place.
    const gone = hrefs[3]!;
    h.sim.store.deleteItem(gone);
    const asked = [...hrefs.slice(0, 30), 'not-an-id', ...hrefs.slice(30)];
    const before = h.sim.requests({ face: 'ews' }).length;
    const read: [string, string | false][] = [];
    for await (const r of store.getMany(asked)) read.push([r.href, r.found ? r.fetched.item.uid : false]);
    const getItems = h.sim
      .requests({ face: 'ews' })
      .slice(before)
      .filter((e) => e.operation === 'GetItem');
    expect(getItems).toHaveLength(3); // 59 ids: 25 + 25 + 9
    expect(read.map(([href]) => href)).toEqual(asked);
    expect(read.filter(([, uid]) => uid === false).map(([href]) => href)).toEqual([gone, 'not-an-id']);
    expect(read.filter(([href]) => href !== gone && href !== 'not-an-id').map(([, uid]) => uid)).toEqual(
      hrefs.flatMap((href, i) => (href === gone ? [] : [`batch-${i}`])),
    );
  });

  it('turns a 500 with an empty body into RetryableError at once instead of hanging', async () => {
    const { store } = freshCalendar(basic(), ONE_TRY);
    const token = await store.startToken(WINDOW);
    h.sim.injectFault({ face: 'ews', operation: 'SyncFolderItems' }, { kind: 'error500', body: 'empty' });
    const started = Date.now();
    const error = await store.changesSince(token).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect(Date.now() - started).toBeLessThan(2500);
    expect((await store.changesSince(token)).changes).toEqual([]);
  });

  it('turns 503 with Retry-After, 429 and a reset connection into RetryableError', async () => {
    const { store } = freshCalendar(basic(), ONE_TRY);
    const token = await store.startToken(WINDOW);
    h.sim.injectFault({ face: 'ews' }, { kind: 'status', status: 503, retryAfterSeconds: 7 });
    const busy = await store.changesSince(token).catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(RetryableError);
    expect((busy as RetryableError).retryAfterMs).toBe(7000);
    h.sim.injectFault({ face: 'ews' }, { kind: 'status', status: 429, retryAfterSeconds: 2 });
    await expect(store.changesSince(token)).rejects.toBeInstanceOf(RetryableError);
    h.sim.injectFault({ face: 'ews' }, { kind: 'reset' });
    await expect(store.changesSince(token)).rejects.toBeInstanceOf(RetryableError);
  });

  it('stops waiting as soon as the caller aborts, with the abort reason', async () => {
    const { store } = freshCalendar();
    const token = await store.startToken(WINDOW);
    h.sim.injectFault({ face: 'ews', operation: 'SyncFolderItems' }, { kind: 'slow', delayMs: 2000 });
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error('run cancelled')), 100);
    await expect(store.changesSince(token, controller.signal)).rejects.toThrow('run cancelled');
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('gives up on a call that does not answer within the timeout, as RetryableError', async () => {
    const { store } = freshCalendar(basic(), ONE_TRY);
    const token = await store.startToken(WINDOW);
    h.sim.injectFault({ face: 'ews', operation: 'SyncFolderItems' }, { kind: 'slow', delayMs: 3500 });
    await expect(store.changesSince(token)).rejects.toBeInstanceOf(RetryableError);
  });
});

describe('scheduling and marker', () => {
  it('creates a meeting with attendees without sending an invitation, and deletes it without a cancellation', async () => {
    const { store } = freshCalendar();
    const before = h.sim.sentMail().length;
    const meeting = sampleEvent('meeting-1', '2030-03-06T10:00:00Z', {
      organizer: { email: ALICE },
      attendees: [
        { email: BOB, role: 'required', status: 'needs-action' },
        { email: 'guest@example.org', role: 'optional', status: 'needs-action' },
      ],
    });
    const created = await store.create(meeting, { marker: 'row-meeting' });
    const fetched = await fetchOne(store, created.ref.href);
    if (fetched.item.kind !== 'event') throw new Error('expected an event');
    expect(fetched.item.attendees.map((a) => [a.email, a.role])).toEqual([
      [BOB, 'required'],
      ['guest@example.org', 'optional'],
    ]);
    const updated = await store.update(fetched, { ...fetched.item, summary: 'Moved meeting' });
    await store.remove(updated.ref);
    expect(h.sim.sentMail().slice(before)).toEqual([]);
  });

  it('with scheduling "organizer", sends what Outlook would for the organizer: invitation, update, cancellation', async () => {
    const folder = h.sim.store.createFolder(ALICE, { kind: 'calendar', displayName: `organizer ${++n}` });
    const store = new EwsCollectionStore(h.config({ id: folder.id, kind: 'calendar' }), { scheduling: 'organizer' });
    const before = h.sim.sentMail().length;
    const meeting = sampleEvent('organized-1', '2030-03-06T10:00:00Z', {
      organizer: { email: ALICE },
      attendees: [{ email: BOB, role: 'required', status: 'needs-action' }],
    });
    const created = await store.create(meeting, { marker: 'm' });
    const base = await fetchOne(store, created.ref.href);
    const updated = await store.update(base, {
      ...base.item,
      start: { kind: 'utc', dateTime: '2030-03-06T11:00:00Z' },
      end: { kind: 'utc', dateTime: '2030-03-06T12:00:00Z' },
    } as typeof base.item);
    await store.remove(updated.ref);
    expect(
      h.sim
        .sentMail()
        .slice(before)
        .map((m) => [m.kind, m.to]),
    ).toEqual([
      ['invitation', [BOB]],
      ['update', [BOB]],
      ['cancellation', [BOB]],
    ]);
    // A plain appointment (no attendees) mails nobody even in this mode.
    const solo = await store.create(sampleEvent('solo-1', '2030-03-07T10:00:00Z'), { marker: 'm' });
    await store.remove(solo.ref);
    expect(h.sim.sentMail().length - before).toBe(3);
  });

  it('stores the marker in the shared MAPI named property and reads it back, for every kind', async () => {
    const { store } = freshCalendar();
    const created = await store.create(sampleEvent('marker-1', '2030-03-07T10:00:00Z'), { marker: 'row-<42>&' });
    const stored = h.sim.store.getItem(created.ref.href);
    expect(stored.extendedProperties).toContainEqual(
      expect.objectContaining({
        propertySetId: EXSYNC_MARKER_PROPERTY_SET,
        name: EXSYNC_MARKER_PROPERTY_NAME,
        type: 'String',
        value: 'row-<42>&',
      }),
    );
    expect((await fetchOne(store, created.ref.href)).marker).toBe('row-<42>&');
    const contacts = new EwsCollectionStore(h.config('contacts'));
    const contact = await contacts.create(sampleContact('marker-c'), { marker: 'row-c' });
    expect((await fetchOne(contacts, contact.ref.href)).marker).toBe('row-c');
    const tasks = new EwsCollectionStore(h.config('tasks'));
    const task = await tasks.create(sampleTask('marker-t'), { marker: 'row-t' });
    expect((await fetchOne(tasks, task.ref.href)).marker).toBe('row-t');
  });

  it('hashes content, not ChangeKeys: an Outlook write that changes nothing mapped keeps the hash', async () => {
    const { store } = freshCalendar();
    const created = await store.create(sampleEvent('hash-1', '2030-03-08T10:00:00Z'), { marker: 'm' });
    const before = await fetchOne(store, created.ref.href);
    h.sim.store.updateItem(created.ref.href, { subject: before.item.kind === 'event' ? before.item.summary : '' });
    const after = await fetchOne(store, created.ref.href);
    expect(after.ref.version).not.toBe(before.ref.version);
    expect(after.hash).toBe(before.hash);
  });
});
