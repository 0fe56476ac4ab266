import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enc, type Harness, startHarness } from '../testing/graph-harness';

type Ev = Record<string, unknown> & {
  id: string;
  '@odata.etag': string;
  type: string;
  start: { dateTime: string; timeZone: string };
};
type Page = { value: Ev[]; '@odata.nextLink'?: string; '@odata.deltaLink'?: string };

let h: Harness;
const U = '/users/alice@contoso.com';
const GUID = 'c11ff724-aa03-4555-9952-8fa248a11c3e';
const PROP = `String {${GUID}} Name NextcloudHref`;

beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.close());

const single = (subject: string, start: string, end: string, extra: Record<string, unknown> = {}) => ({
  subject,
  start: { dateTime: start, timeZone: 'UTC' },
  end: { dateTime: end, timeZone: 'UTC' },
  ...extra,
});

async function drain(first: string, headers: Record<string, string> = {}) {
  const pages: Page[] = [];
  let url: string | undefined = first;
  let deltaLink = '';
  while (url) {
    const r: { status: number; body: Page } = await h.graph<Page>('GET', url, undefined, headers);
    expect(r.status).toBe(200);
    pages.push(r.body);
    url = r.body['@odata.nextLink'];
    deltaLink = r.body['@odata.deltaLink'] ?? deltaLink;
  }
  return { pages, items: pages.flatMap((p) => p.value), deltaLink };
}

const WINDOW = '?startDateTime=2026-01-01T00:00:00Z&endDateTime=2026-03-01T00:00:00Z';

describe('Graph auth', () => {
  it('answers 401 InvalidAuthenticationToken without a token, with an EWS token, and once the token expired', async () => {
    const none = await h.graph('GET', `${U}/calendars`, undefined, { authorization: '' });
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ error: { code: 'InvalidAuthenticationToken' } });
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    h.token = await h.tokenFor('https://outlook.office365.com/.default');
    expect((await h.graph('GET', `${U}/calendars`)).status).toBe(401);
    h.token = await h.tokenFor();
    // Used once (its signature checked and remembered), then used again after it expired.
    expect((await h.graph('GET', `${U}/calendars`)).status).toBe(200);
    h.sim.advanceClock(2 * 3600_000);
    expect((await h.graph('GET', `${U}/calendars`)).body).toMatchObject({
      error: { code: 'InvalidAuthenticationToken' },
    });
  });

  it('answers 403 without the needed role, 403 [RAOP] outside the app scope, 404 for unknown users, 400 for /me', async () => {
    const app = h.sim.directory.findApp(h.sim.directory.apps.keys().next().value!)!;
    app.roles.graph = ['Contacts.ReadWrite'];
    h.token = await h.tokenFor();
    expect((await h.graph('GET', `${U}/calendars`)).status).toBe(403);
    app.roles.graph = ['Calendars.ReadWrite'];
    app.allowedMailboxes = ['bob@contoso.com'];
    h.token = await h.tokenFor();
    const raop = await h.graph('GET', `${U}/calendars`);
    expect(raop.status).toBe(403);
    expect(JSON.stringify(raop.body)).toContain('[RAOP]');
    expect((await h.graph('GET', '/users/bob@contoso.com/calendars')).status).toBe(200);
    expect((await h.graph('GET', '/users/nobody@contoso.com/calendars')).body).toMatchObject({
      error: { code: 'ErrorInvalidUser' },
    });
    expect((await h.graph('GET', '/me/events')).status).toBe(400);
    h.sim.store.createMailbox({ smtpAddress: 'onprem@contoso.com', restEnabled: false });
    app.allowedMailboxes = undefined;
    h.token = await h.tokenFor();
    expect((await h.graph('GET', '/users/onprem@contoso.com/events')).body).toMatchObject({
      error: { code: 'MailboxNotEnabledForRESTAPI' },
    });
  });
});

