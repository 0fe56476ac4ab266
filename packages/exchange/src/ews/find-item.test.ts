import { RetryableError } from '@exsync/core';
import { sampleContact, sampleEvent, sampleTask } from '@exsync/core/testing';
import { weeklySeries } from '@exsync/exchange-sim';
import { parseXml, type XNode } from '@exsync/xml';
import {
  AppointmentSchema,
  BasePropertySet,
  CalendarView,
  DateTime,
  ExchangeService,
  ExchangeVersion,
  FolderId,
  type Item,
  ItemView,
  type IXHRApi,
  type IXHROptions,
  PropertySet,
  SearchFilter,
  Task,
  Uri,
  WebCredentials,
  WellKnownFolderName,
} from 'ews-javascript-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EwsCollectionStore } from './ews-collection-store';
import {
  calendarViewRequest,
  type FolderPageShape,
  type FolderRef,
  folderPageRequest,
  foundFolderPage,
  foundPage,
  recurringMastersRequest,
} from './find-item';
import { extendedValue, listShape, MARKER_PROPERTY, UID_PROPERTY } from './item-properties';
import { EwsAnswerError, responseMessages } from './soap-answer';
import { SOAP_NS } from './soap-envelope';
import { type SimHarness, startSimulator } from './test-simulator';
import type { RecordingXhr } from './transport';
import { read } from './wire-values';

/**
 * The calendar listing's guarantee (issue 14): our FindItem requests are the ones ews-javascript-api sent, and our
 * reading of the answers lists what the library's Appointments listed — the same ids, change keys, UIDs and item
 * types. Each answer is read both ways: by `foundPage`, and by the library itself through an XHR that hands it.
 */

/** Answers every request with `answer` and keeps the SOAP body the library sent. */
class CannedXhr {
  sent: string | undefined;
  constructor(private readonly answer: string) {}
  xhr(options: IXHROptions): Promise<unknown> {
    this.sent = String(options.data);
    return Promise.resolve({ status: 200, responseText: this.answer, response: this.answer, headers: {} });
  }
  xhrStream(): Promise<unknown> {
    throw new Error('not used');
  }
  disconnect(): void {}
  get apiName(): string {
    return 'canned';
  }
}

function library(answer: string): { svc: ExchangeService; xhr: CannedXhr } {
  const svc = new ExchangeService(ExchangeVersion.Exchange2013_SP1);
  svc.Url = new Uri('https://mail.example.com/EWS/Exchange.asmx');
  svc.Credentials = new WebCredentials('user', 'password');
  const xhr = new CannedXhr(answer);
  svc.XHRApi = xhr as unknown as IXHRApi;
  return { svc, xhr };
}

interface Row {
  id: string;
  changeKey: string;
  uid: string | undefined;
  type: string | undefined;
}

/** What the listing reads of the library's FindItem results (as `listCalendar` read them before). */
async function libraryView(answer: string, folder = new FolderId(WellKnownFolderName.Calendar)) {
  const { svc, xhr } = library(answer);
  const view = new CalendarView(new DateTime(FROM), new DateTime(TO), 1000);
  view.PropertySet = listShape('calendar');
  const result = await svc.FindAppointments(folder, view);
  return { sent: xhr.sent!, page: pageOf(result) };
}

async function libraryMasters(answer: string, offset: number, folder = new FolderId(WellKnownFolderName.Calendar)) {
  const { svc, xhr } = library(answer);
  const view = new ItemView(200, offset);
  view.PropertySet = listShape('calendar');
  const result = await svc.FindItems(folder, new SearchFilter.IsEqualTo(AppointmentSchema.IsRecurring, true), view);
  return { sent: xhr.sent!, page: pageOf(result) };
}

function pageOf(result: { Items: unknown[]; MoreAvailable: boolean; NextPageOffset: number | null }) {
  const items = result.Items.map((i) => {
    const a = i as { Id: { UniqueId: string; ChangeKey: string }; ICalUid?: string; AppointmentType?: number };
    const type = read(() => a.AppointmentType);
    return {
      id: a.Id.UniqueId,
      changeKey: a.Id.ChangeKey,
      uid: read(() => a.ICalUid) || undefined,
      type: type === undefined ? undefined : APPOINTMENT_TYPES[type],
    };
  });
  return { items, moreAvailable: result.MoreAvailable, nextOffset: result.NextPageOffset ?? undefined };
}
const APPOINTMENT_TYPES = ['Single', 'Occurrence', 'Exception', 'RecurringMaster'];

