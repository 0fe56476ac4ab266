import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enc, type Harness, startHarness } from '../testing/graph-harness';

type Entity = Record<string, unknown> & { id: string; '@odata.etag'?: string };
type Page = { value: Entity[]; '@odata.nextLink'?: string; '@odata.deltaLink'?: string };

let h: Harness;
const U = '/users/alice@contoso.com';

beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.close());

async function drain(first: string) {
  let url: string | undefined = first;
  const items: Entity[] = [];
  let deltaLink = '';
  while (url) {
    const r: { status: number; body: Page } = await h.graph<Page>('GET', url);
    expect(r.status).toBe(200);
    items.push(...r.body.value);
    url = r.body['@odata.nextLink'];
    deltaLink = r.body['@odata.deltaLink'] ?? deltaLink;
  }
  return { items, deltaLink };
}

describe('Graph contacts', () => {
  it('creates, reads, patches (ETag-checked) and deletes contacts in the default folder', async () => {
    const c = await h.graph<Entity>('POST', `${U}/contacts`, {
      givenName: 'Dana',
      surname: 'Scully',
      emailAddresses: [{ address: 'dana@fbi.gov', name: 'Dana' }],
      businessPhones: ['+1 202 555 0100'],
      homeAddress: { city: 'Annapolis', countryOrRegion: 'US' },
      birthday: '1964-02-23T11:59:00Z',
      categories: ['Work'],
    });
    expect(c.status).toBe(201);
    expect(c.body).toMatchObject({
      displayName: 'Dana Scully',
      birthday: '1964-02-23T11:59:00Z',
      homeAddress: { city: 'Annapolis' },
    });
    const four = await h.graph('POST', `${U}/contacts`, {
      emailAddresses: [1, 2, 3, 4].map((n) => ({ address: `${n}@x.org` })),
    });
    expect(four.status).toBe(400);
    const stale = c.body['@odata.etag']!;
    expect(
      (await h.graph('PATCH', `${U}/contacts/${enc(c.body.id)}`, { jobTitle: 'Agent' }, { 'if-match': stale })).status,
    ).toBe(200);
    expect(
      (await h.graph('PATCH', `${U}/contacts/${enc(c.body.id)}`, { jobTitle: 'X' }, { 'if-match': stale })).status,
    ).toBe(412);
    expect(
      (await h.graph<Entity>('GET', `${U}/contactFolders/contacts/contacts/${enc(c.body.id)}?$select=jobTitle`)).body,
    ).toEqual({
      '@odata.etag': expect.any(String),
      id: c.body.id,
      jobTitle: 'Agent',
    });
    expect((await h.graph('DELETE', `${U}/contacts/${enc(c.body.id)}`)).status).toBe(204);
    expect((await h.graph('GET', `${U}/contacts/${enc(c.body.id)}`)).status).toBe(404);
  });

  it('returns expanded extended properties beside the $select-ed ones, in a list as in one item', async () => {
    const prop = 'String {6e5f2c1a-8b0d-4f63-9a57-3c2d1e0f4b7a} Name ExsyncId';
    const c = await h.graph<Entity>('POST', `${U}/contacts`, {
      displayName: 'Fox Mulder',
      singleValueExtendedProperties: [{ id: prop, value: 'marker-1' }],
    });
    const expand = `$expand=${encodeURIComponent(`singleValueExtendedProperties($filter=id eq '${prop}')`)}`;
    const list = await h.graph<{ value: Entity[] }>(
      'GET',
      `${U}/contactFolders/contacts/contacts?$select=id&${expand}`,
    );
    const listed = list.body.value.find((x) => x.id === c.body.id);
    expect(listed).toMatchObject({ id: c.body.id, singleValueExtendedProperties: [{ id: prop, value: 'marker-1' }] });
    expect(listed).not.toHaveProperty('displayName');
  });

  it('contacts delta: initial list without distribution lists, then updates and @removed; $select applies', async () => {
    const first = await drain(`${U}/contactFolders/contacts/contacts/delta?$select=displayName`);
    expect(first.items.map((i) => i.displayName)).toEqual(['Carol Jones']);
    expect(Object.keys(first.items[0]!).sort()).toEqual(['@odata.etag', '@odata.type', 'displayName', 'id']);
    const carol = first.items[0]!;
    await h.graph('PATCH', `${U}/contacts/${enc(carol.id)}`, { jobTitle: 'CEO' });
    const added = await h.graph<Entity>('POST', `${U}/contacts`, { givenName: 'New' });
    const second = await drain(first.deltaLink);
    expect(second.items.map((i) => i.id).sort()).toEqual([carol.id, added.body.id].sort());
    await h.graph('DELETE', `${U}/contacts/${enc(carol.id)}`);
    const third = await drain(second.deltaLink);
    expect(third.items).toEqual([
      { '@odata.type': '#microsoft.graph.contact', id: carol.id, '@removed': { reason: 'deleted' } },
    ]);
  });

  it('expires delta links older than the configured token lifetime (virtual clock)', async () => {
    h.sim.graph.deltaTokenTtlMs = 3600_000;
    const { deltaLink } = await drain(`${U}/contacts/delta`);
    h.sim.advanceClock(1800_000);
    expect((await h.graph('GET', deltaLink)).status).toBe(200);
    h.sim.advanceClock(3600_000);
    h.token = await h.tokenFor(); // the access token has expired on the virtual clock too
    const gone = await h.graph('GET', deltaLink);
    expect(gone.status).toBe(410);
    expect(gone.headers.get('location')).toMatch(/\/users\/alice%40contoso\.com\/contacts\/delta$/);
  });

  it('lists and creates contact folders, each with its own delta', async () => {
    const f = await h.graph<Entity>('POST', `${U}/contactFolders`, { displayName: 'Suppliers' });
    expect(f.status).toBe(201);
    expect((await h.graph<Page>('GET', `${U}/contactFolders`)).body.value.map((x) => x.displayName)).toEqual([
      'Suppliers',
    ]);
    await h.graph('POST', `${U}/contactFolders/${enc(f.body.id)}/contacts`, { givenName: 'Acme' });
    const d = await drain(`${U}/contactFolders/${enc(f.body.id)}/contacts/delta`);
    expect(d.items.map((i) => i.givenName)).toEqual(['Acme']);
    const folders = await drain(`${U}/contactFolders/delta`);
    expect(folders.items.map((x) => x.displayName)).toEqual(['Suppliers']);
    h.sim.store.deleteFolder(f.body.id);
    const gone = await drain(folders.deltaLink);
    expect(gone.items).toEqual([expect.objectContaining({ id: f.body.id, '@removed': { reason: 'deleted' } })]);
  });
});

