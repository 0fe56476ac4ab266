/**
 * The EWS face's answers, byte for byte, held to what main wrote before the reply path was restructured for cost
 * (issue 15): `wire-answers.fixture.json` was written by main at 0d18d35 for a fixed mailbox (singles in five zones,
 * a series with a moved and a cancelled occurrence, a series without end, attendees, HTML bodies, extended
 * properties) read the way exsync reads it — SyncFolderItems pages, CalendarView windows (one cut short by
 * MaxEntriesReturned), the restricted FindItem for series, GetItem batches in exsync's shape with an unknown id
 * among them — then read again after edits of every kind, so an answer kept past a change fails too.
 * `UPDATE_WIRE_FIXTURE=1` rewrites it (only when the answers are meant to change).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSimulator } from '../index';

const FIXTURE = join(import.meta.dirname, 'wire-answers.fixture.json');
const HOUR = 3_600_000;
const T0 = Date.parse('2026-03-02T08:00:00Z');
const ALICE = 'alice@contoso.com';
const AUTH = `Basic ${Buffer.from('CONTOSO\\svc-sync:Passw0rd!').toString('base64')}`;

const field = (uri: string) => `<t:FieldURI FieldURI="${uri}"/>`;
const LISTING = `<m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>${['calendar:UID', 'calendar:CalendarItemType', 'calendar:Start'].map(field).join('')}</t:AdditionalProperties></m:ItemShape>`;
const FULL = `<m:ItemShape><t:BaseShape>AllProperties</t:BaseShape><t:BodyType>Text</t:BodyType><t:AdditionalProperties>${[
  'calendar:UID',
  'calendar:Recurrence',
  'calendar:ModifiedOccurrences',
  'calendar:DeletedOccurrences',
  'calendar:StartTimeZone',
  'calendar:EndTimeZone',
  'calendar:IsAllDayEvent',
  'item:LastModifiedTime',
]
  .map(field)
  .join(
    '',
  )}<t:ExtendedFieldURI PropertySetId="6e5f2c1a-8b0d-4f63-9a57-3c2d1e0f4b7a" PropertyName="ExsyncId" PropertyType="String"/><t:ExtendedFieldURI PropertySetId="6e5f2c1a-8b0d-4f63-9a57-3c2d1e0f4b7a" PropertyName="ExsyncUid" PropertyType="String"/></t:AdditionalProperties></m:ItemShape>`;
const CALENDAR = '<t:DistinguishedFolderId Id="calendar"/>';

function soap(body: string): string {
  return (
    '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" ' +
    'xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" ' +
    'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><soap:Header>' +
    '<t:RequestServerVersion Version="Exchange2013_SP1"/><t:ExchangeImpersonation><t:ConnectingSID>' +
    `<t:SmtpAddress>${ALICE}</t:SmtpAddress></t:ConnectingSID></t:ExchangeImpersonation></soap:Header>` +
    `<soap:Body>${body}</soap:Body></soap:Envelope>`
  );
}

const syncFolderItems = (
  state: string | undefined,
  max: number,
  shape = '<m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>',
) =>
  soap(
    `<m:SyncFolderItems>${shape}<m:SyncFolderId>${CALENDAR}</m:SyncFolderId>` +
      `${state ? `<m:SyncState>${state}</m:SyncState>` : ''}<m:MaxChangesReturned>${max}</m:MaxChangesReturned>` +
      '<m:SyncScope>NormalItems</m:SyncScope></m:SyncFolderItems>',
  );
const calendarView = (start: string, end: string, max = 1000, shape = LISTING) =>
  soap(
    `<m:FindItem Traversal="Shallow">${shape}<m:CalendarView MaxEntriesReturned="${max}" StartDate="${start}" ` +
      `EndDate="${end}"/><m:ParentFolderIds>${CALENDAR}</m:ParentFolderIds></m:FindItem>`,
  );
const seriesList = soap(
  `<m:FindItem Traversal="Shallow">${LISTING}<m:IndexedPageItemView MaxEntriesReturned="200" Offset="0" ` +
    'BasePoint="Beginning"/><m:Restriction><t:IsEqualTo><t:FieldURI FieldURI="calendar:IsRecurring"/>' +
    '<t:FieldURIOrConstant><t:Constant Value="true"/></t:FieldURIOrConstant></t:IsEqualTo></m:Restriction>' +
    `<m:ParentFolderIds>${CALENDAR}</m:ParentFolderIds></m:FindItem>`,
);
const getItem = (ids: readonly string[], shape = FULL) =>
  soap(`<m:GetItem>${shape}<m:ItemIds>${ids.map((id) => `<t:ItemId Id="${id}"/>`).join('')}</m:ItemIds></m:GetItem>`);

/** The fixed mailbox, and the ids of what a read touches. */
function mailbox() {
  const handle = createSimulator({
    seed: 'wire-fixture',
    clock: { start: Date.parse('2026-02-20T10:00:00Z'), frozen: true },
  });
  const { sim } = handle;
  sim.store.createMailbox({ smtpAddress: ALICE, displayName: 'Alice Example' });
  sim.directory.addServiceAccount({
    username: 'svc-sync',
    password: 'Passw0rd!',
    domain: 'CONTOSO',
    impersonation: true,
  });
  const cal = sim.store.distinguishedFolder(ALICE, 'calendar').id;
  const zones = ['Europe/Berlin', 'America/New_York', 'Asia/Tokyo', 'UTC', 'Australia/Sydney'];
  const singles = zones.map((zone, i) =>
    sim.store.createEvent(cal, {
      subject: `Single <${i}> & "quoted"`,
      start: T0 + i * 26 * HOUR,
      end: T0 + i * 26 * HOUR + HOUR,
      timeZone: zone,
      endTimeZone: zones[(i + 1) % zones.length],
      location: `Room ${i}`,
      body:
        i % 2
          ? { contentType: 'html', content: '<p>Hello <b>there</b></p><p>Line&nbsp;2 — ünïcödé</p>' }
          : { contentType: 'text', content: 'Plain\nbody & <text> €' },
      categories: i % 2 ? ['Red', 'Blue & Green'] : [],
      isAllDay: i === 3,
      attendees:
        i === 1
          ? [
              {
                emailAddress: { address: 'bob@contoso.com', name: 'Bob' },
                type: 'required',
                status: { response: 'accepted', time: T0 },
              },
              {
                emailAddress: { address: 'room1@contoso.com', name: 'Room 1' },
                type: 'resource',
                status: { response: 'none' },
              },
            ]
          : [],
      extendedProperties:
        i === 2
          ? [
              {
                propertySetId: '6e5f2c1a-8b0d-4f63-9a57-3c2d1e0f4b7a',
                name: 'ExsyncId',
                type: 'String',
                value: 'x-1 & <y>',
              },
            ]
          : [],
    }),
  );
  for (let i = 0; i < 12; i++) {
    singles.push(
      sim.store.createEvent(cal, {
        subject: `Filler ${i}`,
        start: T0 + (i * 7 + 3) * 24 * HOUR,
        end: T0 + (i * 7 + 3) * 24 * HOUR + HOUR,
        timeZone: zones[i % zones.length]!,
      }),
    );
  }
  const series = sim.store.createEvent(cal, {
    subject: 'Weekly',
    start: T0,
    end: T0 + HOUR,
    timeZone: 'Europe/Berlin',
    recurrence: {
      pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] },
      range: { type: 'numbered', startDate: '2026-03-02', numberOfOccurrences: 6 },
    },
  });
  const view = sim.store.calendarView(cal, T0 - HOUR, T0 + 60 * 24 * HOUR).filter((x) => x.master === series);
  sim.store.updateOccurrence(view[1]!.id, {
    subject: 'Moved one',
    start: view[1]!.fields.start + HOUR,
    end: view[1]!.fields.end + 2 * HOUR,
  });
  sim.store.deleteOccurrence(view[3]!.id);
  const daily = sim.store.createEvent(cal, {
    subject: 'Daily without end',
    start: T0 + 3 * HOUR,
    end: T0 + 4 * HOUR,
    timeZone: 'America/New_York',
    recurrence: { pattern: { type: 'daily', interval: 9 }, range: { type: 'noEnd', startDate: '2026-03-02' } },
  });
  return { handle, cal, singles, series, daily };
}