function ours(answer: string): { items: Row[]; moreAvailable: boolean; nextOffset: number | undefined } {
  const page = foundPage(responseMessages(answer, 'FindItem'));
  return {
    items: page.items.map((i) => ({ id: i.id, changeKey: i.changeKey, uid: i.uid, type: i.type })),
    moreAvailable: page.moreAvailable,
    nextOffset: page.nextOffset,
  };
}

/** The SOAP body's request element as a comparable tree (prefixes, empty-element form and attribute order aside). */
function requestTree(envelope: string): unknown {
  const body = parseXml(envelope).children.find((c) => c.ns === SOAP_NS && c.name === 'Body')!;
  const tree = (n: XNode): unknown => ({
    n: `${n.ns} ${n.name}`,
    a: Object.fromEntries(Object.entries(n.attrs).sort()),
    t: n.text.trim(),
    c: n.children.map(tree),
  });
  return tree(body.children[0]!);
}
const wrap = (body: string) =>
  `<soap:Envelope xmlns:soap="${SOAP_NS}" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" ` +
  `xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><soap:Body>${body}</soap:Body></soap:Envelope>`;

const FROM = Date.parse('2026-01-01T00:00:00Z');
const TO = Date.parse('2027-06-30T00:00:00.250Z');
const CALENDAR: FolderRef = { distinguished: 'calendar' };

function answer(rootAttrs: string, items: string): string {
  return (
    '<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>' +
    '<m:FindItemResponse xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" ' +
    'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><m:ResponseMessages>' +
    `<m:FindItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>` +
    `<m:RootFolder ${rootAttrs}><t:Items>${items}</t:Items></m:RootFolder></m:FindItemResponseMessage>` +
    '</m:ResponseMessages></m:FindItemResponse></s:Body></s:Envelope>'
  );
}
const row = (id: string, inner: string, element = 'CalendarItem') =>
  `<t:${element}><t:ItemId Id="${id}" ChangeKey="ck-${id}"/>${inner}</t:${element}>`;

/** Answers Exchange may give that the simulator does not: empty or missing values, other item kinds, entities. */
const EDGE_ANSWERS: Record<string, string> = {
  'empty view': answer('TotalItemsInView="0" IncludesLastItemInRange="true"', ''),
  'truncated view': answer(
    'TotalItemsInView="1500" IncludesLastItemInRange="false"',
    row(
      'a1',
      '<t:UID>u1</t:UID><t:Start>2026-03-01T10:00:00Z</t:Start><t:CalendarItemType>Single</t:CalendarItemType>',
    ),
  ),
  'missing and empty values': answer(
    'TotalItemsInView="4" IncludesLastItemInRange="true"',
    row('b1', '<t:CalendarItemType>Single</t:CalendarItemType>') +
      row('b2', '<t:UID></t:UID><t:CalendarItemType>Occurrence</t:CalendarItemType>') +
      row('b3', '<t:UID>u3</t:UID>') +
      row('b4', '<t:UID> u4 </t:UID><t:CalendarItemType> Exception </t:CalendarItemType>'),
  ),
  'entities and other item kinds': answer(
    'TotalItemsInView="6" IncludesLastItemInRange="true"',
    row('c1+/=&amp;x', '<t:UID>a&lt;b&gt;&amp;c</t:UID><t:CalendarItemType>Single</t:CalendarItemType>') +
      row('c2', '<t:UID>u</t:UID>', 'Message') +
      row('c3', '<t:UID>r</t:UID><t:CalendarItemType>RecurringMaster</t:CalendarItemType>', 'MeetingRequest') +
      row('c4', '<t:UID>p</t:UID><t:CalendarItemType>Single</t:CalendarItemType>', 'MeetingResponse') +
      row('c5', '<t:UID>q</t:UID><t:CalendarItemType>Single</t:CalendarItemType>', 'MeetingCancellation') +
      row('c6', '<t:UID>t</t:UID>', 'Task'),
  ),
  'masters, more to come': answer(
    'IndexedPagingOffset="200" TotalItemsInView="350" IncludesLastItemInRange="false"',
    row('d1', '<t:UID>m1</t:UID><t:CalendarItemType>RecurringMaster</t:CalendarItemType>'),
  ),
  'masters, last page with an offset': answer(
    'IndexedPagingOffset="350" TotalItemsInView="350" IncludesLastItemInRange="true"',
    row('d2', '<t:UID>m2</t:UID><t:CalendarItemType>RecurringMaster</t:CalendarItemType>'),
  ),
};

