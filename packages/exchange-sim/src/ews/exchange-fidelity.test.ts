/**
 * What third-party EWS clients rely on and Exchange documents: ConvertId, the standard distinguished folders,
 * folder operations, SortOrder paging, computed MAPI properties in restrictions and shapes, GetUserConfiguration,
 * owner logins and Exchange-shaped ids.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeId } from '../store/ids';
import { ALICE, type Harness, PASSWORD, rawSoap, startEws } from './test-support';

let h: Harness;
beforeAll(async () => {
  h = await startEws();
});
afterAll(() => h.close());

const ids = (body: string, element = 'ItemId') =>
  [...body.matchAll(new RegExp(`<t:${element} Id="([^"]+)"`, 'g'))].map((m) => m[1] ?? '');
const codes = (body: string) => [...body.matchAll(/<m:ResponseCode>(\w+)<\/m:ResponseCode>/g)].map((m) => m[1]);
const cal = () => h.sim.store.distinguishedFolder(ALICE, 'calendar').id;

describe('ids', () => {
  it('are ~150 characters of base64 over a mailbox GUID and an entry id, like Exchange item ids', () => {
    const ev = h.sim.store.createEvent(cal(), { subject: 'id shape', start: 0, end: 3_600_000 });
    expect(ev.id.length).toBeGreaterThanOrEqual(140);
    expect(ev.id.length).toBeLessThanOrEqual(160);
    expect(ev.id).toMatch(/^AAMkA[A-Za-z0-9+/]+=$/);
    const bytes = Buffer.from(ev.id, 'base64');
    expect(bytes.subarray(4, 40).toString('ascii')).toBe(h.sim.store.getMailbox(ALICE).id);
    expect(decodeId(ev.id)).toMatchObject({ kind: 'item', key: ev.key });
    // One character changed is another, unknown id.
    expect(decodeId(`${ev.id.slice(0, 60)}${ev.id[60] === 'A' ? 'B' : 'A'}${ev.id.slice(61)}`)).toBeUndefined();
  });
});

describe('ConvertId', () => {
  it('converts an EwsId to every format and back, naming the mailbox', async () => {
    const ev = h.sim.store.createEvent(cal(), { subject: 'convert me', start: 0, end: 3_600_000 });
    for (const format of ['EwsLegacyId', 'EntryId', 'HexEntryId', 'StoreId', 'OwaId']) {
      const there = await rawSoap(
        h.url,
        `<m:ConvertId DestinationFormat="${format}"><m:SourceIds><t:AlternateId Format="EwsId" Id="${ev.id}" Mailbox="${ALICE}"/></m:SourceIds></m:ConvertId>`,
      );
      expect(codes(there.body), there.body).toEqual(['NoError']);
      const alt = /<m:AlternateId xsi:type="t:AlternateIdType" Format="(\w+)" Id="([^"]+)" Mailbox="([^"]+)"/.exec(
        there.body,
      );
      expect(alt?.[1]).toBe(format);
      expect(alt?.[3]).toBe(ALICE);
      if (format === 'HexEntryId') expect(alt?.[2]).toMatch(/^[0-9A-F]{140}$/);
      const back = await rawSoap(
        h.url,
        `<m:ConvertId DestinationFormat="EwsId"><m:SourceIds><t:AlternateId Format="${format}" Id="${alt?.[2]?.replace(/&amp;/g, '&')}" Mailbox="${ALICE}"/></m:SourceIds></m:ConvertId>`,
      );
      expect(back.body, `${format} → EwsId`).toContain(`Id="${ev.id}"`);
    }
  });

  it('answers ErrorInvalidIdMalformed in-band for a bad id, one message per source id', async () => {
    const ev = h.sim.store.createEvent(cal(), { subject: 'ok', start: 0, end: 3_600_000 });
    const r = await rawSoap(
      h.url,
      `<m:ConvertId DestinationFormat="HexEntryId"><m:SourceIds><t:AlternateId Format="EwsId" Id="bm90IGFuIGlk" Mailbox="${ALICE}"/><t:AlternateId Format="EwsId" Id="${ev.id}" Mailbox="${ALICE}"/></m:SourceIds></m:ConvertId>`,
    );
    expect(r.status).toBe(200);
    expect(codes(r.body)).toEqual(['ErrorInvalidIdMalformed', 'NoError']);
  });

  it('converts a folder id (what DavMail does with the root folder at login to learn the mailbox address)', async () => {
    const root = h.sim.store.distinguishedFolder(ALICE, 'root');
    const r = await rawSoap(
      h.url,
      `<m:ConvertId DestinationFormat="EwsId"><m:SourceIds><t:AlternateId Format="EwsId" Id="${root.id}" Mailbox="blah@blah.com"/></m:SourceIds></m:ConvertId>`,
    );
    expect(r.body).toContain(`Mailbox="${ALICE}"`);
  });
});

describe('folders', () => {
  it('has every standard distinguished folder, with its class', async () => {
    const names = ['inbox', 'sentitems', 'drafts', 'junkemail', 'outbox', 'deleteditems', 'notes', 'journal'];
    const r = await rawSoap(
      h.url,
      `<m:GetFolder><m:FolderShape><t:BaseShape>AllProperties</t:BaseShape></m:FolderShape><m:FolderIds>${names.map((n) => `<t:DistinguishedFolderId Id="${n}"/>`).join('')}</m:FolderIds></m:GetFolder>`,
    );
    expect(codes(r.body)).toEqual(names.map(() => 'NoError'));
    expect(r.body).toContain('<t:DisplayName>Inbox</t:DisplayName>');
    expect(r.body).toContain('<t:FolderClass>IPF.StickyNote</t:FolderClass>');
  });

  it('creates a folder (calendar by FolderClass), refuses a duplicate name, deletes it; never a distinguished one', async () => {
    const create = () =>
      rawSoap(
        h.url,
        '<m:CreateFolder><m:ParentFolderId><t:DistinguishedFolderId Id="msgfolderroot"/></m:ParentFolderId><m:Folders><t:Folder><t:FolderClass>IPF.Appointment</t:FolderClass><t:DisplayName>Team</t:DisplayName></t:Folder></m:Folders></m:CreateFolder>',
      );
    const made = await create();
    expect(made.body).toContain('<t:CalendarFolder><t:FolderId');
    const [id] = ids(made.body, 'FolderId');
    expect(h.sim.store.getFolder(id ?? '').kind).toBe('calendar');
    expect(codes((await create()).body)).toEqual(['ErrorFolderExists']);
    const del = await rawSoap(
      h.url,
      `<m:DeleteFolder DeleteType="HardDelete"><m:FolderIds><t:FolderId Id="${id}"/><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:DeleteFolder>`,
    );
    expect(codes(del.body)).toEqual(['NoError', 'ErrorDeleteDistinguishedFolder']);
    expect(h.sim.store.findFolder(id ?? '')).toBeUndefined();
  });

  it('computes folder tags (container class, content count, commit time) and restricts FindFolder on them', async () => {
    const r = await rawSoap(
      h.url,
      '<m:FindFolder Traversal="Shallow"><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:ExtendedFieldURI PropertyTag="0x3613" PropertyType="String"/><t:ExtendedFieldURI PropertyTag="0x3602" PropertyType="Integer"/><t:ExtendedFieldURI PropertyTag="0x670a" PropertyType="SystemTime"/></t:AdditionalProperties></m:FolderShape><m:Restriction><t:IsEqualTo><t:ExtendedFieldURI PropertyTag="0x3613" PropertyType="String"/><t:FieldURIOrConstant><t:Constant Value="IPF.Contact"/></t:FieldURIOrConstant></t:IsEqualTo></m:Restriction><m:ParentFolderIds><t:DistinguishedFolderId Id="msgfolderroot"/></m:ParentFolderIds></m:FindFolder>',
    );
    expect(r.body).toContain('TotalItemsInView="1"');
    expect(r.body).toContain('<t:ContactsFolder>');
    expect(r.body).toMatch(/PropertyTag="0x3613" PropertyType="String"\/><t:Value>IPF.Contact</);
    expect(r.body).toMatch(/PropertyTag="0x670a" PropertyType="SystemTime"\/><t:Value>\d{4}-/);
  });
});

describe('FindItem', () => {
  it('pages 1,000 items 500 at a time by SortOrder, continuing after the last value seen: every item once', async () => {
    const folder = h.sim.store.createFolder(ALICE, { kind: 'calendar', displayName: 'Bulk' });
    // Created in an order unrelated to their article numbers' order as listed without SortOrder.
    for (let i = 0; i < 1000; i++) {
      h.sim.store.createEvent(folder.id, {
        subject: `e${i}`,
        start: (i % 7) * 3_600_000,
        end: (i % 7) * 3_600_000 + 1,
      });
    }
    const seen: string[] = [];
    let last = -1;
    for (let page = 0; page < 4; page++) {
      const r = await rawSoap(
        h.url,
        `<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:ExtendedFieldURI PropertyTag="0xe23" PropertyType="Integer"/></t:AdditionalProperties></m:ItemShape><m:IndexedPageItemView MaxEntriesReturned="500" Offset="0" BasePoint="Beginning"/><m:Restriction><t:IsGreaterThan><t:ExtendedFieldURI PropertyTag="0xe23" PropertyType="Integer"/><t:FieldURIOrConstant><t:Constant Value="${last}"/></t:FieldURIOrConstant></t:IsGreaterThan></m:Restriction><m:SortOrder><t:FieldOrder Order="Ascending"><t:ExtendedFieldURI PropertyTag="0xe23" PropertyType="Integer"/></t:FieldOrder></m:SortOrder><m:ParentFolderIds><t:FolderId Id="${folder.id}"/></m:ParentFolderIds></m:FindItem>`,
      );
      const numbers = [...r.body.matchAll(/PropertyTag="0xe23" PropertyType="Integer"\/><t:Value>(\d+)</g)].map((m) =>
        Number(m[1]),
      );
      if (numbers.length === 0) break;
      expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
      seen.push(...ids(r.body));
      last = numbers.at(-1) ?? last;
    }
    expect(new Set(seen).size).toBe(1000);
  });

  it('sorts descending by a field, then by a second key', async () => {
    const folder = h.sim.store.createFolder(ALICE, { kind: 'calendar', displayName: 'Sorted' });
    for (const [s, start] of [
      ['b', 2],
      ['a', 2],
      ['c', 1],
    ] as const) {
      h.sim.store.createEvent(folder.id, { subject: s, start: start * 3_600_000, end: start * 3_600_000 + 1 });
    }
    const r = await rawSoap(
      h.url,
      `<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="item:Subject"/></t:AdditionalProperties></m:ItemShape><m:SortOrder><t:FieldOrder Order="Descending"><t:FieldURI FieldURI="calendar:Start"/></t:FieldOrder><t:FieldOrder Order="Ascending"><t:FieldURI FieldURI="item:Subject"/></t:FieldOrder></m:SortOrder><m:ParentFolderIds><t:FolderId Id="${folder.id}"/></m:ParentFolderIds></m:FindItem>`,
    );
    expect([...r.body.matchAll(/<t:Subject>(\w)<\/t:Subject>/g)].map((m) => m[1])).toEqual(['a', 'b', 'c']);
  });

  it('restricts on properties Exchange computes: PR_MESSAGE_CLASS, PidLidRecurring, instancetype', async () => {
    const folder = h.sim.store.createFolder(ALICE, { kind: 'calendar', displayName: 'Computed' });
    h.sim.store.createEvent(folder.id, { subject: 'single', start: 0, end: 1 });
    h.sim.store.createEvent(folder.id, {
      subject: 'series',
      start: 0,
      end: 1,
      recurrence: {
        pattern: { type: 'daily', interval: 1 },
        range: { type: 'numbered', startDate: '1970-01-01', numberOfOccurrences: 3 },
      },
    });
    const find = async (restriction: string) => {
      const r = await rawSoap(
        h.url,
        `<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="item:Subject"/></t:AdditionalProperties></m:ItemShape><m:Restriction>${restriction}</m:Restriction><m:ParentFolderIds><t:FolderId Id="${folder.id}"/></m:ParentFolderIds></m:FindItem>`,
      );
      return [...r.body.matchAll(/<t:Subject>(\w+)<\/t:Subject>/g)].map((m) => m[1]).sort();
    };
    const eq = (uri: string, v: string) =>
      `<t:IsEqualTo>${uri}<t:FieldURIOrConstant><t:Constant Value="${v}"/></t:FieldURIOrConstant></t:IsEqualTo>`;
    expect(await find(eq('<t:ExtendedFieldURI PropertyTag="0x1a" PropertyType="String"/>', 'IPM.Appointment'))).toEqual(
      ['series', 'single'],
    );
    expect(
      await find(
        eq(
          '<t:ExtendedFieldURI DistinguishedPropertySetId="Appointment" PropertyId="33315" PropertyType="Boolean"/>',
          'true',
        ),
      ),
    ).toEqual(['series']);
    expect(
      await find(
        eq(
          '<t:ExtendedFieldURI DistinguishedPropertySetId="PublicStrings" PropertyName="urn:schemas:calendar:instancetype" PropertyType="Integer"/>',
          '0',
        ),
      ),
    ).toEqual(['single']);
  });

  it('restricts contacts on IndexedFieldURI contacts:EmailAddress', async () => {
    const contacts = h.sim.store.distinguishedFolder(ALICE, 'contacts').id;
    h.sim.store.createContact(contacts, { givenName: 'Erin', emailAddresses: [{ address: 'erin@example.org' }] });
    const r = await rawSoap(
      h.url,
      '<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="contacts:GivenName"/></t:AdditionalProperties></m:ItemShape><m:Restriction><t:IsEqualTo><t:IndexedFieldURI FieldURI="contacts:EmailAddress" FieldIndex="EmailAddress1"/><t:FieldURIOrConstant><t:Constant Value="erin@example.org"/></t:FieldURIOrConstant></t:IsEqualTo></m:Restriction><m:ParentFolderIds><t:DistinguishedFolderId Id="contacts"/></m:ParentFolderIds></m:FindItem>',
    );
    expect(r.body).toContain('<t:GivenName>Erin</t:GivenName>');
    expect(r.body).toContain('TotalItemsInView="1"');
  });
});

describe('MimeContent', () => {
  it('answers IncludeMimeContent with an iCalendar whose every TZID has its VTIMEZONE', async () => {
    const ev = h.sim.store.createEvent(cal(), {
      subject: 'zoned',
      start: Date.UTC(2026, 2, 2, 8),
      end: Date.UTC(2026, 2, 2, 9),
      timeZone: 'Europe/Berlin',
      endTimeZone: 'America/New_York',
    });
    const r = await rawSoap(
      h.url,
      `<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:IncludeMimeContent>true</t:IncludeMimeContent></m:ItemShape><m:ItemIds><t:ItemId Id="${ev.id}"/></m:ItemIds></m:GetItem>`,
    );
    const b64 = /<t:MimeContent CharacterSet="UTF-8">([^<]+)</.exec(r.body)?.[1];
    const ics = Buffer.from(b64 ?? '', 'base64').toString('utf8');
    const used = new Set([...ics.matchAll(/;TZID=([^:;]+)/g)].map((m) => m[1]));
    expect([...used].sort()).toEqual(['Eastern Standard Time', 'W. Europe Standard Time']);
    for (const tzid of used) expect(ics).toContain(`BEGIN:VTIMEZONE\r\nTZID:${tzid}\r\n`);
    expect(ics).toContain('RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3');
  });
});

describe('GetUserConfiguration', () => {
  it('reads OWA.UserOptions of the root folder and answers ErrorItemNotFound for a configuration nobody made', async () => {
    const get = (name: string) =>
      rawSoap(
        h.url,
        `<m:GetUserConfiguration><m:UserConfigurationName Name="${name}"><t:DistinguishedFolderId Id="root"/></m:UserConfigurationName><m:UserConfigurationProperties>All</m:UserConfigurationProperties></m:GetUserConfiguration>`,
      );
    const owa = await get('OWA.UserOptions');
    expect(codes(owa.body)).toEqual(['NoError']);
    expect(owa.body).toMatch(
      /<t:DictionaryKey><t:Type>String<\/t:Type><t:Value>timezone<\/t:Value><\/t:DictionaryKey>/,
    );
    expect(codes((await get('IPM.Configuration.Nothing')).body)).toEqual(['ErrorItemNotFound']);
  });
});

describe('owner login', () => {
  it('lets a mailbox owner sign in as user@domain and act on the own mailbox without impersonation', async () => {
    h.sim.directory.addMailboxUser({ smtpAddress: 'bob@contoso.com', password: 'bob-pass' });
    const r = await rawSoap(
      h.url,
      '<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:GetFolder>',
      {
        header: '<t:RequestServerVersion Version="Exchange2013_SP1"/>',
        auth: `Basic ${Buffer.from('bob@contoso.com:bob-pass').toString('base64')}`,
      },
    );
    expect(codes(r.body)).toEqual(['NoError']);
    const [id] = ids(r.body, 'FolderId');
    expect(h.sim.store.getFolder(id ?? '').mailboxId).toBe(h.sim.store.getMailbox('bob@contoso.com').id);
    const wrong = await rawSoap(h.url, '<m:GetFolder/>', {
      auth: `Basic ${Buffer.from(`bob@contoso.com:${PASSWORD}`).toString('base64')}`,
    });
    expect(wrong.status).toBe(401);
  });
});
