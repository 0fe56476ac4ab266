/**
 * The Graph face's answers, byte for byte, to the requests a sync makes — and to the other shapes a client may ask
 * for — on a fixed mailbox, before and after edits through each face: every answer's status, kept headers and body
 * are digested and compared with `graph-answers.fixture.json`, captured from the code before the Graph face's
 * cost work (issue 15), so that making answers cheaper never changes a byte of them. Run with
 * `UPDATE_GRAPH_ANSWERS=1` to write the fixture again (only when a change of the wire output is meant).
 *
 * What is not the server's to fix is normalised: `request-id`/`client-request-id`/`date` (random or wall clock) and
 * the random part of delta tokens (each distinct token becomes `T<n>` in order of first appearance).
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, type SimulatorHandle } from '../index';
import type { CalendarEvent } from '../store/types';

const FIXTURE = join(import.meta.dirname, 'graph-answers.fixture.json');
const PROP_GUID = 'c11ff724-aa03-4555-9952-8fa248a11c3e';
const PROP = `String {${PROP_GUID}} Name NextcloudHref`;
const OTHER = `String {${PROP_GUID}} Name NextcloudEtag`;
const EXPAND = `$expand=${encodeURIComponent(`singleValueExtendedProperties($filter=id eq '${PROP}' or id eq '${OTHER}')`)}`;
const EXSYNC_PREFER =
  'odata.maxpagesize=50, IdType="ImmutableId", outlook.timezone="UTC", outlook.body-content-type="text"';
const BATCH_PREFER = 'IdType="ImmutableId", outlook.timezone="UTC", outlook.body-content-type="text"';
const BERLIN_HTML = 'odata.maxpagesize=30, outlook.timezone="Europe/Berlin", outlook.body-content-type="html"';
const U = '/v1.0/users/alice%40contoso.com';
const WINDOW = 'startDateTime=2026-01-01T00%3A00%3A00Z&endDateTime=2027-06-30T00%3A00%3A00Z';
const ZONES = ['Europe/Berlin', 'America/New_York', 'Asia/Tokyo', 'UTC', 'Australia/Sydney'];
const HOUR = 3_600_000;
const T0 = Date.parse('2026-03-02T08:00:00Z');
const KEPT_HEADERS = [
  'content-type',
  'content-length',
  'preference-applied',
  'odata-version',
  'etag',
  'location',
  'retry-after',
];

type Json = Record<string, unknown>;
interface Answer {
  step: string;
  status: number;
  bytes: number;
  sha256: string;
}

let handle: SimulatorHandle;
let token: string;
const answers: Answer[] = [];
const tokens = new Map<string, string>();
let calendarGraphId = '';

/** Random parts out: request ids, and delta tokens numbered in order of first appearance. */
function normalise(text: string): string {
  return text
    .replace(/("(?:client-)?request-id":)"[0-9a-f-]{36}"/g, '$1"<id>"')
    .replace(/(\$(?:skip|delta)token=)([A-Za-z0-9_%-]+)/g, (_m, k: string, t: string) => {
      let n = tokens.get(t);
      if (!n) {
        n = `T${tokens.size + 1}`;
        tokens.set(t, n);
      }
      return `${k}${n}`;
    });
}

