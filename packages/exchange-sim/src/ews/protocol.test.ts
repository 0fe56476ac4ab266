import { XhrApi } from '@ewsjs/xhr';
import {
  BasePropertySet,
  CalendarFolder,
  ChangeType,
  ConnectingIdType,
  ExchangeService,
  ExchangeVersion,
  Folder,
  FolderId,
  FolderSchema,
  FolderTraversal,
  FolderView,
  ImpersonatedUserId,
  OAuthCredentials,
  PropertySet,
  SearchFilter,
  ServiceError,
  SyncFolderItemsScope,
  Uri,
  WebCredentials,
  WellKnownFolderName,
} from 'ews-javascript-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeId } from '../store/ids';
import { configureEws } from './behaviour';
import { ALICE, BOB, CAROL, type Harness, PASSWORD, rawSoap, startEws, withTimeout } from './test-support';
import { M, T } from './xml/namespaces';
import { child, parseXml, type XNode } from './xml/parse';

describe('authentication and impersonation', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startEws();
  });
  afterAll(() => h.close());

  function service(credentials: WebCredentials | OAuthCredentials, mailbox?: string, xhr?: XhrApi): ExchangeService {
    const svc = new ExchangeService(ExchangeVersion.Exchange2013_SP1);
    svc.Url = new Uri(h.url);
    svc.Credentials = credentials;
    if (xhr) svc.XHRApi = xhr;
    if (mailbox) {
      svc.ImpersonatedUserId = new ImpersonatedUserId(ConnectingIdType.SmtpAddress, mailbox);
      svc.HttpHeaders.Add('X-AnchorMailbox', mailbox);
    }
    return svc;
  }

  const sync = (svc: ExchangeService) =>
    withTimeout(
      svc.SyncFolderItems(
        new FolderId(WellKnownFolderName.Calendar),
        new PropertySet(BasePropertySet.IdOnly),
        [],
        512,
        SyncFolderItemsScope.NormalItems,
        null as unknown as string,
      ),
    );

  describe('Basic authentication', () => {
    it('accepts the service account and acts on the impersonated mailbox', async () => {
      const svc = service(new WebCredentials('CONTOSO\\svc-sync', PASSWORD), BOB);
      h.sim.store.createEvent(h.sim.store.distinguishedFolder(BOB, 'calendar').id, {
        subject: "bob's",
        start: Date.UTC(2026, 0, 5, 9),
        end: Date.UTC(2026, 0, 5, 10),
      });
      const changes = await sync(svc);
      expect(changes.Count).toBe(1);
    });

    it('refuses a wrong password with 401', async () => {
      const svc = service(new WebCredentials('CONTOSO\\svc-sync', 'nope'), ALICE);
      await expect(sync(svc)).rejects.toMatchObject({ HttpStatusCode: 401 });
    });

    it('answers an unauthenticated request with 401 and the NTLM and Basic challenges', async () => {
      const res = await fetch(h.url, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: '<x/>' });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/NTLM/);
      expect(res.headers.get('www-authenticate')).toMatch(/Basic realm=/);
    });
  });

  describe('NTLM authentication through @ewsjs/xhr', () => {
    it('completes the type1/type2/type3 handshake and runs the operation', async () => {
      const xhr = new XhrApi({ rejectUnauthorized: true }).useNtlmAuthentication('CONTOSO\\svc-sync', PASSWORD);
      const svc = service(new WebCredentials('CONTOSO\\svc-sync', PASSWORD), ALICE, xhr);
      const changes = await sync(svc);
      expect(changes.MoreChangesAvailable).toBe(false);
      const last = h.sim.requests({ face: 'ews' }).slice(-2);
      expect(last.map((e) => [e.method, e.status])).toEqual([
        ['GET', 401],
        ['POST', 200],
      ]);
      expect(last[1]?.client).toBe('CONTOSO\\svc-sync');
    });

    it('refuses a wrong NTLM password', async () => {
      const xhr = new XhrApi({ rejectUnauthorized: true }).useNtlmAuthentication('CONTOSO\\svc-sync', 'wrong');
      const svc = service(new WebCredentials('CONTOSO\\svc-sync', 'wrong'), ALICE, xhr);
      await expect(sync(svc)).rejects.toMatchObject({ HttpStatusCode: 401 });
    });

    it('sends a type 2 challenge with the extended-session-security flag 0x00080000', async () => {
      const type1 = 'NTLM TlRMTVNTUAABAAAAB4IIAAAAAAAAAAAAAAAAAAAAAAA=';
      const res = await fetch(h.url, { method: 'GET', headers: { authorization: type1 } });
      expect(res.status).toBe(401);
      const m = /^NTLM (\S+)$/.exec(res.headers.get('www-authenticate') ?? '');
      const buf = Buffer.from(m?.[1] ?? '', 'base64');
      expect(buf.readUInt32LE(8)).toBe(2);
      expect(buf.readUInt32LE(20) & 0x00080000).toBe(0x00080000);
    });

    it('answers NTLM wrapped in Negotiate with a Negotiate challenge', async () => {
      const res = await fetch(h.url, {
        method: 'GET',
        headers: { authorization: 'Negotiate TlRMTVNTUAABAAAAB4IIAAAAAAAAAAAAAAAAAAAAAAA=' },
      });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Negotiate TlRMTVNTUAACAAAA/);
    });

    it('refuses a type 3 message on a connection that received no challenge', async () => {
      const res = await fetch(h.url, {
        method: 'POST',
        headers: {
          authorization: `NTLM ${Buffer.from('NTLMSSP\0\x03\0\0\0'.padEnd(64, '\0')).toString('base64')}`,
          connection: 'close',
        },
        body: '<x/>',
      });
      expect(res.status).toBe(401);
    });
  });

  describe('OAuth bearer tokens', () => {
    it('accepts an app token with full_access_as_app plus ExchangeImpersonation', async () => {
      const app = h.sim.directory.findApp('app-ews');
      const { token } = await h.sim.tokens.issue(app!, 'ews');
      const changes = await sync(service(new OAuthCredentials(token), ALICE));
      expect(changes.MoreChangesAvailable).toBe(false);
    });

    it('refuses an app token without ExchangeImpersonation (ErrorInvalidExchangeImpersonationHeaderData)', async () => {
      const { token } = await h.sim.tokens.issue(h.sim.directory.findApp('app-ews')!, 'ews');
      await expect(sync(service(new OAuthCredentials(token)))).rejects.toMatchObject({
        ResponseCode: expect.anything(),
        HttpStatusCode: 500,
        Message: expect.stringContaining('ExchangeImpersonation SOAP header must be present'),
      });
    });

    it('refuses a Graph token (wrong audience) and a token without the EWS role with 401', async () => {
      const { token: graphToken } = await h.sim.tokens.issue(h.sim.directory.findApp('app-ews')!, 'graph');
      await expect(sync(service(new OAuthCredentials(graphToken), ALICE))).rejects.toMatchObject({
        HttpStatusCode: 401,
      });
      const { token: noRole } = await h.sim.tokens.issue(h.sim.directory.findApp('app-graph-only')!, 'ews');
      const res = await fetch(h.url, { method: 'POST', headers: { authorization: `Bearer ${noRole}` }, body: '' });
      expect(res.status).toBe(401);
      expect(res.headers.get('x-ms-diagnostics')).toMatch(/^2000008;/);
    });
  });

  describe('impersonation', () => {
    const basic = () => new WebCredentials('CONTOSO\\svc-sync', PASSWORD);

    it('answers ErrorNonExistentMailbox for an address without a mailbox', async () => {
      await expect(sync(service(basic(), 'nobody@contoso.com'))).rejects.toMatchObject({
        HttpStatusCode: 500,
        Message: expect.stringMatching(/no mailbox/),
      });
    });

    it("answers ErrorImpersonateUserDenied outside the account's impersonation scope", async () => {
      await expect(sync(service(basic(), CAROL))).rejects.toMatchObject({
        HttpStatusCode: 500,
        Message: expect.stringMatching(/permission to impersonate/),
      });
    });

    it('resolves PrincipalName and PrimarySmtpAddress as well as SmtpAddress', async () => {
      for (const kind of ['PrincipalName', 'PrimarySmtpAddress']) {
        const r = await rawSoap(
          h.url,
          '<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="calendar"/></m:FolderIds></m:GetFolder>',
          {
            header: `<t:RequestServerVersion Version="Exchange2013_SP1"/><t:ExchangeImpersonation><t:ConnectingSID><t:${kind}>${BOB}</t:${kind}></t:ConnectingSID></t:ExchangeImpersonation>`,
            anchor: BOB,
          },
        );
        expect(r.status).toBe(200);
        expect(r.body).toContain(h.sim.store.distinguishedFolder(BOB, 'calendar').id);
      }
    });

    it("acts only as the impersonated user: another mailbox's items and folders are out of reach", async () => {
      const bobs = h.sim.store.createEvent(h.sim.store.distinguishedFolder(BOB, 'calendar').id, {
        subject: 'private',
        start: 0,
        end: 1,
      });
      const r = await rawSoap(
        h.url,
        `<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:ItemIds><t:ItemId Id="${bobs.id}"/></m:ItemIds></m:GetItem>`,
      );
      expect(r.body).toContain('<m:ResponseCode>ErrorItemNotFound</m:ResponseCode>');
      const f = await rawSoap(
        h.url,
        `<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="calendar"><t:Mailbox><t:EmailAddress>${BOB}</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId></m:FolderIds></m:GetFolder>`,
      );
      expect(f.body).toContain('<m:ResponseCode>ErrorAccessDenied</m:ResponseCode>');
    });

    it('without impersonation an account acts on its own mailbox', async () => {
      const svc = service(new WebCredentials('alice', PASSWORD));
      const changes = await sync(svc);
      expect(changes.MoreChangesAvailable).toBe(false);
    });

    it('notes in the request log whether X-AnchorMailbox matched the impersonated mailbox', async () => {
      const op =
        '<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="calendar"/></m:FolderIds></m:GetFolder>';
      expect((await rawSoap(h.url, op)).status).toBe(200);
      expect(h.sim.requests().at(-1)?.notes).toContain('X-AnchorMailbox matched');
      expect((await rawSoap(h.url, op, { anchor: BOB })).status).toBe(200);
      expect(h.sim.requests().at(-1)?.notes).toContain('X-AnchorMailbox mismatched');
      expect(h.sim.requests().at(-1)).toMatchObject({ operation: 'GetFolder', mailbox: ALICE });
    });
  });
});