describe('Graph events', () => {
  it('creates with an extended property and transactionId, dedupes the retry, reads the property back by $expand and $filter', async () => {
    const body = single('From Nextcloud', '2026-01-05T09:00:00', '2026-01-05T10:00:00', {
      transactionId: 'nc:alice:abc.ics:1',
      singleValueExtendedProperties: [{ id: PROP, value: '/dav/abc.ics' }],
    });
    const a = await h.graph<Ev>(
      'POST',
      `${U}/calendars/${enc(h.sim.store.distinguishedFolder('alice@contoso.com', 'calendar').graphId)}/events`,
      body,
    );
    expect(a.status).toBe(201);
    expect(a.body.id).toMatch(/=$/);
    expect(a.body.transactionId).toBe('nc:alice:abc.ics:1');
    const again = await h.graph<Ev>('POST', `${U}/events`, body);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(a.body.id);

    const expanded = await h.graph<Ev>(
      'GET',
      `${U}/events/${enc(a.body.id)}?$expand=singleValueExtendedProperties($filter=id eq '${PROP}')`,
    );
    expect(expanded.body.singleValueExtendedProperties).toEqual([{ id: PROP, value: '/dav/abc.ics' }]);
    const filtered = await h.graph<Page>(
      'GET',
      `${U}/events?$filter=${enc(`singleValueExtendedProperties/Any(ep: ep/id eq '${PROP}' and ep/value eq '/dav/abc.ics')`)}`,
    );
    expect(filtered.body.value.map((e) => e.id)).toEqual([a.body.id]);
  });

  it('refuses a sensitivity, showAs or importance outside its enum with 400 (sensitivity has no "public")', async () => {
    for (const [field, value] of [
      ['sensitivity', 'public'],
      ['showAs', 'outOfOffice'],
      ['importance', 'urgent'],
    ] as const) {
      const r = await h.graph<{ error: { code: string; message: string } }>(
        'POST',
        `${U}/events`,
        single('Bad enum', '2026-01-05T09:00:00', '2026-01-05T10:00:00', { [field]: value }),
      );
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('RequestBodyRead');
      expect(r.body.error.message).toContain(`'${value}'`);
    }
    const ok = await h.graph<Ev>(
      'POST',
      `${U}/events`,
      single('Normal', '2026-01-05T09:00:00', '2026-01-05T10:00:00', { sensitivity: 'normal' }),
    );
    expect(ok.status).toBe(201);
  });

  it('renders an event body as HTML (a text one converted) unless Prefer outlook.body-content-type="text" asks for text', async () => {
    const a = await h.graph<Ev>(
      'POST',
      `${U}/events`,
      single('Body', '2026-01-05T09:00:00', '2026-01-05T10:00:00', {
        body: { contentType: 'text', content: 'line 1 <b>\nline 2 & more' },
      }),
    );
    const html = await h.graph<Ev>('GET', `${U}/events/${enc(a.body.id)}`);
    expect(html.body.body).toMatchObject({ contentType: 'html' });
    expect((html.body.body as { content: string }).content).toContain('line 1 &lt;b&gt;<br>');
    const text = await h.graph<Ev>('GET', `${U}/events/${enc(a.body.id)}`, undefined, {
      prefer: 'outlook.body-content-type="text"',
    });
    expect(text.body.body).toEqual({ contentType: 'text', content: 'line 1 <b>\nline 2 & more' });
    expect(text.headers.get('preference-applied')).toContain('outlook.body-content-type="text"');
  });

  it('ignores isCancelled in a POST or PATCH: only Exchange sets it (a meeting cancelled by its organizer)', async () => {
    const a = await h.graph<Ev>(
      'POST',
      `${U}/events`,
      single('Not cancellable', '2026-01-05T09:00:00', '2026-01-05T10:00:00', { isCancelled: true }),
    );
    expect(a.status).toBe(201);
    expect(a.body.isCancelled).toBe(false);
    const b = await h.graph<Ev>('PATCH', `${U}/events/${enc(a.body.id)}`, { isCancelled: true });
    expect(b.status).toBe(200);
    expect(b.body.isCancelled).toBe(false);
  });

  it('refuses a PATCH with a stale ETag (412 ErrorIrresolvableConflict) and accepts the current one', async () => {
    const a = await h.graph<Ev>('POST', `${U}/events`, single('x', '2026-01-05T09:00:00', '2026-01-05T10:00:00'));
    const stale = a.body['@odata.etag'];
    const ok = await h.graph<Ev>('PATCH', `${U}/events/${enc(a.body.id)}`, { subject: 'y' }, { 'if-match': stale });
    expect(ok.status).toBe(200);
    expect(ok.body['@odata.etag']).not.toBe(stale);
    const conflict = await h.graph('PATCH', `${U}/events/${enc(a.body.id)}`, { subject: 'z' }, { 'if-match': stale });
    expect(conflict.status).toBe(412);
    expect(conflict.body).toMatchObject({ error: { code: 'ErrorIrresolvableConflict' } });
    expect((await h.graph('DELETE', `${U}/events/${enc(a.body.id)}`, undefined, { 'if-match': stale })).status).toBe(
      412,
    );
    expect((await h.graph('DELETE', `${U}/events/${enc(a.body.id)}`)).status).toBe(204);
    expect((await h.graph('GET', `${U}/events/${enc(a.body.id)}`)).body).toMatchObject({
      error: { code: 'ErrorItemNotFound' },
    });
  });

  it('renders times in the Prefer outlook.timezone zone and says so in Preference-Applied', async () => {
    const a = await h.graph<Ev>('POST', `${U}/events`, single('tz', '2026-07-01T07:00:00', '2026-07-01T08:00:00'));
    expect(a.body.start).toEqual({ dateTime: '2026-07-01T07:00:00.0000000', timeZone: 'UTC' });
    const r = await h.graph<Ev>('GET', `${U}/events/${enc(a.body.id)}`, undefined, {
      prefer: 'outlook.timezone="W. Europe Standard Time"',
    });
    expect(r.body.start).toEqual({ dateTime: '2026-07-01T09:00:00.0000000', timeZone: 'W. Europe Standard Time' });
    expect(r.headers.get('preference-applied')).toBe('outlook.timezone="W. Europe Standard Time"');
    expect(r.headers.get('odata-version')).toBe('4.0');
    expect(r.headers.get('request-id')).toBeTruthy();
  });

  it('expands a series: PATCH of an occurrence makes an exception, DELETE cancels one and /instances omits it', async () => {
    const m = await h.graph<Ev>('POST', `${U}/events`, {
      ...single('Daily', '2026-01-05T09:00:00', '2026-01-05T09:30:00'),
      start: { dateTime: '2026-01-05T09:00:00', timeZone: 'W. Europe Standard Time' },
      end: { dateTime: '2026-01-05T09:30:00', timeZone: 'W. Europe Standard Time' },
      recurrence: {
        pattern: { type: 'daily', interval: 1 },
        range: { type: 'numbered', startDate: '2026-01-05', numberOfOccurrences: 3 },
      },
    });
    expect(m.body.type).toBe('seriesMaster');
    const inst = await h.graph<Page>('GET', `${U}/events/${enc(m.body.id)}/instances${WINDOW}`);
    expect(inst.body.value.map((i) => i.type)).toEqual(['occurrence', 'occurrence', 'occurrence']);
    const [o1, o2] = inst.body.value as [Ev, Ev];
    expect(o1.seriesMasterId).toBe(m.body.id);
    expect(o1.originalStart).toBe('2026-01-05T08:00:00Z');
    expect(o1.iCalUId).not.toBe(m.body.iCalUId);
    const ex = await h.graph<Ev>('PATCH', `${U}/events/${enc(o1.id)}`, { subject: 'Moved' });
    expect(ex.body).toMatchObject({ type: 'exception', subject: 'Moved', id: o1.id });
    expect((await h.graph('DELETE', `${U}/events/${enc(o2.id)}`)).status).toBe(204);
    const after = await h.graph<Page>('GET', `${U}/events/${enc(m.body.id)}/instances${WINDOW}`);
    expect(after.body.value.map((i) => [i.type, i.subject])).toEqual([
      ['exception', 'Moved'],
      ['occurrence', 'Daily'],
    ]);
    expect((await h.graph('GET', `${U}/events/${enc(o2.id)}`)).status).toBe(404);
  });

  it('records attendee writes as invitations, edits as updates, removals and deletion as cancellations — nothing for a category change', async () => {
    const m = await h.graph<Ev>(
      'POST',
      `${U}/events`,
      single('Meet', '2026-01-05T09:00:00', '2026-01-05T10:00:00', {
        attendees: [{ emailAddress: { address: 'bob@contoso.com' }, type: 'required' }],
      }),
    );
    expect(h.sim.sentMail().map((x) => [x.kind, x.to])).toEqual([['invitation', ['bob@contoso.com']]]);
    await h.graph('PATCH', `${U}/events/${enc(m.body.id)}`, { categories: ['Blue'] });
    expect(h.sim.sentMail()).toHaveLength(1);
    await h.graph('PATCH', `${U}/events/${enc(m.body.id)}`, {
      start: { dateTime: '2026-01-05T11:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-01-05T12:00:00', timeZone: 'UTC' },
    });
    await h.graph('PATCH', `${U}/events/${enc(m.body.id)}`, {
      attendees: [{ emailAddress: { address: 'carol@example.org' }, type: 'required' }],
    });
    await h.graph('DELETE', `${U}/events/${enc(m.body.id)}`);
    expect(h.sim.sentMail().map((x) => [x.kind, x.to])).toEqual([
      ['invitation', ['bob@contoso.com']],
      ['update', ['bob@contoso.com']],
      ['invitation', ['carol@example.org']],
      ['cancellation', ['bob@contoso.com']],
      ['cancellation', ['carol@example.org']],
    ]);
  });
});