async function call(
  step: string,
  method: string,
  url: string,
  prefer?: string,
  body?: unknown,
): Promise<{ status: number; json: Json }> {
  const r = await handle.app.inject({
    method: method as 'GET',
    url,
    headers: {
      authorization: `Bearer ${token}`,
      ...(prefer ? { prefer } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
  const headers = KEPT_HEADERS.map((h) => `${h}: ${r.headers[h] ?? ''}`).join('\n');
  const text = normalise(`${r.statusCode}\n${headers}\n\n${r.body}`);
  answers.push({
    step,
    status: r.statusCode,
    bytes: Buffer.byteLength(r.body),
    sha256: createHash('sha256').update(text).digest('hex'),
  });
  return { status: r.statusCode, json: r.body ? (JSON.parse(r.body) as Json) : {} };
}

/** Follows nextLinks to the end; returns every entry and the deltaLink if any. */
async function drain(step: string, first: string, prefer?: string): Promise<{ value: Json[]; deltaLink?: string }> {
  const value: Json[] = [];
  let url: string | undefined = first;
  let deltaLink: string | undefined;
  for (let page = 0; url; page++) {
    const { json } = await call(`${step} page ${page}`, 'GET', url, prefer);
    value.push(...((json.value as Json[] | undefined) ?? []));
    url = json['@odata.nextLink'] as string | undefined;
    deltaLink = (json['@odata.deltaLink'] as string | undefined) ?? deltaLink;
  }
  return { value, ...(deltaLink ? { deltaLink } : {}) };
}

async function batchReads(step: string, urls: string[], prefer = BATCH_PREFER): Promise<void> {
  for (let i = 0; i < urls.length; i += 20) {
    const requests = urls.slice(i, i + 20).map((url, j) => ({
      id: String(j + 1),
      method: 'GET',
      url,
      headers: { prefer },
    }));
    await call(`${step} batch ${i / 20}`, 'POST', '/v1.0/$batch', undefined, { requests });
  }
}

const masterIds = (entries: Json[]): string[] => [
  ...new Set(entries.filter((e) => !e['@removed']).map((e) => (e.seriesMasterId as string | null) ?? (e.id as string))),
];

/** The reads of a first sync (as exsync's Graph store makes them), then the other shapes a client may ask for. */
async function readAll(step: string, deltaFrom?: string): Promise<string> {
  const calendar = `${U}/calendars/${encodeURIComponent(calendarGraphId)}`;
  const delta = await drain(`${step} delta`, deltaFrom ?? `${calendar}/calendarView/delta?${WINDOW}`, EXSYNC_PREFER);
  const listed = await drain(
    `${step} calendarView $select`,
    `${calendar}/calendarView?${WINDOW}&$select=id,seriesMasterId&$top=50`,
    EXSYNC_PREFER,
  );
  const masters = masterIds(listed.value);
  await batchReads(
    `${step} expanded reads`,
    masters.map(
      (id) => `/users/alice%40contoso.com/calendars/${encodeURIComponent(calendarGraphId)}/events/${id}?${EXPAND}`,
    ),
  );
  await batchReads(
    `${step} id reads`,
    masters.map(
      (id) => `/users/alice%40contoso.com/calendars/${encodeURIComponent(calendarGraphId)}/events/${id}?$select=id`,
    ),
  );
  const series = [...new Set(listed.value.map((e) => e.seriesMasterId as string | null).filter((s) => s !== null))];
  for (const [n, id] of series.entries()) {
    await drain(
      `${step} instances ${n}`,
      `${U}/events/${id}/instances?startDateTime=2026-03-01T00:00:00.000Z&endDateTime=2027-12-01T00:00:00.000Z&$select=id,type,originalStart&$top=100`,
      EXSYNC_PREFER,
    );
  }
  // Other shapes: another zone and body type, regular ids, no Prefer at all, listings and single reads.
  await drain(`${step} calendarView Berlin html`, `${U}/calendarView?${WINDOW}&$top=30`, BERLIN_HTML);
  await drain(`${step} events`, `${U}/events?$top=40`);
  await drain(`${step} events Berlin expanded`, `${U}/events?$top=40&${EXPAND}`, BERLIN_HTML);
  await batchReads(
    `${step} plain reads`,
    masters.slice(0, 40).map((id) => `/users/alice%40contoso.com/events/${id}`),
    'outlook.timezone="Tokyo Standard Time"',
  );
  for (const id of masters.slice(0, 6)) {
    await call(`${step} get ${id.slice(-12)}`, 'GET', `${U}/events/${id}`, BERLIN_HTML);
    await call(`${step} get $select ${id.slice(-12)}`, 'GET', `${U}/events/${id}?$select=subject,start,end`);
    await call(`${step} get $expand ${id.slice(-12)}`, 'GET', `${U}/events/${id}?${EXPAND}`, BATCH_PREFER);
  }
  return delta.deltaLink!;
}

beforeAll(async () => {
  handle = createSimulator({
    seed: 'graph-answers',
    clock: { start: Date.parse('2026-03-01T00:00:00Z'), frozen: true },
  });
  const { sim } = handle;
  sim.store.createMailbox({ smtpAddress: 'alice@contoso.com', displayName: 'Alice' });
  const app = sim.directory.addApp({ clientId: 'answers-app', displayName: 'answers', secrets: ['s3cret'] });
  const folder = sim.store.distinguishedFolder('alice@contoso.com', 'calendar');
  calendarGraphId = folder.graphId;
  for (let i = 0; i < 160; i++) {
    const start = T0 + (i % 60) * 24 * HOUR + (i % 9) * HOUR;
    const allDay = i % 23 === 5;
    const dayStart = Date.parse(new Date(start).toISOString().slice(0, 10));
    sim.store.createEvent(folder.id, {
      subject: `Event ${i} — “quoted” <b>`,
      start: allDay ? dayStart : start,
      end: allDay ? dayStart + 24 * HOUR : start + HOUR,
      isAllDay: allDay,
      timeZone: ZONES[i % ZONES.length]!,
      location: i % 4 === 0 ? '' : `Room ${i % 17}`,
      ...(i % 7 === 0
        ? {
            body: { contentType: 'html' as const, content: `<p>Agenda ${i}</p><p>Line two &amp; more</p>` },
            attendees: [
              {
                emailAddress: { address: 'bob@contoso.com', name: 'Bob' },
                type: 'required' as const,
                status: { response: 'accepted' as const, time: T0 },
              },
              {
                emailAddress: { address: 'carol@example.com', name: 'Carol' },
                type: 'optional' as const,
                status: { response: 'none' as const },
              },
            ],
          }
        : {}),
      ...(i % 11 === 0 ? { categories: ['Blue category', 'Work'] } : {}),
      ...(i % 13 === 0
        ? {
            extendedProperties: [
              { propertySetId: PROP_GUID, name: 'NextcloudHref', type: 'String', value: `/c/${i}.ics` },
            ],
          }
        : {}),
      ...(i % 10 === 0
        ? {
            recurrence: {
              pattern: { type: 'weekly' as const, interval: 1, daysOfWeek: ['monday' as const, 'thursday' as const] },
              range: {
                type: 'numbered' as const,
                startDate: new Date(start).toISOString().slice(0, 10),
                numberOfOccurrences: 8,
              },
            },
          }
        : {}),
      ...(i === 33
        ? {
            recurrence: {
              pattern: { type: 'daily' as const, interval: 3 },
              range: { type: 'noEnd' as const, startDate: new Date(start).toISOString().slice(0, 10) },
            },
          }
        : {}),
    });
  }
  ({ token } = await sim.tokens.issue(app, 'graph'));
});

afterAll(async () => {
  await handle.close();
});

describe('Graph answers, byte for byte (issue 15)', () => {
  it('answers a sync, the other read shapes, and the same after edits through every face exactly as captured', async () => {
    const { sim } = handle;
    const store = sim.store;
    const deltaLink = await readAll('first');
    // The same reads again: now from whatever the simulator kept.
    await readAll('again');

    // Edits through the store (as EWS and the control API make them) and through Graph, between reads.
    const events = store
      .listMailboxItems('alice@contoso.com')
      .filter((i): i is CalendarEvent => i.kind === 'event')
      .sort((a, b) => a.key - b.key);
    const series = events.filter((e) => e.recurrence && e.recurrence.range.type !== 'noEnd');
    const singles = events.filter((e) => !e.recurrence);
    store.updateItem(singles[1]!.id, { subject: 'Renamed as EWS would' });
    store.updateItem(singles[2]!.id, {
      extendedProperties: [{ propertySetId: PROP_GUID, name: 'NextcloudEtag', type: 'String', value: '"e-2"' }],
    });
    store.updateItem(series[0]!.id, { location: 'Moved room' });
    const firstSeriesInstances = store.calendarView(folderIdOf(series[1]!), 0, Number.MAX_SAFE_INTEGER);
    const occ = firstSeriesInstances.filter((i) => i.master === series[1]);
    store.updateOccurrence(occ[1]!.id, { subject: 'One occurrence changed' });
    store.deleteOccurrence(occ[2]!.id);
    store.deleteItem(singles[3]!.id);
    store.createEvent(folderIdOf(singles[0]!), {
      subject: 'Created later',
      start: T0 + 5 * HOUR,
      end: T0 + 6 * HOUR,
      timeZone: 'UTC',
    });
    const patched = await call('patch through Graph', 'PATCH', `${U}/events/${singles[4]!.graphId}`, BATCH_PREFER, {
      subject: 'Patched through Graph',
      singleValueExtendedProperties: [{ id: PROP, value: '/c/patched.ics' }],
    });
    expect(patched.status).toBe(200);
    const after = await readAll('after edits', deltaLink);
    expect(after).toBeTruthy();

    // Extended properties alone, then an occurrence edit alone, each followed by the reads that show them.
    store.updateItem(singles[5]!.id, {
      extendedProperties: [{ propertySetId: PROP_GUID, name: 'NextcloudHref', type: 'String', value: '/c/x.ics' }],
    });
    const later = store
      .calendarView(folderIdOf(series[2]!), 0, Number.MAX_SAFE_INTEGER)
      .filter((i) => i.master === series[2]);
    store.updateOccurrence(later[0]!.id, { location: 'Elsewhere', start: later[0]!.fields.start + HOUR });
    await readAll('after second edits', after);

    if (process.env.UPDATE_GRAPH_ANSWERS) {
      writeFileSync(FIXTURE, `${JSON.stringify(answers, null, 1)}\n`);
      return;
    }
    const expected = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Answer[];
    expect(answers.map((a) => a.step)).toEqual(expected.map((a) => a.step));
    for (const [i, a] of answers.entries()) expect(a, a.step).toEqual(expected[i]);
  });
});

function folderIdOf(ev: CalendarEvent): string {
  return handle.sim.store.folderByKey(ev.folderKey)!.id;
}
