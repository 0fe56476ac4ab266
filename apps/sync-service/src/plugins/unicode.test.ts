import { createRepositories } from '@exsync/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretContext } from '../store/port';
import { bearer, createTenant, startTestApp, type TestApp } from '../testing/harness';

/**
 * Text that is not valid Unicode (a lone UTF-16 surrogate written as a JSON escape, or bytes that are not UTF-8)
 * used to be stored as U+FFFD with a 201 — inside app passwords too, so the password stored was not the one sent.
 * It is refused with a 400 naming the field, and nothing is stored.
 */
let t: TestApp;
let tenant: { id: string; key: string };

beforeAll(async () => {
  t = await startTestApp();
  tenant = await createTenant(t, 'Unicode');
});
afterAll(async () => t?.close());

const json = { 'content-type': 'application/json' };

async function putUser(uid: string, payload: string | Buffer) {
  return t.app.inject({ method: 'PUT', url: `/v1/users/${uid}`, headers: { ...bearer(tenant.key), ...json }, payload });
}

describe('invalid Unicode in a JSON body', () => {
  it.each([
    ['a lone high surrogate escape', '"pw\\ud800x"'],
    ['a lone low surrogate escape', '"\\udc00"'],
    ['a reversed surrogate pair', '"\\udc00\\ud800"'],
  ])('refuses %s in the app password and stores nothing', async (_name, literal) => {
    const res = await putUser('lone', `{"loginName":"lone","appPassword":${literal}}`);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().code).toBe('EXSYNC_VALIDATION_FAILED');
    expect(res.json().message).toContain('body.appPassword');
    expect((await t.app.inject({ method: 'GET', url: '/v1/users/lone', headers: bearer(tenant.key) })).statusCode).toBe(
      404,
    );
  });

  it.each([
    ['a stray continuation byte', Buffer.from([0x80])],
    ['a truncated sequence', Buffer.from([0xe2, 0x82])],
    ['an overlong encoding', Buffer.from([0xc0, 0xaf])],
    ['an encoded surrogate', Buffer.from([0xed, 0xa0, 0x80])],
    ['a byte that never occurs', Buffer.from([0xff])],
  ])('refuses %s (invalid UTF-8) in the app password', async (_name, bad) => {
    const payload = Buffer.concat([Buffer.from('{"loginName":"bytes","appPassword":"pw'), bad, Buffer.from('x"}')]);
    const res = await putUser('bytes', payload);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().code).toBe('EXSYNC_VALIDATION_FAILED');
    expect(res.json().message).toContain('body.appPassword');
  });

  it('names the entry of a bulk request', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/users/bulk',
      headers: { ...bearer(tenant.key), ...json },
      payload:
        '{"users":[{"ncUserId":"a","loginName":"a","appPassword":"p"},{"ncUserId":"b","loginName":"b\\ud83d","appPassword":"p"}]}',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toContain('body.users[1].loginName');
  });

  it('names a field of a tenant (admin route) with an invalid byte', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/tenants',
      headers: { ...bearer(t.adminKey), ...json },
      payload: Buffer.concat([
        Buffer.from('{"name":"Ac'),
        Buffer.from([0xfe]),
        Buffer.from('me","nextcloudUrl":"https://x.example"}'),
      ]),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toContain('body.name');
  });

  it('refuses invalid bytes outside any string as invalid JSON', async () => {
    const res = await putUser(
      'outside',
      Buffer.concat([Buffer.from('{"loginName":"x",'), Buffer.from([0xff]), Buffer.from('}')]),
    );
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('EXSYNC_INVALID_JSON');
  });

  it('accepts valid text: surrogate pairs, escaped or not, and a real U+FFFD, stored exactly', async () => {
    const res = await putUser(
      'valid',
      '{"loginName":"valid","appPassword":"\\ud83d\\udd11-🔑-\ufffd-\\ufffd","displayName":"Zoë"}',
    );
    expect(res.statusCode, res.body).toBe(201);
    const sealed = await createRepositories(t.db).users.getCredentials(tenant.id, 'valid');
    expect(t.vault.open(sealed!, secretContext.appPassword(tenant.id, 'valid'))).toBe('🔑-🔑-\ufffd-\ufffd');
  });
});