describe('our FindItem requests are the ones ews-javascript-api sent', () => {
  const empty = EDGE_ANSWERS['empty view']!;

  it('a CalendarView of a well-known folder and of a folder by id', async () => {
    expect(requestTree(wrap(calendarViewRequest(CALENDAR, FROM, TO, 1000)))).toEqual(
      requestTree((await libraryView(empty)).sent),
    );
    const byId = (await libraryView(empty, new FolderId('AAMk+/folder=='))).sent;
    expect(requestTree(wrap(calendarViewRequest({ id: 'AAMk+/folder==' }, FROM, TO, 1000)))).toEqual(requestTree(byId));
  });

  it('a page of recurring masters', async () => {
    for (const offset of [0, 200]) {
      expect(requestTree(wrap(recurringMastersRequest(CALENDAR, 200, offset)))).toEqual(
        requestTree((await libraryMasters(empty, offset)).sent),
      );
    }
  });
});

describe('our reading of FindItem answers lists what the library listed', () => {
  it.each(Object.entries(EDGE_ANSWERS))('%s', async (_name, text) => {
    expect(ours(text)).toEqual((await libraryView(text)).page);
    expect(ours(text)).toEqual((await libraryMasters(text, 0)).page);
  });

  it('an error message throws its code, as the library did', async () => {
    const failed = answer('', '').replace(
      '<m:FindItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>',
      '<m:FindItemResponseMessage ResponseClass="Error"><m:MessageText>busy</m:MessageText><m:ResponseCode>ErrorServerBusy</m:ResponseCode>',
    );
    expect(() => ours(failed)).toThrow(EwsAnswerError);
    expect(() => ours(failed)).toThrow(/ErrorServerBusy/);
    await expect(libraryView(failed)).rejects.toThrow();
  });

  it('a Warning throws too: a listing Exchange gave only in part is never read as complete', () => {
    const partial = answer('TotalItemsInView="0" IncludesLastItemInRange="true"', '').replace(
      'ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>',
      'ResponseClass="Warning"><m:MessageText>stopped</m:MessageText><m:ResponseCode>ErrorBatchProcessingStopped</m:ResponseCode>',
    );
    expect(() => ours(partial)).toThrow(/ErrorBatchProcessingStopped/);
  });

  it('reads IncludesLastItemInRange as xs:boolean ("1" ends the listing, "0" does not)', () => {
    const row1 = row('e1', '<t:UID>u</t:UID><t:CalendarItemType>Single</t:CalendarItemType>');
    expect(ours(answer('TotalItemsInView="1" IncludesLastItemInRange="1"', row1)).moreAvailable).toBe(false);
    expect(ours(answer('IndexedPagingOffset="1" IncludesLastItemInRange="0"', row1))).toMatchObject({
      moreAvailable: true,
      nextOffset: 1,
    });
  });

  it('refuses an answer with no response message or two as unreadable (retried), never as an empty listing', () => {
    const one = answer('TotalItemsInView="0" IncludesLastItemInRange="true"', '');
    const message = /<m:FindItemResponseMessage[\s\S]*<\/m:FindItemResponseMessage>/.exec(one)![0];
    for (const text of [one.replace(message, ''), one.replace(message, message + message)]) {
      expect(() => ours(text)).toThrow(RetryableError);
      expect(() => ours(text)).toThrow(/response messages, not 1/);
    }
  });

  describe('answers of the simulator', () => {
    let h: SimHarness;
    const answers: string[] = [];
    beforeAll(async () => {
      h = await startSimulator();
      const calendar = h.sim.store.distinguishedFolder('alice@contoso.com', 'calendar').id;
      const t0 = Date.parse('2026-03-02T08:00:00Z');
      for (let i = 0; i < 12; i++) {
        const start = t0 + i * 86_400_000 + (i % 5) * 3_600_000;
        h.sim.store.createEvent(calendar, {
          subject: `Event ${i}`,
          start,
          end: start + 3_600_000,
          timeZone: i % 2 ? 'Europe/Berlin' : 'America/New_York',
          ...(i % 4 === 0 ? { recurrence: weeklySeries(start, 3) } : {}),
        });
      }
      const store = new EwsCollectionStore(h.config('calendar'));
      // The answers the listing got, kept as they came over the wire.
      // Our requests go around @ewsjs/xhr (`RecordingXhr.send`, node:http) on a Basic connection.
      const transport = (store as unknown as { session: { xhr: RecordingXhr } }).session.xhr;
      expect(transport.direct).toBe(true);
      const send = transport.send.bind(transport);
      transport.send = async (options: IXHROptions) => {
        const got = await send(options);
        answers.push(got.body);
        return got;
      };
      for await (const _ of store.listWindow({ start: '2026-01-01T00:00:00Z', end: '2027-06-30T00:00:00Z' }));
    });
    afterAll(() => h.close());

    it('a CalendarView and the masters page read alike, every item kind among them', async () => {
      expect(answers.length).toBe(2);
      const [view, masters] = answers as [string, string];
      const listed = ours(view);
      expect(new Set(listed.items.map((i) => i.type))).toEqual(new Set(['Single', 'Occurrence']));
      expect(listed).toEqual((await libraryView(view)).page);
      expect(ours(masters).items.map((i) => i.type)).toEqual(['RecurringMaster', 'RecurringMaster', 'RecurringMaster']);
      expect(ours(masters)).toEqual((await libraryMasters(masters, 0)).page);
    });
  });
});

