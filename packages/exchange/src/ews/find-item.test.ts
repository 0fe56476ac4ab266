import { parseXml, type XNode } from '@exsync/xml';
import {
  AppointmentSchema,
  CalendarView,
  DateTime,
  ExchangeService,
  ExchangeVersion,
  FolderId,
  ItemView,
  type IXHRApi,
  type IXHROptions,
  SearchFilter,
  Uri,
  WebCredentials,
  WellKnownFolderName,
} from 'ews-javascript-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EwsCollectionStore } from './ews-collection-store';
import { calendarViewRequest, type FolderRef, foundPage, recurringMastersRequest } from './find-item';
import { listShape } from './item-properties';
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
          ...(i % 4 === 0
            ? {
                recurrence: {
                  pattern: { type: 'weekly' as const, interval: 1, daysOfWeek: ['monday' as const] },
                  range: {
                    type: 'numbered' as const,
                    startDate: new Date(start).toISOString().slice(0, 10),
                    numberOfOccurrences: 3,
                  },
                },
              }
            : {}),
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
