/**
 * User configuration objects (Create/Get/Update/DeleteUserConfiguration) through unmodified ews-javascript-api,
 * and GetUserPhoto over SOAP and its plain GET form (ews-javascript-api has no GetUserPhoto: raw SOAP and fetch).
 */
import {
  ConnectingIdType,
  ExchangeService,
  ExchangeVersion,
  ImpersonatedUserId,
  ServiceError,
  ServiceResponseException,
  Uri,
  UserConfiguration,
  UserConfigurationProperties,
  WebCredentials,
  WellKnownFolderName,
} from 'ews-javascript-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE, BOB, type Harness, PASSWORD, rawSoap, startEws, withTimeout } from './test-support';

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

const bind = (name: string) =>
  withTimeout(UserConfiguration.Bind(svc, name, WellKnownFolderName.Calendar, UserConfigurationProperties.All));

async function errorCodeOf(p: Promise<unknown>): Promise<string> {
  try {
    await withTimeout(p);
  } catch (e) {
    if (e instanceof ServiceResponseException) return ServiceError[e.ErrorCode];
    throw e;
  }
  throw new Error('the call succeeded');
}

describe('user configurations through ews-javascript-api', () => {
  it('creates one on a folder, reads its dictionary and streams back, updates and deletes it', async () => {
    const conf = new UserConfiguration(svc);
    conf.Dictionary.Add('PhoneNumber', '555-555-1111');
    conf.Dictionary.Add('Visits', 3);
    conf.Dictionary.Add('Tags', ['a', 'b']);
    conf.XmlData = Buffer.from('<settings mode="dark"/>').toString('base64');
    await withTimeout(conf.Save('exsync.Settings', WellKnownFolderName.Calendar));

    const read = await bind('exsync.Settings');
    expect(read.Name).toBe('exsync.Settings');
    expect(read.Dictionary.Count).toBe(3);
    expect(read.Dictionary._getItem('PhoneNumber')).toBe('555-555-1111');
    expect(read.Dictionary._getItem('Visits')).toBe(3);
    expect(read.Dictionary._getItem('Tags')).toEqual(['a', 'b']);
    expect(Buffer.from(read.XmlData as unknown as string, 'base64').toString()).toBe('<settings mode="dark"/>');
    expect(read.ItemId?.UniqueId).toMatch(/^AAMkA/);

    read.Dictionary._setItem('PhoneNumber', '555-555-2222');
    read.Dictionary.Add('Added', true);
    await withTimeout(read.Update());
    const updated = await bind('exsync.Settings');
    expect(updated.Dictionary._getItem('PhoneNumber')).toBe('555-555-2222');
    expect(updated.Dictionary._getItem('Added')).toBe(true);
    expect(updated.Dictionary._getItem('Visits')).toBe(3);

    await withTimeout(updated.Delete());
    expect(await errorCodeOf(bind('exsync.Settings'))).toBe('ErrorItemNotFound');
  });

  it('refuses a second configuration of the same name on a folder with ErrorItemSave, not on another folder', async () => {
    const make = () => {
      const c = new UserConfiguration(svc);
      c.Dictionary.Add('k', 'v');
      return c;
    };
    await withTimeout(make().Save('exsync.Once', WellKnownFolderName.Calendar));
    expect(await errorCodeOf(make().Save('exsync.Once', WellKnownFolderName.Calendar))).toBe('ErrorItemSave');
    await withTimeout(make().Save('exsync.Once', WellKnownFolderName.Contacts));
  });

  it('answers ErrorItemNotFound to updating or deleting a configuration nobody made', async () => {
    const folder = '<t:DistinguishedFolderId Id="calendar"/>';
    const codes = (body: string) => [...body.matchAll(/<m:ResponseCode>(\w+)<\/m:ResponseCode>/g)].map((m) => m[1]);
    const del = await rawSoap(
      h.url,
      `<m:DeleteUserConfiguration><m:UserConfigurationName Name="exsync.Nobody">${folder}</m:UserConfigurationName></m:DeleteUserConfiguration>`,
    );
    expect(codes(del.body)).toEqual(['ErrorItemNotFound']);
    expect(del.body).toContain('<m:DeleteUserConfigurationResponseMessage ResponseClass="Error">');
    const upd = await rawSoap(
      h.url,
      `<m:UpdateUserConfiguration><m:UserConfiguration><t:UserConfigurationName Name="exsync.Nobody">${folder}</t:UserConfigurationName><t:Dictionary/></m:UserConfiguration></m:UpdateUserConfiguration>`,
    );
    expect(codes(upd.body)).toEqual(['ErrorItemNotFound']);
  });

  it('keeps OWA.UserOptions of the root folder, which a client may update', async () => {
    const owa = await withTimeout(
      UserConfiguration.Bind(svc, 'OWA.UserOptions', WellKnownFolderName.Root, UserConfigurationProperties.All),
    );
    expect(owa.Dictionary._getItem('timezone')).toBe('UTC');
    owa.Dictionary._setItem('timezone', 'W. Europe Standard Time');
    await withTimeout(owa.Update());
    const again = await withTimeout(
      UserConfiguration.Bind(svc, 'OWA.UserOptions', WellKnownFolderName.Root, UserConfigurationProperties.All),
    );
    expect(again.Dictionary._getItem('timezone')).toBe('W. Europe Standard Time');
  });
});