/* ------------------------------------------------------------ folder pages (contacts, tasks, identities) */

/** The library's shape for each folder page, as `listWindow` and `identities()` asked before. */
function libraryShape(shape: FolderPageShape): PropertySet {
  if (shape === 'addressbook' || shape === 'tasks') return listShape(shape);
  const extra = shape === 'calendar-identities' ? [AppointmentSchema.ICalUid] : [];
  return new PropertySet(BasePropertySet.IdOnly, [MARKER_PROPERTY, UID_PROPERTY, ...extra]);
}

/** What the listing and identities() read of the library's rows (an empty key counted as none, as both did). */
async function libraryFolderPage(answer: string, shape: FolderPageShape, offset = 0, folder = CONTACTS_ID) {
  const { svc, xhr } = library(answer);
  const view = new ItemView(200, offset);
  view.PropertySet = libraryShape(shape);
  const result = await svc.FindItems(folder, view);
  const items = result.Items.map((item: Item) => ({
    id: item.Id.UniqueId,
    changeKey: item.Id.ChangeKey,
    task: item instanceof Task,
    exsyncUid: extendedValue(item, UID_PROPERTY) || undefined,
    marker: extendedValue(item, MARKER_PROPERTY) || undefined,
    icalUid:
      shape === 'calendar-identities'
        ? read(() => (item as unknown as { ICalUid: string }).ICalUid) || undefined
        : undefined,
    start: item instanceof Task ? read(() => item.StartDate?.TotalMilliSeconds) : undefined,
    due: item instanceof Task ? read(() => item.DueDate?.TotalMilliSeconds) : undefined,
  }));
  return {
    sent: xhr.sent!,
    page: { items: byId(items), moreAvailable: result.MoreAvailable, nextOffset: result.NextPageOffset ?? undefined },
  };
}
const CONTACTS_ID = new FolderId(WellKnownFolderName.Contacts);

/**
 * Rows compared in id order: the library handed a page's rows grouped by element (every Contact, then every
 * DistributionList) where we keep the answer's order; nothing reads the order (the engine and `identities()`'s
 * caller key the rows by href and by key).
 */
