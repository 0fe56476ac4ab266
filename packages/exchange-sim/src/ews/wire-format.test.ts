import {
  BasePropertySet,
  ConnectingIdType,
  ExchangeService,
  ExchangeVersion,
  FolderId,
  ImpersonatedUserId,
  PropertySet,
  ServiceError,
  SyncFolderItemsScope,
  Uri,
  WebCredentials,
  WellKnownFolderName,
} from 'ews-javascript-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureEws } from './behaviour';
import { ALICE, BOB, type Harness, PASSWORD, rawSoap, startEws, withTimeout } from './test-support';
import { M, T } from './xml/namespaces';
import { child, parseXml, type XNode } from './xml/parse';

let h: Harness;
beforeAll(async () => {
  h = await startEws();
});
afterAll(() => h.close());

/** types.xsd order of ItemType followed by CalendarItemType (the elements the simulator can emit). */
const CALENDAR_ORDER = [
  'MimeContent',
  'ItemId',
  'ParentFolderId',
  'ItemClass',
  'Subject',
  'Sensitivity',
  'Body',
  'Categories',
  'Importance',
  'DateTimeCreated',
  'ReminderIsSet',
  'ReminderMinutesBeforeStart',
  'HasAttachments',
  'ExtendedProperty',
  'LastModifiedTime',
  'UID',
  'RecurrenceId',
  'DateTimeStamp',
  'Start',
  'End',
  'OriginalStart',
  'IsAllDayEvent',
  'LegacyFreeBusyStatus',
  'Location',
  'IsMeeting',
  'IsCancelled',
  'IsRecurring',
  'CalendarItemType',
  'MyResponseType',
  'Organizer',
  'RequiredAttendees',
  'OptionalAttendees',
  'Resources',
  'Recurrence',
  'ModifiedOccurrences',
  'DeletedOccurrences',
  'StartTimeZone',
  'EndTimeZone',
]; // prettier-ignore

function expectSchemaOrder(node: XNode, order: string[]): void {
  const names = node.children.map((c) => c.name);
  const idx = names.map((n) => order.indexOf(n));
  expect(idx, `unknown element in ${names.join(',')}`).not.toContain(-1);
  expect(idx).toEqual([...idx].sort((a, b) => a - b));
}

const GET_ALL = (id: string) =>
  `<m:GetItem><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="item:MimeContent"/><t:ExtendedFieldURI PropertySetId="c11ff724-aa03-4555-9952-8fa248a11c3e" PropertyName="NextcloudHref" PropertyType="String"/></t:AdditionalProperties></m:ItemShape><m:ItemIds><t:ItemId Id="${id}"/></m:ItemIds></m:GetItem>`;

