import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enc, type Harness, startHarness } from '../testing/graph-harness';

type Ev = Record<string, unknown> & { id: string; type: string; subject: string };
type Page = { value: Ev[]; '@odata.nextLink'?: string; '@odata.deltaLink'?: string };

let h: Harness;
const U = '/users/alice@contoso.com';
const W = '?startDateTime=2026-01-01T00:00:00Z&endDateTime=2026-02-01T00:00:00Z';
const at = (subject: string, day: string, extra: Record<string, unknown> = {}) => ({
  subject,
  start: { dateTime: `${day}T09:00:00`, timeZone: 'UTC' },
  end: { dateTime: `${day}T10:00:00`, timeZone: 'UTC' },
  ...extra,
});

beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.close());

describe('Graph users and calendars', () => {
  it('resolves a user by UPN (any case) and by object id', async () => {
    const byUpn = await h.graph<{ id: string; mail: string }>('GET', '/users/ALICE@contoso.com');
    expect(byUpn.body.mail).toBe('alice@contoso.com');
    expect((await h.graph<{ mail: string }>('GET', `/users/${byUpn.body.id}`)).body.mail).toBe('alice@contoso.com');
  });

  it('lists calendars with the default flagged, creates a second one and keeps its events and delta apart', async () => {
    const list = await h.graph<{
      value: { id: string; name: string; isDefaultCalendar: boolean; changeKey: string }[];
    }>('GET', `${U}/calendars`);
    expect(list.body.value).toEqual([expect.objectContaining({ name: 'Calendar', isDefaultCalendar: true })]);
    const cal = await h.graph<{ id: string }>('POST', `${U}/calendars`, { name: 'Team' });
    expect(cal.status).toBe(201);
    const C = `${U}/calendars/${enc(cal.body.id)}`;
    expect((await h.graph<{ name: string }>('GET', C)).body.name).toBe('Team');
    await h.graph('POST', `${C}/events`, at('Team only', '2026-01-07'));
    const teamView = await h.graph<Page>('GET', `${C}/calendarView${W}`);
    expect(teamView.body.value.map((e) => e.subject)).toEqual(['Team only']);
    const mainView = await h.graph<Page>('GET', `${U}/calendarView${W}`);
    expect(mainView.body.value.map((e) => e.subject)).not.toContain('Team only');
    const delta = await h.graph<Page>('GET', `${C}/calendarView/delta${W}`);
    expect(delta.body.value.map((e) => e.subject)).toEqual(['Team only']);
    expect(delta.body['@odata.deltaLink']).toContain(`/calendars/${enc(cal.body.id)}/calendarView/delta?$deltatoken=`);
    expect((await h.graph('GET', `${U}/calendars/${enc('AAMkAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=')}/events`)).status).toBe(
      404,
    );
  });

  it('pages calendarView with $top and nextLink', async () => {
    for (const d of ['2026-01-12', '2026-01-13', '2026-01-14']) await h.graph('POST', `${U}/events`, at(`e${d}`, d));
    const first = await h.graph<Page>('GET', `${U}/calendarView${W}&$top=2`);
    expect(first.body.value).toHaveLength(2);
    const all: Ev[] = [...first.body.value];
    let next = first.body['@odata.nextLink'];
    while (next) {
      const p = await h.graph<Page>('GET', next);
      all.push(...p.body.value);
      next = p.body['@odata.nextLink'];
    }
    expect(all.some((e) => e.type === 'seriesMaster')).toBe(false);
    expect(all.filter((e) => e.subject.startsWith('e2026'))).toHaveLength(3);
  });

  it('changing a series pattern regenerates occurrences with new ids and drops exceptions', async () => {
    const m = await h.graph<Ev>('POST', `${U}/events`, {
      ...at('Series', '2026-01-05'),
      recurrence: {
        pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] },
        range: { type: 'endDate', startDate: '2026-01-05', endDate: '2026-01-26' },
      },
    });
    const before = (await h.graph<Page>('GET', `${U}/events/${enc(m.body.id)}/instances${W}`)).body.value;
    expect(before).toHaveLength(4);
    await h.graph('PATCH', `${U}/events/${enc(before[0]!.id)}`, { subject: 'Exception' });
    await h.graph('PATCH', `${U}/events/${enc(m.body.id)}`, {
      recurrence: {
        pattern: { type: 'weekly', interval: 2, daysOfWeek: ['monday'] },
        range: { type: 'endDate', startDate: '2026-01-05', endDate: '2026-01-26' },
      },
    });
    const after = (await h.graph<Page>('GET', `${U}/events/${enc(m.body.id)}/instances${W}`)).body.value;
    expect(after.map((i) => [i.type, i.subject])).toEqual([
      ['occurrence', 'Series'],
      ['occurrence', 'Series'],
    ]);
    expect(after.some((i) => before.some((b) => b.id === i.id))).toBe(false);
    expect((await h.graph('GET', `${U}/events/${enc(before[0]!.id)}`)).status).toBe(404);
  });

  it('gives a moved event a new id unless the client asked for ImmutableId', async () => {
    const imm = { prefer: 'IdType="ImmutableId"' };
    const e = await h.graph<Ev>('POST', `${U}/events`, at('Mover', '2026-01-09'), imm);
    const regular = await h.graph<Ev>('POST', `${U}/events`, at('Plain', '2026-01-09'));
    expect(e.headers.get('preference-applied')).toBe('IdType="ImmutableId"');
    const first = await h.graph<Page>('GET', `${U}/calendarView/delta${W}`, undefined, imm);
    const team = h.sim.store.createFolder('alice@contoso.com', { kind: 'calendar', displayName: 'Team' });
    h.sim.store.moveItem(e.body.id, team.id);
    h.sim.store.moveItem(regular.body.id, team.id);
    expect((await h.graph<Ev>('GET', `${U}/events/${enc(e.body.id)}`, undefined, imm)).body.subject).toBe('Mover');
    expect((await h.graph('GET', `${U}/events/${enc(regular.body.id)}`)).status).toBe(404);
    const moved = await h.graph<Page>('GET', `${U}/calendars/${enc(team.graphId)}/events`);
    expect(moved.body.value.map((x) => x.subject).sort()).toEqual(['Mover', 'Plain']);
    expect(moved.body.value.map((x) => x.id)).not.toContain(regular.body.id);
    // The chain opened with ImmutableId reports the move out with the immutable id.
    const round = await h.graph<Page>('GET', first.body['@odata.deltaLink']!);
    expect(round.body.value).toContainEqual(
      expect.objectContaining({ id: e.body.id, '@removed': { reason: 'deleted' } }),
    );
  });

  it('applies $select to event reads', async () => {
    const e = await h.graph<Ev>('POST', `${U}/events`, at('Sel', '2026-01-08'));
    const r = await h.graph<Record<string, unknown>>('GET', `${U}/events/${enc(e.body.id)}?$select=subject,start`);
    expect(Object.keys(r.body).sort()).toEqual(['@odata.etag', 'id', 'start', 'subject']);
  });

  it('applies $select to calendarView and /instances listings (id and @odata.etag always kept)', async () => {
    const m = await h.graph<Ev>('POST', `${U}/events`, {
      ...at('Weekly', '2026-01-08'),
      recurrence: {
        pattern: { type: 'weekly', interval: 1, daysOfWeek: ['thursday'] },
        range: { type: 'numbered', startDate: '2026-01-08', numberOfOccurrences: 2 },
      },
    });
    const window = 'startDateTime=2026-01-01T00:00:00Z&endDateTime=2026-02-01T00:00:00Z';
    type Listing = { value: Record<string, unknown>[] };
    const view = await h.graph<Listing>('GET', `${U}/calendarView?${window}&$select=id,seriesMasterId`);
    for (const e of view.body.value) expect(Object.keys(e).sort()).toEqual(['@odata.etag', 'id', 'seriesMasterId']);
    expect(view.body.value.filter((e) => e.seriesMasterId === m.body.id)).toHaveLength(2);
    const inst = await h.graph<Listing>(
      'GET',
      `${U}/events/${enc(m.body.id)}/instances?${window}&$select=type,originalStart`,
    );
    expect(inst.body.value.map((e) => [Object.keys(e).sort(), e.type])).toEqual([
      [['@odata.etag', 'id', 'originalStart', 'type'], 'occurrence'],
      [['@odata.etag', 'id', 'originalStart', 'type'], 'occurrence'],
    ]);
  });

  it('refuses bad input with 400: end before start, unknown zone, unsupported pattern', async () => {
    expect(
      (
        await h.graph('POST', `${U}/events`, {
          ...at('x', '2026-01-05'),
          end: { dateTime: '2026-01-05T08:00:00', timeZone: 'UTC' },
        })
      ).status,
    ).toBe(400);
    const tz = await h.graph('POST', `${U}/events`, {
      ...at('x', '2026-01-05'),
      start: { dateTime: '2026-01-05T09:00:00', timeZone: 'Mars/Olympus' },
    });
    expect(tz.body).toMatchObject({ error: { code: 'TimeZoneNotSupportedException' } });
    const rec = await h.graph('POST', `${U}/events`, {
      ...at('x', '2026-01-05'),
      recurrence: { pattern: { type: 'hourly' }, range: { type: 'noEnd' } },
    });
    expect(rec.status).toBe(400);
  });

  it('accepts a DELETE with a JSON Content-Type and no body; answers malformed JSON with a Graph error', async () => {
    const e = await h.graph<Ev>('POST', `${U}/events`, at('Del', '2026-01-09'));
    expect(
      (await h.graph('DELETE', `${U}/events/${enc(e.body.id)}`, undefined, { 'content-type': 'application/json' }))
        .status,
    ).toBe(204);
    const res = await fetch(`${h.base}${U}/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' },
      body: '{"subject":',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'BadRequest' } });
  });

  it('can answer a stale ETag with 409 instead of 412', async () => {
    h.sim.graph.etagConflictStatus = 409;
    const e = await h.graph<Ev>('POST', `${U}/events`, at('Etag', '2026-01-09'));
    await h.graph('PATCH', `${U}/events/${enc(e.body.id)}`, { subject: 'v2' });
    const r = await h.graph(
      'PATCH',
      `${U}/events/${enc(e.body.id)}`,
      { subject: 'v3' },
      { 'if-match': String(e.body['@odata.etag']) },
    );
    expect(r.status).toBe(409);
  });

  it('throttles a mailbox over its request-rate budget', async () => {
    h.sim.graph.rateLimitPer10Min = 2;
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await h.graph('GET', `${U}/calendars`)).status);
    expect(codes).toEqual([200, 200, 429]);
  });
});