function byId<T extends { id: string }>(rows: T[]): T[] {
  return [...rows].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
}

function oursFolderPage(answer: string, shape: FolderPageShape) {
  const page = foundFolderPage(responseMessages(answer, 'FindItem'));
  return {
    items: byId(
      page.items.map((i) => ({
        id: i.id,
        changeKey: i.changeKey,
        task: i.task,
        exsyncUid: i.exsyncUid,
        marker: i.marker,
        icalUid: shape === 'calendar-identities' ? i.icalUid : undefined,
        start: i.start,
        due: i.due,
      })),
    ),
    moreAvailable: page.moreAvailable,
    nextOffset: page.nextOffset,
  };
}

const SET = '6e5f2c1a-8b0d-4f63-9a57-3c2d1e0f4b7a';
const ext = (name: string, value: string, set = SET, type = 'String') =>
  `<t:ExtendedProperty><t:ExtendedFieldURI PropertySetId="${set}" PropertyName="${name}" PropertyType="${type}"/>` +
  `<t:Value>${value}</t:Value></t:ExtendedProperty>`;
const SHAPES: FolderPageShape[] = ['addressbook', 'tasks', 'identities', 'calendar-identities'];

/** Folder pages Exchange may give that the simulator does not: padding, empty values, other sets, other kinds. */
const FOLDER_ANSWERS: Record<string, string> = {
  'empty folder': answer('IndexedPagingOffset="0" TotalItemsInView="0" IncludesLastItemInRange="true"', ''),
  'contacts and a group, keys padded, empty, of another set or type': answer(
    'IndexedPagingOffset="200" TotalItemsInView="450" IncludesLastItemInRange="false"',
    row(
      'e1',
      `<t:ItemClass>IPM.Contact</t:ItemClass>${ext('ExsyncUid', ' u-1 ')}${ext('ExsyncId', 'm&amp;1')}`,
      'Contact',
    ) +
      row('e2', ext('ExsyncUid', ''), 'Contact') +
      row('e3', ext('ExsyncUid', 'other', '11111111-2222-3333-4444-555555555555'), 'Contact') +
      row('e4', `${ext('ExsyncUid', 'u-4')}${ext('ExsyncId', 'm4')}`, 'DistributionList') +
      row('e5', '', 'Contact'),
  ),
  'tasks with and without dates, with and without an offset': answer(
    'IndexedPagingOffset="5" TotalItemsInView="5" IncludesLastItemInRange="true"',
    row(
      'f1',
      `<t:StartDate>2026-03-02T00:00:00Z</t:StartDate><t:DueDate>2026-03-04T00:00:00Z</t:DueDate>${ext('ExsyncUid', 't1')}`,
      'Task',
    ) +
      row('f2', '<t:DueDate>2026-05-01T12:00:00</t:DueDate>', 'Task') +
      row('f3', '<t:StartDate>2026-05-01T10:00:00+02:00</t:StartDate>', 'Task') +
      row('f4', '', 'Task') +
      row('f5', '<t:Subject>a note</t:Subject>', 'Message'),
  ),
  'calendar items and meeting messages with UIDs': answer(
    'IndexedPagingOffset="4" TotalItemsInView="4" IncludesLastItemInRange="true"',
    row('g1', `${ext('ExsyncId', 'm1')}<t:UID> ical-1 </t:UID>`) +
      row('g2', '<t:UID></t:UID>') +
      row('g3', '<t:UID>req</t:UID>', 'MeetingRequest') +
      row('g4', '<t:UID>msg</t:UID>', 'Message'),
  ),
};