describe('the wire format', () => {
  it('answers with the s:/m:/t: prefixes, ServerVersionInfo and documented element order', async () => {
    const start = Date.UTC(2026, 0, 5, 8);
    const ev = h.sim.store.createEvent(h.sim.store.distinguishedFolder(ALICE, 'calendar').id, {
      subject: 'Weekly',
      start,
      end: start + 3_600_000,
      attendees: [{ emailAddress: { address: BOB }, type: 'required', status: { response: 'accepted' } }],
      extendedProperties: [
        {
          propertySetId: 'c11ff724-aa03-4555-9952-8fa248a11c3e',
          name: 'NextcloudHref',
          type: 'String',
          value: '/dav/abc.ics',
        },
      ],
      recurrence: {
        pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] },
        range: { type: 'numbered', startDate: '2026-01-05', numberOfOccurrences: 10 },
      },
    });
    const [o1, o2] = h.sim.store.instancesOf(ev.id, start, start + 20 * 86_400_000);
    h.sim.store.updateOccurrence(o1!.id, { start: start + 7_200_000, end: start + 10_800_000 });
    h.sim.store.deleteOccurrence(o2!.id);
    const r = await rawSoap(h.url, GET_ALL(ev.id));
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/xml; charset=utf-8');
    expect(r.body).toMatch(
      /^<\?xml version="1.0" encoding="utf-8"\?><s:Envelope xmlns:s="http:\/\/schemas.xmlsoap.org\/soap\/envelope\/"><s:Header><h:ServerVersionInfo MajorVersion="15" MinorVersion="2" /,
    );
    expect(r.body).toContain(
      `<m:GetItemResponse xmlns:m="${M}" xmlns:t="${T}"><m:ResponseMessages><m:GetItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Items><t:CalendarItem><t:MimeContent CharacterSet="UTF-8">`,
    );
    const doc = parseXml(r.body);
    const item = doc.children[1]?.children[0]?.children[0]?.children[0]?.children[1]?.children[0];
    expect(item?.name).toBe('CalendarItem');
    expectSchemaOrder(item!, CALENDAR_ORDER);
    expect(item!.children.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        'ExtendedProperty',
        'UID',
        'Recurrence',
        'ModifiedOccurrences',
        'DeletedOccurrences',
        'StartTimeZone',
      ]),
    );
    expect(child(child(item, T, 'Recurrence'), T, 'NumberedRecurrence')?.children.map((c) => c.name)).toEqual([
      'StartDate',
      'NumberOfOccurrences',
    ]);
    expect(r.body).toContain(
      '<t:DeletedOccurrences><t:DeletedOccurrence><t:Start>2026-01-12T08:00:00Z</t:Start></t:DeletedOccurrence></t:DeletedOccurrences>',
    );
    expect(r.body).toContain(
      '<t:OriginalStart>2026-01-05T08:00:00Z</t:OriginalStart></t:Occurrence></t:ModifiedOccurrences>',
    );
  });

  it('puts MessageText, ResponseCode, DescriptiveLinkKey first in an error message, then the empty Items', async () => {
    const r = await rawSoap(h.url, GET_ALL('AAMk+/+/AwAAJxAAAAAAAAAAAAAAAAA='));
    expect(r.body).toContain(
      '<m:GetItemResponseMessage ResponseClass="Error"><m:MessageText>The specified object was not found in the store.</m:MessageText><m:ResponseCode>ErrorItemNotFound</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey><m:Items/></m:GetItemResponseMessage>',
    );
  });

  it('accepts any namespace prefixes (and default namespaces) and dispatches on the first element of the Body', async () => {
    const body =
      '<?xml version="1.0"?><env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/">' +
      `<env:Header><RequestServerVersion xmlns="${T}" Version="Exchange2016"/><typ:ExchangeImpersonation xmlns:typ="${T}"><typ:ConnectingSID><typ:SmtpAddress>${ALICE}</typ:SmtpAddress></typ:ConnectingSID></typ:ExchangeImpersonation></env:Header>` +
      `<env:Body><GetFolder xmlns="${M}" xmlns:x="${T}"><FolderShape><x:BaseShape>IdOnly</x:BaseShape></FolderShape><FolderIds><x:DistinguishedFolderId Id="tasks"/></FolderIds></GetFolder></env:Body></env:Envelope>`;
    const res = await fetch(h.url, {
      method: 'POST',
      headers: {
        'content-type': 'text/xml',
        authorization: `Basic ${Buffer.from(`svc-sync:${PASSWORD}`).toString('base64')}`,
        soapaction: '"http://schemas.microsoft.com/exchange/services/2006/messages/FindItem"',
      },
      body,
    });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).toContain('<m:GetFolderResponse');
    expect(text).toContain('<t:TasksFolder><t:FolderId');
  });

  it('refuses a DOCTYPE (no external entities), an unknown RequestServerVersion and an unknown operation with faults', async () => {
    const auth = `Basic ${Buffer.from(`svc-sync:${PASSWORD}`).toString('base64')}`;
    const xxe = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><m:GetFolder xmlns:m="${M}">&e;</m:GetFolder></s:Body></s:Envelope>`;
    const r1 = await fetch(h.url, {
      method: 'POST',
      headers: { 'content-type': 'text/xml', authorization: auth },
      body: xxe,
    });
    const t1 = await r1.text();
    expect(r1.status).toBe(500);
    expect(t1).toContain('a:ErrorSchemaValidation');
    expect(t1).not.toContain('root:');
    const r2 = await rawSoap(h.url, '<m:GetFolder/>', { header: '<t:RequestServerVersion Version="Exchange2031"/>' });
    expect(r2.status).toBe(500);
    expect(r2.body).toContain(
      '<faultcode xmlns:a="http://schemas.microsoft.com/exchange/services/2006/types">a:ErrorInvalidServerVersion</faultcode>',
    );
    const r3 = await rawSoap(h.url, '<m:ResolveNames/>');
    expect(r3.body).toContain('a:ErrorInvalidRequest');
  });
});

describe('ErrorServerBusy', () => {
  const svcFor = () => {
    const svc = new ExchangeService(ExchangeVersion.Exchange2013_SP1);
    svc.Url = new Uri(h.url);
    svc.Credentials = new WebCredentials('CONTOSO\\svc-sync', PASSWORD);
    svc.ImpersonatedUserId = new ImpersonatedUserId(ConnectingIdType.SmtpAddress, ALICE);
    svc.HttpHeaders.Add('X-AnchorMailbox', ALICE);
    return svc;
  };
  const sync = (svc: ExchangeService) =>
    withTimeout(
      svc.SyncFolderItems(
        new FolderId(WellKnownFolderName.Calendar),
        new PropertySet(BasePropertySet.IdOnly),
        [],
        10,
        SyncFolderItemsScope.NormalItems,
        null as unknown as string,
      ),
    );

  it('is rendered in-band (HTTP 200) with BackOffMilliseconds when injected through the control API', async () => {
    h.sim.injectFault({ face: 'ews' }, { kind: 'ewsServerBusy', channel: 'inBand', backOffMs: 30000 });
    const err = await sync(svcFor()).then(
      () => undefined,
      (e: unknown) =>
        e as {
          ErrorCode: number;
          Response: { ErrorDetails: { get(k: string): unknown; containsKey(k: string): boolean } };
        },
    );
    expect(err?.ErrorCode).toBe(ServiceError.ErrorServerBusy);
    expect(h.sim.requests({ face: 'ews' }).at(-1)?.status).toBe(200);
    expect(await sync(svcFor())).toBeDefined();
  });

  it('is rendered as a SOAP fault (HTTP 500) with BackOffMilliseconds for a rule naming the operation', async () => {
    h.sim.injectFault(
      { face: 'ews', operation: 'SyncFolderItems' },
      { kind: 'ewsServerBusy', channel: 'fault', backOffMs: 4500 },
    );
    const err = (await sync(svcFor()).then(
      () => undefined,
      (e: unknown) => e,
    )) as { ResponseCode: number; HttpStatusCode: number; ErrorDetails: { get(k: string): unknown } };
    expect(err.HttpStatusCode).toBe(500);
    expect(err.ResponseCode).toBe(ServiceError.ErrorServerBusy);
    expect(err.ErrorDetails.get('BackOffMilliseconds')).toBe('4500');
  });

  it('comes from a simple per-caller budget and records whether the client waited the advertised time', async () => {
    configureEws(h.sim, { budgetPer10s: 2, budgetBackOffMs: 200 });
    try {
      const svc = svcFor();
      await sync(svc);
      await sync(svc);
      await expect(sync(svc)).rejects.toMatchObject({ ErrorCode: ServiceError.ErrorServerBusy });
      expect(h.sim.requests({ face: 'ews' }).at(-1)?.throttled).toBe(true);
      await expect(sync(svc)).rejects.toMatchObject({ ErrorCode: ServiceError.ErrorServerBusy });
      expect(h.sim.requests({ face: 'ews' }).at(-1)?.retryWait).toMatchObject({ advertisedMs: 200, honoured: false });
    } finally {
      configureEws(h.sim, { budgetPer10s: 0 });
    }
  });
});
