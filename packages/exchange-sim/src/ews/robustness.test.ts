import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../server';
import { Simulator } from '../simulator';
import { M, T } from './xml/namespaces';

const sim = new Simulator({ seed: 'ews-robustness' });
const app = buildServer(sim);
const ALICE = 'alice@contoso.com';
let calId = '';
let itemId = '';

beforeAll(async () => {
  sim.store.createMailbox({ smtpAddress: ALICE });
  sim.directory.addServiceAccount({ username: 'svc', password: 'pw', impersonation: true });
  calId = sim.store.distinguishedFolder(ALICE, 'calendar').id;
  itemId = sim.store.createEvent(calId, { subject: 's', start: 0, end: 1 }).id;
  await app.ready();
});
afterAll(() => app.close());

const bodies = () => [
  `<m:GetItem><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape></m:ItemShape><m:ItemIds><t:ItemId Id="${itemId}"/></m:ItemIds></m:GetItem>`,
  `<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:SyncFolderId><t:FolderId Id="${calId}"/></m:SyncFolderId><m:MaxChangesReturned>5</m:MaxChangesReturned></m:SyncFolderItems>`,
  `<m:CreateItem SendMeetingInvitations="SendToNone"><m:Items><t:CalendarItem><t:Subject>x</t:Subject><t:Start>2026-01-01T00:00:00Z</t:Start><t:End>2026-01-01T01:00:00Z</t:End><t:Recurrence><t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Monday</t:DaysOfWeek></t:WeeklyRecurrence><t:NumberedRecurrence><t:StartDate>2026-01-05</t:StartDate><t:NumberOfOccurrences>3</t:NumberOfOccurrences></t:NumberedRecurrence></t:Recurrence></t:CalendarItem></m:Items></m:CreateItem>`,
  `<m:UpdateItem ConflictResolution="AutoResolve" SendMeetingInvitationsOrCancellations="SendToNone"><m:ItemChanges><t:ItemChange><t:ItemId Id="${itemId}"/><t:Updates><t:SetItemField><t:FieldURI FieldURI="calendar:Start"/><t:CalendarItem><t:Start>2026-02-01T00:00:00Z</t:Start></t:CalendarItem></t:SetItemField></t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>`,
  `<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:CalendarView StartDate="2026-01-01T00:00:00Z" EndDate="2026-03-01T00:00:00Z" MaxEntriesReturned="3"/><m:ParentFolderIds><t:FolderId Id="${calId}"/></m:ParentFolderIds></m:FindItem>`,
  `<m:CreateItem><m:Items><t:Contact><t:GivenName>a</t:GivenName><t:EmailAddresses><t:Entry Key="EmailAddress1">a@b.c</t:Entry></t:EmailAddresses><t:Birthday>2000-01-01T00:00:00Z</t:Birthday></t:Contact></m:Items></m:CreateItem>`,
];

const envelope = (body: string) =>
  `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="${M}" xmlns:t="${T}"><s:Header><t:RequestServerVersion Version="Exchange2013_SP1"/><t:ExchangeImpersonation><t:ConnectingSID><t:SmtpAddress>${ALICE}</t:SmtpAddress></t:ConnectingSID></t:ExchangeImpersonation></s:Header><s:Body>${body}</s:Body></s:Envelope>`;

/** Replaces one run of characters of a valid request: broken values, tags and attributes alike. */
const mutated = fc.tuple(fc.nat(), fc.nat(), fc.nat(), fc.string({ maxLength: 12 })).map(([which, at, len, insert]) => {
  const all = bodies();
  const b = envelope(all[which % all.length] ?? '');
  const i = at % b.length;
  return b.slice(0, i) + insert + b.slice(i + (len % 8));
});

describe('malformed requests', () => {
  it('always get a SOAP answer (success, in-band error or fault), never an internal error', async () => {
    await fc.assert(
      fc.asyncProperty(mutated, async (payload) => {
        const res = await app.inject({
          method: 'POST',
          url: '/EWS/Exchange.asmx',
          headers: {
            'content-type': 'text/xml; charset=utf-8',
            authorization: `Basic ${Buffer.from('svc:pw').toString('base64')}`,
          },
          payload,
        });
        const notes = sim.requests().at(-1)?.notes ?? [];
        expect(
          notes.filter((n) => n.startsWith('internal error')),
          payload,
        ).toEqual([]);
        expect([200, 500]).toContain(res.statusCode);
        expect(res.body).toMatch(/^<\?xml version="1.0" encoding="utf-8"\?><s:Envelope/);
      }),
      { numRuns: 300, seed: 20261126 },
    );
  });
});