describe('our folder pages (contacts, tasks, identities) are the requests the library sent, read alike', () => {
  const empty = FOLDER_ANSWERS['empty folder']!;

  it.each(SHAPES)(
    'the %s page request, at the start and further on, of a well-known folder and one by id',
    async (shape) => {
      for (const offset of [0, 400]) {
        expect(requestTree(wrap(folderPageRequest({ distinguished: 'contacts' }, shape, 200, offset)))).toEqual(
          requestTree((await libraryFolderPage(empty, shape, offset)).sent),
        );
      }
      const byId = (await libraryFolderPage(empty, shape, 0, new FolderId('AAMk+/f=='))).sent;
      expect(requestTree(wrap(folderPageRequest({ id: 'AAMk+/f==' }, shape, 200, 0)))).toEqual(requestTree(byId));
    },
  );

  it.each(Object.entries(FOLDER_ANSWERS))('%s', async (_name, text) => {
    for (const shape of SHAPES)
      expect(oursFolderPage(text, shape)).toEqual((await libraryFolderPage(text, shape)).page);
  });

  describe('answers of the simulator', () => {
    let h: SimHarness;
    const answers: { shape: FolderPageShape; body: string }[] = [];
    beforeAll(async () => {
      h = await startSimulator();
      const alice = 'alice@contoso.com';
      const contacts = h.sim.store.distinguishedFolder(alice, 'contacts').id;
      const tasks = h.sim.store.distinguishedFolder(alice, 'tasks').id;
      const calendar = h.sim.store.distinguishedFolder(alice, 'calendar').id;
      const t0 = Date.parse('2026-03-02T08:00:00Z');
      for (let i = 0; i < 3; i++) {
        h.sim.store.createContact(contacts, { givenName: `Outlook ${i}`, surname: 'Made' });
        h.sim.store.createTask(tasks, {
          title: `Outlook task ${i}`,
          ...(i ? { dueDateTime: t0 + i * 86_400_000 } : {}),
        });
        h.sim.store.createEvent(calendar, { subject: `Outlook event ${i}`, start: t0, end: t0 + 3_600_000 });
      }
      h.sim.store.createDistributionList(contacts, { displayName: 'Friends', members: [{ address: 'c@example.org' }] });
      const window = { start: '2026-01-01T00:00:00Z', end: '2027-06-30T00:00:00Z' };
      for (const [folder, kind] of [
        ['contacts', 'contact'],
        ['tasks', 'task'],
        ['calendar', 'event'],
      ] as const) {
        const store = new EwsCollectionStore(h.config(folder));
        // Items exsync made (marker and ExsyncUid set) beside the Outlook-made ones.
        for (let i = 0; i < 2; i++) await store.create(made(kind, i), { marker: `marker-${folder}-${i}` });
        const transport = (store as unknown as { session: { xhr: RecordingXhr } }).session.xhr;
        expect(transport.direct).toBe(true);
        const send = transport.send.bind(transport);
        let shape: FolderPageShape = folder === 'tasks' ? 'tasks' : 'addressbook';
        transport.send = async (options: IXHROptions) => {
          const got = await send(options);
          if (String(options.data).includes('IndexedPageItemView') && !String(options.data).includes('IsRecurring'))
            answers.push({ shape, body: got.body });
          return got;
        };
        if (folder !== 'calendar') for await (const _ of store.listWindow(window));
        shape = folder === 'calendar' ? 'calendar-identities' : 'identities';
        for await (const _ of store.identities());
      }
    });
    afterAll(() => h.close());

    it('the contact and task listings and the identities of each folder read alike, every kind among them', async () => {
      expect(answers.map((a) => a.shape)).toEqual([
        'addressbook',
        'identities',
        'tasks',
        'identities',
        'calendar-identities',
      ]);
      const rows = answers.flatMap((a) => oursFolderPage(a.body, a.shape).items);
      expect(rows.some((r) => r.exsyncUid && r.marker)).toBe(true);
      expect(rows.some((r) => r.task && r.due !== undefined)).toBe(true);
      expect(rows.some((r) => r.icalUid)).toBe(true);
      for (const a of answers) {
        expect(oursFolderPage(a.body, a.shape)).toEqual((await libraryFolderPage(a.body, a.shape)).page);
      }
    });
  });
});

/** An item exsync writes (its marker and, for contacts and tasks, ExsyncUid go with it). */
function made(kind: 'contact' | 'task' | 'event', i: number) {
  if (kind === 'contact') return sampleContact(`c-${i}`);
  if (kind === 'task') return sampleTask(`t-${i}`, i ? { due: { kind: 'date', date: '2026-03-05' } } : {});
  return sampleEvent(`e-${i}`, '2026-03-03T10:00:00.000Z');
}