describe('Graph To Do', () => {
  it('lists the default list, creates tasks, and reports changes and deletions through tasks/delta', async () => {
    const lists = await h.graph<Page>('GET', `${U}/todo/lists`);
    const def = lists.body.value.find((l) => l.wellknownListName === 'defaultList')!;
    const L = `${U}/todo/lists/${enc(def.id)}`;
    const first = await drain(`${L}/tasks/delta`);
    expect(first.items.map((t) => t.title)).toEqual(['File expenses']);
    const t = await h.graph<Entity>('POST', `${L}/tasks`, {
      title: 'Call Bob',
      dueDateTime: { dateTime: '2026-01-09T00:00:00', timeZone: 'W. Europe Standard Time' },
      importance: 'high',
    });
    expect(t.status).toBe(201);
    expect(t.body.dueDateTime).toEqual({ dateTime: '2026-01-09T00:00:00.0000000', timeZone: 'Europe/Berlin' });
    const stale = t.body['@odata.etag']!;
    await h.graph('PATCH', `${L}/tasks/${enc(t.body.id)}`, { status: 'completed' });
    expect((await h.graph('PATCH', `${L}/tasks/${enc(t.body.id)}`, { title: 'x' }, { 'if-match': stale })).status).toBe(
      412,
    );
    const second = await drain(first.deltaLink);
    expect(second.items).toEqual([expect.objectContaining({ id: t.body.id, status: 'completed' })]);
    await h.graph('DELETE', `${L}/tasks/${enc(t.body.id)}`);
    expect((await drain(second.deltaLink)).items).toEqual([
      expect.objectContaining({ id: t.body.id, '@removed': { reason: 'deleted' } }),
    ]);
  });

  it('keeps only the date of a due and start (midnight in the zone written), and of a completion (UTC midnight)', async () => {
    const lists = await h.graph<Page>('GET', `${U}/todo/lists`);
    const def = lists.body.value.find((l) => l.wellknownListName === 'defaultList')!;
    const t = await h.graph<Entity>('POST', `${U}/todo/lists/${enc(def.id)}/tasks`, {
      title: 'Dates only',
      status: 'completed',
      dueDateTime: { dateTime: '2030-03-06T17:30:00', timeZone: 'Europe/Berlin' },
      startDateTime: { dateTime: '2030-03-04T08:00:00', timeZone: 'Europe/Berlin' },
      completedDateTime: { dateTime: '2030-03-05T23:15:00', timeZone: 'Europe/Berlin' },
    });
    expect(t.status).toBe(201);
    expect(t.body.dueDateTime).toEqual({ dateTime: '2030-03-06T00:00:00.0000000', timeZone: 'Europe/Berlin' });
    expect(t.body.startDateTime).toEqual({ dateTime: '2030-03-04T00:00:00.0000000', timeZone: 'Europe/Berlin' });
    // 23:15 in Berlin is 22:15 UTC on the 5th: that UTC date, at UTC midnight (01:00 in Berlin).
    expect(t.body.completedDateTime).toEqual({ dateTime: '2030-03-05T01:00:00.0000000', timeZone: 'Europe/Berlin' });
  });

  it('ties the completion date to the status: completed without one gets today, leaving completed clears it', async () => {
    const lists = await h.graph<Page>('GET', `${U}/todo/lists`);
    const def = lists.body.value.find((l) => l.wellknownListName === 'defaultList')!;
    const L = `${U}/todo/lists/${enc(def.id)}/tasks`;
    const today = `${new Date(h.sim.clock.now()).toISOString().slice(0, 10)}T00:00:00.0000000`;
    const done = await h.graph<Entity>('POST', L, { title: 'Done', status: 'completed' });
    expect(done.body.completedDateTime).toEqual({ dateTime: today, timeZone: 'UTC' });
    const open = await h.graph<Entity>('POST', L, {
      title: 'Open',
      completedDateTime: { dateTime: '2030-03-05T10:00:00', timeZone: 'UTC' },
    });
    expect(open.body.completedDateTime).toBeUndefined();
    const reopened = await h.graph<Entity>('PATCH', `${L}/${enc(done.body.id)}`, { status: 'notStarted' });
    expect(reopened.body.completedDateTime).toBeUndefined();
  });

  it('reports new task lists through todo/lists/delta', async () => {
    const first = await drain(`${U}/todo/lists/delta`);
    expect(first.items.map((l) => l.wellknownListName)).toEqual(['defaultList']);
    await h.graph('POST', `${U}/todo/lists`, { displayName: 'Groceries' });
    expect((await drain(first.deltaLink)).items.map((l) => l.displayName)).toEqual(['Groceries']);
  });

  it('refuses To Do access without Tasks.ReadWrite.All', async () => {
    const app = [...h.sim.directory.apps.values()][0]!;
    app.roles.graph = ['Calendars.ReadWrite'];
    h.token = await h.tokenFor();
    expect((await h.graph('GET', `${U}/todo/lists`)).body).toMatchObject({ error: { code: 'ErrorAccessDenied' } });
  });
});