/** Every answer of the read, the edits and the read again, in order: status, content type and body. */
async function answers(): Promise<string[]> {
  const { handle, cal, singles, series, daily } = mailbox();
  const { sim, app } = handle;
  const out: string[] = [];
  const post = async (body: string): Promise<string> => {
    const r = await app.inject({
      method: 'POST',
      url: '/EWS/Exchange.asmx',
      headers: { authorization: AUTH, 'content-type': 'text/xml; charset=utf-8', 'x-anchormailbox': ALICE },
      payload: body,
    });
    out.push(`${r.statusCode} ${r.headers['content-type']} ${r.headers['content-length']}\n${r.body}`);
    return r.body;
  };
  const read = async () => {
    let state: string | undefined;
    for (let page = 0; page < 10; page++) {
      const body = await post(syncFolderItems(state, 7));
      state = /<m:SyncState>([^<]*)</.exec(body)?.[1];
      if (body.includes('<m:IncludesLastItemInRange>true')) break;
    }
    await post(calendarView('2026-01-01T00:00:00.000Z', '2027-06-30T00:00:00.000Z', 20));
    await post(calendarView('2026-01-01T00:00:00.000Z', '2026-04-15T00:00:00.000Z'));
    await post(calendarView('2026-04-15T00:00:00.000Z', '2027-06-30T00:00:00.000Z'));
    await post(calendarView('2026-03-01T00:00:00.000Z', '2026-03-20T00:00:00.000Z', 1000, FULL));
    await post(seriesList);
    const ids = [...singles, series, daily].map((e) => e.id);
    const occurrence = sim.store.calendarView(cal, T0, T0 + 30 * 24 * HOUR).find((x) => x.master.id === series.id)!.id;
    for (let i = 0; i < ids.length; i += 5) await post(getItem(ids.slice(i, i + 5)));
    await post(
      getItem([
        occurrence,
        'AAMkADQ0ODZlZDRjLTI4NzMtNGY2ZS04OGZhLTA1NmVjMGVkMjI3ZUYAAAAAADJW+/+/S92Czlr/Om7lQMIAB+Bm8RS8o0MmDDr5VrRdzlYAAAAAAAAAAOBm8RS8o0MmDDr5VrRdzlYAAAAAA6AAAAA=',
        ids[0]!,
      ]),
    );
  };
  await read();
  // Edits of every kind between the reads: a kept answer that ignores any of them fails.
  sim.clock.advance(60_000);
  sim.store.updateItem(singles[0]!.id, { subject: 'Renamed & edited', location: 'Elsewhere' });
  sim.store.updateItem(singles[4]!.id, { start: T0 + 50 * HOUR, end: T0 + 51 * HOUR });
  sim.store.deleteItem(singles[5]!.id);
  const later = sim.store
    .calendarView(cal, T0 + 20 * 24 * HOUR, T0 + 60 * 24 * HOUR)
    .filter((x) => x.master.id === series.id);
  sim.store.updateOccurrence(later[0]!.id, { subject: 'Edited occurrence' });
  sim.store.createEvent(cal, {
    subject: 'Created later',
    start: T0 + 5 * HOUR,
    end: T0 + 6 * HOUR,
    timeZone: 'Asia/Tokyo',
  });
  sim.store.moveItem(singles[6]!.id, sim.store.createFolder(ALICE, { kind: 'calendar', displayName: 'Other' }).id);
  await read();
  await app.close();
  return out;
}

describe('EWS wire answers', () => {
  it('answers a read, edits and a second read byte for byte as main did', async () => {
    const got = await answers();
    if (process.env.UPDATE_WIRE_FIXTURE) writeFileSync(FIXTURE, `${JSON.stringify(got, null, 1)}\n`);
    const expected = JSON.parse(readFileSync(FIXTURE, 'utf8')) as string[];
    expect(got.length).toBe(expected.length);
    for (let i = 0; i < expected.length; i++) expect(got[i], `answer ${i}`).toBe(expected[i]);
  });
});
