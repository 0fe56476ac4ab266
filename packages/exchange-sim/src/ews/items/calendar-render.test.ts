/**
 * The calendar renderer's output, byte for byte, held to what it wrote before it was restructured for cost (issue 15):
 * `calendar-render.fixture.json` was written by the renderer of main at bdc60e1 (straight-line code testing one
 * flag per property) for varied items — singles, series with exceptions and deleted occurrences, attendees,
 * categories, HTML bodies, extended properties, all-day events, five zones — in every shape a client asks for.
 * `UPDATE_RENDER_FIXTURE=1` rewrites it (only when the output is meant to change).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../store/clock';
import { MailboxStore } from '../../store/mailbox-store';
import type { CalendarEvent, EventInstance } from '../../store/types';
import { parseShape } from '../shape';
import { parseXml } from '../xml/parse';
import { calendarItemXml } from './calendar';

const FIXTURE = join(import.meta.dirname, 'calendar-render.fixture.json');
const HOUR = 3_600_000;
const T0 = Date.parse('2026-03-02T08:00:00Z');
const TYPES = 'http://schemas.microsoft.com/exchange/services/2006/types';
const MESSAGES = 'http://schemas.microsoft.com/exchange/services/2006/messages';

const field = (uri: string) => `<t:FieldURI FieldURI="${uri}"/>`;
const SHAPES: Record<string, string> = {
  idOnly: '<t:BaseShape>IdOnly</t:BaseShape>',
  listing: `<t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>${['calendar:UID', 'calendar:CalendarItemType', 'calendar:Start'].map(field).join('')}</t:AdditionalProperties>`,
  default: '<t:BaseShape>Default</t:BaseShape>',
  allText: `<t:BaseShape>AllProperties</t:BaseShape><t:BodyType>Text</t:BodyType><t:AdditionalProperties>${[
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
    )}<t:ExtendedFieldURI PropertySetId="6e5f2c1a-8b0d-4f63-9a57-3c2d1e0f4b7a" PropertyName="ExsyncId" PropertyType="String"/><t:ExtendedFieldURI DistinguishedPropertySetId="PublicStrings" PropertyName="Color" PropertyType="String"/><t:ExtendedFieldURI PropertyTag="0x0E07" PropertyType="Integer"/></t:AdditionalProperties>`,
  allHtml: '<t:BaseShape>AllProperties</t:BaseShape><t:BodyType>HTML</t:BodyType>',
  everything: `<t:BaseShape>AllProperties</t:BaseShape><t:IncludeMimeContent>true</t:IncludeMimeContent><t:AdditionalProperties>${[
    'item:ItemClass',
    'calendar:RecurrenceId',
    'calendar:DateTimeStamp',
    'calendar:OriginalStart',
    'calendar:IsMeeting',
    'calendar:IsCancelled',
    'calendar:IsRecurring',
    'calendar:MyResponseType',
    'calendar:RequiredAttendees',
    'calendar:OptionalAttendees',
    'calendar:Resources',
  ]
    .map(field)
    .join('')}</t:AdditionalProperties>`,
};

function shapeOf(inner: string) {
  const doc = parseXml(`<m:ItemShape xmlns:m="${MESSAGES}" xmlns:t="${TYPES}">${inner}</m:ItemShape>`);
  return parseShape(doc);
}

/** A mailbox of varied events and the targets a client renders: masters, singles, occurrences, exceptions. */
function targets(): { name: string; store: MailboxStore; target: CalendarEvent | EventInstance }[] {
  const store = new MailboxStore({
    seed: 'render-fixture',
    clock: new VirtualClock({ start: Date.parse('2026-02-20T10:00:00Z'), frozen: true }),
  });
  store.createMailbox({ smtpAddress: 'alice@contoso.com', displayName: 'Alice Example' });
  const cal = store.distinguishedFolder('alice@contoso.com', 'calendar').id;
  const out: { name: string; store: MailboxStore; target: CalendarEvent | EventInstance }[] = [];
  const zones = ['Europe/Berlin', 'America/New_York', 'Asia/Tokyo', 'UTC', 'Australia/Sydney'];
  zones.forEach((zone, i) => {
    const ev = store.createEvent(cal, {
      subject: `Single <${i}> & "quoted"`,
      start: T0 + i * 26 * HOUR,
      end: T0 + i * 26 * HOUR + HOUR,
      timeZone: zone,
      endTimeZone: zones[(i + 1) % zones.length],
      location: `Room ${i}`,
      body:
        i % 2
          ? { contentType: 'html', content: '<p>Hello <b>there</b></p><p>Line&nbsp;2</p>' }
          : { contentType: 'text', content: 'Plain\nbody & <text>' },
      categories: i % 2 ? ['Red', 'Blue & Green'] : [],
      showAs: (['free', 'tentative', 'busy', 'oof', 'workingElsewhere'] as const)[i],
      sensitivity: (['normal', 'personal', 'private', 'confidential', 'normal'] as const)[i],
      importance: (['low', 'normal', 'high', 'normal', 'low'] as const)[i],
      isReminderOn: i % 2 === 0,
      reminderMinutesBeforeStart: 5 * i,
      isAllDay: i === 3,
      attendees:
        i === 1
          ? [
              {
                emailAddress: { address: 'bob@contoso.com', name: 'Bob' },
                type: 'required',
                status: { response: 'accepted', time: T0 },
              },
              { emailAddress: { address: 'carol@contoso.com' }, type: 'optional', status: { response: 'none' } },
              {
                emailAddress: { address: 'room1@contoso.com', name: 'Room 1' },
                type: 'resource',
                status: { response: 'tentativelyAccepted' },
              },
            ]
          : [],
      extendedProperties:
        i === 2
          ? [
              { propertySetId: '6e5f2c1a-8b0d-4f63-9a57-3c2d1e0f4b7a', name: 'ExsyncId', type: 'String', value: 'x-1' },
              { propertySetId: 'PublicStrings', name: 'Color', type: 'String', value: 'teal & <b>' },
            ]
          : [],
    });
    out.push({ name: `single-${zone}`, store, target: ev });
    out.push({
      name: `single-${zone}-instance`,
      store,
      target: store.calendarView(cal, T0 - 48 * HOUR, T0 + 200 * HOUR).find((x) => x.master === ev)!,
    });
  });
  const series = store.createEvent(cal, {
    subject: 'Weekly',
    start: T0,
    end: T0 + HOUR,
    timeZone: 'Europe/Berlin',
    recurrence: {
      pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] },
      range: { type: 'numbered', startDate: '2026-03-02', numberOfOccurrences: 6 },
    },
  });
  const view = store.calendarView(cal, T0 - HOUR, T0 + 60 * 24 * HOUR).filter((x) => x.master === series);
  store.updateOccurrence(view[1]!.id, {
    subject: 'Moved one',
    start: view[1]!.fields.start + HOUR,
    end: view[1]!.fields.end + 2 * HOUR,
  });
  store.deleteOccurrence(view[3]!.id);
  const after = store.calendarView(cal, T0 - HOUR, T0 + 60 * 24 * HOUR).filter((x) => x.master === series);
  out.push({ name: 'series-master', store, target: store.getItem(series.id) as CalendarEvent });
  for (const [i, inst] of after.entries()) out.push({ name: `series-${inst.type}-${i}`, store, target: inst });
  const daily = store.createEvent(cal, {
    subject: 'Daily without end',
    start: T0 + 3 * HOUR,
    end: T0 + 4 * HOUR,
    timeZone: 'America/New_York',
    isOrganizer: false,
    organizer: { address: 'bob@contoso.com', name: 'Bob' },
    recurrence: {
      pattern: { type: 'daily', interval: 2 },
      range: { type: 'noEnd', startDate: '2026-03-02' },
    },
  });
  out.push({ name: 'daily-master', store, target: daily });
  const dailyView = store.calendarView(cal, T0, T0 + 5 * 24 * HOUR).filter((x) => x.master === daily);
  out.push({ name: 'daily-occurrence', store, target: dailyView[1]! });
  return out;
}

function renderAll(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { name, store, target } of targets()) {
    for (const [shapeName, inner] of Object.entries(SHAPES)) {
      out[`${name} / ${shapeName}`] = calendarItemXml({ store, shape: shapeOf(inner) }, target);
    }
  }
  return out;
}

describe('calendar item rendering', () => {
  it('writes every item in every shape byte for byte as the renderer it replaced did', () => {
    const rendered = renderAll();
    if (process.env.UPDATE_RENDER_FIXTURE) writeFileSync(FIXTURE, `${JSON.stringify(rendered, null, 1)}\n`);
    const expected = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, string>;
    expect(Object.keys(rendered)).toEqual(Object.keys(expected));
    for (const k of Object.keys(expected)) expect(rendered[k], k).toBe(expected[k]);
  });
});