describe('wire format and throttling', () => {
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
      // Well-formed, of Alice's mailbox, but no item has that key.
      const unknown = encodeId('item', 987_654, 0, 0, h.sim.store.getMailbox(ALICE).id);
      const r = await rawSoap(h.url, GET_ALL(unknown));
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
});

describe('folder operations', () => {
  let h: Harness;
  let svc: ExchangeService;
  beforeAll(async () => {
    h = await startEws();
    svc = new ExchangeService(ExchangeVersion.Exchange2013_SP1);
    svc.Url = new Uri(h.url);
    svc.Credentials = new WebCredentials('CONTOSO\\svc-sync', PASSWORD);
    svc.ImpersonatedUserId = new ImpersonatedUserId(ConnectingIdType.SmtpAddress, ALICE);
    svc.HttpHeaders.Add('X-AnchorMailbox', ALICE);
  });
  afterAll(() => h.close());

  describe('folders', () => {
    it('GetFolder binds the distinguished calendar, contacts and tasks folders with their classes', async () => {
      const cal = await withTimeout(CalendarFolder.Bind(svc, WellKnownFolderName.Calendar));
      expect(cal.DisplayName).toBe('Calendar');
      expect(cal.Id.UniqueId).toBe(h.sim.store.distinguishedFolder(ALICE, 'calendar').id);
      for (const [wk, cls] of [
        [WellKnownFolderName.Contacts, 'IPF.Contact'],
        [WellKnownFolderName.Tasks, 'IPF.Task'],
      ] as const) {
        const f = await withTimeout(Folder.Bind(svc, wk, new PropertySet(BasePropertySet.FirstClassProperties)));
        expect(f.FolderClass).toBe(cls);
      }
    });

    it('FindFolder with Deep traversal and a FolderClass restriction finds extra calendars', async () => {
      const extra = h.sim.store.createFolder(ALICE, { kind: 'calendar', displayName: 'Team calendar' });
      const view = new FolderView(100);
      view.Traversal = FolderTraversal.Deep;
      view.PropertySet = new PropertySet(BasePropertySet.IdOnly, [FolderSchema.DisplayName, FolderSchema.FolderClass]);
      const res = await withTimeout(
        svc.FindFolders(
          WellKnownFolderName.MsgFolderRoot,
          new SearchFilter.IsEqualTo(FolderSchema.FolderClass, 'IPF.Appointment'),
          view,
        ),
      );
      expect(res.Folders.map((f) => f.DisplayName).sort()).toEqual(['Calendar', 'Team calendar']);
      expect(res.Folders.some((f) => f.Id.UniqueId === extra.id)).toBe(true);
      expect(res.MoreAvailable).toBe(false);
    });

    it('SyncFolderHierarchy reports new and renamed folders, not item count changes, with IncludesLastFolderInRange', async () => {
      const first = await withTimeout(
        svc.SyncFolderHierarchy(
          new FolderId(WellKnownFolderName.MsgFolderRoot),
          PropertySet.FirstClassProperties,
          null as unknown as string,
        ),
      );
      expect(first.MoreChangesAvailable).toBe(false);
      expect(first.GetEnumerator().map((c) => c.Folder?.DisplayName)).toEqual(
        expect.arrayContaining(['Calendar', 'Contacts', 'Tasks']),
      );
      const cal = h.sim.store.distinguishedFolder(ALICE, 'calendar');
      h.sim.store.createEvent(cal.id, { subject: 'count only', start: 0, end: 1 });
      const added = h.sim.store.createFolder(ALICE, { kind: 'contacts', displayName: 'Suppliers' });
      const second = await withTimeout(
        svc.SyncFolderHierarchy(
          new FolderId(WellKnownFolderName.MsgFolderRoot),
          PropertySet.FirstClassProperties,
          first.SyncState,
        ),
      );
      expect(second.GetEnumerator().map((c) => [ChangeType[c.ChangeType], c.FolderId.UniqueId])).toEqual([
        ['Create', added.id],
      ]);
      h.sim.store.renameFolder(added.id, 'Vendors');
      const third = await withTimeout(
        svc.SyncFolderHierarchy(
          new FolderId(WellKnownFolderName.MsgFolderRoot),
          PropertySet.FirstClassProperties,
          second.SyncState,
        ),
      );
      expect(third.GetEnumerator().map((c) => [ChangeType[c.ChangeType], c.Folder?.DisplayName])).toEqual([
        ['Update', 'Vendors'],
      ]);
    });

    it('refuses a hierarchy SyncState taken for another SyncFolderId', async () => {
      const withRoot = await withTimeout(
        svc.SyncFolderHierarchy(
          new FolderId(WellKnownFolderName.MsgFolderRoot),
          PropertySet.IdOnly,
          null as unknown as string,
        ),
      );
      const r = await rawSoap(
        h.url,
        `<m:SyncFolderHierarchy><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:SyncState>${withRoot.SyncState}</m:SyncState></m:SyncFolderHierarchy>`,
      );
      expect(r.body).toContain('<m:ResponseCode>ErrorInvalidSyncStateData</m:ResponseCode>');
      expect(r.body).toContain('<m:IncludesLastFolderInRange>');
    });
  });
});
