import { XhrApi } from '@ewsjs/xhr';
import {
  BasePropertySet,
  ConnectingIdType,
  ExchangeService,
  ExchangeVersion,
  FolderId,
  ImpersonatedUserId,
  OAuthCredentials,
  PropertySet,
  SyncFolderItemsScope,
  Uri,
  WebCredentials,
  WellKnownFolderName,
} from 'ews-javascript-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE, BOB, CAROL, type Harness, PASSWORD, rawSoap, startEws, withTimeout } from './test-support';

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
    await expect(sync(service(new OAuthCredentials(graphToken), ALICE))).rejects.toMatchObject({ HttpStatusCode: 401 });
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