describe('GetUserPhoto', () => {
  const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0xff, 0xd9]);
  const basic = `Basic ${Buffer.from(`CONTOSO\\svc-sync:${PASSWORD}`).toString('base64')}`;
  const soap = (email: string, size = 'HR48x48') =>
    rawSoap(
      h.url,
      `<m:GetUserPhoto><m:Email>${email}</m:Email><m:SizeRequested>${size}</m:SizeRequested></m:GetUserPhoto>`,
    );
  const rest = (email: string, headers: Record<string, string> = {}) =>
    fetch(`${h.url}/s/GetUserPhoto?email=${encodeURIComponent(email)}&size=HR240x240`, {
      headers: { authorization: basic, ...headers },
    });

  it('answers the photo as PictureData over SOAP, in the message itself (no ResponseMessages)', async () => {
    h.sim.store.setPhoto(ALICE, { data: JPEG, contentType: 'image/jpeg' });
    const r = await soap(ALICE, 'HR96X96');
    expect(r.status).toBe(200);
    expect(r.body).toContain('<m:GetUserPhotoResponse ResponseClass="Success"');
    expect(r.body).not.toContain('ResponseMessages');
    expect(r.body).toContain('<m:HasChanged>true</m:HasChanged>');
    expect(/<m:PictureData>([^<]+)<\/m:PictureData>/.exec(r.body)?.[1]).toBe(JPEG.toString('base64'));
  });

  it('answers HTTP 500 with ErrorItemNotFound for a user without a photo or outside the organisation', async () => {
    for (const who of [BOB, 'nobody@fabrikam.com']) {
      const r = await soap(who);
      expect(r.status).toBe(500);
      expect(r.body).toContain('a:ErrorItemNotFound');
    }
  });

  it('refuses a size that is not a UserPhotoSizeType with a schema fault', async () => {
    const r = await soap(ALICE, 'HR50x50');
    expect(r.status).toBe(500);
    expect(r.body).toContain('a:ErrorSchemaValidation');
  });

  it('serves the image over GET with an ETag, 304 for a matching If-None-Match, 404 without a photo', async () => {
    h.sim.store.setPhoto(ALICE, { data: JPEG, contentType: 'image/jpeg' });
    const first = await rest(ALICE);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await first.arrayBuffer())).toEqual(JPEG);
    const etag = first.headers.get('etag') ?? '';
    expect(etag).not.toBe('');
    expect((await rest(ALICE, { 'if-none-match': etag })).status).toBe(304);
    // A new photo has a new ETag: the old one no longer matches.
    h.sim.store.setPhoto(ALICE, { data: Buffer.concat([JPEG, JPEG]), contentType: 'image/jpeg' });
    const changed = await rest(ALICE, { 'if-none-match': etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect((await rest(BOB)).status).toBe(404);
    expect((await fetch(`${h.url}/s/GetUserPhoto?email=${ALICE}&size=HR48x48`)).status).toBe(401);
  });

  it('takes a photo through the control API', async () => {
    const base = h.url.replace(/\/EWS\/Exchange\.asmx$/, '');
    const put = await fetch(`${base}/_control/mailboxes/${BOB}/photo`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ data: JPEG.toString('base64'), contentType: 'image/png' }),
    });
    expect(put.status).toBe(200);
    const got = await rest(BOB);
    expect(got.headers.get('content-type')).toBe('image/png');
    expect((await fetch(`${base}/_control/mailboxes/${BOB}/photo`, { method: 'DELETE' })).status).toBe(204);
    expect((await rest(BOB)).status).toBe(404);
  });
});