describe('Graph calendarView/delta', () => {
  it('pages by odata.maxpagesize to a deltaLink, never returns a series master, and fixes the window in the token', async () => {
    const seeded = h.sim.store.calendarView(
      h.sim.store.distinguishedFolder('alice@contoso.com', 'calendar').id,
      Date.parse('2026-01-01'),
      Date.parse('2026-03-01'),
    );
    const { pages, items, deltaLink } = await drain(`${U}/calendarView/delta${WINDOW}`, {
      prefer: 'odata.maxpagesize=3',
    });
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.every((p) => p.value.length <= 3)).toBe(true);
    expect(items).toHaveLength(seeded.length);
    expect(items.some((i) => i.type === 'seriesMaster')).toBe(false);
    expect(items.filter((i) => i.type === 'occurrence').every((i) => typeof i.seriesMasterId === 'string')).toBe(true);
    expect(deltaLink).toContain('$deltatoken=');
    expect(deltaLink).not.toContain('startDateTime');
    // Nothing changed: one request, empty page, a fresh deltaLink.
    const quiet = await h.graph<Page>('GET', deltaLink);
    expect(quiet.body.value).toEqual([]);
    expect(quiet.body['@odata.deltaLink']).toBeTruthy();
  });

  it('reports an item moved out of the window and a deleted item as @removed, and a new in-window item in full', async () => {
    const inside = await h.graph<Ev>('POST', `${U}/events`, single('in', '2026-02-01T09:00:00', '2026-02-01T10:00:00'));
    const doomed = await h.graph<Ev>(
      'POST',
      `${U}/events`,
      single('doomed', '2026-02-02T09:00:00', '2026-02-02T10:00:00'),
    );
    const { deltaLink } = await drain(`${U}/calendarView/delta${WINDOW}`);
    await h.graph(
      'PATCH',
      `${U}/events/${enc(inside.body.id)}`,
      single('in', '2026-06-01T09:00:00', '2026-06-01T10:00:00'),
    );
    await h.graph('DELETE', `${U}/events/${enc(doomed.body.id)}`);
    const fresh = await h.graph<Ev>(
      'POST',
      `${U}/events`,
      single('fresh', '2026-02-03T09:00:00', '2026-02-03T10:00:00'),
    );
    const round = await drain(deltaLink);
    const byId = new Map(round.items.map((i) => [i.id, i]));
    expect(byId.get(inside.body.id)).toMatchObject({ '@removed': { reason: 'deleted' } });
    expect(byId.get(doomed.body.id)).toMatchObject({ '@removed': { reason: 'deleted' } });
    expect(byId.get(fresh.body.id)).toMatchObject({ subject: 'fresh', type: 'singleInstance' });
    // The old deltaLink still replays.
    expect((await drain(deltaLink)).items.length).toBe(round.items.length);
  });

  it('reports an edited occurrence of a series, not the master', async () => {
    const m = await h.graph<Ev>('POST', `${U}/events`, {
      ...single('Series', '2026-01-10T09:00:00', '2026-01-10T10:00:00'),
      recurrence: {
        pattern: { type: 'weekly', interval: 1, daysOfWeek: ['saturday'] },
        range: { type: 'numbered', startDate: '2026-01-10', numberOfOccurrences: 2 },
      },
    });
    const { deltaLink } = await drain(`${U}/calendarView/delta${WINDOW}`);
    const inst = (await h.graph<Page>('GET', `${U}/events/${enc(m.body.id)}/instances${WINDOW}`)).body.value;
    await h.graph('PATCH', `${U}/events/${enc(inst[1]!.id)}`, { subject: 'Changed once' });
    const round = await drain(deltaLink);
    expect(round.items.map((i) => i.type).sort()).toEqual(['exception', 'occurrence']);
    expect(round.items.some((i) => i.id === m.body.id)).toBe(false);
  });

  it('can insert empty nextLink pages and replay duplicates when configured', async () => {
    h.sim.graph.emptyPageEvery = 2;
    h.sim.graph.duplicateEvery = 1;
    const first = await drain(`${U}/calendarView/delta${WINDOW}`, { prefer: 'odata.maxpagesize=2' });
    expect(first.pages.some((p) => p.value.length === 0 && p['@odata.nextLink'])).toBe(true);
    const a = await h.graph<Ev>('POST', `${U}/events`, single('dup', '2026-02-01T09:00:00', '2026-02-01T10:00:00'));
    const round = await drain(first.deltaLink);
    expect(round.items.filter((i) => i.id === a.body.id)).toHaveLength(2);
  });

  it('answers 410 Gone with a restart Location after a control-call token eviction', async () => {
    const { deltaLink } = await drain(`${U}/calendarView/delta${WINDOW}`);
    expect(h.sim.evictDeltaTokens('alice@contoso.com')).toBeGreaterThan(0);
    const gone = await h.graph('GET', deltaLink);
    expect(gone.status).toBe(410);
    expect(gone.headers.get('location')).toContain('/calendarView/delta?startDateTime=2026-01-01T00:00:00.000Z');
    h.sim.graph.expiredDeltaResponse = 'syncStateNotFound';
    h.sim.evictDeltaTokens();
    expect((await h.graph('GET', deltaLink)).body).toMatchObject({ error: { code: 'syncStateNotFound' } });
  });

  it('refuses $select on calendarView delta and a first request without a window', async () => {
    expect((await h.graph('GET', `${U}/calendarView/delta${WINDOW}&$select=subject`)).status).toBe(400);
    expect((await h.graph('GET', `${U}/calendarView/delta`)).body).toMatchObject({
      error: { code: 'ErrorInvalidParameter' },
    });
    expect((await h.graph('GET', `${U}/calendarView/delta?$deltatoken=garbage`)).status).toBe(400);
  });

  it('keeps the Prefer options of the first request for the whole chain', async () => {
    const first = await h.graph<Page>('GET', `${U}/calendarView/delta${WINDOW}`, undefined, {
      prefer: 'outlook.timezone="Pacific Standard Time", odata.maxpagesize=1',
    });
    expect(first.headers.get('preference-applied')).toContain('odata.maxpagesize=1');
    const next = await h.graph<Page>('GET', first.body['@odata.nextLink']!);
    expect(next.body.value.length).toBeLessThanOrEqual(1);
    expect(next.body.value[0]?.start.timeZone).toBe('Pacific Standard Time');
  });
});
