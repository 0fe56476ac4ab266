import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CalendarEvent } from '../store/types';
import { enc, type Harness, startHarness } from '../testing/graph-harness';
import { eventJson, type RenderOptions } from './event-json';
import { eventJsonText } from './event-json-cache';
import { applySelect } from './wire';

type Ev = Record<string, unknown> & { id: string; '@odata.etag': string; subject: string; changeKey: string };
type Page = { value: Ev[]; '@odata.nextLink'?: string; '@odata.deltaLink'?: string };

let h: Harness;
const U = '/users/alice@contoso.com';
const WINDOW = 'startDateTime=2026-03-01T00:00:00Z&endDateTime=2026-04-01T00:00:00Z';
const PROP = 'String {c11ff724-aa03-4555-9952-8fa248a11c3e} Name Marker';
const EXPAND = `$expand=${encodeURIComponent(`singleValueExtendedProperties($filter=id eq '${PROP}')`)}`;

beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.close());

const at = (day: number, hour: number) => ({
  dateTime: `2026-03-${String(day).padStart(2, '0')}T${String(hour).padStart(2, '0')}:00:00`,
  timeZone: 'UTC',
});

/** Every way the Graph face renders this event, each read as a client reads it. */
type Shape = 'full' | 'selected' | 'expanded' | 'view' | 'listed' | 'batch' | 'delta';

async function readsOf(id: string): Promise<Record<Shape, Ev>> {
  const full = (await h.graph<Ev>('GET', `${U}/events/${enc(id)}`)).body;
  const selected = (await h.graph<Ev>('GET', `${U}/events/${enc(id)}?$select=subject`)).body;
  const expanded = (await h.graph<Ev>('GET', `${U}/events/${enc(id)}?${EXPAND}`)).body;
  const view = (await h.graph<Page>('GET', `${U}/calendarView?${WINDOW}&$top=50`)).body.value.find((e) => e.id === id)!;
  const listed = (await h.graph<Page>('GET', `${U}/events?$top=50`)).body.value.find((e) => e.id === id)!;
  const batch = await h.graph<{ responses: { id: string; body: Ev }[] }>('POST', '/$batch', {
    requests: [{ id: '1', method: 'GET', url: `${U}/events/${enc(id)}?${EXPAND}` }],
  });
  let link: string | undefined = `${U}/calendarView/delta?${WINDOW}`;
  let delta: Ev | undefined;
  while (link) {
    const page: Page = (await h.graph<Page>('GET', link)).body;
    delta ??= page.value.find((e) => e.id === id);
    link = page['@odata.nextLink'];
  }
  return { full, selected, expanded, view, listed, batch: batch.body.responses[0]!.body, delta: delta! };
}

describe('rendered-event cache (Graph face)', () => {
  it('serves every read of an event changed by Graph, by another face, or by an extended property write as changed', async () => {
    const created = await h.graph<Ev>('POST', `${U}/events`, {
      subject: 'First',
      start: at(10, 9),
      end: at(10, 10),
      singleValueExtendedProperties: [{ id: PROP, value: 'one' }],
    });
    const id = created.body.id;
    const first = await readsOf(id);
    for (const read of Object.values(first)) expect(read.subject ?? first.full.subject).toBe('First');
    // Read twice in the same shapes: now every answer comes from the cache.
    expect(await readsOf(id)).toEqual(first);

    // A PATCH through Graph.
    await h.graph('PATCH', `${U}/events/${enc(id)}`, { subject: 'Second' });
    const second = await readsOf(id);
    for (const [shape, read] of Object.entries(second)) {
      expect(read.subject, shape).toBe('Second');
      expect(read['@odata.etag'], shape).not.toBe(first.full['@odata.etag']);
    }

    // A write that does not come through Graph (EWS, the control API): the store's item itself changes.
    h.sim.store.updateItem(h.sim.store.resolveEvent(id).master.id, { subject: 'Third', location: 'Room 1' });
    const third = await readsOf(id);
    for (const [shape, read] of Object.entries(third)) {
      expect(read.subject, shape).toBe('Third');
      expect(read['@odata.etag'], shape).not.toBe(second.full['@odata.etag']);
    }
    expect((third.full.location as { displayName: string }).displayName).toBe('Room 1');

    // Only an extended property changes: the expanded reads show its new value.
    await h.graph('PATCH', `${U}/events/${enc(id)}`, { singleValueExtendedProperties: [{ id: PROP, value: 'two' }] });
    const fourth = await readsOf(id);
    for (const shape of ['expanded', 'batch'] as const) {
      expect(fourth[shape].singleValueExtendedProperties, shape).toEqual([{ id: PROP, value: 'two' }]);
    }
  });

  it('shows an edited or cancelled occurrence, and the new ChangeKey of the others, in listings read before', async () => {
    const m = await h.graph<Ev>('POST', `${U}/events`, {
      subject: 'Daily',
      start: at(2, 9),
      end: at(2, 10),
      recurrence: {
        pattern: { type: 'daily', interval: 1 },
        range: { type: 'numbered', startDate: '2026-03-02', numberOfOccurrences: 3 },
      },
    });
    const view = async () =>
      (await h.graph<Page>('GET', `${U}/calendarView?${WINDOW}&$top=50`)).body.value.filter(
        (e) => e.seriesMasterId === m.body.id,
      );
    const before = await view();
    expect(before.map((e) => e.subject)).toEqual(['Daily', 'Daily', 'Daily']);
    await h.graph('PATCH', `${U}/events/${enc(before[0]!.id)}`, { subject: 'Moved' });
    await h.graph('DELETE', `${U}/events/${enc(before[1]!.id)}`);
    const after = await view();
    expect(after.map((e) => [e.type, e.subject])).toEqual([
      ['exception', 'Moved'],
      ['occurrence', 'Daily'],
    ]);
    expect(after[1]!.changeKey).not.toBe(before[2]!.changeKey);
    const master = (await h.graph<Ev>('GET', `${U}/events/${enc(m.body.id)}`)).body;
    expect(after[1]!.changeKey).toBe(master.changeKey);
  });

  it('gives the text JSON.stringify gives for the rendered event, in every shape', async () => {
    const created = await h.graph<Ev>('POST', `${U}/events`, {
      subject: 'Text <b>body</b>',
      body: { contentType: 'text', content: 'line 1\nline 2' },
      start: at(3, 9),
      end: at(3, 10),
      singleValueExtendedProperties: [{ id: PROP, value: 'x' }],
    });
    const master = h.sim.store.resolveEvent(created.body.id).master as CalendarEvent;
    const shapes: [RenderOptions, string[] | undefined][] = [
      [{ zone: undefined }, undefined],
      [{ zone: { iana: 'Europe/Berlin', name: 'W. Europe Standard Time' }, bodyType: 'text' }, undefined],
      [{ zone: undefined, immutable: true, extendedPropertyIds: [PROP] }, undefined],
      [{ zone: undefined }, ['subject', 'start']],
      [{ zone: undefined, immutable: true, extendedPropertyIds: [PROP] }, ['subject']],
      [{ zone: undefined, extendedPropertyIds: [`${PROP}x`] }, undefined],
    ];
    for (const [options, select] of shapes) {
      const expected = JSON.stringify(applySelect(eventJson(master, undefined, options), select));
      expect(eventJsonText(master, undefined, options, select)).toBe(expected);
      expect(eventJsonText(master, undefined, options, select)).toBe(expected);
      expect(eventJsonText(master, undefined, options, select, '"@odata.type":"#microsoft.graph.event"')).toBe(
        `{"@odata.type":"#microsoft.graph.event",${expected.slice(1)}`,
      );
    }
  });
});
